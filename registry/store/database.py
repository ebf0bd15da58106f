"""The registry store: one SQLite file (WAL) opened through sqlite-utils.

Every write is one explicit transaction (``BEGIN IMMEDIATE``) with a busy timeout, so two
processes on the same file serialise their writes instead of failing or interleaving, and a
crash leaves either the whole change or none of it. A commit is on the disk when it returns
(``synchronous = FULL``): what cecert prints as issued, revoked or checkpointed survives a
power cut. A change SQLite refuses is rolled back whole and raised as ``commit_failed`` (or
``registry_damaged``), with SQLite's cause.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

import sqlite_utils

from registry.errors import RegistryError
from registry.model import Activity, Person
from registry.store.audit import event_hashes
from registry.store.care import RegistryCare
from registry.store.corrections import PersonCorrections
from registry.store.imports import RecordImports
from registry.store.integrity import damaged, read_error, unseen_document, write_error
from registry.store.lifecycle import DocumentLifecycle
from registry.store.migrations import SCHEMA_VERSION
from registry.store.records import (
    DOCUMENT_SELECT,
    DocumentRecord,
    activity_from_row,
    document_from_row,
    person_from_row,
)
from registry.store.snapshots import DocumentSnapshots
from registry.store.upgrading import Migrated, migrate, outdated

BUSY_TIMEOUT_MS = 30_000
SYNCHRONOUS = "FULL"
"""Every commit waits for the write-ahead log to reach the disk (``fsync``). With ``NORMAL``
the last seconds of commits lived only in the page cache: a power cut lost issuances already
printed, and their numbers were drawn again for other people. Measured cost:
``docs/performance.md`` ("Durability")."""
DOCUMENT_STATUS_SELECT = (
    "SELECT d.status, d.payload FROM documents d JOIN certificates c ON c.number = d.number "
    "WHERE d.number = ? AND d.edition = ?"
)
"""The rows of ``DOCUMENT_SELECT`` (same join), only the two columns a status check needs."""
WRITE_WAIT_SECONDS = 300.0
"""How long a writer waits for another to finish before ``registry_busy``."""
_POLL = random.Random()  # noqa: S311 - jitter between lock attempts, not secrecy


def _unopenable(path: Path, exc: sqlite3.DatabaseError) -> RegistryError:
    """``bad_registry`` for a file SQLite cannot open, saying when the cause is the disk (full,
    unwritable: the file itself may be sound) rather than the file."""
    name = getattr(exc, "sqlite_errorname", "") or ""
    if name.startswith(("SQLITE_IOERR", "SQLITE_FULL", "SQLITE_CANTOPEN", "SQLITE_READONLY")):
        return RegistryError(
            "bad_registry",
            f"{path}：登记库无法打开（{exc}）：磁盘已满或无读写权限？请先检查磁盘空间与权限"
            f" (cannot open the registry: {exc}; a full disk or missing permissions? check "
            "those before restoring a backup)",
        )
    return RegistryError("bad_registry", f"{path}: not a readable registry ({exc})")


class Registry(
    DocumentLifecycle, PersonCorrections, DocumentSnapshots, RegistryCare, RecordImports
):
    """An open registry file. Create with :meth:`create`, open with :meth:`open`."""

    def __init__(self, path: Path, conn: sqlite3.Connection) -> None:
        self.path = path
        self._conn = conn
        self.db = sqlite_utils.Database(conn)
        self.migrated: Migrated | None = None
        """What opening it migrated (``None``: nothing was pending)."""

    # -- opening -------------------------------------------------------------------------

    @classmethod
    def create(cls, path: Path) -> Registry:
        """Create a new, empty registry; refuse an existing file (``registry_exists``)."""
        if path.exists():
            raise RegistryError("registry_exists", f"{path}: a registry already exists")
        path.parent.mkdir(parents=True, exist_ok=True)
        # Personal data: readable by the owner only, from the first byte.
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        return cls._connect(path, new=True)

    @classmethod
    def open(
        cls, path: Path, *, read_only: bool = False, migrate_at: dt.datetime | None = None
    ) -> Registry:
        """Open an existing registry. One made by an earlier cecert is refused
        (``registry_outdated``) unless ``migrate_at`` is given: then the pending migrations
        run, logged as one ``migrate`` event at that time (:mod:`registry.store.upgrading`);
        :attr:`migrated` says what they did."""
        if not path.is_file():
            raise RegistryError("no_registry", f"{path}: no registry file here")
        return cls._connect(path, read_only=read_only, migrate_at=migrate_at)

    @classmethod
    def _connect(
        cls,
        path: Path,
        *,
        read_only: bool = False,
        migrate_at: dt.datetime | None = None,
        new: bool = False,
    ) -> Registry:
        try:
            if read_only:
                conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, isolation_level=None)
            else:
                conn = sqlite3.connect(path, isolation_level=None)
            conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            conn.execute("PRAGMA foreign_keys = ON")
            if not read_only:
                conn.execute("PRAGMA journal_mode = WAL")
                conn.execute(f"PRAGMA synchronous = {SYNCHRONOUS}")
            version = conn.execute("PRAGMA user_version").fetchone()[0]
        except sqlite3.DatabaseError as exc:
            raise _unopenable(path, exc) from exc
        registry = cls(path, conn)
        if version > SCHEMA_VERSION:
            conn.close()
            raise RegistryError(
                "registry_too_new", f"{path}: schema {version} is newer than this cecert"
            )
        if version < SCHEMA_VERSION:
            if read_only or (migrate_at is None and not new):
                conn.close()
                raise outdated(path, version)
            try:
                # The version is read again under the write lock: another process may have
                # migrated meanwhile.
                with registry.transaction() as locked:
                    registry.migrated = migrate(locked, path, at=migrate_at)
            except BaseException:
                conn.close()
                raise
        return registry

    def close(self) -> None:
        self._conn.close()

    def __enter__(self) -> Registry:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One ``BEGIN IMMEDIATE`` transaction: committed on success, rolled back otherwise.

        Waiting for the write lock polls every millisecond or two (for up to
        :data:`WRITE_WAIT_SECONDS`): SQLite's own busy handler sleeps in growing steps and
        so almost never catches the short gap between another batch's transactions, which
        starved a second writer until it gave up.

        A statement or the commit that SQLite refuses (a full disk, an I/O error) ends the
        transaction, rolled back whole: ``commit_failed`` with SQLite's cause
        (``registry_damaged`` for a malformed file). SQLite rolls some failures back by
        itself; the rollback here never hides the cause."""
        self._begin()
        try:
            yield self._conn
        except BaseException as exc:
            self._rollback()
            if isinstance(exc, sqlite3.Error):
                raise write_error(exc, self.path) from exc
            raise
        try:
            self._conn.execute("COMMIT")
        except sqlite3.Error as exc:
            self._rollback()
            raise write_error(exc, self.path) from exc

    def _rollback(self) -> None:
        """Roll back what is left of a failed transaction (SQLite may have done it already:
        ``cannot rollback - no transaction is active`` then hid the real cause)."""
        if self._conn.in_transaction:
            # The cause being raised says more; SQLite's journal undoes the rest on next use.
            with suppress(sqlite3.Error):
                self._conn.execute("ROLLBACK")

    def _begin(self) -> None:
        _lock(self._conn, self.path)

    @contextmanager
    def write_barrier(self) -> Iterator[None]:
        """Hold the write lock on a connection of its own while the block runs: every
        transaction begun before has committed (or rolled back), none begins until the
        block ends. A read begun inside sees every change whose time was read under the
        lock before, and any later change reads a later time (``docs/snapshots.md``)."""
        try:
            barrier = sqlite3.connect(self.path, isolation_level=None)
        except sqlite3.Error as exc:
            raise RegistryError("registry_busy", f"{self.path}: {exc}") from exc
        try:
            _lock(barrier, self.path)
            try:
                yield
            finally:
                with suppress(sqlite3.Error):
                    barrier.execute("ROLLBACK")
        finally:
            barrier.close()

    # -- people and records --------------------------------------------------------------

    def person(self, id_number: str) -> Person | None:
        rows = list(self.db.query("SELECT * FROM people WHERE id_number = ?", [id_number]))
        return person_from_row(rows[0]) if rows else None

    def people(self) -> Iterator[Person]:
        for row in self.db.query("SELECT * FROM people ORDER BY id_number"):
            yield person_from_row(row)

    def activities(self, id_number: str, *, year: int | None = None) -> list[Activity]:
        if year is None:
            rows = self.db.query(
                "SELECT * FROM activities WHERE id_number = ? ORDER BY id", [id_number]
            )
        else:
            rows = self.db.query(
                "SELECT * FROM activities WHERE id_number = ? AND year = ? ORDER BY id",
                [id_number, year],
            )
        return [activity_from_row(r) for r in rows]

    # -- look-ups ------------------------------------------------------------------------

    def document_by_sha256(self, pdf_sha256: str) -> DocumentRecord | None:
        return self._one_document("d.pdf_sha256 = ?", [pdf_sha256])

    def document_status(self, number: str, edition: int) -> tuple[str, str] | None:
        """The status (``current``…) and QR payload text of one document, or ``None`` when
        :meth:`document` would find none: the narrow read a verifier makes on every scan
        (one primary-key look-up, no record built). ``RegistryError('bad_registry')`` when
        the file cannot be read, ``registry_damaged`` when it is damaged: a document its
        primary key does not find is looked for along two other paths
        (:func:`.integrity.unseen_document`) before it is called absent."""
        try:
            row = self._conn.execute(DOCUMENT_STATUS_SELECT, (number, edition)).fetchone()
            unseen = unseen_document(self._conn, number, edition) if row is None else None
        except sqlite3.DatabaseError as exc:
            raise read_error(exc, self.path) from exc
        if unseen is not None:
            raise damaged(self.path, [f"index disagrees with its table: {unseen}"])
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
        rows = self.db.query(DOCUMENT_SELECT + where + " ORDER BY d.number, d.edition", params)
        return [document_from_row(r) for r in rows]

    # -- integrity ---------------------------------------------------------------------

    def event_hashes(self) -> list[str]:
        """The log's event hashes in order (the leaves of its Merkle tree)."""
        try:
            return event_hashes(self._conn)
        except sqlite3.DatabaseError as exc:
            raise read_error(exc, self.path) from exc

    def add_checkpoint(self, tree_size: int, text: str) -> str:
        """Store a signed checkpoint (its text form); one per tree size. Returns the text
        stored for ``tree_size``: ``text``, or the checkpoint already stored for that size
        (the log has not grown since), which is the one to hand out."""
        with self.transaction() as conn:
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
                for r in self._conn.execute(
                    "SELECT tree_size, text FROM checkpoints ORDER BY tree_size"
                )
            ]
        except sqlite3.DatabaseError as exc:
            raise read_error(exc, self.path) from exc

    def count(self, table: str) -> int:
        """Rows in one of the registry's tables."""
        if table not in {"people", "activities", "certificates", "documents", "events"}:
            raise RegistryError("bad_table", f"no table {table!r}")
        return int(self._conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0])  # noqa: S608


def _lock(conn: sqlite3.Connection, path: Path) -> None:
    """``BEGIN IMMEDIATE`` on ``conn``, polling for the write lock (see ``transaction``)."""
    deadline = time.monotonic() + WRITE_WAIT_SECONDS
    conn.execute("PRAGMA busy_timeout = 1")
    try:
        while True:
            try:
                conn.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as exc:
                busy = "locked" in str(exc) or "busy" in str(exc)
                if not busy or time.monotonic() > deadline:
                    raise RegistryError("registry_busy", f"{path}: {exc}") from exc
            time.sleep(_POLL.uniform(0.0005, 0.002))
    finally:
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
