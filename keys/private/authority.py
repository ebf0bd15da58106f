"""The bureau's key ring: creating it (root CA, seal certificate, QR key) and opening it.

Layout of a key directory (``docs/keys-and-home.md``)::

    keyring.json            public manifest: file names, kids, windows, retirements, revocations
    root.key.pem            encrypted PKCS#8, 0600      root.crt.pem
    tsa.key.pem             encrypted PKCS#8, 0600      tsa.crt.pem    (RFC 3161 time stamps)
    seal-<fp>.key.pem       encrypted PKCS#8, 0600      seal-<fp>.crt.pem   (one per seal)
    qr-<kid>.key.pem        encrypted PKCS#8, 0600                          (one per QR key)

Rotation (:func:`rotate_keys`) adds a seal and/or QR key and retires the previous one at the
rotation time; revocation (:func:`revoke_key`) marks a retired key unusable from a moment on.
Nothing is ever deleted: documents signed before keep verifying.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from keys.certificates import CertificateInfo, load_certificate
from keys.durable import write_durably
from keys.errors import KeysError
from keys.kid import kid_text
from keys.private.profiles import (
    AuthorityNames,
    root_certificate,
    seal_certificate,
    tsa_certificate,
    years,
)
from keys.private.signing import CertificateAuthority, Es256Signer, SealSigner, spki_of
from keys.private.store import (
    check_passphrase,
    derive_key_password,
    new_kdf_parameters,
    read_private_key,
    write_private_key,
)
from keys.trust import format_time, parse_time

MANIFEST = "keyring.json"
QR_KEY_YEARS = 5
MANIFEST_VERSION = 2


@dataclass(frozen=True, slots=True)
class SealEntry:
    """Public record of one seal certificate of the ring, with its retirement and revocation."""

    certificate: CertificateInfo
    retired_at: dt.datetime | None
    """When a rotation replaced it (no document should be sealed with it after)."""
    revoked_from: dt.datetime | None
    revocation_reason: str | None


@dataclass(frozen=True, slots=True)
class KeyRing:
    """The decrypted key ring of one bureau. Holds private keys: keep it in issuance code."""

    root: Es256Signer
    root_certificate: CertificateInfo
    ca: CertificateAuthority
    """The root key as a CA: signs CRLs and OCSP responses for long-term validation."""
    seal: SealSigner
    """The active seal."""
    tsa: SealSigner
    """The bureau's RFC 3161 time-stamping unit (certificate with EKU timeStamping)."""
    qr: Es256Signer
    qr_not_before: dt.datetime
    qr_not_after: dt.datetime
    seals: tuple[SealEntry, ...]
    """Every seal of the ring, oldest first, the active one included."""


def write_public(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)


def pem(certificate: x509.Certificate) -> bytes:
    return certificate.public_bytes(serialization.Encoding.PEM)


def write_manifest(directory: Path, manifest: dict[str, Any]) -> None:
    """Replace ``keyring.json`` atomically and durably (:func:`keys.durable.write_durably`)."""
    data = json.dumps(manifest, ensure_ascii=False, indent=2).encode("utf-8")
    write_durably(directory / MANIFEST, data, mode=0o644)


def new_qr_entry(
    directory: Path, password: Any, at: dt.datetime, not_after: dt.datetime
) -> dict[str, Any]:
    key = ec.generate_private_key(ec.SECP256R1())
    signer = Es256Signer(key)
    file = f"qr-{signer.kid_text}.key.pem"
    write_private_key(directory / file, key, password)
    return {
        "kid": signer.kid_text,
        "key": file,
        "public_key_pem": signer.public_key_pem,
        "not_before": format_time(at - dt.timedelta(minutes=5)),
        "not_after": format_time(min(years(at, QR_KEY_YEARS), not_after)),
    }


def new_seal_entry(
    directory: Path,
    password: Any,
    root_key: ec.EllipticCurvePrivateKey,
    root: x509.Certificate,
    names: AuthorityNames,
    at: dt.datetime,
) -> dict[str, Any]:
    key = ec.generate_private_key(ec.SECP256R1())
    certificate = seal_certificate(key, root_key, root, names, at)
    info = load_certificate(pem(certificate))
    stem = f"seal-{info.sha256[:16]}"
    write_private_key(directory / f"{stem}.key.pem", key, password)
    write_public(directory / f"{stem}.crt.pem", pem(certificate))
    return {"sha256": info.sha256, "key": f"{stem}.key.pem", "certificate": f"{stem}.crt.pem"}


def create_key_ring(
    directory: Path, *, names: AuthorityNames, passphrase: bytes, at: dt.datetime
) -> dict[str, Any]:
    """Create a new key ring in an empty ``directory``; return its public manifest.

    Generates a root CA, a seal certificate (key usage digitalSignature + nonRepudiation), a
    time-stamping certificate and a QR-signing key, each P-256, private keys encrypted under
    ``passphrase``. Refuses a directory that already holds a key ring (``key_ring_exists``).
    """
    check_passphrase(passphrase)
    if (directory / MANIFEST).exists():
        raise KeysError("key_ring_exists", f"{directory}: a key ring already exists")
    directory.mkdir(parents=True, exist_ok=True)
    os.chmod(directory, 0o700)
    root_key = ec.generate_private_key(ec.SECP256R1())
    tsa_key = ec.generate_private_key(ec.SECP256R1())
    root = root_certificate(root_key, names, at)
    tsa = tsa_certificate(tsa_key, root_key, root, names, at)
    kdf = new_kdf_parameters()
    password = derive_key_password(passphrase, kdf)
    write_private_key(directory / "root.key.pem", root_key, password)
    write_private_key(directory / "tsa.key.pem", tsa_key, password)
    write_public(directory / "root.crt.pem", pem(root))
    write_public(directory / "tsa.crt.pem", pem(tsa))
    seal = new_seal_entry(directory, password, root_key, root, names, at)
    qr = new_qr_entry(directory, password, at, root.not_valid_after_utc)
    manifest: dict[str, Any] = {
        "version": MANIFEST_VERSION,
        "kdf": kdf,
        "names": {"province": names.province, "bureau": names.bureau, "region": names.region},
        "root": {"key": "root.key.pem", "certificate": "root.crt.pem"},
        "tsa": {"key": "tsa.key.pem", "certificate": "tsa.crt.pem"},
        "seals": [seal],
        "active_seal": seal["sha256"],
        "qr": [qr],
        "active_qr": qr["kid"],
    }
    write_manifest(directory, manifest)
    return manifest


def load_manifest(directory: Path) -> dict[str, Any]:
    """The manifest as stored, of whatever version (:func:`read_manifest` insists on this
    cecert's)."""
    path = directory / MANIFEST
    try:
        manifest: dict[str, Any] = json.loads(path.read_text("utf-8"))
    except FileNotFoundError as exc:
        raise KeysError(
            "no_key_ring", f"{directory}: no key ring here (run `cecert init`)"
        ) from exc
    except (ValueError, UnicodeDecodeError) as exc:
        raise KeysError("bad_key_ring", f"{path}: not a readable key ring manifest") from exc
    if not isinstance(manifest, dict):
        raise KeysError("bad_key_ring", f"{path}: not a key ring manifest")
    return manifest


def read_manifest(directory: Path) -> dict[str, Any]:
    """The public manifest of a key ring (no passphrase needed). A ring made by an earlier
    cecert is ``key_ring_outdated`` (``cecert upgrade`` brings it up to date in place)."""
    manifest = load_manifest(directory)
    version = manifest.get("version")
    if isinstance(version, int) and 0 < version < MANIFEST_VERSION:
        raise KeysError(
            "key_ring_outdated",
            f"{directory / MANIFEST}：密钥环由较早版本的 cecert 建立（版本 {version}），请运行 "
            f"cecert upgrade (a version {version} key ring, made by an earlier cecert: run "
            "`cecert upgrade`; the keys and numbering stay)",
        )
    if version != MANIFEST_VERSION:
        raise KeysError(
            "bad_key_ring",
            f"{directory / MANIFEST}: not a version {MANIFEST_VERSION} key ring",
        )
    return manifest


def _optional_time(item: dict[str, Any], name: str) -> dt.datetime | None:
    value = item.get(name)
    return parse_time(value, where=name) if value else None


def _read_certificate(directory: Path, file: str, what: str) -> CertificateInfo:
    try:
        return load_certificate((directory / file).read_bytes(), source=what)
    except OSError as exc:
        raise KeysError("bad_key_ring", f"{directory / file}: cannot read the {what}") from exc


def open_key_ring(directory: Path, *, passphrase: bytes) -> KeyRing:
    """Decrypt the key ring; raise :class:`KeysError` (``wrong_passphrase`` and others)."""
    manifest = read_manifest(directory)
    try:
        kdf = manifest["kdf"]
        root_entry, tsa_entry = manifest["root"], manifest["tsa"]
        seal_items, qr_items = manifest["seals"], manifest["qr"]
        active_seal, active_qr = manifest["active_seal"], manifest["active_qr"]
    except KeyError as exc:
        raise KeysError("bad_key_ring", f"{directory}: the manifest lacks {exc}") from exc
    password = derive_key_password(passphrase, kdf)
    root_key = read_private_key(directory / root_entry["key"], password)
    tsa_key = read_private_key(directory / tsa_entry["key"], password)
    root_cert = _read_certificate(directory, root_entry["certificate"], "root certificate")
    tsa_cert = _read_certificate(directory, tsa_entry["certificate"], "TSA certificate")
    seals = tuple(
        SealEntry(
            certificate=_read_certificate(directory, item["certificate"], "seal certificate"),
            retired_at=_optional_time(item, "retired_at"),
            revoked_from=_optional_time(item, "revoked_from"),
            revocation_reason=item.get("revocation_reason"),
        )
        for item in seal_items
    )
    seal_item = next((s for s in seal_items if s["sha256"] == active_seal), None)
    seal_entry = next((s for s in seals if s.certificate.sha256 == active_seal), None)
    if seal_item is None or seal_entry is None:
        raise KeysError("bad_key_ring", f"{directory}: the active seal is not listed")
    seal_cert = seal_entry.certificate
    seal_key = read_private_key(directory / seal_item["key"], password)
    if (
        spki_of(seal_key) != seal_cert.spki_der
        or spki_of(root_key) != root_cert.spki_der
        or spki_of(tsa_key) != tsa_cert.spki_der
    ):
        raise KeysError(
            "bad_key_ring", f"{directory}: a private key does not match its certificate"
        )
    active = next((q for q in qr_items if q["kid"] == active_qr), None)
    if active is None:
        raise KeysError("bad_key_ring", f"{directory}: the active QR key is not listed")
    qr = Es256Signer(read_private_key(directory / active["key"], password))
    if qr.kid_text != active["kid"]:
        raise KeysError("bad_key_ring", f"{directory}: QR key file does not match its kid")
    return KeyRing(
        root=Es256Signer(root_key),
        root_certificate=root_cert,
        ca=CertificateAuthority(root_key, root_cert),
        seal=SealSigner(seal_key, seal_cert, (root_cert,)),
        tsa=SealSigner(tsa_key, tsa_cert, (root_cert,)),
        qr=qr,
        qr_not_before=parse_time(active["not_before"], where="not_before"),
        qr_not_after=parse_time(active["not_after"], where="not_after"),
        seals=seals,
    )


__all__ = [
    "AuthorityNames",
    "KeyRing",
    "SealEntry",
    "create_key_ring",
    "kid_text",
    "open_key_ring",
    "read_manifest",
]
