"""The event log's leaves and the signed checkpoints stored over them (the checkpoints
themselves are made and checked by :mod:`registry.log`)."""

from __future__ import annotations

import sqlite3

from registry.store.audit import event_hashes
from registry.store.connection import RegistryConnection
from registry.store.integrity import read_error


class LogCheckpoints:
    """The log's event hashes and its checkpoints, through ``connection``."""

    def __init__(self, connection: RegistryConnection) -> None:
        self._connection = connection

    def event_hashes(self) -> list[str]:
        """The log's event hashes in order (the leaves of its Merkle tree)."""
        try:
            return event_hashes(self._connection.conn)
        except sqlite3.DatabaseError as exc:
            raise read_error(exc, self._connection.path) from exc

    def add_checkpoint(self, tree_size: int, text: str) -> str:
        """Store a signed checkpoint (its text form); one per tree size. Returns the text
        stored for ``tree_size``: ``text``, or the checkpoint already stored for that size
        (the log has not grown since), which is the one to hand out."""
        with self._connection.transaction() as conn:
            conn.execute(
                "INSERT OR IGNORE INTO checkpoints (tree_size, text) VALUES (?, ?)",
                (tree_size, text),
            )
            row = conn.execute(
                "SELECT text FROM checkpoints WHERE tree_size = ?", (tree_size,)
            ).fetchone()
        return str(row[0])

    def checkpoints(self) -> list[tuple[int, str]]:
        """Stored checkpoints, ``(tree_size, text)``, oldest first."""
        try:
            return [
                (int(r[0]), str(r[1]))
                for r in self._connection.conn.execute(
                    "SELECT tree_size, text FROM checkpoints ORDER BY tree_size"
                )
            ]
        except sqlite3.DatabaseError as exc:
            raise read_error(exc, self._connection.path) from exc
