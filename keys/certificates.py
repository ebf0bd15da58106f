"""Reading X.509 certificates: the public side, safe for verifiers."""

from __future__ import annotations

import datetime as dt
import hashlib
import warnings
from dataclasses import dataclass

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization

from keys.errors import KeysError


@dataclass(frozen=True, slots=True)
class CertificateInfo:
    """What the rest of cecert needs to know about one X.509 certificate."""

    der: bytes
    subject: str
    """RFC 4514 form of the subject."""
    common_name: str
    not_before: dt.datetime
    not_after: dt.datetime
    sha256: str
    """Hex SHA-256 fingerprint of the DER encoding."""
    spki_der: bytes
    """The subject's public key as DER SubjectPublicKeyInfo."""
    serial: int = 0
    """The certificate's serial number (what a CRL or an OCSP response names)."""
    organization: str = ""
    """The subject's organization (O), e.g. the bureau a seal belongs to."""
    subject_serial: str = ""
    """The subject's serialNumber attribute: a seal's region code (``440100``)."""

    @property
    def pem(self) -> str:
        return der_to_pem(self.der)


def der_to_pem(der: bytes) -> str:
    cert = x509.load_der_x509_certificate(der)
    return cert.public_bytes(serialization.Encoding.PEM).decode("ascii")


def fingerprint(der: bytes) -> str:
    """Hex SHA-256 of a certificate's DER encoding."""
    return hashlib.sha256(der).hexdigest()


def load_certificate(data: bytes | str, *, source: str = "certificate") -> CertificateInfo:
    """Parse one PEM or DER certificate; raise :class:`KeysError` ``bad_certificate``."""
    if not isinstance(data, bytes | str):
        raise KeysError("bad_certificate", f"{source}: a certificate must be PEM text")
    # cryptography parses the subject and the key lazily, so a damaged certificate can load
    # and fail only when they are read (ValueError, UnsupportedAlgorithm for an unknown key
    # type or curve, InvalidVersion): all of it is inside the try. What cryptography only
    # warns about (a negative serial, a country name not of two letters) is refused too:
    # fail closed. (Certificates are read when a trust list or key ring is loaded, not per
    # request, so the process-wide warnings filter is changed only briefly.)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            return _read_certificate(data)
    except (ValueError, UnicodeError, UnsupportedAlgorithm, x509.InvalidVersion, Warning) as exc:
        raise KeysError("bad_certificate", f"{source}: not a readable X.509 certificate") from exc


def _read_certificate(data: bytes | str) -> CertificateInfo:
    raw = data.encode("ascii") if isinstance(data, str) else data
    if raw.lstrip().startswith(b"-----BEGIN"):
        cert = x509.load_pem_x509_certificate(raw)
    else:
        cert = x509.load_der_x509_certificate(raw)
    der = cert.public_bytes(serialization.Encoding.DER)
    names = cert.subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)
    organizations = cert.subject.get_attributes_for_oid(x509.NameOID.ORGANIZATION_NAME)
    serials = cert.subject.get_attributes_for_oid(x509.NameOID.SERIAL_NUMBER)
    return CertificateInfo(
        der=der,
        subject=cert.subject.rfc4514_string(),
        common_name=str(names[0].value) if names else "",
        not_before=cert.not_valid_before_utc,
        not_after=cert.not_valid_after_utc,
        sha256=fingerprint(der),
        spki_der=cert.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        ),
        serial=cert.serial_number,
        organization=str(organizations[0].value) if organizations else "",
        subject_serial=str(serials[0].value) if serials else "",
    )
