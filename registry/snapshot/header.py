"""The signed header of a status snapshot (``docs/snapshots.md``): what it states, to and
from its JSON members, every member checked strictly (``bad_snapshot``). Pure: no I/O, no
cryptography.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from keys import kid_from_text, kid_text
from registry.snapshot.model import MAX_RECORDS, SnapshotKind, bad_snapshot, format_time, parse_time

FORMAT = "cecert-status-snapshot"
VERSION = 1
_SHA256_HEX = frozenset("0123456789abcdef")
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
