"""Bringing a registry made by an earlier cecert to this one's schema, in the open: the
pending migrations run in one transaction with one ``migrate`` event that names every row
they changed, so the audit keeps holding each row to the log (``docs/upgrading.md``).

A row the migrations changed is re-recorded only when it matched its event before: an edit
made behind cecert's back stays an edit after the upgrade. A log written before events
recorded row digests (schema 2 and earlier) cannot vouch for any row: its rows are adopted as
found, and the event says how many, so an auditor knows where the record starts.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from registry.errors import RegistryError
from registry.store.audit import AuditReport, audit_log
from registry.store.digests import KEYS, digests_of
from registry.store.events import append_event
from registry.store.migrations import MIGRATIONS, SCHEMA_VERSION, statements


@dataclass(frozen=True, slots=True)
class Migrated:
    """What an upgrade did to the registry."""

    from_version: int
    to_version: int
    rerecorded: int
    """Rows the migrations changed that matched their events, recorded anew."""
    adopted: int
    """Rows of a log without row digests, recorded as found."""

    @property
    def changed(self) -> bool:
        return self.from_version != self.to_version


def outdated(path: Path, version: int) -> RegistryError:
    return RegistryError(
        "registry_outdated",
        f"{path}：登记库由较早版本的 cecert 建立（结构版本 {version}），请先运行 cecert upgrade "
        f"(schema {version} was made by an earlier cecert: run `cecert upgrade` first)",
    )


def migrate(conn: sqlite3.Connection, path: Path, *, at: dt.datetime | None) -> Migrated:
    """Apply the pending migrations inside the open write transaction on ``conn``.

    A new registry (schema 0) needs no ``at`` and logs nothing; one with data needs ``at``,
    the time of its ``migrate`` event (``registry_outdated`` without it)."""
    current = int(conn.execute("PRAGMA user_version").fetchone()[0])
    if current >= SCHEMA_VERSION:
        return Migrated(current, current, 0, 0)
    if current > 0 and at is None:
        raise outdated(path, current)
    logged = audit_log(conn, AuditReport()) if current > 0 else {}
    legacy = current > 0 and _has_rowless_events(conn)
    before = _digests(conn) if current > 0 else {}
    for number in range(current, SCHEMA_VERSION):
        try:
            for statement in statements(MIGRATIONS[number]):
                conn.execute(statement)
        except sqlite3.Error as exc:
            raise RegistryError(
                "migration_failed", f"{path}: migration {number + 1} failed: {exc}"
            ) from exc
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
    if current == 0:
        return Migrated(0, SCHEMA_VERSION, 0, 0)
    rows: dict[str, str] = {}
    rerecorded = adopted = 0
    for key, digest in _digests(conn).items():
        entry = logged.get(key)
        if entry is None:
            if legacy:
                rows[key] = digest
                adopted += 1
        elif entry[0] == before.get(key) and digest != entry[0]:
            rows[key] = digest
            rerecorded += 1
    assert at is not None
    append_event(
        conn,
        kind="migrate",
        subject=f"schema/{SCHEMA_VERSION}",
        data={"from": current, "to": SCHEMA_VERSION, "adopted": adopted, "rows": rows},
        at=at,
    )
    return Migrated(current, SCHEMA_VERSION, rerecorded, adopted)


def _digests(conn: sqlite3.Connection) -> dict[str, str]:
    found: dict[str, str] = {}
    present = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    for table in KEYS:
        if table in present:  # an older schema lacks the tables later migrations add
            found |= digests_of(conn, table, "1 = 1", ())
    return found


def _has_rowless_events(conn: sqlite3.Connection) -> bool:
    """Did a cecert that recorded no row digests write part of this log? (An event whose
    data is a JSON object without ``rows``; data that is not JSON is the audit's concern.)"""
    found = conn.execute(
        "SELECT 1 FROM events WHERE CASE WHEN json_valid(data) THEN"
        " json_type(data) = 'object' AND json_type(data, '$.rows') IS NULL END LIMIT 1"
    ).fetchone()
    return found is not None


__all__ = ["Migrated", "migrate", "outdated"]
