"""Backing the registry up and restoring it: whole files, checked before they are trusted.

A backup is made with SQLite's backup API (a consistent copy while other processes write)
into a temporary file beside the target, checked with ``integrity_check``, synced, and only
then given the target's name. A killed backup leaves only its temporary file (removed by the
next backup into that folder), never a file under the target's name: such a file, restored
with its journal, used to become an empty registry that audited "consistent".

A restore works the other way round (``docs/keys-and-home.md``, "Backup and restore"):
:func:`stage_restore` copies the backup beside the registry as a temporary file and checks
it (a cecert registry, undamaged); the caller opens that copy (migrating it to this cecert's
schema) and audits it against the home; :func:`install_restore` then moves the current
registry aside, never deleting it, and the copy into its place.
"""

from __future__ import annotations

import datetime as dt
import errno
import os
import sqlite3
from collections.abc import Callable
from pathlib import Path

from keys.durable import (
    make_folder,
    remove_temporaries,
    replace_durably,
    sync_folders,
    temporary_path,
)
from registry.errors import RegistryError
from registry.store.integrity import (
    damaged,
    file_integrity_problems,
    integrity_problems,
    is_damage,
)

COMPANIONS = ("-wal", "-shm", "-journal")
"""SQLite's files beside a database: they belong to it and move with it."""


def backup_registry(conn: sqlite3.Connection, source: Path, target: Path) -> None:
    """Copy the database of ``conn`` (the registry at ``source``) to ``target``: aside,
    checked, synced, renamed (:meth:`Registry.backup`)."""
    if target.exists():
        raise RegistryError("backup_exists", f"{target}: a file is already there")
    temporary = _aside(target, _failed)
    try:
        _copy(conn, temporary)
        problems = _check(temporary)
        if problems:
            found = file_integrity_problems(source, conn)
            if found:
                raise damaged(source, found)
            raise RegistryError(
                "backup_failed", f"{target}: the copy is damaged ({'; '.join(problems[:3])})"
            )
        _sync(temporary)
        _put(temporary, target)
    except (OSError, sqlite3.Error) as exc:
        if isinstance(exc, sqlite3.Error) and is_damage(exc):
            raise damaged(source, [str(exc)]) from exc
        raise _failed(target, exc) from exc
    finally:
        discard(temporary)


def stage_restore(backup: Path, registry_path: Path) -> Path:
    """Copy ``backup`` beside ``registry_path`` as a temporary file and check it; return the
    copy, for the caller to open, audit and then :func:`install_restore` (or
    :func:`discard`). ``backup`` itself is only read.

    Refuses a file that is no cecert registry (``bad_registry``: not SQLite, or no schema —
    an empty file left by a killed backup) and a damaged one (``registry_damaged``);
    ``restore_failed`` when the copy cannot be written."""
    if not backup.is_file():
        raise RegistryError("no_registry", f"{backup}: no such file")
    staged = _aside(registry_path, _restore_failed)
    try:
        try:
            source = sqlite3.connect(f"file:{backup}?mode=ro", uri=True, isolation_level=None)
        except sqlite3.Error as exc:
            raise RegistryError("bad_registry", f"{backup}: not a readable registry") from exc
        try:
            version = source.execute("PRAGMA user_version").fetchone()[0]
            if version == 0:
                raise RegistryError(
                    "bad_registry",
                    f"{backup}：不是 cecert 登记库（没有表结构；可能是中断的备份留下的空文件）"
                    " (not a cecert registry: no schema; an empty file left by a killed backup?)",
                )
            _copy(source, staged)
        except sqlite3.DatabaseError as exc:
            if is_damage(exc):
                raise damaged(backup, [str(exc)]) from exc
            message = f"{backup}: not a readable registry: {exc}"
            raise RegistryError("bad_registry", message) from exc
        except (OSError, sqlite3.Error) as exc:
            raise _restore_failed(registry_path, exc) from exc
        finally:
            source.close()
        problems = _check(staged)
        if problems:
            raise damaged(backup, problems)
    except BaseException:
        discard(staged)
        raise
    return staged


def install_restore(staged: Path, registry_path: Path, *, at: dt.datetime) -> Path | None:
    """Put ``staged`` (from :func:`stage_restore`, audited) in place of the registry at
    ``registry_path``, and return where the registry it replaces was moved
    (``registry.sqlite.replaced-<UTC time>``, with its ``-wal`` and ``-shm``), or ``None``
    when there was none.

    Refuses while another process has the registry open (``registry_in_use``: stop the
    server, the publisher and any issuing first): its log would be replayed into the
    restored file. Nothing is deleted: a registry that turns out better than the backup can
    be put back by hand."""
    try:
        _settle(staged)
        _quiesce(registry_path)
        aside: Path | None = None
        if registry_path.exists():
            aside = registry_path.with_name(
                f"{registry_path.name}.replaced-{at.astimezone(dt.UTC):%Y%m%dT%H%M%SZ}"
            )
            for suffix in ("", *COMPANIONS):
                current = registry_path.with_name(registry_path.name + suffix)
                if current.exists():
                    os.replace(current, aside.with_name(aside.name + suffix))
        replace_durably(staged, registry_path)
    except OSError as exc:
        raise _restore_failed(registry_path, exc) from exc
    return aside


def discard(path: Path) -> None:
    """Remove a temporary database and its companions (``-wal``, ``-shm``, ``-journal``)."""
    for suffix in ("", *COMPANIONS):
        path.with_name(path.name + suffix).unlink(missing_ok=True)


def _aside(target: Path, failed: Callable[[Path, Exception], RegistryError]) -> Path:
    """The temporary path to write ``target`` aside at, once the temporaries a killed run
    left beside it are removed and its folder exists (``failed`` names a failure)."""
    try:
        remove_temporaries(target.parent, of=target.name)
        make_folder(target.parent)
    except OSError as exc:
        raise failed(target, exc) from exc
    return temporary_path(target)


def _copy(conn: sqlite3.Connection, temporary: Path) -> None:
    """SQLite's backup API from ``conn`` into a new ``temporary`` file (owner only from its
    first byte), in one step: one consistent read of the source."""
    discard(temporary)
    os.close(os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    destination = sqlite3.connect(temporary, isolation_level=None)
    try:
        destination.execute("PRAGMA journal_mode = OFF")  # a failed copy is thrown away
        conn.backup(destination)
    finally:
        destination.close()


def _check(path: Path) -> list[str]:
    """``integrity_check`` of the database file at ``path`` (left without its ``-wal``)."""
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        return integrity_problems(conn)
    finally:
        conn.close()


def _settle(path: Path) -> None:
    """Leave the database at ``path`` in one file: its log checkpointed into it and gone."""
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("PRAGMA journal_mode = DELETE")
    finally:
        conn.close()
    _sync(path)


def _quiesce(registry_path: Path) -> None:
    """Make sure no other process has the registry open, and fold its log into the file.

    Leaving WAL mode needs the only connection to the file: SQLite refuses it ("database is
    locked") while a server, publisher or batch has it open. A file SQLite cannot read at all
    (the damage being repaired) has no such reader to fear and is moved aside as it is."""
    if not registry_path.exists():
        return
    try:
        conn = sqlite3.connect(registry_path, timeout=0, isolation_level=None)
    except sqlite3.Error:
        return
    try:
        conn.execute("PRAGMA busy_timeout = 0")
        conn.execute("PRAGMA journal_mode = DELETE")
    except sqlite3.OperationalError as exc:
        if "locked" in str(exc) or "busy" in str(exc):
            raise RegistryError(
                "registry_in_use",
                f"{registry_path}：登记库正被其他进程使用；请先停止 cecert serve、"
                "snapshot publish --watch 与签发，再恢复 (another process has the registry "
                "open: stop the server, the publisher and any issuing first)",
            ) from exc
    except sqlite3.DatabaseError:  # damaged: nothing to fold, move it aside as it is
        pass
    finally:
        conn.close()


def _sync(path: Path) -> None:
    handle = os.open(path, os.O_RDONLY)
    try:
        os.fsync(handle)
    finally:
        os.close(handle)


def _put(temporary: Path, target: Path) -> None:
    """Give ``temporary`` the name ``target`` unless a file took it meanwhile (a hard link
    never replaces one), then sync the folder."""
    try:
        os.link(temporary, target)
    except FileExistsError as exc:
        raise RegistryError("backup_exists", f"{target}: a file is already there") from exc
    except OSError as exc:
        if exc.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP):
            raise
        if target.exists():  # a file system without hard links: check, then rename
            raise RegistryError("backup_exists", f"{target}: a file is already there") from exc
        os.replace(temporary, target)
    sync_folders([target])


def _failed(target: Path, exc: Exception) -> RegistryError:
    cause = getattr(exc, "strerror", None) or str(exc)
    return RegistryError(
        "backup_failed",
        f"{target}：备份未能写入（{cause}），未留下不完整的文件；请腾出空间或换一个文件夹后重试"
        f" (the backup could not be written: {cause}; nothing was left behind)",
    )


def _restore_failed(target: Path, exc: Exception) -> RegistryError:
    cause = getattr(exc, "strerror", None) or str(exc)
    return RegistryError(
        "restore_failed",
        f"{target}：恢复未能完成（{cause}），现有登记库未被替换"
        f" (the restore could not be completed: {cause}; the registry was not replaced)",
    )


__all__ = ["COMPANIONS", "backup_registry", "discard", "install_restore", "stage_restore"]
