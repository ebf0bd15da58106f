"""ES256 (ECDSA P-256 with SHA-256) signature checks over bytes: the public side.

Signatures travel in the raw ``r || s`` form (64 bytes) used by COSE and JOSE; only this
module and :mod:`keys.private` know how that maps onto the DER form of X9.62.
"""

from __future__ import annotations

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from keys.errors import KeysError

ES256 = "ES256"
_COORDINATE = 32
_ECDSA_SHA256 = ec.ECDSA(hashes.SHA256())
"""Made once: the algorithm object holds no state, and building it costs about a µs."""


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
