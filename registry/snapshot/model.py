"""The values of a signed status snapshot (``docs/snapshots.md``): one record, its key, status
and day, and the snapshot's kind. Its header is :mod:`.header`; the columnar record table that
holds millions of records compactly is :mod:`.table`.

Pure: no I/O, no cryptography. A record is keyed by a hash of the document's exact QR text
(:func:`snapshot_key`), never by number, edition, name or ID number, so a snapshot can be
handed to anyone without leaking who holds a certificate.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from enum import IntEnum, StrEnum
from typing import Any

from keys import CHINA_TZ
from registry.errors import RegistryError

KEY_SIZE = 8
"""Bytes of a record key: the first 8 bytes of a SHA-256."""
RECORD_SIZE = 14
"""Bytes per record in the canonical (uncompressed) records block."""
KEY_DOMAIN = b"cecert-snapshot-v1\x00"
"""Prefix hashed before the payload text, so a snapshot key is never any other hash."""
MAX_RECORDS = 50_000_000
"""More records than any registry holds: refused before anything is decompressed."""
_EPOCH = dt.date(1970, 1, 1).toordinal()
_TIME_FORMAT = "%Y-%m-%dT%H:%M:%SZ"


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
    return when.astimezone(CHINA_TZ).date().toordinal() - _EPOCH


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
