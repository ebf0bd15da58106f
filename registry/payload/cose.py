"""COSE_Sign1 (RFC 9052) structure for ES256, without any cryptography.

The codec builds the bytes to be signed and parses received messages; signing and checking
signatures is done by :mod:`keys` through the callables and values passed in and out.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from io import BytesIO
from typing import Any

import cbor2

from registry.errors import RegistryError

COSE_SIGN1_TAG = 18
HEADER_ALG = 1
HEADER_KID = 4
ALG_ES256 = -7
MAX_MESSAGE = 2048
"""Bytes. A certificate's message is ~300; anything far larger is refused before parsing."""


@dataclass(frozen=True, slots=True)
class Sign1Message:
    """A parsed COSE_Sign1: what was received, not a re-serialisation of it."""

    kid: bytes
    protected: bytes
    """The protected header exactly as received (a CBOR map inside a bstr)."""
    payload: bytes
    signature: bytes

    @property
    def to_be_signed(self) -> bytes:
        """The Sig_structure whose ES256 signature must equal :attr:`signature`."""
        return sig_structure(self.protected, self.payload)


def sig_structure(protected: bytes, payload: bytes) -> bytes:
    return cbor2.dumps(["Signature1", protected, b"", payload])


def encode_sign1(payload: bytes, *, kid: bytes, sign: Callable[[bytes], bytes]) -> bytes:
    """Build a tagged COSE_Sign1 with ``alg: ES256`` and ``kid`` in the protected header.

    ``sign`` receives the Sig_structure and returns the raw 64-byte ES256 signature.
    """
    protected = cbor2.dumps({HEADER_ALG: ALG_ES256, HEADER_KID: kid})
    signature = sign(sig_structure(protected, payload))
    return cbor2.dumps(cbor2.CBORTag(COSE_SIGN1_TAG, [protected, {}, payload, signature]))


_DECODE_ERRORS = (
    cbor2.CBORDecodeError,
    ValueError,
    TypeError,
    OverflowError,
    RecursionError,
    LookupError,
    # cbor2 builds decimal.Decimal for tags 4 and 5 (decimal fraction, bigfloat): a huge
    # exponent raises decimal.InvalidOperation or decimal.Overflow, both ArithmeticError.
    ArithmeticError,
)
_ENCODE_ERRORS = (cbor2.CBOREncodeError, ValueError, TypeError, OverflowError, RecursionError)


def loads_strict(data: bytes, what: str) -> Any:
    """Decode exactly one CBOR item that fills ``data``; raise ``RegistryError('bad_cbor')``.

    Strict, so that the same bytes can never be read two ways (by this decoder and by
    another one, such as the in-browser verifier): trailing bytes are refused, and ``data``
    must be exactly the encoding cecert writes of the decoded value (shortest-form heads,
    definite lengths, no duplicate map keys, no bignum for a small integer). Anything else,
    even under a valid signature, is ``bad_cbor``.
    """
    stream = BytesIO(data)
    try:
        # str_errors="replace": cbor2's C decoder leaks ~700 bytes on each text string that
        # is not UTF-8 when it raises (cbor2 issue #257; found by fuzzing, fuzz/README.md),
        # so one request could grow a server's memory for good. Replaced characters never
        # re-encode to the received bytes: the canonical check below refuses them.
        value = cbor2.CBORDecoder(stream, str_errors="replace").decode()
    except _DECODE_ERRORS as exc:
        raise RegistryError("bad_cbor", f"{what} is not well-formed CBOR: {exc}") from exc
    if stream.tell() != len(data):
        raise RegistryError(
            "bad_cbor", f"{what}: {len(data) - stream.tell()} byte(s) after the CBOR item"
        )
    try:
        canonical = cbor2.dumps(value)
    except _ENCODE_ERRORS as exc:
        raise RegistryError("bad_cbor", f"{what} holds an item cecert never writes") from exc
    if canonical != data:
        raise RegistryError(
            "bad_cbor",
            f"{what} is not in the one encoding cecert writes (shortest form, definite "
            "lengths, no duplicate map keys)",
        )
    return value


def decode_sign1(data: bytes) -> Sign1Message:
    """Parse a tagged COSE_Sign1 and its protected header; raise ``RegistryError``.

    Reasons: ``payload_too_large``, ``bad_cbor``, ``bad_cose`` (wrong structure, missing or
    unsupported ``alg``, missing ``kid``). Only ES256 is accepted: the algorithm is fixed by the
    format, never chosen by the message.
    """
    if len(data) > MAX_MESSAGE:
        raise RegistryError("payload_too_large", f"COSE message of {len(data)} bytes is too large")
    outer = loads_strict(data, "COSE message")
    if not isinstance(outer, cbor2.CBORTag) or outer.tag != COSE_SIGN1_TAG:
        raise RegistryError("bad_cose", "not a tagged COSE_Sign1 message (tag 18)")
    body = outer.value
    # cbor2 yields tuples and frozendicts for items inside a tag.
    if not isinstance(body, list | tuple) or len(body) != 4:
        raise RegistryError("bad_cose", "COSE_Sign1 must be an array of 4 items")
    protected, unprotected, payload, signature = body
    if not (
        isinstance(protected, bytes)
        and isinstance(unprotected, Mapping)
        and isinstance(payload, bytes)
        and isinstance(signature, bytes)
    ):
        raise RegistryError("bad_cose", "COSE_Sign1 items have the wrong types")
    if unprotected:
        raise RegistryError("bad_cose", "unprotected header must be empty")
    header = loads_strict(protected, "protected header")
    # Python's ``True == 1`` and ``-7.0 == -7``: labels and alg must be integers by type,
    # else a map another decoder reads as {true: …} would pass here as {1: …}.
    if (
        not isinstance(header, Mapping)
        or set(header) != {HEADER_ALG, HEADER_KID}
        or any(type(label) is not int for label in header)
    ):
        raise RegistryError("bad_cose", "protected header must hold exactly alg and kid")
    if type(header[HEADER_ALG]) is not int or header[HEADER_ALG] != ALG_ES256:
        raise RegistryError("bad_cose", f"algorithm {header[HEADER_ALG]!r} is not ES256")
    kid = header[HEADER_KID]
    if not isinstance(kid, bytes) or not kid:
        raise RegistryError("bad_cose", "kid must be a non-empty byte string")
    return Sign1Message(kid=kid, protected=protected, payload=payload, signature=signature)
