"""Key identifiers (kid) for QR-signing keys."""

from __future__ import annotations

import base64
import hashlib

KID_BYTES = 8


def kid_for_spki(spki_der: bytes) -> bytes:
    """Return the key id of a public key: the first 8 bytes of SHA-256 over its DER
    SubjectPublicKeyInfo. Deterministic, so anyone holding the public key can recompute it."""
    return hashlib.sha256(spki_der).digest()[:KID_BYTES]


def kid_text(kid: bytes) -> str:
    """The unpadded base64url form used in the trust list and in messages."""
    return base64.urlsafe_b64encode(kid).rstrip(b"=").decode("ascii")


def kid_from_text(text: str) -> bytes:
    """Parse the base64url form back to bytes (padding optional)."""
    padded = text + "=" * (-len(text) % 4)
    return base64.urlsafe_b64decode(padded.encode("ascii"))
