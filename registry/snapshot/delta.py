"""Deltas: the records added or changed between two full snapshots of the same registry.

A verifier holding a full snapshot updates it with a (much smaller) delta: merge by key
(replace or insert; documents are never deleted), then the merged records must hash to the
delta header's ``records_sha256`` — the hash of the full snapshot the bureau would have
sent — or the update is refused (``snapshot_delta_mismatch``).

Reason indexes: a delta's ``reasons`` list extends its base's (the base's list is a prefix),
so the base's records keep their meaning after the merge.
"""

from __future__ import annotations

from registry.errors import RegistryError
from registry.snapshot.model import KEY_SIZE, RecordTable, SnapshotHeader, SnapshotKind


def _mismatch(message: str) -> RegistryError:
    return RegistryError("snapshot_delta_mismatch", message)


def delta_records(base: RecordTable, new: RecordTable) -> RecordTable:
    """The records of ``new`` that ``base`` lacks or holds with another status, reason,
    edition or date. Every record of ``base`` must still be in ``new``."""
    index: dict[bytes, int] = {
        base.keys[KEY_SIZE * i : KEY_SIZE * (i + 1)]: i for i in range(len(base))
    }
    picked: list[int] = []
    kept = 0
    for i in range(len(new)):
        j = index.get(new.keys[KEY_SIZE * i : KEY_SIZE * (i + 1)])
        if j is None:
            picked.append(i)
            continue
        kept += 1
        if base.row(j) != new.row(i):
            picked.append(i)
    if kept != len(base):
        raise _mismatch(
            f"{len(base) - kept} records of the base are missing from the new snapshot: "
            "the base is not an older snapshot of this registry"
        )
    return _select(new, picked)


def _select(table: RecordTable, indexes: list[int]) -> RecordTable:
    """The records at ``indexes`` (ascending), as a table."""
    return RecordTable.from_columns(
        b"".join(table.keys[KEY_SIZE * i : KEY_SIZE * (i + 1)] for i in indexes),
        bytes(table.status[i] for i in indexes),
        bytes(table.reasons[i] for i in indexes),
        b"".join(table.by[2 * i : 2 * i + 2] for i in indexes),
        b"".join(table.days[2 * i : 2 * i + 2] for i in indexes),
    )


def check_delta_base(base: SnapshotHeader, delta: SnapshotHeader) -> None:
    """Refuse (``snapshot_delta_mismatch``) a delta that does not name this full base."""
    if base.kind is not SnapshotKind.FULL or delta.kind is not SnapshotKind.DELTA:
        raise _mismatch("a delta applies to a full snapshot")
    if (delta.base_records_sha256, delta.base_as_of) != (base.records_sha256, base.as_of):
        raise _mismatch(
            f"the delta is for the snapshot of {delta.base_as_of:%Y-%m-%dT%H:%M:%SZ} "
            f"(records {str(delta.base_records_sha256)[:12]}…), not for this one of "
            f"{base.as_of:%Y-%m-%dT%H:%M:%SZ} (records {base.records_sha256[:12]}…)"
        )
    if delta.reasons[: len(base.reasons)] != base.reasons:
        raise _mismatch("the delta's reasons do not extend the base's")
    if delta.as_of < base.as_of:
        raise _mismatch("the delta is older than its base")
    if base.issuer != delta.issuer:
        raise _mismatch(f"the delta is for region {delta.issuer}, the base for {base.issuer}")


def apply_delta(
    base: SnapshotHeader, records: RecordTable, delta: SnapshotHeader, changes: RecordTable
) -> RecordTable:
    """The full records after applying ``changes`` (a delta's body) to ``records`` (its
    base's). Checks the base (:func:`check_delta_base`), then that the result hashes to
    ``delta.records_sha256`` and counts ``delta.total`` records."""
    check_delta_base(base, delta)
    keys = bytearray(records.keys)
    status = bytearray(records.status)
    reasons = bytearray(records.reasons)
    by = bytearray(records.by)
    days = bytearray(records.days)
    inserts: list[tuple[int, int]] = []  # (position in base, index in changes)
    for i in range(len(changes)):
        key = changes.keys[KEY_SIZE * i : KEY_SIZE * (i + 1)]
        j = records.index(key)
        if j is None:
            inserts.append((records.position(key), i))
            continue
        status[j] = changes.status[i]
        reasons[j] = changes.reasons[i]
        by[2 * j : 2 * j + 2] = changes.by[2 * i : 2 * i + 2]
        days[2 * j : 2 * j + 2] = changes.days[2 * i : 2 * i + 2]
    merged = _insert(
        RecordTable.from_columns(
            bytes(keys), bytes(status), bytes(reasons), bytes(by), bytes(days)
        ),
        changes,
        inserts,
    )
    if len(merged) != delta.total or merged.sha256() != delta.records_sha256:
        raise _mismatch(
            "the records after applying the delta do not match its records_sha256: "
            "the base is not the snapshot the delta was made from"
        )
    return merged


def _insert(
    table: RecordTable, changes: RecordTable, inserts: list[tuple[int, int]]
) -> RecordTable:
    """``table`` with the records ``changes[i]`` inserted before position ``p`` for each
    ``(p, i)`` (ascending ``p``; equal ``p`` in key order, as ``changes`` is sorted)."""
    if not inserts:
        return table
    widths = (KEY_SIZE, 1, 1, 2, 2)
    old = (table.keys, table.status, table.reasons, table.by, table.days)
    new = (changes.keys, changes.status, changes.reasons, changes.by, changes.days)
    columns: list[bytes] = []
    for width, column, extra in zip(widths, old, new, strict=True):
        parts: list[bytes] = []
        start = 0
        for position, i in inserts:
            parts.append(column[width * start : width * position])
            parts.append(extra[width * i : width * (i + 1)])
            start = position
        parts.append(column[width * start :])
        columns.append(b"".join(parts))
    return RecordTable.from_columns(*columns)
