"""Watching what SQL a store call runs."""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator


@contextlib.contextmanager
def traced(conn: sqlite3.Connection) -> Iterator[list[str]]:
    """The SQL statements ``conn`` runs inside the block."""
    statements: list[str] = []
    conn.set_trace_callback(statements.append)
    try:
        yield statements
    finally:
        conn.set_trace_callback(None)
