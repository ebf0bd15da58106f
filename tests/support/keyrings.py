"""Key rings made for a test: a bureau's keys with the trust list exported from them, and
another bureau's ring (a time-stamping unit the bureau's trust list does not know)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

from keys import TrustList, parse_trust_list
from keys.private import (
    AuthorityNames,
    KeyRing,
    create_key_ring,
    export_trust_list,
    open_key_ring,
)
from tests.conftest import AT, CONFIG, PASSPHRASE

NAMES = AuthorityNames("广东省人力资源和社会保障厅", "广州市人力资源和社会保障局", "440100")


@dataclasses.dataclass(frozen=True)
class Keys:
    ring: KeyRing
    trust: TrustList


def make_keys(directory: Path, *, passphrase: bytes, at: dt.datetime) -> Keys:
    """A key ring for :data:`NAMES` made at ``at`` in ``directory``, and its trust list."""
    create_key_ring(directory, names=NAMES, passphrase=passphrase, at=at)
    ring = open_key_ring(directory, passphrase=passphrase)
    return Keys(ring, parse_trust_list(export_trust_list(directory, ring, at=at)))


def other_bureau_ring(directory: Path) -> KeyRing:
    """Another bureau's key ring (某市人社局, 440300), made at AT like the session home's."""
    names = AuthorityNames(province=CONFIG.province, bureau="某市人社局", region="440300")
    create_key_ring(directory, names=names, passphrase=PASSPHRASE, at=AT)
    return open_key_ring(directory, passphrase=PASSPHRASE)
