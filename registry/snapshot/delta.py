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
from registry.snapshot.header import SnapshotHeader
from registry.snapshot.model import KEY_SIZE, SnapshotKind
from registry.snapshot.table import RecordTable


def _mismatch(message: str) -> RegistryError:
    return RegistryError("snapshot_delta_mismatch", message)


def delta_records(base: RecordTable, new: RecordTable) -> RecordTable:
    """The records of ``new`` that ``base`` lacks or holds with another status, reason,
    edition or date. Every record of ``base`` must still be in ``new``.

    Both tables are sorted by key, so they are walked side by side in runs of up to
    ``_RUN`` records compared as byte slices (in C); a run that differs is split by binary
    search at its first differing key, which is either a new document (a key of ``new``
    before the next key of ``base``) or a document of ``base`` missing from ``new``
    (refused). Ten million records with a few thousand changes take about a second."""
    base_keys, new_keys = base.keys, new.keys
    base_rows, new_rows = _status_rows(base), _status_rows(new)
    picked: list[int] = []
    i = j = 0
    count_base, count_new = len(base), len(new)
    while i < count_base and j < count_new:
        run = min(_RUN, count_base - i, count_new - j)
        if (
            base_keys[KEY_SIZE * i : KEY_SIZE * (i + run)]
            != new_keys[KEY_SIZE * j : KEY_SIZE * (j + run)]
        ):
            # Longest equal prefix: ``low`` records agree, record ``low`` differs.
            low, high = 0, run
            while high - low > 1:
                middle = (low + high) // 2
                if (
                    base_keys[KEY_SIZE * i : KEY_SIZE * (i + middle)]
                    == new_keys[KEY_SIZE * j : KEY_SIZE * (j + middle)]
                ):
                    low = middle
                else:
                    high = middle
            run = low
        _changed_in_run(base_rows, new_rows, i, j, run, picked)
        i += run
        j += run
        if run < _RUN and i < count_base and j < count_new:
            if (
                new_keys[KEY_SIZE * j : KEY_SIZE * (j + 1)]
                < base_keys[KEY_SIZE * i : KEY_SIZE * (i + 1)]
            ):
                picked.append(j)  # a document added since the base
                j += 1
            elif (
                new_keys[KEY_SIZE * j : KEY_SIZE * (j + 1)]
                != base_keys[KEY_SIZE * i : KEY_SIZE * (i + 1)]
            ):
                break  # a key of the base is missing from the new snapshot
    if i < count_base:
        raise _mismatch(
            f"{count_base - i} or more records of the base are missing from the new snapshot: "
            "the base is not an older snapshot of this registry"
        )
    picked.extend(range(j, count_new))
    return _select(new, picked)


_RUN = 64
"""Records compared at once while walking two tables (512 bytes of keys)."""


def _status_rows(table: RecordTable) -> bytes:
    """The 6 status bytes of every record (:meth:`RecordTable.row`), record after record."""
    rows = bytearray(6 * len(table))
    rows[0::6] = table.status
    rows[1::6] = table.reasons
    rows[2::6] = table.by[0::2]
    rows[3::6] = table.by[1::2]
    rows[4::6] = table.days[0::2]
    rows[5::6] = table.days[1::2]
    return bytes(rows)


def _changed_in_run(
    base_rows: bytes, new_rows: bytes, i: int, j: int, run: int, picked: list[int]
) -> None:
    """Append to ``picked`` the records ``j … j + run - 1`` of the new table whose status
    bytes differ from those of records ``i …`` of the base (same keys)."""
    if base_rows[6 * i : 6 * (i + run)] == new_rows[6 * j : 6 * (j + run)]:
        return
    for t in range(run):
        if base_rows[6 * (i + t) : 6 * (i + t + 1)] != new_rows[6 * (j + t) : 6 * (j + t + 1)]:
            picked.append(j + t)


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
