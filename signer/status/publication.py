"""Publishing the registry's status: a fresh signed snapshot after every change.

A server that has the registry hands the offline page (``/scan``) the newest published
snapshot; a revocation must reach the phones that scan, so the status is published again
after every life-cycle change (issue, renewal, reissue, correction, revocation: the commands
do it themselves) and on a schedule (``cecert snapshot publish --watch``: when the log has
grown, and at least every ``refresh`` to keep ``as_of`` recent). The web processes never
sign: they serve the file this writes (``docs/snapshots.md``, "Publishing").
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path

from keys.private import KeyRing
from registry.errors import RegistryError
from registry.home import Home
from registry.snapshot import read_header
from registry.store import Registry
from signer.errors import IssuanceError
from signer.status.snapshots import export_snapshot, write_snapshot


@dataclass(frozen=True, slots=True)
class Published:
    """One publication: where, what it reflects, how large."""

    path: Path
    as_of: dt.datetime
    log_size: int
    size: int


def publish_status(home: Home, registry: Registry, ring: KeyRing, *, at: dt.datetime) -> Published:
    """Export a full snapshot of ``registry`` as of ``at``, signed with the QR key, and put
    it in place at :attr:`Home.published_snapshot_path` atomically and durably (a reader sees
    the old file or the new one, never part of one)."""
    data = export_snapshot(registry, ring, home.config(), at=at)
    path = home.published_snapshot_path
    try:
        write_snapshot(path, data)
    except IssuanceError as exc:
        raise IssuanceError(
            exc.reason,
            f"{exc.message}。登记库中的更改均已保存，原先发布的状态保持不变；腾出空间后运行 "
            "cecert snapshot publish (the registry keeps every change; the status published "
            "before stays in place: run cecert snapshot publish once there is room)",
        ) from exc
    header, _signed, _signature = read_header(data)
    return Published(path, header.as_of, header.log_size or 0, len(data))


def published_log_size(home: Home) -> int | None:
    """The ``log_size`` of the published snapshot, or ``None`` when there is none (or it is
    unreadable: then the next publication replaces it)."""
    try:
        header, _signed, _signature = read_header(home.published_snapshot_path.read_bytes())
    except (OSError, RegistryError):
        return None
    return header.log_size


def published_age(home: Home, at: dt.datetime) -> dt.timedelta | None:
    """How old the published file is at ``at`` (by its modification time), or ``None``."""
    try:
        mtime = os.stat(home.published_snapshot_path).st_mtime
    except OSError:
        return None
    return at - dt.datetime.fromtimestamp(mtime, dt.UTC)


__all__ = ["Published", "publish_status", "published_age", "published_log_size"]
