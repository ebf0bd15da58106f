"""The columnar record table of a status snapshot (``docs/snapshots.md``): millions of
records held compactly as the five columns of the canonical records block, sorted by key and
searched by binary search. Pure: no I/O, no cryptography.
"""

from __future__ import annotations

import bisect
import hashlib
import operator
import struct
import sys
from array import array
from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import islice, pairwise

from registry.errors import RegistryError
from registry.snapshot.model import (
    KEY_SIZE,
    RECORD_SIZE,
    RecordStatus,
    SnapshotRecord,
    bad_snapshot,
)

_CURRENT_MASK = bytes([0xFF]) + bytes(255)
"""``bytes.translate`` table: status 0 (current) to 0xFF, every other byte to 0."""


def _big(column: bytes | bytearray) -> int:
    return int.from_bytes(column, "big")


_COLUMNS = (KEY_SIZE, 1, 1, 2, 2)
"""Bytes per record in each column: key, status, reason, by, day."""


@dataclass(frozen=True, eq=False)
class RecordTable:
    """Records sorted by key, held as the five columns of the canonical block (a few dozen
    bytes of Python objects per snapshot, not per record). Build with :meth:`build` (from
    loose rows) or :meth:`from_block` (from received bytes, checked)."""

    keys: bytes
    status: bytes
    reasons: bytes
    by: bytes
    days: bytes
    _ints: array[int] = field(repr=False)
    """The keys as unsigned 64-bit integers (big-endian reading), for binary search."""

    def __len__(self) -> int:
        return len(self.status)

    @staticmethod
    def _key_ints(keys: bytes) -> array[int]:
        ints = array("Q")
        ints.frombytes(keys)
        if sys.byteorder == "little":
            ints.byteswap()
        return ints

    @classmethod
    def from_columns(
        cls, keys: bytes, status: bytes, reasons: bytes, by: bytes, days: bytes
    ) -> RecordTable:
        """Columns already known to be sorted and unique (internal use)."""
        return cls(keys, status, reasons, by, days, cls._key_ints(keys))

    @classmethod
    def build(cls, rows: Iterable[tuple[bytes, int, int, int, int]]) -> RecordTable:
        """From ``(key, status, reason index, by, day)`` rows in any order; keys must be
        unique (``snapshot_duplicate_key``: two recorded payloads with the same key)."""
        ordered = sorted(rows)
        for first, second in pairwise(ordered):
            if first[0] == second[0]:
                raise RegistryError(
                    "snapshot_duplicate_key",
                    f"two documents share the snapshot key {first[0].hex()}",
                )
        n = len(ordered)
        keys = b"".join(r[0] for r in ordered)
        return cls.from_columns(
            keys,
            bytes(r[1] for r in ordered),
            bytes(r[2] for r in ordered),
            struct.pack(f">{n}H", *(r[3] for r in ordered)),
            struct.pack(f">{n}H", *(r[4] for r in ordered)),
        )

    @classmethod
    def from_block(cls, block: bytes, count: int, reason_count: int) -> RecordTable:
        """Split and check a canonical records block of ``count`` records: sorted, unique
        keys; known statuses; reason indexes within the header's list; current records
        with reason, by and day all 0. Raises ``bad_snapshot``."""
        if len(block) != count * RECORD_SIZE:
            raise bad_snapshot(f"the records block has {len(block)} bytes, not {count} records")
        columns: list[bytes] = []
        offset = 0
        for width in _COLUMNS:
            columns.append(block[offset : offset + width * count])
            offset += width * count
        table = cls.from_columns(*columns)
        ints = table._ints
        # Loops in C: ten million records are checked in well under a second.
        if any(map(operator.ge, ints, islice(ints, 1, None))):
            raise bad_snapshot("the records are not sorted by key, or a key appears twice")
        if max(table.status, default=0) > RecordStatus.REVOKED:
            raise bad_snapshot("a record has an unknown status")
        if max(table.reasons, default=0) >= reason_count:
            raise bad_snapshot("a record names a reason beyond the header's list")
        # A current record carries no reason, edition or date: only changed ones do. A mask
        # of 0xFF per current record (doubled for the 16-bit columns), ANDed with each
        # column read as one big integer, must leave nothing.
        current = table.status.translate(_CURRENT_MASK)
        wide = bytearray(2 * count)
        wide[0::2] = wide[1::2] = current
        mask, wide_mask = _big(current), _big(wide)
        if mask & _big(table.reasons) or wide_mask & (_big(table.by) | _big(table.days)):
            raise bad_snapshot("a current record carries a reason, edition or date")
        return table

    def block(self) -> bytes:
        """The canonical records block (columnar, uncompressed)."""
        return self.keys + self.status + self.reasons + self.by + self.days

    def sha256(self) -> str:
        """Hex SHA-256 of :meth:`block`: the ``records_sha256`` of a full snapshot."""
        digest = hashlib.sha256()
        for column in (self.keys, self.status, self.reasons, self.by, self.days):
            digest.update(column)
        return digest.hexdigest()

    def position(self, key: bytes) -> int:
        """Where ``key`` is or would be inserted (binary search; ``KEY_SIZE`` bytes)."""
        return bisect.bisect_left(self._ints, int.from_bytes(key, "big"))

    def index(self, key: bytes) -> int | None:
        """Position of ``key``, or ``None`` when it is not in the table."""
        if len(key) != KEY_SIZE:
            return None
        i = self.position(key)
        return i if i < len(self._ints) and self._ints[i] == int.from_bytes(key, "big") else None

    def day(self, i: int) -> int:
        return int.from_bytes(self.days[2 * i : 2 * i + 2], "big")

    def row(self, i: int) -> bytes:
        """The 6 status bytes of record ``i`` (status, reason, by, day): what a delta
        compares."""
        return (
            self.status[i : i + 1]
            + self.reasons[i : i + 1]
            + self.by[2 * i : 2 * i + 2]
            + self.days[2 * i : 2 * i + 2]
        )

    def record(self, i: int, reasons: tuple[str, ...]) -> SnapshotRecord:
        return SnapshotRecord(
            key=self.keys[KEY_SIZE * i : KEY_SIZE * (i + 1)],
            status=RecordStatus(self.status[i]),
            reason=reasons[self.reasons[i]],
            by=int.from_bytes(self.by[2 * i : 2 * i + 2], "big"),
            day=self.day(i),
        )
