"""Creating a home: key ring, registry, bureau configuration and the first trust list."""

from __future__ import annotations

import datetime as dt
import json
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
)
from registry.errors import RegistryError
from registry.home import BureauConfig, Home
from registry.hours import get_policy
from registry.store import Registry


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
