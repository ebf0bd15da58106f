"""Creating a home: key ring, registry, bureau configuration and the first trust list."""

from __future__ import annotations

import datetime as dt
import json

from keys.private import AuthorityNames, create_key_ring, export_trust_list, open_key_ring
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
    home.trust_list_path.write_bytes(export_trust_list(home.keys_dir, ring, at=at))
    home.write_config(config)
    return home


def export_trust(home: Home, *, passphrase: bytes, at: dt.datetime) -> bytes:
    """The home's trust list, freshly signed by its root key."""
    home.config()
    ring = open_key_ring(home.keys_dir, passphrase=passphrase)
    return export_trust_list(home.keys_dir, ring, at=at)


def describe_trust(data: bytes) -> dict[str, object]:
    """A short summary of a trust list for people (root fingerprint to publish, key ids)."""
    raw = json.loads(data)
    return {
        "root_sha256": raw["signature"]["root_sha256"],
        "keys": [k["kid"] for k in raw["keys"]],
    }
