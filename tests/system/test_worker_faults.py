"""Issuance with worker processes survives SIGKILL of its writer: real ``cecert issue
--workers 2`` processes, a real SQLite file, real PDFs, real signals (the single-process
campaign and the concurrency tests are in ``tests/system/test_faults.py``).

After each kill the workers must end by themselves (an orphaned worker must not put a file
in place for a number a later run draws again), the registry's numbers, rows and events
agree one for one, and a last run completes everyone exactly once.
"""

from __future__ import annotations

import random
import time
from pathlib import Path

import pytest

from tests.support.faults import (
    RUN_TIMEOUT,
    SEED,
    FaultHome,
    assert_consistent,
    inspect_home,
    issue_args,
    make_fault_home,
    parse_issue_output,
    registry_audit,
    registry_audit_available,
    run_and_kill,
    run_cecert,
    snapshot,
)

WORKER_PEOPLE = 400


def _processes_of(fault_home: FaultHome) -> list[int]:
    """PIDs of processes running for this home (``cecert issue --home <root>``; forked
    workers carry their parent's command line)."""
    marker = str(fault_home.home.root).encode()
    found: list[int] = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        if marker in cmdline and b"issue" in cmdline:
            found.append(int(entry.name))
    return found


def _wait_for_no_processes(fault_home: FaultHome, timeout: float = 30.0) -> float:
    """Seconds until every process of the home ended (orphaned workers included)."""
    start = time.monotonic()
    while _processes_of(fault_home):
        if time.monotonic() - start > timeout:
            raise AssertionError(f"processes left running: {_processes_of(fault_home)}")
        time.sleep(0.05)
    return time.monotonic() - start


def test_worker_batch_survives_random_kills_of_its_writer(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``--workers 2``: SIGKILL the writer (the ``cecert issue`` process) at start-up, while
    its first batch holds the write lock, and after a number of committed documents. After
    each kill its workers end by themselves, the registry's numbers, rows and events agree
    one for one; the last run completes everyone once, numbers gap-free, audit clean."""
    fault_home = make_fault_home(tmp_path / "home", WORKER_PEOPLE)
    rng = random.Random(SEED + 2)
    plan: list[tuple[str, float, int | None]] = [
        ("startup", rng.uniform(0.5, 1.5), None),
        ("first", rng.uniform(0.0, 0.3), None),
        *(("progress", rng.uniform(0.0, 0.5), t) for t in sorted(rng.sample(range(1, 330), 4))),
    ]
    landed: list[int] = []
    orphan_exit: list[float] = []
    for index, (trigger, delay, target) in enumerate(plan):
        log = tmp_path / f"run{index}.log"
        killed = run_and_kill(fault_home, log, trigger, delay, target, workers=2)
        orphan_exit.append(_wait_for_no_processes(fault_home))
        after = snapshot(fault_home)  # numbers, rows, events one for one; latest PDF intact
        if killed:
            landed.append(after.documents)
    final = run_cecert(*issue_args(fault_home, "--workers", "2"), timeout=RUN_TIMEOUT)
    assert final.returncode == 0, final.stderr
    assert "issuing: " in final.stderr  # the progress line
    output = parse_issue_output(final.stdout)
    assert {reason for reason, _detail in output.skipped} <= {"already_issued"}
    assert sum(output.totals) == WORKER_PEOPLE
    inspection = inspect_home(fault_home)
    with capsys.disabled():
        print(
            f"\nworker kill campaign: {len(landed)} SIGKILLs of the writer, committed "
            f"documents after each: {landed}; workers gone {max(orphan_exit):.2f} s after "
            f"a kill at most; {inspection.summary()}"
        )
    assert len(landed) >= 4
    assert any(0 < n < WORKER_PEOPLE for n in landed)
    assert_consistent(inspection, fault_home.people)
    if registry_audit_available():
        code, report = registry_audit(fault_home)
        assert (code, report["ok"]) == (0, True), report["problems"]
