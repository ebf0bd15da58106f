"""Bringing a key ring made by an earlier cecert up to this one's manifest, in place.

Version 1 (until 2026-11-22) had one seal and no time-stamping unit. The upgrade keeps every
key and certificate, lists the seal as the first of the ring's seals, and adds a
time-stamping unit certified by the ring's own root, as :func:`create_key_ring` does: the
root, the numbering and every document already issued stay what they were.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec

from keys.certificates import load_certificate
from keys.errors import KeysError
from keys.private.authority import (
    MANIFEST,
    MANIFEST_VERSION,
    load_manifest,
    pem,
    write_manifest,
    write_public,
)
from keys.private.profiles import AuthorityNames, tsa_certificate
from keys.private.signing import spki_of
from keys.private.store import derive_key_password, read_private_key, write_private_key

_TSA_KEY, _TSA_CERTIFICATE = "tsa.key.pem", "tsa.crt.pem"


def upgrade_key_ring(directory: Path, *, passphrase: bytes, at: dt.datetime) -> int | None:
    """Upgrade the ring in ``directory`` to this cecert's manifest; return the version it
    had, or ``None`` when it was current. The manifest is replaced last, atomically: an
    upgrade stopped half-way leaves the old ring, which the next upgrade takes up again."""
    manifest = load_manifest(directory)
    version = manifest.get("version")
    if version == MANIFEST_VERSION:
        return None
    if version != 1:
        raise KeysError(
            "bad_key_ring", f"{directory / MANIFEST}: version {version!r} is not one cecert made"
        )
    try:
        upgraded = _from_version_1(directory, manifest, passphrase=passphrase, at=at)
    except (KeyError, TypeError) as exc:
        raise KeysError(
            "bad_key_ring", f"{directory / MANIFEST}: a version 1 manifest lacks {exc}"
        ) from exc
    write_manifest(directory, upgraded)
    return 1


def _from_version_1(
    directory: Path, manifest: dict[str, Any], *, passphrase: bytes, at: dt.datetime
) -> dict[str, Any]:
    password = derive_key_password(passphrase, manifest["kdf"])
    root_entry, seal_entry = manifest["root"], manifest["seal"]
    root_key = read_private_key(directory / root_entry["key"], password)  # wrong_passphrase
    seal_key = read_private_key(directory / seal_entry["key"], password)
    root_pem = (directory / root_entry["certificate"]).read_bytes()
    seal = load_certificate((directory / seal_entry["certificate"]).read_bytes(), source="seal")
    root = x509.load_pem_x509_certificate(root_pem)
    if spki_of(root_key) != load_certificate(root_pem, source="root").spki_der:
        raise KeysError("bad_key_ring", f"{directory}: the root key does not match its certificate")
    if spki_of(seal_key) != seal.spki_der:
        raise KeysError("bad_key_ring", f"{directory}: the seal key does not match its certificate")
    names = AuthorityNames(**manifest["names"])
    for leftover in (_TSA_KEY, _TSA_CERTIFICATE):  # of an upgrade stopped half-way
        (directory / leftover).unlink(missing_ok=True)
    tsa_key = ec.generate_private_key(ec.SECP256R1())
    tsa = tsa_certificate(tsa_key, root_key, root, names, at)
    write_private_key(directory / _TSA_KEY, tsa_key, password)
    write_public(directory / _TSA_CERTIFICATE, pem(tsa))
    return {
        "version": MANIFEST_VERSION,
        "kdf": manifest["kdf"],
        "names": manifest["names"],
        "root": root_entry,
        "tsa": {"key": _TSA_KEY, "certificate": _TSA_CERTIFICATE},
        "seals": [
            {
                "sha256": seal.sha256,
                "key": seal_entry["key"],
                "certificate": seal_entry["certificate"],
            }
        ],
        "active_seal": seal.sha256,
        "qr": manifest["qr"],
        "active_qr": manifest["active_qr"],
    }


__all__ = ["upgrade_key_ring"]
