"""What cecert prints as done is on the disk; files are written aside and renamed; backups
are checked before they are trusted, and a restore audits what it restores.

Real `cecert` processes on real files. The order of the system calls of `cecert issue` is
read with strace: each certificate is printed only after its PDF was renamed into place,
its folder synced, and the registry's log synced (``synchronous = FULL``). The power cut
itself (a file system image copied under a running batch) is ``scripts/powercut``.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

import pytest

from keys.durable import remove_temporaries, write_durably
from registry.store import Registry
from tests.support.faults import (
    FaultHome,
    cecert_env,
    issue_args,
    kill,
    make_fault_home,
    number_of,
    overwrite,
    page_size,
    parse_issue_output,
    run_cecert,
    table_pages,
)

PEOPLE = 6


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> FaultHome:
    """A home of six people, none issued yet."""
    return make_fault_home(tmp_path_factory.mktemp("durability") / "home", PEOPLE)


def test_registry_commits_are_synchronous(tmp_path: Path) -> None:
    """``synchronous = FULL``: the log is synced at every commit (NORMAL lost the last
    seconds of commits in a power cut)."""
    with Registry.create(tmp_path / "registry.sqlite") as registry:
        assert registry.db.execute("PRAGMA synchronous").fetchone()[0] == 2


# -- the order of the system calls ---------------------------------------------------------


@dataclass(frozen=True)
class Call:
    pid: int
    name: str
    args: str


_CALL = re.compile(r"(?P<pid>[0-9]+) +(?P<name>[a-z0-9_]+)\((?P<args>.*)")
_QUOTED = re.compile(r'"((?:[^"\\]|\\.)*)"')
_TRACED = "rename,renameat,renameat2,fsync,fdatasync,write,pwrite64"


def traced(log: Path, *args: str) -> tuple[subprocess.CompletedProcess[str], list[Call]]:
    """Run ``cecert *args`` under strace (every process, file descriptors named); return
    the result and the calls, in the order they started."""
    env = cecert_env() | {"PYTHONUNBUFFERED": "1"}  # each line written when printed
    command = ["strace", "-f", "-y", "-s", "400", "-e", f"trace={_TRACED}", "-o", str(log)]
    result = subprocess.run(
        [*command, sys.executable, "-m", "cecert", *args],
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    calls: list[Call] = []
    for line in log.read_text("utf-8", "replace").splitlines():
        match = _CALL.match(line)
        if match and "resumed>" not in line:
            calls.append(Call(int(match["pid"]), match["name"], match["args"]))
    return result, calls


def _synced(call: Call, path: str) -> bool:
    return call.name in ("fsync", "fdatasync") and f"<{path}>" in call.args


def check_printed_after_durable(calls: list[Call], home: FaultHome, numbers: list[str]) -> None:
    """Each number printed as issued was, before it was printed: renamed into place, its
    folder synced after the rename, and everything written to the registry's log before
    the print synced after the last of those writes."""
    folder = str(home.year_dir)
    log = f"{home.registry_path}-wal"
    for number in numbers:
        pdf = f"{folder}/{number}-1.pdf"
        printed = next(
            i
            for i, c in enumerate(calls)
            if c.name == "write" and c.args.startswith("1<") and f"签发 {number}" in _text(c)
        )
        renamed = [
            i
            for i, c in enumerate(calls[:printed])
            if c.name.startswith("rename") and _QUOTED.findall(c.args)[-1:] == [pdf]
        ]
        assert renamed, f"{number} was printed before its PDF was renamed into place"
        after = calls[renamed[-1] : printed]
        folder_synced = [i for i, c in enumerate(after) if _synced(c, folder)]
        assert folder_synced, f"{number} was printed before the rename was synced (folder)"
        written = [i for i, c in enumerate(after) if c.name == "pwrite64" and f"<{log}>" in c.args]
        assert written, f"{number} was printed before its row reached the registry's log"
        assert written[-1] > folder_synced[0], f"{number}: recorded before its file was durable"
        assert any(_synced(c, log) for c in after[written[-1] :]), (
            f"{number} was printed before the registry's log was synced"
        )


def _text(call: Call) -> str:
    quoted = _QUOTED.findall(call.args)
    raw = quoted[0] if quoted else ""
    return (
        raw.encode("latin-1", "backslashreplace")
        .decode("unicode_escape")
        .encode("latin-1")
        .decode("utf-8", "replace")
    )


@pytest.mark.skipif(shutil.which("strace") is None, reason="strace is not installed")
@pytest.mark.parametrize("workers", [1, 2])
def test_issue_prints_only_what_is_on_the_disk(
    home: FaultHome, tmp_path: Path, workers: int
) -> None:
    """One process (one transaction per document, the single-document path that renewals,
    reissues and corrections take too) and two workers (a batch per transaction)."""
    chosen = sorted(home.people)[:3] if workers == 1 else sorted(home.people)[3:]
    people = [arg for person in chosen for arg in ("--person", person)]
    args = issue_args(home, "--workers", str(workers), *people)
    result, calls = traced(tmp_path / "strace.log", *args)
    assert result.returncode == 0, result.stderr
    numbers = list(parse_issue_output(result.stdout).issued)
    assert len(numbers) == len(chosen)
    check_printed_after_durable(calls, home, numbers)


# -- temporary files -------------------------------------------------------------------------


def _dead_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def test_temporary_files_of_a_killed_writer_are_removed(tmp_path: Path) -> None:
    dead, alive = _dead_pid(), os.getpid()
    names = [
        f".a.pdf.{dead}.tmp",
        f".b.pdf.{alive}.tmp",  # a writer that still runs: left alone
        f".status.cecs.{dead}.tmp",
        f".backup.sqlite.{dead}.tmp-journal",
        "notes.txt",
        f"a.pdf.{dead}.tmp",  # not ours: no leading dot
    ]
    for name in names:
        (tmp_path / name).write_bytes(b"x")
    gone = remove_temporaries(tmp_path, of="status.cecs")
    assert [p.name for p in gone] == [f".status.cecs.{dead}.tmp"]
    gone = remove_temporaries(tmp_path)
    assert sorted(p.name for p in gone) == sorted([names[0], names[3]])
    left = sorted(p.name for p in tmp_path.iterdir())
    assert left == sorted([names[1], "notes.txt", names[5]])
    write_durably(tmp_path / "new" / "file.bin", b"data", mode=0o600)
    assert (tmp_path / "new" / "file.bin").read_bytes() == b"data"
    assert [p.name for p in (tmp_path / "new").iterdir()] == ["file.bin"]


# -- backup and restore ---------------------------------------------------------------------


def _backup_killed_midway(fault_home: FaultHome, target: Path) -> list[str] | None:
    """Start `cecert registry backup` to ``target``; freeze it (SIGSTOP) the moment anything
    appears in the target's folder, then SIGKILL it. Return what the folder held when it
    was frozen, or ``None`` when the backup finished first."""
    args = ["registry", "backup", "--home", str(fault_home.home.root), str(target)]
    process = subprocess.Popen(
        [sys.executable, "-m", "cecert", *args],
        env=cecert_env(),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 120
        while process.poll() is None and time.monotonic() < deadline:
            if os.listdir(target.parent):
                process.send_signal(signal.SIGSTOP)
                break
        seen = sorted(os.listdir(target.parent))
    finally:
        status = kill(process)
    return seen if status == -signal.SIGKILL else None


def test_backup_is_whole_or_absent_and_restore_audits_it(tmp_path: Path) -> None:
    """A killed backup leaves nothing under its name; the next one cleans up and is checked.
    A restore refuses what is not a whole, sound registry and a registry still in use, and
    audits what it restores; numbers issued after the backup are never drawn again."""
    fault_home = make_fault_home(tmp_path / "home", 5)
    root = str(fault_home.home.root)
    people = sorted(fault_home.people)
    first_four = [arg for person in people[:4] for arg in ("--person", person)]
    assert run_cecert(*issue_args(fault_home, "--workers", "1", *first_four)).returncode == 0

    backups = tmp_path / "backups"
    backups.mkdir()
    target = backups / "registry.sqlite"
    for _attempt in range(5):
        seen = _backup_killed_midway(fault_home, target)
        if seen is not None:
            break
        target.unlink()  # it finished before it was frozen: try again
    else:
        pytest.fail("the backup finished before it could be killed, 5 times")
    assert not target.exists(), f"a killed backup left {target.name} ({seen})"
    assert all(name.startswith(f".{target.name}.") for name in seen), seen

    made = run_cecert("registry", "backup", "--home", root, str(target))
    assert made.returncode == 0, made.stderr
    assert sorted(os.listdir(backups)) == [target.name], "the leftover was not removed"
    with closing(sqlite3.connect(target)) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]

    fifth = run_cecert(*issue_args(fault_home, "--workers", "1", "--person", people[4]))
    assert fifth.returncode == 0, fifth.stderr
    (after_backup,) = parse_issue_output(fifth.stdout).issued

    empty = backups / "empty.sqlite"  # what a killed backup used to leave under the name
    empty.write_bytes(b"")
    _refused(run_cecert("registry", "restore", "--home", root, str(empty)), "bad_registry")
    damaged = backups / "damaged.sqlite"
    shutil.copyfile(target, damaged)
    (page,) = table_pages(damaged, "documents")[-1:]
    overwrite(damaged, (page - 1) * page_size(damaged) + 8, b"\x5a" * 512)
    _refused(run_cecert("registry", "restore", "--home", root, str(damaged)), "registry_damaged")
    with closing(sqlite3.connect(fault_home.registry_path)) as server:  # a server reading it
        server.execute("SELECT COUNT(*) FROM documents").fetchone()
        in_use = run_cecert("registry", "restore", "--home", root, str(target))
    _refused(in_use, "registry_in_use")
    assert number_of(fault_home, people[4]) == after_backup, "a refused restore changed it"

    restored = run_cecert("registry", "restore", "--home", root, str(target))
    assert restored.returncode == 0, restored.stderr
    assert after_backup in restored.stdout  # listed: issued after the backup
    replaced = [p for p in fault_home.home.root.iterdir() if ".replaced-" in p.name]
    assert len(replaced) == 1, "the replaced registry was not kept"
    assert [p.name for p in fault_home.home.root.iterdir() if p.name.startswith(".")] == []

    audited = run_cecert("registry", "audit", "--home", root, "--json")
    report = json.loads(audited.stdout)
    assert (audited.returncode, report["problems"]) == (0, []), report
    orphan = fault_home.year_dir / f"{after_backup}-1.pdf"
    assert report["orphans"] == [str(orphan)]

    again = run_cecert(*issue_args(fault_home, "--workers", "1", "--person", people[4]))
    assert again.returncode == 0, again.stderr
    (reissued,) = parse_issue_output(again.stdout).issued
    assert reissued != after_backup, "a number printed before the restore was drawn again"
    assert orphan.exists(), "the certificate issued after the backup was overwritten"


def _refused(result: subprocess.CompletedProcess[str], reason: str) -> None:
    assert result.returncode == 1, (result.stdout, result.stderr)
    assert f"error [{reason}]" in result.stderr, result.stderr
    assert "Traceback" not in result.stderr, result.stderr
