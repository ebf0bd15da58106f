"""The QR text: ``CEC1:`` followed by the Base45 of a COSE_Sign1 message."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from registry.errors import RegistryError
from registry.payload.base45 import b45decode, b45encode
from registry.payload.claims import Claims
from registry.payload.cose import Sign1Message, decode_sign1, encode_sign1

PREFIX = "CEC1:"
"""Format name and version. Every character is in the QR alphanumeric set."""
MAX_TEXT = 2800
"""Characters. Longer input is refused before any decoding."""


@dataclass(frozen=True, slots=True)
class SignedPayload:
    """A decoded QR payload whose signature has **not** been checked yet."""

    message: Sign1Message
    claims: Claims


def encode_payload(claims: Claims, *, kid: bytes, sign: Callable[[bytes], bytes]) -> str:
    """The QR text for ``claims``, signed through ``sign`` (raw ES256 over the input)."""
    return PREFIX + b45encode(encode_sign1(claims.to_cbor(), kid=kid, sign=sign))


def decode_payload(text: str) -> SignedPayload:
    """Parse a QR text; raise :class:`RegistryError` naming what is wrong.

    Reasons: ``payload_too_large``, ``bad_prefix`` (not a cecert code, or another version),
    ``bad_base45``, ``bad_cbor``, ``bad_cose``, ``bad_claims``. The signature is left to
    the caller (the verifier), which must check it before trusting any claim.
    """
    stripped = text.strip()
    if len(stripped) > MAX_TEXT:
        raise RegistryError("payload_too_large", f"QR text of {len(stripped)} characters")
    if not stripped.startswith(PREFIX):
        # The text is not echoed: verifiers show this message to whoever sent the text, and
        # it may be an ID number or a name pasted in the wrong field.
        raise RegistryError(
            "bad_prefix", f"the QR text does not start with {PREFIX!r}: not a cecert v1 code"
        )
    message = decode_sign1(b45decode(stripped[len(PREFIX) :]))
    return SignedPayload(message=message, claims=Claims.from_cbor(message.payload))
