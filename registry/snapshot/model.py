"""The values of a signed status snapshot (``docs/snapshots.md``): its header, one record, and
the columnar record table that holds millions of them compactly.

Pure: no I/O, no cryptography. A record is keyed by a hash of the document's exact QR text
(:func:`snapshot_key`), never by number, edition, name or ID number, so a snapshot can be
handed to anyone without leaking who holds a certificate.
"""

from __future__ import annotations

import bisect
import datetime as dt
import hashlib
import operator
import struct
import sys
from array import array
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import IntEnum, StrEnum
from itertools import islice, pairwise
from typing import Any

from keys import kid_from_text, kid_text
from registry.errors import RegistryError

FORMAT = "cecert-status-snapshot"
VERSION = 1
KEY_SIZE = 8
"""Bytes of a record key: the first 8 bytes of a SHA-256."""
RECORD_SIZE = 14
"""Bytes per record in the canonical (uncompressed) records block."""
KEY_DOMAIN = b"cecert-snapshot-v1\x00"
"""Prefix hashed before the payload text, so a snapshot key is never any other hash."""
MAX_RECORDS = 50_000_000
"""More records than any registry holds: refused before anything is decompressed."""
_EPOCH = dt.date(1970, 1, 1).toordinal()
_CHINA = dt.timezone(dt.timedelta(hours=8))
_TIME_FORMAT = "%Y-%m-%dT%H:%M:%SZ"
_SHA256_HEX = frozenset("0123456789abcdef")


def bad_snapshot(message: str) -> RegistryError:
    """The one error for a snapshot that is not well-formed (``bad_snapshot``)."""
    return RegistryError("bad_snapshot", message)


def snapshot_key(payload_text: str) -> bytes:
    """The 8-byte record key of a document: ``SHA-256(b"cecert-snapshot-v1\\0" + text)[:8]``
    over its QR text (``CEC1:…``) stripped of surrounding white space.

    Security: the key reveals nothing about the document without its QR text, and finding
    a record requires holding the signed payload. 64 bits make an accidental collision among
    a few million documents about one chance in a few million; the export refuses one.
    """
    text = payload_text.strip()
    try:
        raw = text.encode("ascii")
    except UnicodeEncodeError as exc:
        raise RegistryError("bad_prefix", "a QR text is ASCII only") from exc
    return hashlib.sha256(KEY_DOMAIN + raw).digest()[:KEY_SIZE]


def china_day(when: dt.datetime) -> int:
    """Days since 1970-01-01 of the China-time (UTC+8) date of ``when``."""
    return when.astimezone(_CHINA).date().toordinal() - _EPOCH


def day_date(day: int) -> dt.date:
    """The date ``day`` days after 1970-01-01."""
    return dt.date.fromordinal(_EPOCH + day)


def format_time(when: dt.datetime) -> str:
    """``YYYY-MM-DDTHH:MM:SSZ`` (UTC, whole seconds)."""
    return when.astimezone(dt.UTC).strftime(_TIME_FORMAT)


def parse_time(text: Any, where: str) -> dt.datetime:
    """Parse exactly ``YYYY-MM-DDTHH:MM:SSZ``; anything else is ``bad_snapshot``."""
    try:
        value = dt.datetime.strptime(text, _TIME_FORMAT).replace(tzinfo=dt.UTC)
    except (TypeError, ValueError) as exc:
        raise bad_snapshot(f"{where}: {text!r} is not YYYY-MM-DDTHH:MM:SSZ") from exc
    if format_time(value) != text:
        raise bad_snapshot(f"{where}: {text!r} is not YYYY-MM-DDTHH:MM:SSZ")
    return value


class RecordStatus(IntEnum):
    """A document's status as a snapshot stores it (one byte)."""

    CURRENT = 0
    SUPERSEDED = 1
    REVOKED = 2


class SnapshotKind(StrEnum):
    FULL = "full"
    DELTA = "delta"
    """Only the records added or changed since a named full snapshot."""


@dataclass(frozen=True, slots=True)
class SnapshotRecord:
    """One document edition's status, as found by its key."""

    key: bytes
    status: RecordStatus
    reason: str
    """The registry's status reason code (``renewal``, ``fraud``, …); ``""`` when current."""
    by: int
    """For a superseded document: the edition that superseded it; else 0."""
    day: int
    """China date of the status change, days since 1970-01-01; 0 when current."""

    @property
    def changed_on(self) -> dt.date | None:
        return day_date(self.day) if self.day else None


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


_COMMON = {
    "format",
    "version",
    "kind",
    "issuer",
    "kid",
    "as_of",
    "count",
    "total",
    "records_sha256",
    "reasons",
    "checkpoint",
}
_DELTA_ONLY = {"base_records_sha256", "base_as_of"}
_OPTIONAL = {"log_size"}
"""Members a header may have: absent in snapshots made before cecert wrote them."""


def _sha256_hex(value: Any, where: str) -> str:
    if not isinstance(value, str) or len(value) != 64 or not set(value) <= _SHA256_HEX:
        raise bad_snapshot(f"{where} is not 64 lower-case hex digits")
    return value


def _count(value: Any, where: str) -> int:
    if type(value) is not int or not 0 <= value <= MAX_RECORDS:
        raise bad_snapshot(f"{where} is not a count from 0 to {MAX_RECORDS}")
    return value


@dataclass(frozen=True, slots=True)
class SnapshotHeader:
    """The signed header of a snapshot file (canonical JSON)."""

    kind: SnapshotKind
    issuer: str
    """The bureau's six-digit region code."""
    kid: bytes
    """Key id of the QR-signing key that signed the file."""
    as_of: dt.datetime
    """When the registry was read (UTC, whole seconds)."""
    count: int
    """Records in this file's body."""
    total: int
    """Records in the full snapshot (after applying, for a delta)."""
    records_sha256: str
    """Hex SHA-256 of the full snapshot's canonical records block."""
    reasons: tuple[str, ...]
    """Status reason codes; index 0 is ``""``."""
    checkpoint: str | None
    """Text of the latest signed log checkpoint, if any."""
    base_records_sha256: str | None = None
    """Delta only: ``records_sha256`` of the full snapshot it applies to."""
    base_as_of: dt.datetime | None = None
    """Delta only: ``as_of`` of that full snapshot."""
    log_size: int | None = None
    """Events in the registry's log when it was read: a server with the registry knows the
    snapshot misses changes when its log has grown since. ``None`` in older snapshots."""

    def __post_init__(self) -> None:
        if not self.reasons or self.reasons[0] != "":
            raise bad_snapshot('reasons must start with ""')
        if len(set(self.reasons)) != len(self.reasons) or len(self.reasons) > 256:
            raise bad_snapshot("reasons must be distinct, at most 256")
        delta = (self.base_records_sha256, self.base_as_of)
        if self.kind is SnapshotKind.DELTA and None in delta:
            raise bad_snapshot("a delta must name its base (base_records_sha256, base_as_of)")
        if self.kind is SnapshotKind.FULL and delta != (None, None):
            raise bad_snapshot("a full snapshot has no base")
        if self.kind is SnapshotKind.FULL and self.count != self.total:
            raise bad_snapshot("a full snapshot's count must equal its total")

    def to_json(self) -> dict[str, Any]:
        value: dict[str, Any] = {
            "format": FORMAT,
            "version": VERSION,
            "kind": self.kind.value,
            "issuer": self.issuer,
            "kid": kid_text(self.kid),
            "as_of": format_time(self.as_of),
            "count": self.count,
            "total": self.total,
            "records_sha256": self.records_sha256,
            "reasons": list(self.reasons),
            "checkpoint": self.checkpoint,
        }
        if self.log_size is not None:
            value["log_size"] = self.log_size
        if self.kind is SnapshotKind.DELTA:
            assert self.base_as_of is not None
            value["base_records_sha256"] = self.base_records_sha256
            value["base_as_of"] = format_time(self.base_as_of)
        return value

    @classmethod
    def from_json(cls, obj: Mapping[str, Any]) -> SnapshotHeader:
        """Check every member strictly; raise ``bad_snapshot``."""
        if obj.get("format") != FORMAT or obj.get("version") != VERSION:
            raise bad_snapshot(f"not a {FORMAT} version {VERSION} header")
        try:
            kind = SnapshotKind(str(obj.get("kind")))
        except ValueError as exc:
            raise bad_snapshot(f"kind {obj.get('kind')!r} is neither full nor delta") from exc
        expected = _COMMON | (_DELTA_ONLY if kind is SnapshotKind.DELTA else set())
        if set(obj) - _OPTIONAL != expected:
            raise bad_snapshot(
                f"header members must be exactly {sorted(expected)} (and optionally "
                f"{sorted(_OPTIONAL)})"
            )
        log_size = obj.get("log_size")
        if log_size is not None and (type(log_size) is not int or log_size < 0):
            raise bad_snapshot("log_size must be a whole number")
        issuer = obj["issuer"]
        if not isinstance(issuer, str) or len(issuer) != 6 or not issuer.isascii():
            raise bad_snapshot(f"issuer {issuer!r} is not a six-digit region code")
        if not issuer.isdigit():
            raise bad_snapshot(f"issuer {issuer!r} is not a six-digit region code")
        kid_value = obj["kid"]
        try:
            kid = kid_from_text(kid_value) if isinstance(kid_value, str) else b""
        except (ValueError, UnicodeError) as exc:
            raise bad_snapshot(f"kid {kid_value!r} is not unpadded base64url") from exc
        if not kid or kid_text(kid) != kid_value:
            raise bad_snapshot(f"kid {kid_value!r} is not unpadded base64url")
        reasons = obj["reasons"]
        if not isinstance(reasons, list) or not all(isinstance(r, str) for r in reasons):
            raise bad_snapshot("reasons must be a list of strings")
        checkpoint = obj["checkpoint"]
        if checkpoint is not None and not isinstance(checkpoint, str):
            raise bad_snapshot("checkpoint must be a text or null")
        delta = kind is SnapshotKind.DELTA
        return cls(
            kind=kind,
            issuer=issuer,
            kid=kid,
            as_of=parse_time(obj["as_of"], "as_of"),
            count=_count(obj["count"], "count"),
            total=_count(obj["total"], "total"),
            records_sha256=_sha256_hex(obj["records_sha256"], "records_sha256"),
            reasons=tuple(reasons),
            checkpoint=checkpoint,
            base_records_sha256=(
                _sha256_hex(obj["base_records_sha256"], "base_records_sha256") if delta else None
            ),
            base_as_of=parse_time(obj["base_as_of"], "base_as_of") if delta else None,
            log_size=log_size,
        )
