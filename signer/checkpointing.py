"""Signing a checkpoint of the registry's event log with the bureau's QR key."""

from __future__ import annotations

import datetime as dt

from keys.private import KeyRing
from registry.home import BureauConfig
from registry.log import Checkpoint, make_checkpoint, origin_for
from registry.store import Registry


def write_checkpoint(
    registry: Registry, ring: KeyRing, config: BureauConfig, *, at: dt.datetime
) -> Checkpoint:
    """Sign the Merkle root of the whole log as it stands and store the checkpoint.

    Hand its text out too (``cecert registry checkpoint`` prints it): a checkpoint that only
    lives inside the registry it vouches for protects nothing against whoever holds the file.
    """
    checkpoint = make_checkpoint(
        origin=origin_for(config.region),
        event_hashes=registry.event_hashes(),
        at=at,
        kid=ring.qr.kid,
        sign=ring.qr.sign,
    )
    registry.add_checkpoint(checkpoint.tree_size, checkpoint.to_text())
    return checkpoint
