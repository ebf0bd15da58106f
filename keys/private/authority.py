"""The bureau's key ring: creating it (root CA, seal certificate, QR key) and opening it.

Layout of a key directory (``docs/keys-and-home.md``)::

    keyring.json          public manifest: file names, kids, validity windows
    root.key.pem          encrypted PKCS#8, 0600      root.crt.pem
    seal.key.pem          encrypted PKCS#8, 0600      seal.crt.pem
    qr-<kid>.key.pem      encrypted PKCS#8, 0600
"""

from __future__ import annotations

import datetime as dt
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from keys.certificates import CertificateInfo, load_certificate
from keys.errors import KeysError
from keys.kid import kid_text
from keys.private.signing import Es256Signer, SealSigner, spki_of
from keys.private.store import (
    check_passphrase,
    derive_key_password,
    new_kdf_parameters,
    read_private_key,
    write_private_key,
)
from keys.trust import format_time, parse_time

MANIFEST = "keyring.json"
ROOT_YEARS = 30
SEAL_YEARS = 5
QR_KEY_YEARS = 5


@dataclass(frozen=True, slots=True)
class AuthorityNames:
    """Who the keys belong to: the province's HR department and the issuing bureau."""

    province: str
    """Name of the root CA holder, e.g. ``广东省人力资源和社会保障厅``."""
    bureau: str
    """Name of the issuing bureau, e.g. ``广州市人力资源和社会保障局``."""
    region: str
    """Six-digit administrative division code of the bureau."""


@dataclass(frozen=True, slots=True)
class KeyRing:
    """The decrypted key ring of one bureau. Holds private keys: keep it in issuance code."""

    root: Es256Signer
    root_certificate: CertificateInfo
    seal: SealSigner
    qr: Es256Signer
    qr_not_before: dt.datetime
    qr_not_after: dt.datetime


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


def _years(at: dt.datetime, years: int) -> dt.datetime:
    return at + dt.timedelta(days=365 * years + years // 4)


def _root_certificate(
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
        .not_valid_after(_years(at, ROOT_YEARS))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            _key_usage(digital_signature=True, key_cert_sign=True, crl_sign=True),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
        .sign(key, hashes.SHA256())
    )


def _seal_certificate(
    key: ec.EllipticCurvePrivateKey,
    root_key: ec.EllipticCurvePrivateKey,
    root: x509.Certificate,
    names: AuthorityNames,
    at: dt.datetime,
) -> x509.Certificate:
    public = key.public_key()
    return (
        x509.CertificateBuilder()
        .subject_name(_name("专业技术人员继续教育专用章", names.bureau, names.region))
        .issuer_name(root.subject)
        .public_key(public)
        .serial_number(x509.random_serial_number())
        .not_valid_before(at - dt.timedelta(minutes=5))
        .not_valid_after(min(_years(at, SEAL_YEARS), root.not_valid_after_utc))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            _key_usage(digital_signature=True, content_commitment=True),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(root_key.public_key()),
            critical=False,
        )
        .sign(root_key, hashes.SHA256())
    )


def _write_public(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)


def create_key_ring(
    directory: Path, *, names: AuthorityNames, passphrase: bytes, at: dt.datetime
) -> dict[str, Any]:
    """Create a new key ring in an empty ``directory``; return its public manifest.

    Generates a root CA, a seal certificate (key usage digitalSignature + nonRepudiation) and
    a QR-signing key, each P-256, private keys encrypted under ``passphrase``. Refuses a
    directory that already holds a key ring (``key_ring_exists``).
    """
    check_passphrase(passphrase)
    if (directory / MANIFEST).exists():
        raise KeysError("key_ring_exists", f"{directory}: a key ring already exists")
    directory.mkdir(parents=True, exist_ok=True)
    os.chmod(directory, 0o700)
    root_key = ec.generate_private_key(ec.SECP256R1())
    seal_key = ec.generate_private_key(ec.SECP256R1())
    qr_key = ec.generate_private_key(ec.SECP256R1())
    root = _root_certificate(root_key, names, at)
    seal = _seal_certificate(seal_key, root_key, root, names, at)
    qr = Es256Signer(qr_key)
    qr_file = f"qr-{qr.kid_text}.key.pem"
    kdf = new_kdf_parameters()
    password = derive_key_password(passphrase, kdf)
    write_private_key(directory / "root.key.pem", root_key, password)
    write_private_key(directory / "seal.key.pem", seal_key, password)
    write_private_key(directory / qr_file, qr_key, password)
    _write_public(directory / "root.crt.pem", root.public_bytes(serialization.Encoding.PEM))
    _write_public(directory / "seal.crt.pem", seal.public_bytes(serialization.Encoding.PEM))
    manifest: dict[str, Any] = {
        "version": 1,
        "kdf": kdf,
        "names": {"province": names.province, "bureau": names.bureau, "region": names.region},
        "root": {"key": "root.key.pem", "certificate": "root.crt.pem"},
        "seal": {"key": "seal.key.pem", "certificate": "seal.crt.pem"},
        "qr": [
            {
                "kid": qr.kid_text,
                "key": qr_file,
                "public_key_pem": qr.public_key_pem,
                "not_before": format_time(at - dt.timedelta(minutes=5)),
                "not_after": format_time(_years(at, QR_KEY_YEARS)),
            }
        ],
        "active_qr": qr.kid_text,
    }
    _write_public(
        directory / MANIFEST,
        json.dumps(manifest, ensure_ascii=False, indent=2).encode("utf-8"),
    )
    return manifest


def read_manifest(directory: Path) -> dict[str, Any]:
    """The public manifest of a key ring (no passphrase needed)."""
    path = directory / MANIFEST
    try:
        manifest: dict[str, Any] = json.loads(path.read_text("utf-8"))
    except FileNotFoundError as exc:
        raise KeysError(
            "no_key_ring", f"{directory}: no key ring here (run `cecert init`)"
        ) from exc
    except (ValueError, UnicodeDecodeError) as exc:
        raise KeysError("bad_key_ring", f"{path}: not a readable key ring manifest") from exc
    return manifest


def open_key_ring(directory: Path, *, passphrase: bytes) -> KeyRing:
    """Decrypt the key ring; raise :class:`KeysError` (``wrong_passphrase`` and others)."""
    manifest = read_manifest(directory)
    try:
        kdf = manifest["kdf"]
    except KeyError as exc:
        raise KeysError("bad_key_ring", f"{directory}: the manifest has no kdf") from exc
    password = derive_key_password(passphrase, kdf)
    root_key = read_private_key(directory / manifest["root"]["key"], password)
    seal_key = read_private_key(directory / manifest["seal"]["key"], password)
    root_cert = load_certificate(
        (directory / manifest["root"]["certificate"]).read_bytes(), source="root certificate"
    )
    seal_cert = load_certificate(
        (directory / manifest["seal"]["certificate"]).read_bytes(), source="seal certificate"
    )
    if spki_of(seal_key) != seal_cert.spki_der or spki_of(root_key) != root_cert.spki_der:
        raise KeysError(
            "bad_key_ring", f"{directory}: a private key does not match its certificate"
        )
    active = next((q for q in manifest["qr"] if q["kid"] == manifest["active_qr"]), None)
    if active is None:
        raise KeysError("bad_key_ring", f"{directory}: the active QR key is not listed")
    qr = Es256Signer(read_private_key(directory / active["key"], password))
    if qr.kid_text != active["kid"]:
        raise KeysError("bad_key_ring", f"{directory}: QR key file does not match its kid")
    return KeyRing(
        root=Es256Signer(root_key),
        root_certificate=root_cert,
        seal=SealSigner(seal_key, seal_cert, (root_cert,)),
        qr=qr,
        qr_not_before=parse_time(active["not_before"], where="not_before"),
        qr_not_after=parse_time(active["not_after"], where="not_after"),
    )


__all__ = [
    "AuthorityNames",
    "KeyRing",
    "create_key_ring",
    "kid_text",
    "open_key_ring",
    "read_manifest",
]
