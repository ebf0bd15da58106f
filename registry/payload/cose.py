"""COSE_Sign1 (RFC 9052) structure for ES256, without any cryptography.

The codec builds the bytes to be signed and parses received messages; signing and checking
signatures is done by :mod:`keys` through the callables and values passed in and out.
"""

from __future__ import annotations

import threading
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
    """``["Signature1", protected, h'', payload]`` in CBOR: the same bytes as
    ``cbor2.dumps`` of that array (a test compares them), written directly."""
    return b"".join((_SIG1_HEAD, _bstr_head(len(protected)), protected, b"\x40",
                     _bstr_head(len(payload)), payload))  # fmt: skip


_SIG1_HEAD = b"\x84\x6aSignature1"
"""An array of 4 items, then the text string ``Signature1``."""


def _bstr_head(length: int) -> bytes:
    """The shortest head of a byte string of ``length`` bytes (major type 2)."""
    if length < 24:
        return bytes((0x40 + length,))
    if length < 0x100:
        return bytes((0x58, length))
    if length < 0x10000:
        return bytes((0x59, length >> 8, length & 0xFF))
    if length < 0x1_0000_0000:
        return b"\x5a" + length.to_bytes(4, "big")
    return b"\x5b" + length.to_bytes(8, "big")


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


class _Encoder(threading.local):
    """One CBOR encoder per thread, reused: ``cbor2.dumps`` builds a new encoder and buffer
    on every call, about 3 µs, as long as encoding a whole claim set takes."""

    buffer: BytesIO
    encoder: cbor2.CBOREncoder | None = None


_ENCODER = _Encoder()


def _encode(value: Any) -> bytes:
    """``cbor2.dumps(value)`` (same options, same bytes) through this thread's encoder.

    The encoder clears its state at the end of each top-level ``encode``; after an error it
    is dropped all the same, so that nothing half-written can affect the next call.
    """
    held = _ENCODER
    if held.encoder is None:
        held.buffer = BytesIO()
        held.encoder = cbor2.CBOREncoder(held.buffer)
    buffer = held.buffer
    buffer.seek(0)
    buffer.truncate()
    try:
        held.encoder.encode(value)
    except BaseException:
        held.encoder = None
        raise
    return buffer.getvalue()


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
        canonical = _encode(value)
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
    fast = _read_exact_sign1(data)
    return fast if fast is not None else _decode_sign1_strict(data)


def _decode_sign1_strict(data: bytes) -> Sign1Message:
    """:func:`decode_sign1` by the general strict decoder, for any input."""
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


_TAGGED_ARRAY = b"\xd2\x84"
"""Tag 18 (COSE_Sign1) around an array of 4 items."""
_HEADER_START = b"\xa2\x01\x26\x04"
"""The protected header's map of 2 items, ``1: -7`` (alg: ES256), then the label 4 (kid)."""
_SIGNATURE_HEAD = b"\x58\x40"
"""A byte string of 64 bytes: the raw ES256 signature."""


def _bstr_at(data: bytes, at: int) -> tuple[int, int] | None:
    """Start and end of the byte string whose shortest-form head is at ``at``, or ``None``
    when there is none (another type, a longer head than needed, past the end)."""
    if at >= len(data):
        return None
    head = data[at]
    if 0x40 <= head < 0x58:
        start, length = at + 1, head - 0x40
    elif head == 0x58 and at + 1 < len(data) and data[at + 1] >= 24:
        start, length = at + 2, data[at + 1]
    elif head == 0x59 and at + 2 < len(data) and data[at + 1] != 0:
        start, length = at + 3, (data[at + 1] << 8) | data[at + 2]
    else:
        return None
    end = start + length
    return (start, end) if end <= len(data) else None


def _read_exact_sign1(data: bytes) -> Sign1Message | None:
    """The message, when ``data`` is byte for byte the layout :func:`encode_sign1` writes;
    else ``None`` and :func:`decode_sign1` runs the general strict decoder, which accepts
    or refuses it with the reason.

    That layout is a tagged array of a protected header ``{1: -7, 4: kid}`` with a non-empty
    kid, an empty unprotected map, the payload and a 64-byte signature, every head in
    shortest form and nothing after it: exactly what the strict decoder accepts for these
    items, so this reading is the same, only without decoding and re-encoding the message
    (the payload is parsed and checked by :meth:`Claims.from_cbor` either way).
    """
    if not data.startswith(_TAGGED_ARRAY):
        return None
    protected_at = _bstr_at(data, 2)
    if protected_at is None:
        return None
    start, end = protected_at
    protected = data[start:end]
    kid_at = _bstr_at(protected, 4) if protected.startswith(_HEADER_START) else None
    if kid_at is None or kid_at[1] != len(protected) or kid_at[0] == kid_at[1]:
        return None
    if data[end : end + 1] != b"\xa0":
        return None
    payload_at = _bstr_at(data, end + 1)
    if payload_at is None:
        return None
    start, end = payload_at
    if data[end : end + 2] != _SIGNATURE_HEAD or len(data) != end + 66:
        return None
    return Sign1Message(
        kid=protected[kid_at[0] :],
        protected=protected,
        payload=data[start:end],
        signature=data[end + 2 :],
    )
