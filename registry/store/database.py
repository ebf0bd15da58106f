"""The registry store: one SQLite file (WAL) opened through sqlite-utils.

Every write is one explicit transaction (``BEGIN IMMEDIATE``) with a busy timeout, so two
processes on the same file serialise their writes instead of failing or interleaving, and a
crash leaves either the whole change or none of it.
"""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlite_utils

from registry.errors import ImportRejected, RegistryError
from registry.model import Activity, DocumentKind, DocumentStatus, HoursSummary, Person
from registry.numbering import format_number
from registry.store.events import append_event
from registry.store.migrations import MIGRATIONS, SCHEMA_VERSION
from registry.store.records import (
    DocumentRecord,
    activity_from_row,
    activity_row,
    document_from_row,
    person_from_row,
    person_row,
    summary_json,
)

BUSY_TIMEOUT_MS = 30_000
_DOCUMENT_SELECT = (
    "SELECT d.*, c.id_number, c.issuer FROM documents d JOIN certificates c ON c.number = d.number"
)


@dataclass(frozen=True, slots=True)
class ImportResult:
    """What an import changed. Re-importing the same file gives all zeros but ``unchanged``."""

    added: int
    updated: int
    unchanged: int


@dataclass(slots=True)
class IssueSlot:
    """The number and edition drawn for one document, inside an open transaction."""

    number: str
    edition: int
    year: int
    kind: DocumentKind
    recorded: DocumentRecord | None = field(default=None)


def _insert(
    conn: sqlite3.Connection, table: str, row: dict[str, Any], *, or_ignore: bool = False
) -> bool:
    """Insert ``row`` (column names are ours, never user input); return whether it was new."""
    verb = "INSERT OR IGNORE" if or_ignore else "INSERT"
    columns = ", ".join(row)
    marks = ", ".join("?" * len(row))
    sql = f"{verb} INTO {table} ({columns}) VALUES ({marks})"
    return conn.execute(sql, tuple(row.values())).rowcount > 0


class Registry:
    """An open registry file. Create with :meth:`create`, open with :meth:`open`."""

    def __init__(self, path: Path, conn: sqlite3.Connection) -> None:
        self.path = path
        self._conn = conn
        self.db = sqlite_utils.Database(conn)

    # -- opening -------------------------------------------------------------------------

    @classmethod
    def create(cls, path: Path) -> Registry:
        """Create a new, empty registry; refuse an existing file (``registry_exists``)."""
        if path.exists():
            raise RegistryError("registry_exists", f"{path}: a registry already exists")
        path.parent.mkdir(parents=True, exist_ok=True)
        # Personal data: readable by the owner only, from the first byte.
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        return cls._connect(path, migrate=True)

    @classmethod
    def open(cls, path: Path, *, read_only: bool = False) -> Registry:
        """Open an existing registry; apply pending migrations unless ``read_only``."""
        if not path.is_file():
            raise RegistryError("no_registry", f"{path}: no registry file here")
        return cls._connect(path, migrate=not read_only, read_only=read_only)

    @classmethod
    def _connect(cls, path: Path, *, migrate: bool, read_only: bool = False) -> Registry:
        try:
            if read_only:
                conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, isolation_level=None)
            else:
                conn = sqlite3.connect(path, isolation_level=None)
            conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            conn.execute("PRAGMA foreign_keys = ON")
            if not read_only:
                conn.execute("PRAGMA journal_mode = WAL")
                conn.execute("PRAGMA synchronous = NORMAL")
            version = conn.execute("PRAGMA user_version").fetchone()[0]
        except sqlite3.DatabaseError as exc:
            raise RegistryError("bad_registry", f"{path}: not a readable registry ({exc})") from exc
        registry = cls(path, conn)
        if version > SCHEMA_VERSION:
            raise RegistryError(
                "registry_too_new", f"{path}: schema {version} is newer than this cecert"
            )
        if version < SCHEMA_VERSION:
            if not migrate:
                raise RegistryError(
                    "registry_outdated", f"{path}: schema {version} needs migrating"
                )
            registry._migrate(version)
        return registry

    def _migrate(self, version: int) -> None:
        for number in range(version, SCHEMA_VERSION):
            # One script per migration, inside one transaction with its version bump.
            script = (
                f"BEGIN IMMEDIATE;\n{MIGRATIONS[number]}\n"
                f"PRAGMA user_version = {number + 1};\nCOMMIT;"
            )
            try:
                self._conn.executescript(script)
            except sqlite3.Error as exc:
                if self._conn.in_transaction:
                    self._conn.execute("ROLLBACK")
                raise RegistryError(
                    "migration_failed", f"{self.path}: migration {number + 1} failed: {exc}"
                ) from exc

    def close(self) -> None:
        self._conn.close()

    def __enter__(self) -> Registry:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One ``BEGIN IMMEDIATE`` transaction: committed on success, rolled back otherwise."""
        try:
            self._conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            raise RegistryError("registry_busy", f"{self.path}: {exc}") from exc
        try:
            yield self._conn
        except BaseException:
            self._conn.execute("ROLLBACK")
            raise
        try:
            self._conn.execute("COMMIT")
        except sqlite3.Error as exc:
            self._conn.execute("ROLLBACK")
            raise RegistryError("commit_failed", f"{self.path}: {exc}") from exc

    # -- people and records --------------------------------------------------------------

    def import_people(
        self, records: list[tuple[int, Person]], *, source: str, at: dt.datetime
    ) -> ImportResult:
        """Add or update people, all or nothing. Identical rows change nothing."""
        added = updated = unchanged = 0
        with self.transaction() as conn:
            for _line, person in records:
                row = person_row(person)
                current = conn.execute(
                    "SELECT * FROM people WHERE id_number = ?", (person.id_number,)
                ).fetchone()
                if current is None:
                    _insert(conn, "people", row)
                    added += 1
                elif tuple(current) != tuple(row.values()):
                    sets = ", ".join(f"{k} = ?" for k in row if k != "id_number")
                    values = [v for k, v in row.items() if k != "id_number"]
                    conn.execute(
                        f"UPDATE people SET {sets} WHERE id_number = ?",  # noqa: S608 - fixed names
                        (*values, person.id_number),
                    )
                    updated += 1
                else:
                    unchanged += 1
            if added or updated:
                append_event(
                    conn,
                    kind="import_people",
                    subject=source,
                    data={"added": added, "updated": updated},
                    at=at,
                )
        return ImportResult(added, updated, unchanged)

    def import_activities(
        self, records: list[tuple[int, Activity]], *, source: str, at: dt.datetime
    ) -> ImportResult:
        """Add training records, all or nothing; a record already present is left alone.

        Every record's person must be in the registry, or the whole file is rejected
        (:class:`ImportRejected` listing the lines).
        """
        added = unchanged = 0
        with self.transaction() as conn:
            known = {r[0] for r in conn.execute("SELECT id_number FROM people")}
            problems = [
                (line, f"id_number: {a.id_number[:4]}… is not in the registry; import people first")
                for line, a in records
                if a.id_number not in known
            ]
            if problems:
                raise ImportRejected(source, problems)
            for _line, activity in records:
                row = activity_row(activity)
                if _insert(conn, "activities", row, or_ignore=True):
                    added += 1
                else:
                    unchanged += 1
            if added:
                append_event(
                    conn, kind="import_activities", subject=source, data={"added": added}, at=at
                )
        return ImportResult(added, 0, unchanged)

    def person(self, id_number: str) -> Person | None:
        rows = list(self.db.query("SELECT * FROM people WHERE id_number = ?", [id_number]))
        return person_from_row(rows[0]) if rows else None

    def people(self) -> Iterator[Person]:
        for row in self.db.query("SELECT * FROM people ORDER BY id_number"):
            yield person_from_row(row)

    def activities(self, id_number: str, *, year: int | None = None) -> list[Activity]:
        if year is None:
            rows = self.db.query(
                "SELECT * FROM activities WHERE id_number = ? ORDER BY id", [id_number]
            )
        else:
            rows = self.db.query(
                "SELECT * FROM activities WHERE id_number = ? AND year = ? ORDER BY id",
                [id_number, year],
            )
        return [activity_from_row(r) for r in rows]

    # -- issuance ------------------------------------------------------------------------

    def current_document(self, id_number: str, *, issuer: str, year: int) -> DocumentRecord | None:
        """The current document covering ``year`` for this person and issuer, if any."""
        rows = list(
            self.db.query(
                _DOCUMENT_SELECT + " WHERE c.id_number = ? AND c.issuer = ? AND d.year = ?"
                " AND d.status = 'current' ORDER BY d.edition DESC LIMIT 1",
                [id_number, issuer, year],
            )
        )
        return document_from_row(rows[0]) if rows else None

    @contextmanager
    def issuance(
        self,
        *,
        id_number: str,
        issuer: str,
        year: int,
        at: dt.datetime,
        kind: DocumentKind = DocumentKind.ORIGINAL,
    ) -> Iterator[IssueSlot]:
        """Draw the number and edition for a new document and hold the write lock.

        Inside the ``with`` block the caller makes the document and calls :meth:`record`;
        leaving the block commits number, document row and event together. Any exception, or
        leaving without recording, rolls everything back, so no number is consumed by a
        document that does not exist. Raises ``already_issued`` when a current document for
        that year exists.
        """
        with self.transaction() as conn:
            row = conn.execute(
                "SELECT number FROM certificates WHERE id_number = ? AND issuer = ?",
                (id_number, issuer),
            ).fetchone()
            if row is None:
                serial = conn.execute(
                    "INSERT INTO serials (region, last_serial) VALUES (?, 1)"
                    " ON CONFLICT (region) DO UPDATE SET last_serial = last_serial + 1"
                    " RETURNING last_serial",
                    (issuer,),
                ).fetchone()[0]
                number = format_number(issuer, serial)
                conn.execute(
                    "INSERT INTO certificates (number, id_number, issuer, created_at)"
                    " VALUES (?, ?, ?, ?)",
                    (number, id_number, issuer, at.isoformat(timespec="seconds")),
                )
            else:
                number = row[0]
                existing = conn.execute(
                    "SELECT edition FROM documents WHERE number = ? AND year = ?"
                    " AND status = 'current'",
                    (number, year),
                ).fetchone()
                if existing is not None and kind is DocumentKind.ORIGINAL:
                    raise RegistryError(
                        "already_issued",
                        f"{number} edition {existing[0]} already covers {year}",
                    )
            edition = conn.execute(
                "SELECT COALESCE(MAX(edition), 0) + 1 FROM documents WHERE number = ?", (number,)
            ).fetchone()[0]
            slot = IssueSlot(number=number, edition=edition, year=year, kind=kind)
            yield slot
            if slot.recorded is None:
                raise RegistryError("not_recorded", f"{number}/{edition}: no document recorded")

    def record(
        self,
        slot: IssueSlot,
        *,
        policy_id: str,
        summary: HoursSummary,
        payload: str,
        pdf_sha256: str,
        pdf_path: str,
        at: dt.datetime,
    ) -> DocumentRecord:
        """Record the document of ``slot`` (inside :meth:`issuance`) and its event."""
        issued_at = at.isoformat(timespec="seconds")
        self._conn.execute(
            "INSERT INTO documents (number, edition, kind, year, policy_id, hours, payload,"
            " pdf_sha256, pdf_path, status, issued_at) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
            (
                slot.number,
                slot.edition,
                slot.kind.value,
                slot.year,
                policy_id,
                summary_json(summary),
                payload,
                pdf_sha256,
                pdf_path,
                DocumentStatus.CURRENT.value,
                issued_at,
            ),
        )
        append_event(
            self._conn,
            kind="issue",
            subject=f"{slot.number}/{slot.edition}",
            data={"kind": slot.kind.value, "year": slot.year, "pdf_sha256": pdf_sha256},
            at=at,
        )
        document = self.document(slot.number, slot.edition)
        assert document is not None
        slot.recorded = document
        return document

    # -- look-ups ------------------------------------------------------------------------

    def _one_document(self, where: str, params: list[Any]) -> DocumentRecord | None:
        rows = list(self.db.query(_DOCUMENT_SELECT + " WHERE " + where, params))
        return document_from_row(rows[0]) if rows else None

    def document(self, number: str, edition: int) -> DocumentRecord | None:
        return self._one_document("d.number = ? AND d.edition = ?", [number, edition])

    def document_by_sha256(self, pdf_sha256: str) -> DocumentRecord | None:
        return self._one_document("d.pdf_sha256 = ?", [pdf_sha256])

    def documents(
        self, *, year: int | None = None, id_number: str | None = None
    ) -> list[DocumentRecord]:
        """Every document, or only those of ``year`` and/or of one person, by number and
        edition (every edition and status: superseded and revoked ones too)."""
        conditions: list[str] = []
        params: list[Any] = []
        for column, value in (("d.year", year), ("c.id_number", id_number)):
            if value is not None:
                conditions.append(f"{column} = ?")
                params.append(value)
        where = " WHERE " + " AND ".join(conditions) if conditions else ""
        rows = self.db.query(_DOCUMENT_SELECT + where + " ORDER BY d.number, d.edition", params)
        return [document_from_row(r) for r in rows]

    def count(self, table: str) -> int:
        """Rows in one of the registry's tables."""
        if table not in {"people", "activities", "certificates", "documents", "events"}:
            raise RegistryError("bad_table", f"no table {table!r}")
        return int(self._conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0])  # noqa: S608
