"""Correcting a person's name or ID number in the registry (``docs/lifecycle.md``).

A wrong ID number is more than a field to edit: the person's row is keyed by it, every
training record names it (and its fingerprint is computed over it) and so does the
certificate number the person holds. :meth:`PersonCorrections.correct_person` moves all of
them to the corrected number in **one** transaction with its event, so the registry never
holds a person half moved. The certificate keeps its number (一人一证): numbers are drawn
per issuing bureau, not derived from the ID number.

The documents already issued are not touched here: they are signed and cannot change. The
signer issues a ``correction`` edition for each of them afterwards
(:meth:`signer.Issuer.correct`), which supersedes them.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import sqlite3
from typing import Any

from registry.errors import RegistryError
from registry.home import CHINA_TZ
from registry.idnumber import mask_id_number, parse_id_number
from registry.model import Person
from registry.store.connection import RegistryConnection
from registry.store.digests import KEYS, digests_of, row_key
from registry.store.events import append_event
from registry.store.records import activity_from_row, activity_row, person_from_row, person_row


class PersonCorrections:
    """Corrections of a person's identity, each one transaction on ``connection``."""

    def __init__(self, connection: RegistryConnection) -> None:
        self._connection = connection

    def correct_person(
        self,
        old_id: str,
        *,
        new_id: str | None = None,
        name: str | None = None,
        at: dt.datetime,
        note: str | None = None,
    ) -> Person:
        """Correct the name and/or the ID number of the person ``old_id``; return the person
        as corrected.

        ``new_id`` is checked like an imported ID number (``bad_id_number``, birth date not
        after ``at`` in China time). With a new ID number, the person's row, training records
        (their fingerprints recomputed) and certificate move to it; the event
        ``correct_person`` names the rows written with their digests (``rows``) and the row
        keys that no longer exist (``removed``), and keeps ``note`` (why).

        Raises ``RegistryError``: ``unknown_person`` (no such person), ``nothing_to_correct``
        (the values given are the current ones), ``id_number_taken`` (the corrected number is
        already a person of the registry: merging two people is not a correction),
        ``bad_id_number``, ``bad_person`` (empty name).
        """
        today = at.astimezone(CHINA_TZ).date()
        target = parse_id_number(new_id, today=today) if new_id is not None else old_id
        with self._connection.transaction() as conn:
            cursor = conn.execute("SELECT * FROM people WHERE id_number = ?", (old_id,))
            names = [d[0] for d in cursor.description]
            found = cursor.fetchone()
            if found is None:
                raise RegistryError("unknown_person", f"{mask_id_number(old_id)} is not a person")
            person = person_from_row(dict(zip(names, found, strict=True)))
            corrected = dataclasses.replace(
                person,
                id_number=target,
                name=name.strip() if name is not None else person.name,
            )
            fields = [
                label
                for label, changed in (
                    ("name", corrected.name != person.name),
                    ("id_number", target != old_id),
                )
                if changed
            ]
            if not fields:
                raise RegistryError(
                    "nothing_to_correct",
                    f"{mask_id_number(old_id)}: the name and ID number given are the current ones",
                )
            removed: list[str] = []
            if target != old_id:
                removed = _move(conn, person, corrected)
            else:
                conn.execute(
                    "UPDATE people SET name = ? WHERE id_number = ?", (corrected.name, old_id)
                )
            rows = digests_of(conn, "people", "id_number = ?", (target,))
            rows |= digests_of(conn, "activities", "id_number = ?", (target,))
            rows |= digests_of(conn, "certificates", "id_number = ?", (target,))
            for table in PORTAL_ROWS:
                rows |= digests_of(conn, table, "id_number = ?", (target,))
            data: dict[str, Any] = {"fields": fields, "rows": rows, "removed": removed}
            if note is not None:
                data["note"] = note
            append_event(
                conn,
                kind="correct_person",
                subject=row_key("people", {"id_number": target}),
                data=data,
                at=at,
            )
        return corrected


def _move(conn: sqlite3.Connection, person: Person, corrected: Person) -> list[str]:
    """Move ``person`` to ``corrected.id_number``; return the row keys that disappear.

    Order matters for the foreign keys: the new person row first, then the records and the
    certificate, then the old person row.
    """
    old_id, new_id = person.id_number, corrected.id_number
    if conn.execute("SELECT 1 FROM people WHERE id_number = ?", (new_id,)).fetchone():
        raise RegistryError(
            "id_number_taken",
            f"{mask_id_number(new_id)} is already a person of the registry; "
            "a correction cannot merge two people",
        )
    row = person_row(corrected)
    columns = ", ".join(row)
    marks = ", ".join("?" * len(row))
    conn.execute(f"INSERT INTO people ({columns}) VALUES ({marks})", tuple(row.values()))  # noqa: S608
    removed = [row_key("people", {"id_number": old_id})]
    cursor = conn.execute("SELECT * FROM activities WHERE id_number = ? ORDER BY id", (old_id,))
    names = [d[0] for d in cursor.description]
    fingerprints: dict[str, str] = {}
    for values in cursor.fetchall():
        stored = dict(zip(names, values, strict=True))
        moved = dataclasses.replace(activity_from_row(stored), id_number=new_id)
        fingerprint = activity_row(moved)["fingerprint"]
        fingerprints[stored["fingerprint"]] = fingerprint
        conn.execute(
            "UPDATE activities SET id_number = ?, fingerprint = ? WHERE id = ?",
            (new_id, fingerprint, stored["id"]),
        )
        removed.append(row_key("activities", stored))
    conn.execute("UPDATE certificates SET id_number = ? WHERE id_number = ?", (new_id, old_id))
    removed += _move_portal_rows(conn, old_id, new_id, fingerprints)
    conn.execute("DELETE FROM people WHERE id_number = ?", (old_id,))
    return removed


PORTAL_ROWS = ("enrolments", "declarations", "applications", "roster_entries", "verified_people")
"""The portal's tables that name a person by ID number (:func:`_move_portal_rows`)."""


def _move_portal_rows(
    conn: sqlite3.Connection, old_id: str, new_id: str, fingerprints: dict[str, str]
) -> list[str]:
    """Move the portal's rows of ``old_id`` to ``new_id`` (a declaration's and a roster
    entry's record by its new fingerprint); return the row keys that disappear (those keyed
    by the ID number)."""
    removed: list[str] = []
    for table in PORTAL_ROWS:
        cursor = conn.execute(f"SELECT * FROM {table} WHERE id_number = ?", (old_id,))  # noqa: S608
        names = [d[0] for d in cursor.description]
        for values in cursor.fetchall():
            stored = dict(zip(names, values, strict=True))
            if "id_number" in KEYS[table]:
                removed.append(row_key(table, stored))
    conn.execute("UPDATE enrolments SET id_number = ? WHERE id_number = ?", (new_id, old_id))
    conn.execute("UPDATE applications SET id_number = ? WHERE id_number = ?", (new_id, old_id))
    conn.execute("UPDATE verified_people SET id_number = ? WHERE id_number = ?", (new_id, old_id))
    for table in ("declarations", "roster_entries"):
        for old_print, new_print in fingerprints.items():
            conn.execute(
                f"UPDATE {table} SET activity = ? WHERE id_number = ? AND activity = ?",  # noqa: S608
                (new_print, old_id, old_print),
            )
        conn.execute(f"UPDATE {table} SET id_number = ? WHERE id_number = ?", (new_id, old_id))  # noqa: S608
    conn.execute("UPDATE year_standings SET id_number = ? WHERE id_number = ?", (new_id, old_id))
    return removed
