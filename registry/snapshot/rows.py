"""From the registry's document rows to snapshot records (pure: the store passes rows in).

Built for ten million rows in one pass (``docs/snapshots.md``, "Export at scale"): one
SHA-256 per payload in a tight loop, a current document (nine in ten) kept as its 8-byte key
alone, the keys sorted as plain ``bytes`` and joined into the key column, and the few changed
records written into zero-filled status columns at their sorted positions. No tuple per
record is sorted and no Python object per record survives the build.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import operator
from bisect import bisect_left
from collections.abc import Iterable
from itertools import islice, pairwise

from registry.errors import RegistryError
from registry.snapshot.model import KEY_DOMAIN, KEY_SIZE, RecordStatus, china_day, snapshot_key
from registry.snapshot.table import RecordTable

DocumentRow = tuple[str | bytes, str, str | None, int | None, str | None]
"""``(payload, status, status_reason, superseded_by, status_changed_at)`` of one document
edition, as the ``documents`` table holds them (:meth:`Registry.snapshot_read`); the payload
as text or as its UTF-8 bytes (what the store reads, to skip a decode and an encode)."""

_STATUS = {
    "current": RecordStatus.CURRENT,
    "superseded": RecordStatus.SUPERSEDED,
    "revoked": RecordStatus.REVOKED,
}
Changed = tuple[bytes, int, int, int, int]
"""``(key, status, reason index, by, day)`` of a record that is not current."""


def snapshot_reasons(found: Iterable[str], *, base: tuple[str, ...] = ("",)) -> tuple[str, ...]:
    """The header's ``reasons``: ``base`` (``("",)``, or an older snapshot's list, which a
    delta must keep as a prefix), then every other reason in ``found``, sorted."""
    known = set(base)
    return base + tuple(sorted({r for r in found if r and r not in known}))


def _key(payload: str | bytes) -> bytes:
    """:func:`snapshot_key` of a payload. The common case — ASCII bytes with nothing to strip
    (every byte ``str.strip`` removes from ASCII text is at most 0x20) — is hashed as is;
    anything else takes :func:`snapshot_key` itself, so both give the same key or error."""
    if isinstance(payload, bytes):
        if payload and payload[0] > 32 and payload[-1] > 32 and payload.isascii():
            return hashlib.sha256(KEY_DOMAIN + payload).digest()[:KEY_SIZE]
        payload = payload.decode("utf-8", "surrogateescape")
    return snapshot_key(payload)


def build_records(rows: Iterable[DocumentRow], reasons: tuple[str, ...]) -> RecordTable:
    """One record per row, keyed by :func:`snapshot_key` of its payload. ``reasons`` must list
    every status reason of the rows (:func:`snapshot_reasons`). Keys must be unique
    (``snapshot_duplicate_key``: two recorded payloads with the same key)."""
    index = {reason: i for i, reason in enumerate(reasons)}
    days: dict[str, int] = {}
    keys: list[bytes] = []
    changed: list[Changed] = []
    sha256 = hashlib.sha256
    append = keys.append
    for payload, status, reason, superseded_by, changed_at in rows:
        if (
            status == "current"
            and type(payload) is bytes
            and payload
            and payload[0] > 32
            and payload[-1] > 32
            and payload.isascii()
        ):
            # The hot path, inlined: nine rows in ten at a few microseconds each.
            append(sha256(KEY_DOMAIN + payload).digest()[:KEY_SIZE])
            continue
        key = _key(payload)
        append(key)
        code = _STATUS.get(status)
        if code is None:  # never written by cecert (a CHECK constraint): a damaged file
            raise RegistryError(
                "registry_damaged",
                f"登记库文件已损坏：一份证书的状态 {status!r} 无法识别，未导出快照"
                f" (the registry file is damaged: a document's status {status!r} is not one)",
            )
        if code is RecordStatus.CURRENT:
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
        changed.append((key, code, index.get(reason or "", 0), by, day))
    return _table(keys, changed)


def _table(keys: list[bytes], changed: list[Changed]) -> RecordTable:
    """The table of every key in ``keys`` (current unless in ``changed``)."""
    keys.sort()
    if any(map(operator.eq, keys, islice(keys, 1, None))):
        duplicate = next(a for a, b in pairwise(keys) if a == b)
        raise RegistryError(
            "snapshot_duplicate_key", f"two documents share the snapshot key {duplicate.hex()}"
        )
    n = len(keys)
    status, reason_column = bytearray(n), bytearray(n)
    by_column, day_column = bytearray(2 * n), bytearray(2 * n)
    changed.sort()
    at = 0
    for key, code, reason, by, day in changed:
        at = bisect_left(keys, key, at)
        status[at] = code
        reason_column[at] = reason
        by_column[2 * at : 2 * at + 2] = by.to_bytes(2, "big")
        day_column[2 * at : 2 * at + 2] = day.to_bytes(2, "big")
    return RecordTable.from_columns(
        b"".join(keys), bytes(status), bytes(reason_column), bytes(by_column), bytes(day_column)
    )
