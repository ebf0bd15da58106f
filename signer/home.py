"""Creating a home: key ring, registry, bureau configuration and the first trust list."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from keys.durable import remove_temporaries, write_durably
from keys.private import (
    AuthorityNames,
    create_key_ring,
    export_trust_list,
    open_key_ring,
    read_manifest,
    revoke_key,
    rotate_keys,
    upgrade_key_ring,
)
from keys.trust import VERSION as TRUST_LIST_VERSION
from registry.errors import RegistryError
from registry.home import BureauConfig, Home
from registry.hours import get_policy
from registry.store import Registry
from registry.store.schema_upgrade import Migrated
from signer.status.checkpoints import publish_checkpoint, write_checkpoint
from signer.status.publication import publish_status


def init_home(home: Home, *, config: BureauConfig, passphrase: bytes, at: dt.datetime) -> Home:
    """Create a new home: a root CA, a seal certificate, a QR key, an empty registry, the
    bureau configuration and ``trust.json``. Refuses a home that already exists."""
    if home.exists():
        raise RegistryError("home_exists", f"{home.root}: already a cecert home")
    get_policy(config.default_policy)
    # The home holds personal data (the registry) and private keys: owner only.
    home.root.mkdir(parents=True, exist_ok=True)
    home.root.chmod(0o700)
    names = AuthorityNames(province=config.province, bureau=config.bureau, region=config.region)
    create_key_ring(home.keys_dir, names=names, passphrase=passphrase, at=at)
    Registry.create(home.registry_path).close()
    ring = open_key_ring(home.keys_dir, passphrase=passphrase)
    write_durably(home.trust_list_path, export_trust_list(home.keys_dir, ring, at=at))
    home.write_config(config)
    return home


@dataclass(frozen=True, slots=True)
class HomeUpgrade:
    """What :func:`upgrade_home` changed."""

    key_ring_from: int | None
    """The key ring's earlier version, ``None`` when it was current."""
    registry: Migrated | None
    """The registry's migration, ``None`` when its schema was current."""
    trust_rewritten: bool
    """``trust.json`` was signed anew (hand it to every verifier)."""
    checkpoint_size: int
    """Events covered by the checkpoint signed at the end."""


def upgrade_home(home: Home, *, passphrase: bytes, at: dt.datetime) -> HomeUpgrade:
    """Bring a home made by an earlier cecert up to this one, in place: the key ring
    (:func:`keys.private.upgrade_key_ring`), the registry's schema (one logged ``migrate``
    event), the trust list, then a signed checkpoint and the published status. The root,
    the keys, the numbers and the documents stay; running it again changes nothing but the
    checkpoint's and the status's time (``docs/upgrading.md``)."""
    config = home.config()
    ring_from = upgrade_key_ring(home.keys_dir, passphrase=passphrase, at=at)
    ring = open_key_ring(home.keys_dir, passphrase=passphrase)
    rewrite = ring_from is not None or _trust_version(home) != TRUST_LIST_VERSION
    if rewrite:
        _rewrite_trust(home, passphrase=passphrase, at=at)
    with Registry.open(home.registry_path, migrate_at=at) as registry:
        checkpoint = write_checkpoint(registry, ring, config, at=at)
        publish_checkpoint(home, checkpoint)
        publish_status(home, registry, ring, at=at)
        return HomeUpgrade(ring_from, registry.migrated, rewrite, checkpoint.tree_size)


def _trust_version(home: Home) -> object:
    try:
        raw = json.loads(home.trust_list_path.read_bytes())
    except (OSError, ValueError):
        return None
    return raw.get("version") if isinstance(raw, dict) else None


def export_trust(home: Home, *, passphrase: bytes, at: dt.datetime) -> bytes:
    """The home's trust list, freshly signed by its root key."""
    home.config()
    ring = open_key_ring(home.keys_dir, passphrase=passphrase)
    return export_trust_list(home.keys_dir, ring, at=at)


def rotate(
    home: Home, *, passphrase: bytes, at: dt.datetime, seal: bool = True, qr: bool = True
) -> dict[str, Any]:
    """Replace the home's seal and/or QR key (``keys.private.rotate_keys``) and rewrite the
    home's ``trust.json`` so that it lists the new keys beside the retired ones. Return the
    key ring's new manifest. Hand the new trust list to every verifier."""
    home.config()
    manifest = rotate_keys(home.keys_dir, passphrase=passphrase, at=at, seal=seal, qr=qr)
    _rewrite_trust(home, passphrase=passphrase, at=at)
    return manifest


def revoke(
    home: Home,
    *,
    passphrase: bytes,
    key: str,
    revoked_from: dt.datetime,
    reason: str,
    at: dt.datetime,
) -> dict[str, Any]:
    """Revoke a retired QR key or seal from ``revoked_from`` on (``keys.private.revoke_key``)
    and rewrite the home's ``trust.json``. Documents it signed before that moment stay valid;
    anything it signed from then on is refused by a verifier holding the new trust list."""
    home.config()
    manifest = revoke_key(
        home.keys_dir,
        passphrase=passphrase,
        key=key,
        revoked_from=revoked_from,
        reason=reason,
        at=at,
    )
    _rewrite_trust(home, passphrase=passphrase, at=at)
    return manifest


def _rewrite_trust(home: Home, *, passphrase: bytes, at: dt.datetime) -> None:
    data = export_trust(home, passphrase=passphrase, at=at)
    remove_temporaries(home.root, of=home.trust_list_path.name)
    write_durably(home.trust_list_path, data)


def key_inventory(home: Home) -> list[dict[str, str]]:
    """Every key of the home's ring for people: kind, id, window, state (no passphrase)."""
    manifest = read_manifest(home.keys_dir)
    rows: list[dict[str, str]] = []
    for item in manifest["seals"]:
        state = "active" if item["sha256"] == manifest["active_seal"] else "retired"
        if item.get("revoked_from"):
            state = f"revoked from {item['revoked_from']} ({item.get('revocation_reason', '')})"
        elif item.get("retired_at"):
            state = f"retired {item['retired_at']}"
        rows.append({"kind": "seal", "id": item["sha256"], "state": state})
    for item in manifest["qr"]:
        state = "active" if item["kid"] == manifest["active_qr"] else "retired"
        if item.get("revoked_from"):
            state = f"revoked from {item['revoked_from']} ({item.get('revocation_reason', '')})"
        window = f"{item['not_before']} .. {item['not_after']}"
        rows.append({"kind": "qr", "id": item["kid"], "state": f"{state}; valid {window}"})
    return rows


def describe_trust(data: bytes) -> dict[str, object]:
    """A short summary of a trust list for people (root fingerprint to publish, key ids)."""
    raw = json.loads(data)
    return {
        "root_sha256": raw["signature"]["root_sha256"],
        "keys": [k["kid"] for k in raw["keys"]],
    }
