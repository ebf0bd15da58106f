"""Reading people and their training records, one person at a time (a page at a time for
batches: :mod:`.paging`)."""

from __future__ import annotations

from collections.abc import Iterator

from registry.model import Activity, Person
from registry.store.connection import RegistryConnection
from registry.store.records import activity_from_row, person_from_row


class PeopleReads:
    """The registry's people and training records, read through ``connection``."""

    def __init__(self, connection: RegistryConnection) -> None:
        self._connection = connection

    def person(self, id_number: str) -> Person | None:
        rows = list(
            self._connection.db.query("SELECT * FROM people WHERE id_number = ?", [id_number])
        )
        return person_from_row(rows[0]) if rows else None

    def people(self) -> Iterator[Person]:
        for row in self._connection.db.query("SELECT * FROM people ORDER BY id_number"):
            yield person_from_row(row)

    def activities(self, id_number: str, *, year: int | None = None) -> list[Activity]:
        if year is None:
            rows = self._connection.db.query(
                "SELECT * FROM activities WHERE id_number = ? ORDER BY id", [id_number]
            )
        else:
            rows = self._connection.db.query(
                "SELECT * FROM activities WHERE id_number = ? AND year = ? ORDER BY id",
                [id_number, year],
            )
        return [activity_from_row(r) for r in rows]
