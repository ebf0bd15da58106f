"""The certificates of a key ring: the root CA, the seal and the time-stamping unit.

Profiles (``docs/keys-and-home.md``): the root is self-signed, a CA of path length 0 with
keyCertSign + cRLSign, for 30 years; the seal (digitalSignature + nonRepudiation, the bureau's
region in the subject) lasts 5 years, at most the root's; the time-stamping unit (EKU
timeStamping, critical) lasts as long as the root. All ECDSA P-256 with SHA-256.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

ROOT_YEARS = 30
SEAL_YEARS = 5


@dataclass(frozen=True, slots=True)
class AuthorityNames:
    """Who the keys belong to: the province's HR department and the issuing bureau."""

    province: str
    """Name of the root CA holder, e.g. ``广东省人力资源和社会保障厅``."""
    bureau: str
    """Name of the issuing bureau, e.g. ``广州市人力资源和社会保障局``."""
    region: str
    """Six-digit administrative division code of the bureau."""


def _name(common_name: str, organization: str, region: str | None = None) -> x509.Name:
    attributes = [
        x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization),
        x509.NameAttribute(NameOID.COMMON_NAME, common_name),
    ]
    if region is not None:
        # The bureau's region code, so a verifier can check that a certificate's QR payload
        # (which names its issuer by region) and its seal come from the same bureau.
        attributes.append(x509.NameAttribute(NameOID.SERIAL_NUMBER, region))
    return x509.Name(attributes)


def _key_usage(
    *,
    digital_signature: bool = False,
    content_commitment: bool = False,
    key_cert_sign: bool = False,
    crl_sign: bool = False,
) -> x509.KeyUsage:
    """A key usage extension with only the named bits set (content_commitment is what
    RFC 5280 now calls nonRepudiation)."""
    return x509.KeyUsage(
        digital_signature=digital_signature,
        content_commitment=content_commitment,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=key_cert_sign,
        crl_sign=crl_sign,
        encipher_only=False,
        decipher_only=False,
    )


def years(at: dt.datetime, years: int) -> dt.datetime:
    return at + dt.timedelta(days=365 * years + years // 4)


def root_certificate(
    key: ec.EllipticCurvePrivateKey, names: AuthorityNames, at: dt.datetime
) -> x509.Certificate:
    subject = _name("专业技术人员继续教育根证书", names.province)
    public = key.public_key()
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(public)
        .serial_number(x509.random_serial_number())
        .not_valid_before(at - dt.timedelta(minutes=5))
        .not_valid_after(years(at, ROOT_YEARS))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            _key_usage(digital_signature=True, key_cert_sign=True, crl_sign=True),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
        .sign(key, hashes.SHA256())
    )


def _issued_certificate(
    key: ec.EllipticCurvePrivateKey,
    root_key: ec.EllipticCurvePrivateKey,
    root: x509.Certificate,
    *,
    subject: x509.Name,
    at: dt.datetime,
    not_after: dt.datetime,
    usage: x509.KeyUsage,
    extended_usage: x509.ExtendedKeyUsage | None = None,
) -> x509.Certificate:
    """An end-entity certificate for ``key`` issued by the root (both critical usages)."""
    public = key.public_key()
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(root.subject)
        .public_key(public)
        .serial_number(x509.random_serial_number())
        .not_valid_before(at - dt.timedelta(minutes=5))
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(usage, critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(root_key.public_key()),
            critical=False,
        )
    )
    if extended_usage is not None:
        builder = builder.add_extension(extended_usage, critical=True)
    return builder.sign(root_key, hashes.SHA256())


def seal_certificate(
    key: ec.EllipticCurvePrivateKey,
    root_key: ec.EllipticCurvePrivateKey,
    root: x509.Certificate,
    names: AuthorityNames,
    at: dt.datetime,
) -> x509.Certificate:
    """The seal's certificate: digitalSignature + nonRepudiation, 5 years (at most the
    root's), the bureau's region in the subject."""
    return _issued_certificate(
        key,
        root_key,
        root,
        subject=_name("专业技术人员继续教育专用章", names.bureau, names.region),
        at=at,
        not_after=min(years(at, SEAL_YEARS), root.not_valid_after_utc),
        usage=_key_usage(digital_signature=True, content_commitment=True),
    )


def tsa_certificate(
    key: ec.EllipticCurvePrivateKey,
    root_key: ec.EllipticCurvePrivateKey,
    root: x509.Certificate,
    names: AuthorityNames,
    at: dt.datetime,
) -> x509.Certificate:
    """The time-stamping unit's certificate: EKU timeStamping (critical, as RFC 3161 requires),
    valid as long as the root, so that the document timestamps of every certificate stay
    verifiable for the root's whole life (holders cannot add archive timestamps later)."""
    return _issued_certificate(
        key,
        root_key,
        root,
        subject=_name("专业技术人员继续教育时间戳服务", names.bureau, names.region),
        at=at,
        not_after=root.not_valid_after_utc,
        usage=_key_usage(digital_signature=True),
        extended_usage=x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.TIME_STAMPING]),
    )
