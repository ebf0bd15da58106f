"""Durable files: written aside, synced, renamed into place, their folder synced.

A file that someone reads later (a certificate, the published status, a snapshot, a backup of
the registry, the key ring's manifest, the trust list) is never written in place: a full disk
or a kill would leave a truncated file where the good one was. It is written to a temporary
file in the same folder (``.<name>.<pid>.tmp``), flushed to the disk (``fsync``), renamed over
the target (atomic on POSIX file systems), and the folder is synced so that the rename itself
survives a power cut. A reader sees the old file or the new one, never part of one.

A kill between the first byte and the rename leaves the temporary file behind;
:func:`remove_temporaries` removes those whose writing process is gone, and every writer of a
folder calls it when it starts (the next run cleans up after the killed one).

This is the one implementation of the pattern; it sits in the lowest package that needs it
(the key ring's manifest) so that every package above uses the same code. It raises
``OSError`` like the file functions it wraps: each caller says what could not be written in
its own error root.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable
from pathlib import Path

TEMPORARY = re.compile(r"\.(?P<name>.+)\.(?P<pid>[0-9]+)\.tmp(?P<suffix>-journal|-wal|-shm)?")
"""The name of a temporary file of :func:`write_durably` (or of SQLite's companion files of a
temporary database, ``-journal``, ``-wal``, ``-shm``), with the writing process's id."""


def temporary_path(path: Path) -> Path:
    """Where this process writes ``path`` before renaming it: ``.<name>.<pid>.tmp`` beside it
    (the same file system, so that the rename is atomic)."""
    return path.with_name(f".{path.name}.{os.getpid()}.tmp")


def write_durably(
    path: Path,
    data: bytes,
    *,
    mode: int = 0o644,
    sync_folder: bool = True,
    keep: Callable[[], bool] | None = None,
) -> bool:
    """Put ``data`` at ``path`` so that the file is either the old one or complete, and
    stays so through a power cut once this returns.

    ``mode`` applies to a new file (the umask still applies). With ``sync_folder=False`` the
    caller syncs the folder itself (:func:`sync_folders`, once for many files) before it
    reports the file written. ``keep`` is asked once the data is on the disk, just before
    the rename: when it says no, the temporary file is removed, nothing is replaced and the
    result is ``False``. A failure (``OSError``: disk full, no permission) removes the
    temporary file and leaves the old file unchanged."""
    make_folder(path.parent)
    temporary = temporary_path(path)
    try:
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        if keep is not None and not keep():
            temporary.unlink(missing_ok=True)
            return False
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    if sync_folder:
        sync_folders([path])
    return True


def replace_durably(source: Path, target: Path) -> None:
    """Rename ``source`` (a complete file, already synced) over ``target`` in the same file
    system, and sync the folders so that the rename survives a power cut."""
    os.replace(source, target)
    sync_folders({source, target})


def sync_folders(paths: Iterable[Path]) -> None:
    """fsync the folder of each of ``paths`` once, so that their creation, renaming or
    removal is durable."""
    for folder in {p.parent for p in paths}:
        handle = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.fsync(handle)
        finally:
            os.close(handle)


def make_folder(folder: Path) -> None:
    """Create ``folder`` and its missing parents, each one durably (its parent synced)."""
    if folder.is_dir():
        return
    make_folder(folder.parent)
    try:
        folder.mkdir()
    except FileExistsError:
        return
    sync_folders([folder])


def remove_temporaries(folder: Path, *, of: str | None = None) -> list[Path]:
    """Remove the temporary files in ``folder`` that a killed (or powered-off) writer left
    (only those of the file named ``of``, when given: a folder cecert does not own), and
    return them. A file whose writing process still runs is left alone, so two processes
    writing in the same folder do not disturb each other."""
    try:
        names = sorted(os.listdir(folder))
    except (FileNotFoundError, NotADirectoryError):
        return []
    removed: list[Path] = []
    for name in names:
        match = TEMPORARY.fullmatch(name)
        if match is None or (of is not None and match["name"] != of):
            continue
        if _running(int(match["pid"])):
            continue
        try:
            (folder / name).unlink()
        except FileNotFoundError:  # its writer (or another cleaner) was faster
            continue
        removed.append(folder / name)
    return removed


def _running(pid: int) -> bool:
    """Whether a process with this id exists (a reused id counts: the file then waits)."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True


__all__ = [
    "TEMPORARY",
    "make_folder",
    "remove_temporaries",
    "replace_durably",
    "sync_folders",
    "temporary_path",
    "write_durably",
]
