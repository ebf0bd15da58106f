"""From the registry's document rows to snapshot records (pure: the store passes rows in)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from registry.errors import RegistryError
from registry.snapshot.model import RecordStatus, RecordTable, china_day, snapshot_key

DocumentRow = tuple[str, str, str | None, int | None, str | None]
"""``(payload, status, status_reason, superseded_by, status_changed_at)`` of one document
edition, as the ``documents`` table holds them (:meth:`Registry.snapshot_rows`)."""

_STATUS = {
    "current": RecordStatus.CURRENT,
    "superseded": RecordStatus.SUPERSEDED,
    "revoked": RecordStatus.REVOKED,
}


def snapshot_reasons(found: Iterable[str], *, base: tuple[str, ...] = ("",)) -> tuple[str, ...]:
    """The header's ``reasons``: ``base`` (``("",)``, or an older snapshot's list, which a
    delta must keep as a prefix), then every other reason in ``found``, sorted."""
    known = set(base)
    return base + tuple(sorted({r for r in found if r and r not in known}))


def build_records(rows: Iterable[DocumentRow], reasons: tuple[str, ...]) -> RecordTable:
    """One record per row, keyed by :func:`snapshot_key` of its payload. ``reasons`` must list
    every status reason of the rows (:func:`snapshot_reasons`)."""
    index = {reason: i for i, reason in enumerate(reasons)}
    days: dict[str, int] = {}

    def records() -> Iterable[tuple[bytes, int, int, int, int]]:
        for payload, status, reason, superseded_by, changed_at in rows:
            code = _STATUS[status]
            if code is RecordStatus.CURRENT:
                yield snapshot_key(payload), 0, 0, 0, 0
                continue
            day = 0
            if changed_at:
                day = days.get(changed_at, -1)
                if day < 0:
                    day = days[changed_at] = china_day(dt.datetime.fromisoformat(changed_at))
            by = (superseded_by or 0) if code is RecordStatus.SUPERSEDED else 0
            if reason and reason not in index:
                raise RegistryError("bad_snapshot", f"reason {reason!r} is not in the list")
            if not (0 <= by < 65536 and 0 <= day < 65536):
                raise RegistryError("bad_snapshot", "an edition or a date does not fit 16 bits")
            yield snapshot_key(payload), code, index.get(reason or "", 0), by, day

    return RecordTable.build(records())
