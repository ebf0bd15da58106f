"""Reading the registry for a status snapshot (``docs/snapshots.md``): one read transaction
over every document's status, streamed (no model object per row), and the latest checkpoint.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from registry.errors import RegistryError
from registry.snapshot import DocumentRow
from registry.store.connection import RegistryConnection
from registry.store.integrity import read_error

_ROWS = (
    "SELECT CAST(payload AS BLOB), status, status_reason, superseded_by, status_changed_at"
    " FROM documents"
)
"""The payload as its UTF-8 bytes: what is hashed, without a decode and an encode per row."""
_FETCH = 10_000


@dataclass(frozen=True, slots=True)
class SnapshotRead:
    """What one consistent read of the registry gives a snapshot."""

    reasons: tuple[str, ...]
    """Every distinct status reason of the documents, sorted."""
    checkpoint: str | None
    """Text of the checkpoint with the largest tree size, if any."""
    log_size: int
    """Events in the log when read: the snapshot reflects exactly those."""
    rows: Iterator[DocumentRow]
    """Every document edition, streamed; valid only inside the ``with`` block."""


class DocumentSnapshots:
    """The snapshot read, through ``connection``."""

    def __init__(self, connection: RegistryConnection) -> None:
        self._connection = connection

    def log_size(self) -> int:
        """Events in the log now: a snapshot whose ``log_size`` is smaller misses changes."""
        try:
            row = self._connection.conn.execute("SELECT MAX(seq) FROM events").fetchone()
        except sqlite3.Error as exc:
            raise RegistryError("bad_registry", f"cannot read the event log: {exc}") from exc
        return int(row[0] or 0)

    @contextmanager
    def snapshot_read(self) -> Iterator[SnapshotRead]:
        """A consistent view for a snapshot: everything is read inside one read
        transaction, so writers (WAL) neither block it nor show through it.

        The read begins behind a write barrier (:meth:`Registry.write_barrier`): a change in
        progress when the snapshot's time was taken commits first and is read, and every
        change after reads its time later. So no document stamped before a snapshot's day
        is missing from it (a batch running over midnight would otherwise be)."""
        conn = self._connection.conn
        try:
            with self._connection.write_barrier():
                conn.execute("BEGIN")
                last = conn.execute("SELECT MAX(seq) FROM events").fetchone()
            reasons = tuple(
                sorted(
                    str(r[0])
                    for r in conn.execute(
                        "SELECT DISTINCT status_reason FROM documents"
                        " WHERE status_reason IS NOT NULL AND status_reason != ''"
                    )
                )
            )
            found = conn.execute(
                "SELECT text FROM checkpoints ORDER BY tree_size DESC LIMIT 1"
            ).fetchone()
        except sqlite3.Error as exc:
            self._end()
            raise RegistryError("bad_registry", f"cannot read documents: {exc}") from exc
        try:
            yield SnapshotRead(
                reasons, str(found[0]) if found else None, int(last[0] or 0), self._rows()
            )
        finally:
            self._end()

    def _rows(self) -> Iterator[DocumentRow]:
        try:
            cursor = self._connection.conn.execute(_ROWS)
            while batch := cursor.fetchmany(_FETCH):
                yield from batch
        except sqlite3.DatabaseError as exc:  # a damaged page met half-way
            raise read_error(exc) from exc

    def _end(self) -> None:
        conn = self._connection.conn
        if conn.in_transaction:
            conn.execute("COMMIT")
