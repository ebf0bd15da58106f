"""Looking after the registry file: SQLite's integrity check first in every audit, backups
that are checked before they are trusted, and the serial counter of a restored registry."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from registry.store.audit import AuditReport, Problem, audit
from registry.store.backups import backup_registry
from registry.store.connection import RegistryConnection
from registry.store.integrity import damaged, file_integrity_problems


class RegistryCare:
    """Integrity, audit, backup of the registry file open on ``connection``."""

    def __init__(self, connection: RegistryConnection) -> None:
        self._connection = connection

    def audit(self, *, certificates_dir: Path | None = None) -> AuditReport:
        """SQLite's integrity check of the file, then recompute the log, every row, every
        PDF and the serials (:mod:`.audit`). Damage is the problem ``registry_damaged``,
        listed first; a page too damaged to read ends the audit there, with that problem."""
        conn, path = self._connection.conn, self._connection.path
        problems = self.integrity()
        try:
            report = audit(conn, certificates_dir=certificates_dir)
        except sqlite3.DatabaseError as exc:
            report = AuditReport()
            if not problems:
                problems = [str(exc)]
            problems.append(f"the audit stopped: {exc}")
        if problems:
            error = damaged(path, problems)
            report.problems.insert(0, Problem(error.reason, str(path), None, error.message))
        return report

    def integrity(self) -> list[str]:
        """What SQLite's ``integrity_check`` finds in the file; ``[]`` when it is sound
        (:mod:`.integrity`). Reads every page."""
        return file_integrity_problems(self._connection.path, self._connection.conn)

    def backup(self, target: Path) -> None:
        """A consistent copy of the registry while it is in use (:mod:`.backups`): written
        aside, checked by SQLite's integrity check, synced, then put at ``target``.

        Refuses to overwrite (``backup_exists``) and to copy a damaged registry
        (``registry_damaged``); ``backup_failed`` when the copy cannot be written. The copy
        is readable by its owner only; nothing is ever left at ``target`` but a whole, sound
        copy."""
        backup_registry(self._connection.conn, self._connection.path, target)

    def reserve_serials(self, region: str, last_serial: int) -> int:
        """Raise the serial counter of ``region`` to at least ``last_serial`` (never lower
        it), so that no number up to it is drawn again; return the counter now. For a
        restored registry: numbers already printed on certificates it does not record."""
        with self._connection.transaction() as conn:
            conn.execute(
                "INSERT INTO serials (region, last_serial) VALUES (?, ?)"
                " ON CONFLICT (region) DO UPDATE SET last_serial = MAX(last_serial, ?)",
                (region, last_serial, last_serial),
            )
            return int(
                conn.execute(
                    "SELECT last_serial FROM serials WHERE region = ?", (region,)
                ).fetchone()[0]
            )
