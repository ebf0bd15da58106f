"""Time at the edges of a day: a run that crosses midnight China time dates each transaction
by its own time, and a snapshot never misses a document stamped before its day.

Real forked workers, a real SQLite file, real sealed PDFs and a real signed snapshot judged
by the verifier. The clocks are parameters (``clock=``), as ``cecert issue`` passes its own;
they read the first midnight after the demo home's keys were made.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from pyhanko.pdf_utils.reader import PdfFileReader

from keys import CHINA_TZ, parse_trust_list
from keys.private import open_key_ring
from registry.home import Home
from registry.importing import load_activities, load_people
from registry.payload import decode_payload
from registry.store import Registry
from signer import Issuer, init_home
from signer.issuance import issuer as issuer_module
from signer.status.snapshots import export_snapshot
from tests.conftest import AT, CONFIG, DEMO, PASSPHRASE
from verifier import Verdict, Verifier
from verifier.snapshot import load_snapshot

YEAR = 2025
MIDNIGHT = dt.datetime.combine(
    AT.astimezone(CHINA_TZ).date() + dt.timedelta(days=1), dt.time(), CHINA_TZ
).astimezone(dt.UTC)
"""The first midnight China time after the keys were made (16:00 UTC)."""


def _home(root: Path) -> Home:
    """A home with the demo's people and records, nothing issued yet."""
    home = Home(root)
    init_home(home, config=CONFIG, passphrase=PASSPHRASE, at=AT)
    with Registry.open(home.registry_path) as registry:
        registry.import_people(
            load_people(DEMO / "people.csv", today=AT.date()), source="people.csv", at=AT
        )
        registry.import_activities(
            load_activities(DEMO / "activities.csv", today=AT.date()),
            source="activities.csv",
            at=AT,
        )
    return home


def _ticking(
    start: dt.datetime, step: dt.timedelta
) -> tuple[Callable[[], dt.datetime], list[dt.datetime]]:
    """A clock that moves ``step`` at every reading, and the list of what it gave."""
    readings: list[dt.datetime] = []

    def clock() -> dt.datetime:
        readings.append(start + step * len(readings))
        return readings[-1]

    return clock, readings


def _issuer(home: Home, registry: Registry) -> Issuer:
    ring = open_key_ring(home.keys_dir, passphrase=PASSPHRASE)
    return Issuer(registry=registry, ring=ring, config=CONFIG, out_dir=home.certificates_dir)


def _china_day(moment: dt.datetime) -> dt.date:
    return moment.astimezone(CHINA_TZ).date()


def test_a_batch_run_over_midnight_dates_each_transaction_by_its_own_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two batches of workers (three documents per transaction here): the first reads
    23:59:59, the second 00:00:01. What the second committed states the new day, in its
    payload, its record and its seal, and verifies against a snapshot taken at 00:00:05."""
    monkeypatch.setattr(issuer_module, "BATCH", 3)
    home = _home(tmp_path / "home")
    clock, readings = _ticking(MIDNIGHT - dt.timedelta(seconds=1), dt.timedelta(seconds=2))
    with Registry.open(home.registry_path) as registry:
        report = _issuer(home, registry).issue(
            year=YEAR, at=MIDNIGHT - dt.timedelta(minutes=5), workers=2, clock=clock
        )
        assert report.issued_count == 5
        assert len(readings) == 2, readings  # one reading per transaction, under its lock
        before, after = _china_day(readings[0]), _china_day(readings[1])
        assert before + dt.timedelta(days=1) == after
        days = [decode_payload(d.payload).claims.issued_on for d in report.issued]
        assert days == [before] * 3 + [after] * 2
        assert [d.issued_at for d in report.issued] == [readings[0]] * 3 + [readings[1]] * 2
        ring = open_key_ring(home.keys_dir, passphrase=PASSPHRASE)
        snapshot = export_snapshot(registry, ring, CONFIG, at=MIDNIGHT + dt.timedelta(seconds=5))
    trust = parse_trust_list(home.trust_list_path.read_bytes())
    verifier = Verifier(trust, status=load_snapshot(snapshot, trust))
    for document in report.issued:
        pdf = home.certificates_dir / str(YEAR) / f"{document.number}-{document.edition}.pdf"
        result = verifier.verify_pdf(pdf.read_bytes(), at=MIDNIGHT + dt.timedelta(minutes=10))
        assert result.verdict is Verdict.VALID, result.to_json()
        assert result.claims is not None
        assert result.claims.issued_on == _china_day(document.issued_at)
        with pdf.open("rb") as stream:
            sealed = PdfFileReader(stream).embedded_signatures[0].self_reported_timestamp
        assert sealed == document.issued_at


def test_one_process_reads_the_clock_for_each_person(tmp_path: Path) -> None:
    home = _home(tmp_path / "home")
    clock, readings = _ticking(MIDNIGHT - dt.timedelta(seconds=2), dt.timedelta(seconds=1))
    with Registry.open(home.registry_path) as registry:
        report = _issuer(home, registry).issue(
            year=YEAR, at=MIDNIGHT - dt.timedelta(minutes=1), workers=1, clock=clock
        )
    assert report.issued_count == 5
    assert [d.issued_at for d in report.issued] == readings
    days = [decode_payload(d.payload).claims.issued_on for d in report.issued]
    assert days == [_china_day(r) for r in readings]
    assert len(set(days)) == 2


def test_a_snapshot_waits_for_the_change_in_progress(tmp_path: Path) -> None:
    """A document stamped 23:59:59 and committed after a snapshot of 00:00:05 was asked for
    is in that snapshot: the snapshot's read waits for the write in progress. Without the
    wait the verifier would call a genuine certificate ``not_in_registry``."""
    home = _home(tmp_path / "home")
    ring = open_key_ring(home.keys_dir, passphrase=PASSPHRASE)
    exported: list[bytes] = []

    def snapshot() -> None:
        with Registry.open(home.registry_path) as reader:
            at = MIDNIGHT + dt.timedelta(seconds=5)
            exported.append(export_snapshot(reader, ring, CONFIG, at=at))

    thread = threading.Thread(target=snapshot)

    def clock() -> dt.datetime:
        """Read under the write lock: a snapshot is asked for now and must wait."""
        if not thread.is_alive() and not exported:
            thread.start()
            time.sleep(0.5)
            assert not exported, "the snapshot was read while a change was in progress"
        return MIDNIGHT - dt.timedelta(seconds=1)

    with Registry.open(home.registry_path) as writer:
        report = _issuer(home, writer).issue(
            year=YEAR, at=MIDNIGHT - dt.timedelta(minutes=1), workers=1, clock=clock
        )
    thread.join(timeout=60)
    assert exported
    first = report.issued[0]
    trust = parse_trust_list(home.trust_list_path.read_bytes())
    verifier = Verifier(trust, status=load_snapshot(exported[0], trust))
    result = verifier.verify_text(first.payload, at=MIDNIGHT + dt.timedelta(minutes=1))
    assert result.verdict is Verdict.VALID, result.to_json()
