"""The key ring over time: rotating the seal and QR key, revoking a retired key.

Nothing is ever deleted: a rotation retires the previous key at the rotation moment and a
revocation marks a retired key untrusted from a moment on, so documents signed before keep
verifying (``docs/key-rotation.md``). Both rewrite ``keyring.json`` atomically; export a new
trust list afterwards (``signer.home`` does both).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec

from keys.errors import KeysError
from keys.private.authority import (
    AuthorityNames,
    new_qr_entry,
    new_seal_entry,
    open_key_ring,
    read_manifest,
    write_manifest,
)
from keys.private.store import derive_key_password, read_private_key
from keys.trust import format_time


def rotate_keys(
    directory: Path, *, passphrase: bytes, at: dt.datetime, seal: bool = True, qr: bool = True
) -> dict[str, Any]:
    """Replace the active seal and/or QR key with new ones; return the new manifest.

    The previous key is *retired* at ``at``: its window ends there (a QR key's ``not_after``
    becomes ``at``; a seal gets ``retired_at``), so documents signed before keep verifying and
    a document signed with it afterwards does not. The new keys are encrypted under the same
    passphrase. Export a new trust list afterwards: verifiers only learn of the new keys from
    it. Raises ``KeysError`` (``nothing_to_rotate`` when neither kind is asked for).
    """
    if not (seal or qr):
        raise KeysError("nothing_to_rotate", "choose the seal, the QR key or both")
    ring = open_key_ring(directory, passphrase=passphrase)
    manifest = read_manifest(directory)
    password = derive_key_password(passphrase, manifest["kdf"])
    names = AuthorityNames(**manifest["names"])
    if seal:
        root_key, root = _root_material(directory, manifest, password)
        for item in manifest["seals"]:
            if item["sha256"] == manifest["active_seal"]:
                item["retired_at"] = format_time(at)
        entry = new_seal_entry(directory, password, root_key, root, names, at)
        manifest["seals"].append(entry)
        manifest["active_seal"] = entry["sha256"]
    if qr:
        for item in manifest["qr"]:
            if item["kid"] == manifest["active_qr"]:
                item["not_after"] = format_time(at)
        entry = new_qr_entry(directory, password, at, ring.root_certificate.not_after)
        manifest["qr"].append(entry)
        manifest["active_qr"] = entry["kid"]
    write_manifest(directory, manifest)
    return manifest


def _root_material(
    directory: Path, manifest: dict[str, Any], password: Any
) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    root_key = read_private_key(directory / manifest["root"]["key"], password)
    root = x509.load_pem_x509_certificate(
        (directory / manifest["root"]["certificate"]).read_bytes()
    )
    return root_key, root


def revoke_key(
    directory: Path,
    *,
    passphrase: bytes,
    key: str,
    revoked_from: dt.datetime,
    reason: str,
    at: dt.datetime,
) -> dict[str, Any]:
    """Mark a QR key (by kid) or a seal (by the first 8 or more hex digits of its SHA-256)
    revoked from ``revoked_from`` on; return the new manifest.

    A document signed with it at or after that moment fails verification; documents signed
    before stay valid. The active key cannot be revoked (``key_active``: rotate first).
    Revocation is final (``already_revoked``) and ``revoked_from`` may not lie after ``at``
    (``revocation_in_future``): a revocation announces what has happened. Export a new trust
    list afterwards. Unknown ``key``: ``unknown_key``; a prefix naming two seals:
    ``ambiguous_key``.
    """
    open_key_ring(directory, passphrase=passphrase)  # the passphrase proves authority
    if revoked_from > at:
        raise KeysError(
            "revocation_in_future", f"revocation time {revoked_from.isoformat()} is in the future"
        )
    manifest = read_manifest(directory)
    needle = key.strip().lower()
    qr_hits = [q for q in manifest["qr"] if q["kid"] == key.strip()]
    seal_hits = (
        [s for s in manifest["seals"] if s["sha256"].startswith(needle)] if len(needle) >= 8 else []
    )
    hits = qr_hits + seal_hits
    if not hits:
        raise KeysError("unknown_key", f"no QR key id or seal fingerprint {key!r} in the ring")
    if len(hits) > 1:
        raise KeysError("ambiguous_key", f"{key!r} names more than one key; give more digits")
    item = hits[0]
    if item in qr_hits and item["kid"] == manifest["active_qr"]:
        raise KeysError("key_active", f"QR key {key} is in use: rotate it first")
    if item in seal_hits and item["sha256"] == manifest["active_seal"]:
        raise KeysError("key_active", "that seal is in use: rotate it first")
    if item.get("revoked_from"):
        raise KeysError("already_revoked", f"{key} was revoked from {item['revoked_from']}")
    item["revoked_from"] = format_time(revoked_from)
    item["revocation_reason"] = reason
    write_manifest(directory, manifest)
    return manifest
