"""Signing a checkpoint of the registry's event log with the bureau's QR key."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from keys.durable import write_durably
from keys.private import KeyRing
from registry.home import BureauConfig, Home
from registry.log import Checkpoint, make_checkpoint, origin_for
from registry.store import Registry
from signer.errors import write_failed


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
    stored = registry.add_checkpoint(checkpoint.tree_size, checkpoint.to_text())
    # One checkpoint per size: when the log has not grown, the one stored is the one to give.
    return checkpoint if stored == checkpoint.to_text() else Checkpoint.from_text(stored)


def publish_checkpoint(home: Home, checkpoint: Checkpoint) -> Path:
    """Put the checkpoint's text at :attr:`Home.published_checkpoint_path`, durably (the old
    text or the new one, never part of one): the file a bureau publishes beside its status
    snapshot, and that an auditor or a verifier keeps to hold the registry to later."""
    path = home.published_checkpoint_path
    try:
        write_durably(path, checkpoint.to_text().encode("utf-8"))
    except OSError as exc:
        raise write_failed(path, exc) from exc
    return path
