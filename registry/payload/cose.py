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


def loads_strict(data: bytes, what: str) -> Any:
    """Decode exactly one CBOR item that fills ``data``; raise ``RegistryError('bad_cbor')``.

    Trailing bytes are refused: the same text must never be readable two ways."""
    stream = BytesIO(data)
    try:
        value = cbor2.CBORDecoder(stream).decode()
    except (
        cbor2.CBORDecodeError,
        ValueError,
        TypeError,
        OverflowError,
        RecursionError,
        LookupError,
    ) as exc:
        raise RegistryError("bad_cbor", f"{what} is not well-formed CBOR: {exc}") from exc
    if stream.tell() != len(data):
        raise RegistryError(
            "bad_cbor", f"{what}: {len(data) - stream.tell()} byte(s) after the CBOR item"
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
    if not isinstance(header, Mapping) or set(header) != {HEADER_ALG, HEADER_KID}:
        raise RegistryError("bad_cose", "protected header must hold exactly alg and kid")
    if header[HEADER_ALG] != ALG_ES256:
        raise RegistryError("bad_cose", f"algorithm {header[HEADER_ALG]!r} is not ES256")
    kid = header[HEADER_KID]
    if not isinstance(kid, bytes) or not kid:
        raise RegistryError("bad_cose", "kid must be a non-empty byte string")
    return Sign1Message(kid=kid, protected=protected, payload=payload, signature=signature)
