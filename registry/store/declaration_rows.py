"""Declarations read back: the row ⇄ value conversion and the reads every change ends with.
Pure of decisions: who may see a row is :mod:`registry.store.scope`."""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Sequence
from typing import Any

from registry.model import RecordStatus
from registry.portal.proofs import MediaType, Proof
from registry.portal.roles import DeclarationState, Stage
from registry.portal.values import Declaration
from registry.store.queues import rows_of
from registry.store.records import activity_from_row

SELECT = "SELECT d.*, p.name FROM declarations d JOIN people p ON p.id_number = d.id_number"
"""The declarations with their person's name: what :func:`declaration_from_row` reads."""


def declaration_from_row(row: dict[str, Any], proofs: tuple[Proof, ...] = ()) -> Declaration:
    state = DeclarationState(row["state"])
    status = {
        DeclarationState.CONFIRMED: RecordStatus.CONFIRMED,
        DeclarationState.REVIEWED: RecordStatus.EMPLOYER_REVIEWED,
    }.get(state, RecordStatus.DECLARED)
    record = activity_from_row({**row, "status": status.value})
    return Declaration(
        id=row["id"],
        record=record,
        name=row.get("name") or "",
        credit_code=row["credit_code"],
        region=row["region"],
        sector=row["sector"],
        state=state,
        stage=Stage(row["stage"]),
        reason=row["reason"],
        version=row["version"],
        declared_at=dt.datetime.fromisoformat(row["declared_at"]),
        changed_at=dt.datetime.fromisoformat(row["changed_at"]),
        proofs=proofs,
    )


def row_of(conn: sqlite3.Connection, ident: int) -> dict[str, Any] | None:
    """The stored row of declaration ``ident`` (None: there is none)."""
    rows = rows_of(conn.execute("SELECT * FROM declarations WHERE id = ?", (ident,)))
    return rows[0] if rows else None


def one(conn: sqlite3.Connection, ident: int) -> Declaration:
    """Declaration ``ident`` with its person's name and its proofs."""
    rows = rows_of(conn.execute(f"{SELECT} WHERE d.id = ?", (ident,)))
    return declaration_from_row(rows[0], proofs_of(conn, ident))


def proofs_of(conn: sqlite3.Connection, ident: int) -> tuple[Proof, ...]:
    return tuple(
        Proof(sha, name, MediaType(media), size)
        for sha, name, media, size in conn.execute(
            "SELECT sha256, filename, media_type, size FROM proofs WHERE declaration = ?"
            " ORDER BY rowid",
            (ident,),
        )
    )


def with_proofs(conn: sqlite3.Connection, rows: Sequence[dict[str, Any]]) -> list[Declaration]:
    """The declarations of ``rows`` (:data:`SELECT`'s), each with its proofs, read in one
    query for them all (a page of a queue or a person's year)."""
    found: dict[int, list[Proof]] = {row["id"]: [] for row in rows}
    for start in range(0, len(found), _BATCH):
        idents = list(found)[start : start + _BATCH]
        marks = ",".join("?" * len(idents))
        for ident, sha, name, media, size in conn.execute(
            "SELECT declaration, sha256, filename, media_type, size FROM proofs "  # noqa: S608
            f"WHERE declaration IN ({marks}) ORDER BY rowid",
            idents,
        ):
            found[ident].append(Proof(sha, name, MediaType(media), size))
    return [declaration_from_row(row, tuple(found[row["id"]])) for row in rows]


_BATCH = 500
"""Declarations whose proofs one query reads (SQLite allows 32,766 parameters)."""


__all__ = ["SELECT", "declaration_from_row", "one", "proofs_of", "row_of", "with_proofs"]
