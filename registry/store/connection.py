"""The registry file's SQLite connection and its write transactions.

Every write is one explicit transaction (``BEGIN IMMEDIATE``) with a busy timeout, so two
processes on the same file serialise their writes instead of failing or interleaving, and a
crash leaves either the whole change or none of it. A commit is on the disk when it returns
(``synchronous = FULL``): what cecert prints as issued, revoked or checkpointed survives a
power cut. A change SQLite refuses is rolled back whole and raised as ``commit_failed`` (or
``registry_damaged``), with SQLite's cause.

:class:`RegistryConnection` is what every part of the store (:class:`.database.Registry`
and the objects it holds) writes and reads through.
"""

from __future__ import annotations

import random
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import sqlite_utils

from registry.errors import RegistryError
from registry.store.integrity import write_error

BUSY_TIMEOUT_MS = 30_000
SYNCHRONOUS = "FULL"
"""Every commit waits for the write-ahead log to reach the disk (``fsync``). With ``NORMAL``
the last seconds of commits lived only in the page cache: a power cut lost issuances already
printed, and their numbers were drawn again for other people. Measured cost:
``docs/performance.md`` ("Durability")."""
WRITE_WAIT_SECONDS = 300.0
"""How long a writer waits for another to finish before ``registry_busy``."""
_POLL = random.Random()  # noqa: S311 - jitter between lock attempts, not secrecy


def connect(path: Path, *, read_only: bool) -> tuple[sqlite3.Connection, int]:
    """Open the registry file at ``path`` with cecert's settings (busy timeout, foreign keys;
    WAL and :data:`SYNCHRONOUS` unless ``read_only``); return the connection and the file's
    schema version (``PRAGMA user_version``). ``bad_registry`` when SQLite cannot open it."""
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
    return conn, int(version)


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


class RegistryConnection:
    """The open connection to the registry file at ``path`` (``conn``, and ``db`` for
    sqlite-utils' queries over it): its write transactions and the write barrier."""

    def __init__(self, path: Path, conn: sqlite3.Connection) -> None:
        self.path = path
        self.conn = conn
        self.db = sqlite_utils.Database(conn)

    def close(self) -> None:
        self.conn.close()

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
            yield self.conn
        except BaseException as exc:
            self._rollback()
            if isinstance(exc, sqlite3.Error):
                raise write_error(exc, self.path) from exc
            raise
        try:
            self.conn.execute("COMMIT")
        except sqlite3.Error as exc:
            self._rollback()
            raise write_error(exc, self.path) from exc

    def rollback_open(self) -> None:
        """Roll back a transaction still open (none, normally)."""
        self._rollback()

    def _rollback(self) -> None:
        """Roll back what is left of a failed transaction (SQLite may have done it already:
        ``cannot rollback - no transaction is active`` then hid the real cause)."""
        if self.conn.in_transaction:
            # The cause being raised says more; SQLite's journal undoes the rest on next use.
            with suppress(sqlite3.Error):
                self.conn.execute("ROLLBACK")

    def _begin(self) -> None:
        _lock(self.conn, self.path)

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
