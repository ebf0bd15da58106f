"""SQLite's own check of the registry file, and the errors of a file SQLite cannot use.

``PRAGMA integrity_check`` reads every page of the file and reports the damage SQLite can see:
a page that is not what its b-tree says (a torn or lost write, a bad sector), an index that
disagrees with its table (a row that a look-up by number no longer finds), a value outside its
``CHECK`` constraint (one flipped byte in a status). It says nothing about *who* wrote a row:
that is the event log's part (:mod:`.audit`). The audit runs it first, a backup runs it on its
copy (a damaged registry is not backed up), a restore on what it restores.

Damage is ``registry_damaged``; a change that could not be written (a full disk, an I/O
error) is ``commit_failed`` and was rolled back whole.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from registry.errors import RegistryError

SHOWN = 8
"""At most this many lines of ``integrity_check`` go into a message (the report counts all)."""
_DAMAGE_CODES = ("SQLITE_CORRUPT",)
"""Error codes of a malformed file; ``SQLITE_NOTADB`` (no SQLite header: a file replaced by
something else) stays ``bad_registry``."""
_INDEX = "documents_number_year"
"""An index of ``documents`` other than its primary key: a second path to a document."""


def integrity_problems(conn: sqlite3.Connection, *, limit: int = 100) -> list[str]:
    """What ``PRAGMA integrity_check`` finds in ``conn``'s database (at most ``limit``
    findings), one line each; ``[]`` when the file is sound. A file too damaged for the check
    to run gives SQLite's error as its one line. Reads the whole file: seconds for a
    registry of a few hundred thousand documents, minutes at ten million."""
    try:
        rows = conn.execute(f"PRAGMA integrity_check({int(limit)})").fetchall()
    except sqlite3.DatabaseError as exc:
        return [f"integrity_check: {exc}"]
    lines = [line for row in rows for line in str(row[0]).splitlines()]
    lines = [line for line in lines if not line.startswith("*** in database")]
    return [] if lines == ["ok"] else lines


def file_integrity_problems(path: Path, conn: sqlite3.Connection) -> list[str]:
    """:func:`integrity_problems` of the registry file at ``path``, ``CHECK`` constraints
    included. SQLite reads a table's ``CHECK`` constraints only on a connection that may
    write, so this opens one for the check (``PRAGMA query_only``: it writes nothing); where
    the file cannot be opened so (a read-only medium), ``conn`` checks everything else."""
    try:
        checker = sqlite3.connect(f"file:{path}?mode=rw", uri=True, isolation_level=None)
    except sqlite3.Error:
        return integrity_problems(conn)
    try:
        checker.execute("PRAGMA query_only = 1")
        checker.execute("PRAGMA busy_timeout = 30000")
        return integrity_problems(checker)
    except sqlite3.Error:
        return integrity_problems(conn)
    finally:
        checker.close()


def damaged(where: Path | str, problems: list[str]) -> RegistryError:
    """``registry_damaged``: the file at ``where`` fails SQLite's check, with what it found."""
    shown = "; ".join(problems[:SHOWN])
    count = len(problems)
    more = f"; …（共 {count} 处 / {count} findings）" if count > SHOWN else ""
    return RegistryError(
        "registry_damaged",
        f"{where}：登记库文件已损坏，请从核查无误的备份恢复（cecert registry restore）"
        f" (the registry file is damaged: {shown}{more})",
    )


def is_damage(exc: sqlite3.Error) -> bool:
    """Whether SQLite refused because the file is malformed (not busy, full or unreadable)."""
    name = getattr(exc, "sqlite_errorname", "") or ""
    return name.startswith(_DAMAGE_CODES) or "malformed" in str(exc)


def read_error(exc: sqlite3.Error, where: Path | str = "the registry file") -> RegistryError:
    """The error of a read SQLite refused: ``registry_damaged`` for a malformed file,
    ``bad_registry`` for any other cause (a file replaced by something else, unreadable)."""
    if is_damage(exc):
        return damaged(where, [str(exc)])
    return RegistryError("bad_registry", f"{where}: the registry file cannot be read: {exc}")


def write_error(exc: sqlite3.Error, where: Path | str) -> RegistryError:
    """The error of a change SQLite refused (rolled back whole): ``registry_damaged`` for a
    malformed file, ``commit_failed`` for anything else (a full disk, an I/O error, a refused
    constraint), with SQLite's own words for the cause."""
    if is_damage(exc):
        return damaged(where, [str(exc)])
    return RegistryError(
        "commit_failed",
        f"{where}：更改未能写入登记库，已全部撤回（{exc}）；请检查磁盘空间与权限后重试"
        f" (the change could not be written and was rolled back: {exc})",
    )


def unseen_document(conn: sqlite3.Connection, number: str, edition: int) -> str | None:
    """Why the registry holds ``number`` edition ``edition`` after all, when its primary-key
    look-up found nothing; ``None`` when every other path agrees that it is absent.

    Two cheap second looks (an index search each): the other index of ``documents``, and the
    certificate row, which is only ever written together with its first document. A damaged
    primary-key index (a page lost in a power cut, say) otherwise makes a genuine document
    "not in the registry" while ``integrity_check`` already knows better."""
    has_index = conn.execute(
        "SELECT 1 FROM sqlite_schema WHERE type = 'index' AND name = ?", (_INDEX,)
    ).fetchone()
    source = f"documents INDEXED BY {_INDEX}" if has_index else "documents"
    found = conn.execute(
        f"SELECT edition FROM {source} WHERE number = ?",  # noqa: S608 - fixed names
        (number,),
    ).fetchall()
    if any(row[0] == edition for row in found):
        return f"{number} edition {edition} is found through {_INDEX}, not through its key"
    recorded = conn.execute("SELECT 1 FROM certificates WHERE number = ?", (number,)).fetchone()
    if recorded is not None and not found:
        return f"certificate {number} is recorded, but none of its documents is found"
    return None


__all__ = [
    "damaged",
    "file_integrity_problems",
    "integrity_problems",
    "is_damage",
    "read_error",
    "unseen_document",
    "write_error",
]
