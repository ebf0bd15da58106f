"""The layout of ``accounts.sqlite`` (:mod:`webcore.accounts`) and how an older file is
brought up to date.

Schema versions (``PRAGMA user_version``): 0, the first; 1 adds ``lookups.report_digest``
(the digest of the panel report a check produced); 2 adds ``accounts.scope`` (what the
account speaks for: a professional's ID number, an employer's unified social credit code,
an authority's sector, a bureau's region code). An older file is brought up to date when it
is opened, in one transaction; its rows keep ``report_digest`` and ``scope`` empty. A
read-only copy of an older file stays as it is: readable, with no digests and no scopes.
"""

from __future__ import annotations

import sqlite3

SCHEMA = """
CREATE TABLE IF NOT EXISTS accounts (
    username TEXT PRIMARY KEY,
    role TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    created_at TEXT NOT NULL,
    password_changed_at TEXT NOT NULL,
    scope TEXT
);
CREATE TABLE IF NOT EXISTS sessions (
    id TEXT PRIMARY KEY,
    username TEXT NOT NULL REFERENCES accounts(username) ON DELETE CASCADE,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS lookups (
    id INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    username TEXT NOT NULL,
    role TEXT NOT NULL,
    action TEXT NOT NULL,
    id_number_hmac TEXT,
    certificates INTEGER NOT NULL,
    report_digest TEXT
);
"""
"""The current layout; ``CREATE … IF NOT EXISTS``, so that it leaves an older file's tables
as they are for :func:`migrate`."""
SCHEMA_VERSION = 2
"""``PRAGMA user_version`` of the current layout (see the module docstring)."""


def migrate(db: sqlite3.Connection) -> None:
    """Bring a file of an older schema version up to :data:`SCHEMA_VERSION`, in one
    transaction (two processes opening an old file at once: the second finds it done). A
    read-only copy of an old file stays as it is: readable, with no digests and no scopes."""
    if db.execute("PRAGMA user_version").fetchone()[0] >= SCHEMA_VERSION:
        return
    try:
        db.execute("BEGIN IMMEDIATE")
        if not has_column(db, "lookups", "report_digest"):
            db.execute("ALTER TABLE lookups ADD COLUMN report_digest TEXT")
        db.execute(
            "CREATE INDEX IF NOT EXISTS lookups_by_report_digest ON lookups (report_digest)"
            " WHERE report_digest IS NOT NULL"
        )
        if not has_column(db, "accounts", "scope"):
            db.execute("ALTER TABLE accounts ADD COLUMN scope TEXT")
        db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        db.execute("COMMIT")
    except sqlite3.OperationalError as exc:
        if db.in_transaction:
            db.execute("ROLLBACK")
        if "readonly" not in str(exc):
            raise
    except BaseException:
        if db.in_transaction:
            db.execute("ROLLBACK")
        raise


def has_column(db: sqlite3.Connection, table: str, column: str) -> bool:
    """Has ``table`` (one of this file's, named by the code) a column ``column``?"""
    return any(row[1] == column for row in db.execute(f"PRAGMA table_info({table})"))
