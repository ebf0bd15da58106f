"""Issuance with worker processes and one writer: the same certificates as one process, a
failure or a killed worker rolls the open batch back, memory-light reports, progress.

Real forked workers, a real SQLite file, real sealed PDFs judged by the verifier (its full
PAdES check, not the registry's record of the file).
"""

from __future__ import annotations

import datetime as dt
import multiprocessing
import os
import signal
import sqlite3
from pathlib import Path

import pytest

from keys.private import open_key_ring
from registry.home import Home
from registry.importing import load_activities, load_people
from registry.payload import decode_payload
from registry.store import DocumentRecord, Registry
from signer import IssuanceError, Issuer, init_home
from signer.issuance.issuer import BATCH
from tests.conftest import AT, CONFIG, DEMO, LATER, IssuedHome
from tests.conftest import PASSPHRASE as DEMO_PASSPHRASE
from tests.support.faults import (
    PASSPHRASE,
    YEAR,
    assert_consistent,
    inspect_home,
    make_fault_home,
    snapshot,
)
from verifier import CheckStatus, RegistryStatus, Verdict, Verifier


def _issuer(registry: Registry, home_root: Path, passphrase: bytes, out_dir: Path) -> Issuer:
    home = Home(home_root)
    ring = open_key_ring(home.keys_dir, passphrase=passphrase)
    return Issuer(registry=registry, ring=ring, config=home.config(), out_dir=out_dir)


@pytest.fixture(scope="module")
def worker_home(tmp_path_factory: pytest.TempPathFactory) -> IssuedHome:
    """The demo home of ``issued_home`` (``tests/conftest.py``), issued with two workers."""
    home = Home(tmp_path_factory.mktemp("workers") / "home")
    init_home(home, config=CONFIG, passphrase=DEMO_PASSPHRASE, at=AT)
    with Registry.open(home.registry_path) as registry:
        registry.import_people(
            load_people(DEMO / "people.csv", today=AT.date()), source="people.csv", at=AT
        )
        registry.import_activities(
            load_activities(DEMO / "activities.csv", today=AT.date()),
            source="activities.csv",
            at=AT,
        )
        issuer = _issuer(registry, home.root, DEMO_PASSPHRASE, home.certificates_dir)
        report = issuer.issue(year=2025, at=AT, workers=2)
    return IssuedHome(home, report.issued, tuple(s.name for s in report.skipped))


def test_workers_issue_what_one_process_issues(
    worker_home: IssuedHome, issued_home: IssuedHome
) -> None:
    """Same people, same numbers in the same order, same skips, as ``workers=1``."""

    def by_name(home: IssuedHome) -> list[tuple[str, str, int]]:
        return [
            (decode_payload(d.payload).claims.name, d.number, d.edition) for d in home.documents
        ]

    assert len(worker_home.documents) == 5
    assert by_name(worker_home) == by_name(issued_home)
    assert worker_home.skipped_names == issued_home.skipped_names


def test_documents_made_by_workers_pass_the_full_verification(worker_home: IssuedHome) -> None:
    with Registry.open(worker_home.home.registry_path, read_only=True) as registry:
        with_registry = Verifier(worker_home.trust, status=RegistryStatus(registry))
        offline = Verifier(worker_home.trust)
        for document in worker_home.documents:
            data = worker_home.pdf(document).read_bytes()
            report = with_registry.verify_pdf(data, at=LATER)
            assert report.verdict is Verdict.VALID, report.to_json()
            # Without a registry nothing can confirm the file by its record: the seal, the
            # structure and the signed payload are all examined.
            full = offline.verify_pdf(data, at=LATER)
            checks = {c.name: c.status for c in full.checks}
            assert checks["pdf.signature"] is CheckStatus.PASSED, full.to_json()
            assert checks["payload.signature"] is CheckStatus.PASSED, full.to_json()
            assert full.claims is not None
            assert full.claims.number == document.number
            assert with_registry.verify_text(document.payload, at=LATER).verdict is Verdict.VALID


def test_the_log_of_a_worker_batch_audits_clean(worker_home: IssuedHome) -> None:
    with Registry.open(worker_home.home.registry_path, read_only=True) as registry:
        report = registry.audit(certificates_dir=worker_home.home.certificates_dir)
        assert report.ok, report
        assert registry.count("documents") == registry.count("certificates") == 5


# -- larger batches: synthetic people (tests/support/faults.py) -----------------------------


def test_records_not_kept_progress_and_callback(tmp_path: Path) -> None:
    """``keep_records=False``: counts only; ``on_issued`` sees each committed document in
    number order; progress counts every person up to the total."""
    fault_home = make_fault_home(tmp_path / "home", BATCH + 6)  # two batches
    seen: list[DocumentRecord] = []
    progress: list[tuple[int, int]] = []
    with Registry.open(fault_home.registry_path) as registry:
        issuer = _issuer(
            registry, fault_home.home.root, PASSPHRASE.encode(), fault_home.home.certificates_dir
        )
        at = dt.datetime.now(dt.UTC)
        report = issuer.issue(
            year=YEAR,
            at=at,
            workers=2,
            keep_records=False,
            on_issued=seen.append,
            progress=lambda done, total: progress.append((done, total)),
        )
        assert (report.issued, report.skipped, report.issued_count) == ((), (), BATCH + 6)
        assert [d.number for d in seen] == sorted(d.number for d in seen)
        assert {d.id_number for d in seen} == set(fault_home.people)
        assert [done for done, _total in progress] == list(range(1, BATCH + 7))
        assert {total for _done, total in progress} == {BATCH + 6}
        again = issuer.issue(year=YEAR, at=at, workers=2)
        assert again.issued_count == 0
        assert {s.reason for s in again.skipped} == {"already_issued"}
    assert_consistent(inspect_home(fault_home), fault_home.people)


def test_a_failing_document_rolls_its_batch_back(tmp_path: Path) -> None:
    """A worker cannot write (the output folder is a file): ``write_failed``, naming the
    file, and the registry holds nothing of the batch, not even a drawn serial."""
    fault_home = make_fault_home(tmp_path / "home", 4)
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the certificates folder should be")
    with Registry.open(fault_home.registry_path) as registry:
        issuer = _issuer(registry, fault_home.home.root, PASSPHRASE.encode(), blocked)
        with pytest.raises(IssuanceError) as caught:
            issuer.issue(year=YEAR, at=dt.datetime.now(dt.UTC), workers=2)
    assert caught.value.reason == "write_failed"
    assert "文件未能写入" in str(caught.value)
    assert str(blocked) in str(caught.value)
    assert snapshot(fault_home).documents == 0
    with sqlite3.connect(fault_home.registry_path) as conn:
        assert conn.execute("SELECT COUNT(*) FROM serials").fetchone()[0] == 0
        assert conn.execute("SELECT COUNT(*) FROM certificates").fetchone()[0] == 0


def test_a_killed_worker_stops_the_run_and_a_rerun_completes(tmp_path: Path) -> None:
    """SIGKILL one worker once the first batch is committed: the second batch is rolled
    back (``worker_failed``), the first stays; running again issues the rest, once each."""
    fault_home = make_fault_home(tmp_path / "home", BATCH + 10)
    killed: list[int] = []

    def kill_a_worker(document: DocumentRecord) -> None:
        if killed:
            return
        workers = [p for p in multiprocessing.active_children() if p.name.startswith("cecert")]
        assert len(workers) == 2
        assert workers[0].pid is not None
        os.kill(workers[0].pid, signal.SIGKILL)
        killed.append(workers[0].pid)

    with Registry.open(fault_home.registry_path) as registry:
        issuer = _issuer(
            registry, fault_home.home.root, PASSPHRASE.encode(), fault_home.home.certificates_dir
        )
        with pytest.raises(IssuanceError) as caught:
            issuer.issue(year=YEAR, at=dt.datetime.now(dt.UTC), workers=2, on_issued=kill_a_worker)
        assert caught.value.reason == "worker_failed"
        assert not [p for p in multiprocessing.active_children() if p.name.startswith("cecert")]
        after_kill = snapshot(fault_home)  # numbers, rows and events agree one for one
        assert after_kill.documents == BATCH
        rerun = issuer.issue(year=YEAR, at=dt.datetime.now(dt.UTC), workers=2)
        assert rerun.issued_count == 10
    assert_consistent(inspect_home(fault_home), fault_home.people)


def test_bad_worker_count_is_refused(tmp_path: Path) -> None:
    fault_home = make_fault_home(tmp_path / "home", 1)
    with Registry.open(fault_home.registry_path) as registry:
        issuer = _issuer(
            registry, fault_home.home.root, PASSPHRASE.encode(), fault_home.home.certificates_dir
        )
        with pytest.raises(IssuanceError) as caught:
            issuer.issue(year=YEAR, at=dt.datetime.now(dt.UTC), workers=0)
    assert caught.value.reason == "bad_workers"


def test_progress_line_shows_count_rate_and_eta() -> None:
    """Off a terminal: a line every ``every`` seconds and the last one; on a terminal: one
    line rewritten in place."""
    from io import StringIO

    from cecert.progress import ProgressLine

    now = [100.0]
    log = StringIO()
    line = ProgressLine("issuing", log, in_place=False, every=10.0, clock=lambda: now[0])
    for done in range(1, 1001):
        now[0] += 1 / 64  # 64 people a second (exact in binary)
        line(done, 1000)
    line.finish()
    lines = log.getvalue().splitlines()
    assert len(lines) == 2  # at 10 s and at the end (finish() does not repeat it)
    assert lines[0] == "issuing: 640/1,000 (64.0 %), 64.0/s, elapsed 0:10, ETA 0:06"
    assert lines[-1] == "issuing: 1,000/1,000 (100.0 %), 64.0/s, elapsed 0:16, ETA 0:00"

    terminal = StringIO()
    live = ProgressLine("issuing", terminal, in_place=True, clock=lambda: now[0])
    now[0] += 1.0
    live(1, 3_600_000)
    live.finish()
    quiet = StringIO()
    unfinished = ProgressLine("issuing", quiet, in_place=False, clock=lambda: now[0])
    unfinished(1, 2)  # within the first 10 s: nothing yet
    assert quiet.getvalue() == ""
    unfinished.finish()
    assert quiet.getvalue().startswith("issuing: 1/2 (50.0 %)")
    assert terminal.getvalue().startswith("\r\x1b[2Kissuing: 1/3,600,000 (0.0 %), 1.0/s")
    assert "ETA 999:59:59" in terminal.getvalue()
    assert terminal.getvalue().endswith("\n")


def test_a_person_named_twice_is_issued_once(tmp_path: Path) -> None:
    """``--person X --person X``: one document, the second mention skipped, with workers as
    with one process."""
    for workers in (1, 2):
        fault_home = make_fault_home(tmp_path / f"home{workers}", 3)
        first, second, _third = fault_home.people
        with Registry.open(fault_home.registry_path) as registry:
            issuer = _issuer(
                registry,
                fault_home.home.root,
                PASSPHRASE.encode(),
                fault_home.home.certificates_dir,
            )
            report = issuer.issue(
                year=YEAR,
                at=dt.datetime.now(dt.UTC),
                id_numbers=[first, second, first],
                workers=workers,
            )
        assert report.issued_count == 2, workers
        assert [s.reason for s in report.skipped] == ["already_issued"], workers
        assert {d.id_number for d in report.issued} == {first, second}
        assert snapshot(fault_home).documents == 2
