"""Fault-test harness: a home of synthetic people, ``cecert issue`` as a real process, and
an inspection of everything a home holds after a run was killed.

Nothing here imitates a component: the registry is the SQLite file, the certificates are
the PDFs the child process wrote, and a crash is SIGKILL delivered to that process.
"""

from __future__ import annotations

import datetime as dt
import errno
import hashlib
import json
import os
import random
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from keys.private import open_key_ring
from registry.home import BureauConfig, Home
from registry.idnumber import mod11_2_check
from registry.model import Activity, Category, Person, RecordStatus, TitleLevel
from registry.numbering import SERIAL_DIGITS, parse_number
from registry.store import DocumentRecord, Registry
from signer import init_home
from signer.status.checkpoints import write_checkpoint

YEAR = 2025
PASSPHRASE = "fault tests passphrase, not a secret"
REGION = "440100"
CONFIG = BureauConfig(
    bureau="广州市人力资源和社会保障局",
    region=REGION,
    province="广东省人力资源和社会保障厅",
    default_policy="gd-2010",
)
_DISTRICTS = ("440103", "440104", "440105", "440106", "440111", "440113")
_SURNAMES = ("王", "李", "张", "刘", "陈", "欧阳", "司马")
_GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明"
_RARE = ("𠈌", "䶮", "堃", "喆")
_SERIES = ("工程技术", "统计", "经济", "农业技术")
"""Series of sectors no confirmation clause names and with no policy of their own, so
confirmed records are enough."""
_PDF_NAME = re.compile(r"(?P<number>[0-9]{14}[0-9X])-(?P<edition>[1-9][0-9]*)\.pdf")


# -- a home of synthetic people -------------------------------------------------------------


def synthetic_id(index: int) -> str:
    """A valid resident ID number, unique for ``index`` < 13,000 × 900."""
    district = _DISTRICTS[index % len(_DISTRICTS)]
    birth = dt.date(1965, 1, 1) + dt.timedelta(days=(index * 7) % 13_000)
    body = f"{district}{birth:%Y%m%d}{100 + index // 13_000:03d}"
    return body + mod11_2_check(body)


def synthetic_person(index: int, rng: random.Random) -> Person:
    id_number = synthetic_id(index)
    given = "".join(rng.choice(_GIVEN) for _ in range(rng.choice((1, 2))))
    if index % 5 == 0:  # 生僻字, one of them outside the BMP, to exercise the fonts
        given = _RARE[(index // 5) % len(_RARE)] + given[:1]
    return Person(
        id_number=id_number,
        name=rng.choice(_SURNAMES) + given,
        employer="广州市建筑设计院",
        series=_SERIES[index % len(_SERIES)],
        title_level=rng.choice(tuple(TitleLevel)),
        title_date=dt.date(2010 + index % 14, 7, 1),
        region=id_number[:6],
    )


def qualifying_records(person: Person) -> list[Activity]:
    """Three confirmed records meeting gd-2010 for ``YEAR``: public 20 h (≥ 18), professional
    46 h (≥ 42), elective 12 h (≥ 12), 78 h in all (≥ 72)."""

    def record(category: Category, title: str, code: str, hours: int, month: int) -> Activity:
        return Activity(
            id_number=person.id_number,
            year=YEAR,
            category=category,
            kind="online_course",
            title=title,
            course_code=code,
            minutes=hours * 60,
            start_date=dt.date(YEAR, month, 1),
            end_date=dt.date(YEAR, month, 20),
            provider="广东省专业技术人员继续教育平台",
            score=Decimal("90"),
            role=None,
            status=RecordStatus.CONFIRMED,
        )

    return [
        record(Category.PUBLIC, "2025年公需科目：数字经济与人工智能", "GX2025-01", 20, 3),
        record(Category.PROFESSIONAL, "行业标准与规范解读", "ZY2025-01", 46, 6),
        record(Category.ELECTIVE, "年度学术交流", "XX2025-01", 12, 10),
    ]


@dataclass(frozen=True)
class FaultHome:
    home: Home
    people: tuple[str, ...]
    """ID numbers of the synthetic people, in creation order (person 1 is ``people[0]``)."""

    @property
    def registry_path(self) -> Path:
        return self.home.registry_path

    @property
    def year_dir(self) -> Path:
        return self.home.certificates_dir / str(YEAR)


def make_fault_home(root: Path, people: int, *, seed: int = 2025) -> FaultHome:
    """Initialise a home under ``root`` and import ``people`` eligible synthetic people and
    their records through the registry's Python API (no file parsing)."""
    at = dt.datetime.now(dt.UTC).replace(microsecond=0) - dt.timedelta(minutes=1)
    home = init_home(Home(root), config=CONFIG, passphrase=PASSPHRASE.encode(), at=at)
    rng = random.Random(seed)
    persons = [synthetic_person(i, rng) for i in range(people)]
    activities = [a for p in persons for a in qualifying_records(p)]
    ring = open_key_ring(home.keys_dir, passphrase=PASSPHRASE.encode())
    with Registry.open(home.registry_path) as registry:
        registry.import_people(list(enumerate(persons, start=2)), source="faults", at=at)
        registry.import_activities(list(enumerate(activities, start=2)), source="faults", at=at)
        # As `cecert import` does: a change ends with a signed checkpoint of the log.
        write_checkpoint(registry, ring, CONFIG, at=at)
    return FaultHome(home, tuple(p.id_number for p in persons))


# -- `cecert issue` as a real process ------------------------------------------------------


def issue_args(fault_home: FaultHome, *extra: str) -> list[str]:
    """``cecert issue`` for ``YEAR`` in this home, as arguments after ``cecert``."""
    return ["issue", "--home", str(fault_home.home.root), "--year", str(YEAR), *extra]


def cecert_env() -> dict[str, str]:
    """This environment without any ``CECERT_`` variable, plus the home's passphrase."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CECERT_")}
    env["CECERT_PASSPHRASE"] = PASSPHRASE
    return env


def start_issue(fault_home: FaultHome, log: Path, *extra: str) -> subprocess.Popen[bytes]:
    """Start ``cecert issue`` for ``YEAR``; its output goes to ``log`` (never a pipe, which a
    batch printing thousands of lines would fill and block on)."""
    with log.open("wb") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "cecert", *issue_args(fault_home, *extra)],
            env=cecert_env(),
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
        )


def run_cecert(*args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "cecert", *args],
        env=cecert_env(),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def kill(process: subprocess.Popen[bytes]) -> int:
    """SIGKILL ``process`` (if still running) and reap it; return its exit status."""
    if process.poll() is None:
        process.send_signal(signal.SIGKILL)
    return process.wait(timeout=30)


def write_lock_held(registry_path: Path) -> bool:
    """Whether another connection holds the registry's write lock, i.e. is inside a write
    transaction (``BEGIN IMMEDIATE`` with no busy wait fails)."""
    conn = sqlite3.connect(registry_path, timeout=0, isolation_level=None)
    try:
        conn.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError as exc:
        if "locked" in str(exc) or "busy" in str(exc):
            return True
        raise
    else:
        conn.execute("ROLLBACK")
        return False
    finally:
        conn.close()


def wait_until(
    condition: Callable[[], bool],
    process: subprocess.Popen[bytes],
    *,
    timeout: float,
    interval: float = 0.0,
) -> bool:
    """Poll ``condition`` until it holds (True) or ``process`` has exited (False)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        if process.poll() is not None:
            return condition()
        if interval:
            time.sleep(interval)
    raise TimeoutError(f"condition not reached within {timeout} s")


class ProgressProbe:
    """Counts the documents of ``YEAR`` committed so far, from a connection of our own."""

    def __init__(self, registry_path: Path) -> None:
        self._conn = sqlite3.connect(registry_path, isolation_level=None)

    def documents(self) -> int:
        row = self._conn.execute("SELECT COUNT(*) FROM documents WHERE year = ?", (YEAR,))
        return int(row.fetchone()[0])

    def close(self) -> None:
        self._conn.close()


# -- what a home holds ---------------------------------------------------------------------


def serial_of(number: str) -> int:
    """The serial inside a certificate number (after checking the number and its region)."""
    assert parse_number(number) == number, number
    assert number[:6] == REGION, number
    return int(number[6 : 6 + SERIAL_DIGITS])


@dataclass
class Inspection:
    """Everything the tests check about a home, gathered in one pass."""

    documents: list[DocumentRecord]
    by_person: dict[str, list[DocumentRecord]]
    serials: list[int]
    """Serials of the certificate numbers in ``certificates``, sorted."""
    last_serial: int
    """The region's counter in ``serials`` (0 when no number was ever drawn)."""
    certificates: int
    issue_events: list[str]
    """``number/edition`` of every ``issue`` event, in log order."""
    broken_chain: list[int]
    """Sequence numbers whose ``prev_hash`` is not the previous event's hash."""
    integrity: list[str]
    foreign_key_violations: int
    bad_rows: list[str] = field(default_factory=list)
    """Document rows whose PDF is missing or whose SHA-256 differs from ``pdf_sha256``."""
    tmp_files: list[Path] = field(default_factory=list)
    """Temporary files left by a killed write (``.<name>.<pid>.tmp``)."""
    orphans: list[Path] = field(default_factory=list)
    """``<number>-<edition>.pdf`` files whose number and edition are not in the registry."""
    strays: list[Path] = field(default_factory=list)
    """Any other file: a PDF of a registered edition at a path the row does not name, or a
    name neither pattern matches. Never expected."""

    def summary(self) -> str:
        return (
            f"{len(self.documents)} documents, serials 1..{self.last_serial}, "
            f"{len(self.orphans)} orphan PDFs, {len(self.tmp_files)} temporary files"
        )


def inspect_home(fault_home: FaultHome) -> Inspection:
    path = fault_home.registry_path
    with Registry.open(path, read_only=True) as registry:
        documents = registry.documents(year=YEAR)
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        integrity = [r[0] for r in conn.execute("PRAGMA integrity_check")]
        violations = len(conn.execute("PRAGMA foreign_key_check").fetchall())
        numbers = [r[0] for r in conn.execute("SELECT number FROM certificates")]
        row = conn.execute("SELECT last_serial FROM serials WHERE region = ?", (REGION,))
        last = row.fetchone()
        events = conn.execute("SELECT seq, kind, subject, prev_hash, hash FROM events ORDER BY seq")
        chain = events.fetchall()
    finally:
        conn.close()
    broken = [
        seq
        for (seq, _k, _s, prev_hash, _h), (_q, _kk, _ss, _p, before) in zip(
            chain[1:], chain[:-1], strict=True
        )
        if prev_hash != before
    ]
    broken += [seq for index, (seq, *_rest) in enumerate(chain, start=1) if seq != index]
    by_person: dict[str, list[DocumentRecord]] = defaultdict(list)
    for document in documents:
        by_person[document.id_number].append(document)
    inspection = Inspection(
        documents=documents,
        by_person=dict(by_person),
        serials=sorted(serial_of(n) for n in numbers),
        last_serial=last[0] if last else 0,
        certificates=len(numbers),
        issue_events=[subject for _seq, kind, subject, _p, _h in chain if kind == "issue"],
        broken_chain=broken,
        integrity=integrity,
        foreign_key_violations=violations,
    )
    for document in documents:
        pdf = Path(document.pdf_path)
        if not pdf.is_file():
            inspection.bad_rows.append(f"{document.number}/{document.edition}: no file {pdf}")
        elif hashlib.sha256(pdf.read_bytes()).hexdigest() != document.pdf_sha256:
            inspection.bad_rows.append(f"{document.number}/{document.edition}: SHA-256 differs")
    registered = {Path(d.pdf_path).resolve() for d in documents}
    editions = {(d.number, d.edition) for d in documents}
    folder = fault_home.home.certificates_dir
    files = sorted(p for p in folder.rglob("*") if not p.is_dir()) if folder.exists() else []
    for file in files:
        name = _PDF_NAME.fullmatch(file.name)
        if file.resolve() in registered:
            continue
        if file.name.startswith(".") and file.name.endswith(".tmp"):
            inspection.tmp_files.append(file)
        elif name and (name["number"], int(name["edition"])) not in editions:
            inspection.orphans.append(file)
        else:
            inspection.strays.append(file)
    return inspection


def assert_consistent(inspection: Inspection, eligible: tuple[str, ...]) -> None:
    """The invariants every home must satisfy after any sequence of kills and reruns, once
    a last run completed: one document per eligible person, unique gap-free numbers, every
    row backed by its exact PDF, no stray file, a sound database and event log."""
    assert inspection.integrity == ["ok"]
    assert inspection.foreign_key_violations == 0
    assert inspection.broken_chain == []
    duplicates = {k: len(v) for k, v in inspection.by_person.items() if len(v) != 1}
    assert duplicates == {}, f"people with more than one document: {duplicates}"
    assert set(inspection.by_person) == set(eligible)
    numbers = [d.number for d in inspection.documents]
    assert len(numbers) == len(set(numbers)), "a number was issued twice"
    assert all(d.edition == 1 for d in inspection.documents)
    count = len(eligible)
    assert [serial_of(n) for n in sorted(numbers)] == list(range(1, count + 1))
    assert inspection.serials == list(range(1, count + 1))
    assert inspection.last_serial == count, "a serial was consumed without a certificate"
    expected_events = sorted(f"{d.number}/{d.edition}" for d in inspection.documents)
    assert sorted(inspection.issue_events) == expected_events
    assert inspection.bad_rows == []
    assert inspection.strays == []
    # Leftovers are sealed PDFs (or parts of one) the registry never recorded: none may be
    # counted as issued, by number and edition (by construction) or by content.
    registered = {d.pdf_sha256 for d in inspection.documents}
    for leftover in (*inspection.orphans, *inspection.tmp_files):
        assert hashlib.sha256(leftover.read_bytes()).hexdigest() not in registered, leftover


@dataclass(frozen=True)
class Snapshot:
    """A cheap look at a home between runs (no PDF is hashed but the latest one)."""

    documents: int
    tmp_files: int
    orphans: int


def snapshot(fault_home: FaultHome) -> Snapshot:
    """Check what must hold the instant after any kill, and count the leftovers.

    The registry is sound; numbers drawn, certificate rows, document rows and ``issue``
    events agree one for one (a killed transaction consumed nothing); the latest committed
    document's PDF is in place with its recorded SHA-256.
    """
    conn = sqlite3.connect(f"file:{fault_home.registry_path}?mode=ro", uri=True)
    try:
        assert [r[0] for r in conn.execute("PRAGMA quick_check")] == ["ok"]
        (documents,) = conn.execute("SELECT COUNT(*) FROM documents").fetchone()
        (certificates,) = conn.execute("SELECT COUNT(*) FROM certificates").fetchone()
        (events,) = conn.execute("SELECT COUNT(*) FROM events WHERE kind = 'issue'").fetchone()
        last = conn.execute("SELECT last_serial FROM serials WHERE region = ?", (REGION,))
        last_serial = (last.fetchone() or (0,))[0]
        latest = conn.execute(
            "SELECT pdf_path, pdf_sha256 FROM documents ORDER BY rowid DESC LIMIT 1"
        ).fetchone()
        editions = {
            f"{n}-{e}.pdf" for n, e in conn.execute("SELECT number, edition FROM documents")
        }
    finally:
        conn.close()
    assert documents == certificates == events == last_serial, (
        f"{documents} documents, {certificates} certificates, {events} issue events, "
        f"last serial {last_serial}"
    )
    if latest is not None:
        assert hashlib.sha256(Path(latest[0]).read_bytes()).hexdigest() == latest[1]
    names = os.listdir(fault_home.year_dir) if fault_home.year_dir.exists() else []
    tmp = sum(1 for n in names if n.startswith(".") and n.endswith(".tmp"))
    orphans = sum(1 for n in names if _PDF_NAME.fullmatch(n) and n not in editions)
    return Snapshot(documents, tmp, orphans)


@dataclass(frozen=True)
class IssueOutput:
    """What ``cecert issue`` printed: numbers issued, and why people were skipped."""

    issued: tuple[str, ...]
    skipped: tuple[tuple[str, str], ...]
    """``(reason, detail)`` per skipped person."""
    totals: tuple[int, int]
    """The closing ``N issued, M skipped``."""


_ISSUED = re.compile(r"已签发 (\S+) 第(\d+)版（.*")
_SKIPPED = re.compile(r"未发证 \S+ \S+：(?P<detail>.*)（(?P<reason>[a-z_]+)）")
_TOTALS = re.compile(r"发证 (\d+) 份，未发证 (\d+) 人 \(\d+ issued, \d+ skipped\)")


def parse_issue_output(text: str) -> IssueOutput:
    issued: list[str] = []
    skipped: list[tuple[str, str]] = []
    totals: tuple[int, int] | None = None
    for line in text.splitlines():
        if match := _ISSUED.fullmatch(line):
            issued.append(match[1])
        elif match := _SKIPPED.fullmatch(line):
            skipped.append((match["reason"], match["detail"]))
        elif match := _TOTALS.fullmatch(line):
            totals = (int(match[1]), int(match[2]))
    assert totals is not None, f"no closing line in the output:\n{text[-2000:]}"
    assert totals == (len(issued), len(skipped)), totals
    return IssueOutput(tuple(issued), tuple(skipped), totals)


def registry_audit(fault_home: FaultHome) -> tuple[int, dict[str, Any]]:
    """``cecert registry audit --json``: exit status and report."""
    result = run_cecert("registry", "audit", "--home", str(fault_home.home.root), "--json")
    assert result.stdout, result.stderr
    return result.returncode, json.loads(result.stdout)


def registry_audit_available() -> bool:
    """Whether this cecert has ``cecert registry audit`` (being added concurrently)."""
    result = run_cecert("registry", "audit", "--help", timeout=60)
    return result.returncode == 0


# -- disks that fill up, files that break --------------------------------------------------


def is_root() -> bool:
    return os.geteuid() == 0


@contextmanager
def small_disk(mount_point: Path, size: str) -> Iterator[Path]:
    """A tmpfs of ``size`` (``"4m"``) mounted at ``mount_point`` for the block (root only):
    a real file system that fills up."""
    mount_point.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size},mode=0755", "tmpfs", str(mount_point)],
        check=True,
    )
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", "-l", str(mount_point)], check=False)


def fill_disk(folder: Path) -> Path:
    """Fill the file system of ``folder`` to the last block with one file; return it (delete
    it to free the space again)."""
    filler = folder / "filler"
    with filler.open("wb", buffering=0) as out:  # unbuffered: nothing left to flush
        for chunk in (1 << 20, 1 << 16, 1 << 12, 1 << 9, 1):
            block = b"\0" * chunk
            while True:
                try:
                    out.write(block)
                except OSError as exc:
                    if exc.errno != errno.ENOSPC:
                        raise
                    break
    return filler


def table_pages(registry_path: Path, name: str) -> list[int]:
    """The page numbers of table or index ``name`` (SQLite's ``dbstat``), its log folded
    into the file first."""
    with closing(sqlite3.connect(registry_path, isolation_level=None)) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        rows = conn.execute("SELECT pageno FROM dbstat WHERE name = ? ORDER BY pageno", (name,))
        return [int(r[0]) for r in rows]


def page_size(registry_path: Path) -> int:
    with closing(sqlite3.connect(registry_path)) as conn:
        return int(conn.execute("PRAGMA page_size").fetchone()[0])


def overwrite(path: Path, offset: int, data: bytes) -> None:
    """Write ``data`` over ``path`` at ``offset`` (a damaged sector, a flipped byte)."""
    with path.open("r+b") as handle:
        handle.seek(offset)
        handle.write(data)


def copy_home(fault_home: FaultHome, root: Path) -> FaultHome:
    """A copy of ``fault_home``'s folder at ``root`` (keys, registry, certificates,
    published status). Recorded PDF paths still name the original's files; the audit and
    the verifier look in the copy's own certificates folder first."""
    shutil.copytree(fault_home.home.root, root, symlinks=True)
    return FaultHome(Home(root), fault_home.people)


def number_of(fault_home: FaultHome, id_number: str) -> str:
    """The certificate number of one person in ``fault_home``."""
    with closing(sqlite3.connect(fault_home.registry_path)) as conn:
        row = conn.execute("SELECT number FROM certificates WHERE id_number = ?", (id_number,))
        return str(row.fetchone()[0])


# -- SIGKILL at a chosen moment: the kill campaigns -----------------------------------------

SEED = 20_251_122
"""The seed of the kill campaigns' plans."""
RUN_TIMEOUT = 300.0
"""Seconds one `cecert issue` run of a fault test may take."""


def run_and_kill(
    fault_home: FaultHome,
    log: Path,
    trigger: str,
    delay: float,
    target: int | None,
    *,
    workers: int = 1,
) -> bool:
    """Start a batch with ``workers``, wait for the trigger, sleep ``delay``, SIGKILL; True
    if it was killed (False if it finished first)."""
    registry = fault_home.registry_path
    probe = ProgressProbe(registry)
    conditions: dict[str, Callable[[], bool]] = {
        "startup": lambda: True,
        "first": lambda: write_lock_held(registry),
        "progress": lambda: probe.documents() >= (target or 0),
    }
    process = start_issue(fault_home, log, "--workers", str(workers))
    try:
        if wait_until(conditions[trigger], process, timeout=RUN_TIMEOUT, interval=0.002):
            time.sleep(delay)
    finally:
        status = kill(process)
        probe.close()
    if status != -signal.SIGKILL:
        assert status == 0, log.read_text("utf-8", "replace")[-2000:]
        return False
    return True
