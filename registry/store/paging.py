"""Reads for long batches, a page of people at a time: one query per page for the people,
one for their year's records and one for who already holds a document of the year.

A batch over a whole province streams through these pages instead of loading every person,
so its memory does not grow with the number of people (``docs/performance.md``).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from typing import Any

from registry.errors import RegistryError
from registry.model import Activity, Person
from registry.store.connection import RegistryConnection
from registry.store.records import activity_from_row, person_from_row


def _rows(conn: sqlite3.Connection, sql: str, params: Sequence[Any]) -> list[dict[str, Any]]:
    try:
        cursor = conn.execute(sql, tuple(params))
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, values, strict=True)) for values in cursor.fetchall()]
    except sqlite3.DatabaseError as exc:
        raise RegistryError("bad_registry", f"the registry file cannot be read: {exc}") from exc


def _marks(count: int) -> str:
    return ", ".join("?" * count)


class PagedReads:
    """Page-at-a-time reads for issuance batches, through ``connection``."""

    def __init__(self, connection: RegistryConnection) -> None:
        self._connection = connection

    def people_page(self, *, after: str | None, limit: int) -> list[Person]:
        """Up to ``limit`` people with an ID number greater than ``after`` (all when
        ``None``), in ID number order: the order :meth:`Registry.people` and issuance use."""
        conn = self._connection.conn
        if after is None:
            rows = _rows(conn, "SELECT * FROM people ORDER BY id_number LIMIT ?", [limit])
        else:
            rows = _rows(
                conn,
                "SELECT * FROM people WHERE id_number > ? ORDER BY id_number LIMIT ?",
                [after, limit],
            )
        return [person_from_row(r) for r in rows]

    def activities_of(self, id_numbers: Sequence[str], *, year: int) -> dict[str, list[Activity]]:
        """Every record of ``year`` of these people (at most a few thousand per call), per
        person in the order :meth:`Registry.activities` gives them; a person without any is
        absent."""
        found: dict[str, list[Activity]] = {}
        if not id_numbers:
            return found
        sql = (
            "SELECT * FROM activities WHERE year = ?"  # noqa: S608 - placeholders only
            f" AND id_number IN ({_marks(len(id_numbers))}) ORDER BY id"
        )
        rows = _rows(self._connection.conn, sql, [year, *id_numbers])
        for row in rows:
            found.setdefault(row["id_number"], []).append(activity_from_row(row))
        return found

    def holders(self, id_numbers: Sequence[str], *, issuer: str, year: int) -> set[str]:
        """Those of these people who hold a current document of ``year`` from ``issuer``."""
        if not id_numbers:
            return set()
        sql = (
            "SELECT DISTINCT c.id_number FROM certificates c"  # noqa: S608 - placeholders only
            " JOIN documents d ON d.number = c.number WHERE c.issuer = ? AND d.year = ?"
            f" AND d.status = 'current' AND c.id_number IN ({_marks(len(id_numbers))})"
        )
        rows = _rows(self._connection.conn, sql, [issuer, year, *id_numbers])
        return {r["id_number"] for r in rows}
