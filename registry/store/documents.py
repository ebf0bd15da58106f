"""Looking documents up: by number and edition, by holder and year, by PDF hash, and the
narrow status read a verifier makes on every scan."""

from __future__ import annotations

import sqlite3
from typing import Any

from registry.documents import DocumentRecord
from registry.errors import RegistryError
from registry.numbering import parse_number
from registry.store.connection import RegistryConnection
from registry.store.integrity import damaged, read_error, unseen_document
from registry.store.records import DOCUMENT_SELECT, document_from_row

DOCUMENT_STATUS_SELECT = (
    "SELECT d.status, d.payload FROM documents d JOIN certificates c ON c.number = d.number "
    "WHERE d.number = ? AND d.edition = ?"
)
"""The rows of ``DOCUMENT_SELECT`` (same join), only the two columns a status check needs."""


def _unreadable(exc: sqlite3.DatabaseError) -> RegistryError:
    """A registry file that SQLite cannot read: damaged (``registry_damaged``), replaced or
    not a database (``bad_registry``)."""
    return read_error(exc)


class DocumentReads:
    """The registry's documents, read (every edition and status)."""

    def __init__(self, connection: RegistryConnection) -> None:
        self._connection = connection

    def _one_document(self, where: str, params: list[Any]) -> DocumentRecord | None:
        try:
            cursor = self._connection.conn.execute(DOCUMENT_SELECT + " WHERE " + where, params)
            names = [d[0] for d in cursor.description]
            row = cursor.fetchone()
        except sqlite3.DatabaseError as exc:
            raise _unreadable(exc) from exc
        return document_from_row(dict(zip(names, row, strict=True))) if row else None

    def document(self, number: str, edition: int) -> DocumentRecord | None:
        return self._one_document("d.number = ? AND d.edition = ?", [number, edition])

    def current_document(self, id_number: str, *, issuer: str, year: int) -> DocumentRecord | None:
        """The current document covering ``year`` for this person and issuer, if any."""
        return self._one_document(
            "c.id_number = ? AND c.issuer = ? AND d.year = ? AND d.status = 'current'"
            " ORDER BY d.edition DESC LIMIT 1",
            [id_number, issuer, year],
        )

    def history(self, number: str) -> list[DocumentRecord]:
        """Every edition of a certificate number, oldest first, with its status. A number
        whose check character does not fit is refused (``bad_number``: mistyped)."""
        number = parse_number(number)
        try:
            cursor = self._connection.conn.execute(
                DOCUMENT_SELECT + " WHERE d.number = ? ORDER BY d.edition", (number,)
            )
            names = [d[0] for d in cursor.description]
            rows = cursor.fetchall()
        except sqlite3.DatabaseError as exc:
            raise _unreadable(exc) from exc
        return [document_from_row(dict(zip(names, r, strict=True))) for r in rows]

    def revocation_of(self, number: str) -> DocumentRecord | None:
        """The revoked edition of ``number`` (the first, if several), or ``None``: a number
        with one takes no new edition (``number_revoked``)."""
        return self._one_document(
            "d.number = ? AND d.status = 'revoked' ORDER BY d.edition LIMIT 1", [number]
        )

    def document_by_sha256(self, pdf_sha256: str) -> DocumentRecord | None:
        return self._one_document("d.pdf_sha256 = ?", [pdf_sha256])

    def document_status(self, number: str, edition: int) -> tuple[str, str] | None:
        """The status (``current``…) and QR payload text of one document, or ``None`` when
        :meth:`document` would find none: the narrow read a verifier makes on every scan
        (one primary-key look-up, no record built). ``RegistryError('bad_registry')`` when
        the file cannot be read, ``registry_damaged`` when it is damaged: a document its
        primary key does not find is looked for along two other paths
        (:func:`.integrity.unseen_document`) before it is called absent."""
        conn, path = self._connection.conn, self._connection.path
        try:
            row = conn.execute(DOCUMENT_STATUS_SELECT, (number, edition)).fetchone()
            unseen = unseen_document(conn, number, edition) if row is None else None
        except sqlite3.DatabaseError as exc:
            raise read_error(exc, path) from exc
        if unseen is not None:
            raise damaged(path, [f"index disagrees with its table: {unseen}"])
        return (row[0], row[1]) if row else None

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
        rows = self._connection.db.query(
            DOCUMENT_SELECT + where + " ORDER BY d.number, d.edition", params
        )
        return [document_from_row(r) for r in rows]
