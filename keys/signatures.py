"""ES256 (ECDSA P-256 with SHA-256) signature checks over bytes: the public side.

Signatures travel in the raw ``r || s`` form (64 bytes) used by COSE and JOSE; only this
module and :mod:`keys.private` know how that maps onto the DER form of X9.62.

An ECDSA signature ``(r, s)`` has a twin: ``(r, n - s)`` verifies just as well, for the same
data and key. A file or a QR code carrying one could be turned into a second, different one
carrying the other, both valid. cecert's signers write only the *low-S* form (``s <= n/2``,
:func:`is_low_s`); the verifier refuses the other form where nothing else covers it, for
signatures made from :data:`LOW_S_REQUIRED_FROM` on (``docs/verification.md``).
"""

from __future__ import annotations

import datetime as dt

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature,
    encode_dss_signature,
)

from keys.errors import KeysError

ES256 = "ES256"
_COORDINATE = 32
_ECDSA_SHA256 = ec.ECDSA(hashes.SHA256())
"""Made once: the algorithm object holds no state, and building it costs about a µs."""
P256_ORDER = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551
"""The order ``n`` of the P-256 group (SEC 2 v2, §2.4.2)."""
_HALF_ORDER = P256_ORDER // 2

LOW_S_REQUIRED_FROM = dt.datetime(2026, 12, 5, 16, 0, tzinfo=dt.UTC)
"""From this moment on every ECDSA signature cecert makes is low-S, and the verifier refuses
the high-S twin of the signatures no other signature covers (the QR code's, the last document
timestamp's): 2026-12-06 00:00 Beijing time, the start of the day of the release whose
signer writes only low-S signatures.

Judged by the time the signature itself vouches for, which a forger cannot move: the last
document timestamp's ``genTime``, and the QR payload's issue date (a China date; the moment
is a China midnight, so "issued on or after 2026-12-06" is the same rule). Signatures made
before keep verifying in either form: about half of them are high-S, and certificates
already in holders' hands must not become invalid.

Security: a bureau must run that release (or a later one) for everything it signs from this
moment on. A signer of an earlier release would make high-S signatures half of the time, and
those certificates would be refused (``signature_not_low_s``) and must be issued again."""


class PublicKey:
    """A P-256 public key that checks ES256 signatures.

    Loading is done once; :meth:`verify` is then the bare cost of an ECDSA verification.
    """

    __slots__ = ("_key", "spki_der")

    def __init__(self, pem_or_der: bytes | str) -> None:
        raw = pem_or_der.encode("ascii") if isinstance(pem_or_der, str) else pem_or_der
        try:
            if raw.lstrip().startswith(b"-----BEGIN"):
                key = serialization.load_pem_public_key(raw)
            else:
                key = serialization.load_der_public_key(raw)
        except (ValueError, TypeError) as exc:
            raise KeysError("bad_public_key", "not a readable public key") from exc
        if not isinstance(key, ec.EllipticCurvePublicKey) or key.curve.name != "secp256r1":
            raise KeysError("bad_public_key", "only ECDSA P-256 public keys are accepted")
        self._key = key
        self.spki_der = key.public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )

    @property
    def pem(self) -> str:
        return self._key.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        ).decode("ascii")

    def verify(self, signature: bytes, data: bytes) -> bool:
        """Return whether ``signature`` (raw r||s, 64 bytes) is a valid ES256 signature of
        ``data``. Never raises for a bad signature: a wrong length is simply ``False``."""
        if len(signature) != 2 * _COORDINATE:
            return False
        r = int.from_bytes(signature[:_COORDINATE], "big")
        s = int.from_bytes(signature[_COORDINATE:], "big")
        try:
            self._key.verify(encode_dss_signature(r, s), data, _ECDSA_SHA256)
        except InvalidSignature:
            return False
        return True


def is_low_s(signature: bytes) -> bool:
    """Is the raw ``r || s`` ES256 ``signature`` (64 bytes) in its low-S form, ``s <= n/2``?

    ``False`` for a wrong length. Says nothing about whether the signature verifies."""
    if len(signature) != 2 * _COORDINATE:
        return False
    return int.from_bytes(signature[_COORDINATE:], "big") <= _HALF_ORDER


def der_is_low_s(signature: bytes) -> bool:
    """Is the DER ``ECDSA-Sig-Value`` ``signature`` (as CMS carries it) in its low-S form?

    ``False`` when it is not a DER ``SEQUENCE`` of two integers. Says nothing about whether
    the signature verifies."""
    try:
        _, s = decode_dss_signature(signature)
    except ValueError:
        return False
    return s <= _HALF_ORDER


def low_s(r: int, s: int) -> tuple[int, int]:
    """The low-S form of the ECDSA signature ``(r, s)``: ``(r, n - s)`` when ``s > n/2``.

    Both verify alike; only the low-S form is ever written (:mod:`keys.private`)."""
    return (r, P256_ORDER - s) if s > _HALF_ORDER else (r, s)


def low_s_der(signature: bytes) -> bytes:
    """The low-S form of a P-256 ECDSA signature in DER, as ``cryptography`` makes it:
    ``signature`` itself when ``s <= n/2``, else ``r`` unchanged and ``n - s``.

    The shape ``cryptography`` writes is read and written by hand, in about a microsecond (a
    decode and an encode through ``cryptography`` cost some 12 µs, and a sealed document
    has three signatures): a P-256 ``ECDSA-Sig-Value`` is at most 72 bytes, so every DER
    length is one byte, and ``SEQUENCE { INTEGER r, INTEGER s }`` puts ``s`` last. Any
    other shape takes ``cryptography``'s decoder and encoder, with the same result."""
    size = len(signature)
    at = 4 + signature[3] if size > 8 else 0  # the INTEGER s: 02, its length, its value
    if (
        size > 8
        and signature[0] == 0x30
        and signature[1] == size - 2
        and signature[2] == 0x02
        and at + 2 < size
        and signature[at] == 0x02
        and signature[at + 1] == size - at - 2
    ):
        s = int.from_bytes(signature[at + 2 :], "big")
        if s <= _HALF_ORDER:
            return signature
        value = P256_ORDER - s
        low = value.to_bytes(value.bit_length() // 8 + 1, "big")  # with the sign bit clear
        body = signature[2:at] + bytes((0x02, len(low))) + low
        return bytes((0x30, len(body))) + body
    encoded: bytes = encode_dss_signature(*low_s(*decode_dss_signature(signature)))
    return encoded
