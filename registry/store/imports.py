"""Importing people and their training records into the registry.

Each file is one transaction with its event (and the digests of the rows it wrote): all or
nothing, and re-importing the same file changes nothing.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from dataclasses import dataclass
from typing import Any

from registry.errors import ImportRejected
from registry.model import Activity, Person
from registry.store.connection import RegistryConnection
from registry.store.digests import digests_of
from registry.store.events import append_event
from registry.store.records import activity_row, person_row


@dataclass(frozen=True, slots=True)
class ImportResult:
    """What an import changed. Re-importing the same file gives all zeros but ``unchanged``."""

    added: int
    updated: int
    unchanged: int


def _insert(
    conn: sqlite3.Connection, table: str, row: dict[str, Any], *, or_ignore: bool = False
) -> bool:
    """Insert ``row`` (column names are ours, never user input); return whether it was new."""
    verb = "INSERT OR IGNORE" if or_ignore else "INSERT"
    columns = ", ".join(row)
    marks = ", ".join("?" * len(row))
    sql = f"{verb} INTO {table} ({columns}) VALUES ({marks})"
    return conn.execute(sql, tuple(row.values())).rowcount > 0


class RecordImports:
    """Importing people and training records, each file one transaction on ``connection``."""

    def __init__(self, connection: RegistryConnection) -> None:
        self._connection = connection

    def import_people(
        self, records: list[tuple[int, Person]], *, source: str, at: dt.datetime
    ) -> ImportResult:
        """Add or update people, all or nothing. Identical rows change nothing."""
        added = updated = unchanged = 0
        rows: dict[str, str] = {}
        with self._connection.transaction() as conn:
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
                    continue
                rows |= digests_of(conn, "people", "id_number = ?", (person.id_number,))
            if added or updated:
                append_event(
                    conn,
                    kind="import_people",
                    subject=source,
                    data={"added": added, "updated": updated, "rows": rows},
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
        rows: dict[str, str] = {}
        with self._connection.transaction() as conn:
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
                    rows |= digests_of(conn, "activities", "fingerprint = ?", (row["fingerprint"],))
                else:
                    unchanged += 1
            if added:
                append_event(
                    conn,
                    kind="import_activities",
                    subject=source,
                    data={"added": added, "rows": rows},
                    at=at,
                )
        return ImportResult(added, 0, unchanged)
