"""Signing with private keys: the seal (PAdES/CMS), QR (COSE ES256) and root keys.

These objects hold decrypted private keys in memory. Only issuance code should hold them;
the verifier never imports this package.
"""

from __future__ import annotations

from typing import Protocol, TypeVar

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

from keys.certificates import CertificateInfo
from keys.kid import kid_for_spki, kid_text
from keys.signatures import low_s, low_s_der

_ECDSA_SHA256 = ec.ECDSA(hashes.SHA256())


def spki_of(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )


class Es256Signer:
    """Makes raw ``r || s`` ES256 signatures (COSE, checkpoints, trust lists, snapshots),
    always in the low-S form (:func:`keys.signatures.low_s`)."""

    __slots__ = ("_key", "kid")

    def __init__(self, key: ec.EllipticCurvePrivateKey) -> None:
        self._key = key
        self.kid = kid_for_spki(spki_of(key))

    @property
    def kid_text(self) -> str:
        return kid_text(self.kid)

    @property
    def public_key_pem(self) -> str:
        return (
            self._key.public_key()
            .public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            )
            .decode("ascii")
        )

    def sign(self, data: bytes) -> bytes:
        """ES256 signature of ``data`` as 64 raw bytes, low-S."""
        r, s = low_s(*decode_dss_signature(self._key.sign(data, _ECDSA_SHA256)))
        return r.to_bytes(32, "big") + s.to_bytes(32, "big")


class SealSigner:
    """The bureau's seal key (or its time-stamping key) with its certificate chain, for CMS
    signatures in PDFs: the seal's, and the time-stamp tokens'."""

    __slots__ = ("_key", "certificate", "chain")

    def __init__(
        self,
        key: ec.EllipticCurvePrivateKey,
        certificate: CertificateInfo,
        chain: tuple[CertificateInfo, ...],
    ) -> None:
        self._key = key
        self.certificate = certificate
        self.chain = chain
        """Issuer certificates up to and including the root."""

    def sign_der(self, data: bytes) -> bytes:
        """ECDSA-with-SHA256 signature of ``data``, DER-encoded as CMS expects, low-S: the
        last document timestamp's signature is covered by nothing else, and a verifier
        refuses its high-S twin (:data:`keys.signatures.LOW_S_REQUIRED_FROM`)."""
        return low_s_der(self._key.sign(data, _ECDSA_SHA256))


T_co = TypeVar("T_co", covariant=True)


class _Builder(Protocol[T_co]):
    def sign(self, private_key: ec.EllipticCurvePrivateKey, algorithm: hashes.SHA256) -> T_co: ...


class CertificateAuthority:
    """The root CA's key with its certificate: signs certificates, CRLs and OCSP responses.

    The key is only reachable through :meth:`sign_builder`, which signs a ``cryptography``
    builder (certificate, CRL or OCSP response) with ECDSA-SHA256.
    """

    __slots__ = ("_key", "certificate")

    def __init__(self, key: ec.EllipticCurvePrivateKey, certificate: CertificateInfo) -> None:
        self._key = key
        self.certificate = certificate

    @property
    def public_key(self) -> ec.EllipticCurvePublicKey:
        return self._key.public_key()

    def sign_builder(self, builder: _Builder[T_co]) -> T_co:
        """``builder.sign(root key, SHA-256)``: a certificate, CRL or OCSP response."""
        return builder.sign(self._key, hashes.SHA256())
