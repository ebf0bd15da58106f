"""Shared set-up for the benchmarks: a throw-away home filled with synthetic people.

Every bench creates its own home in a temporary directory with a random passphrase that
lives only in the bench process; nothing outside the temporary directory is touched.
"""

from __future__ import annotations

import datetime as dt
import multiprocessing
import os
import platform
import random
import resource
import secrets
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from importlib import metadata
from pathlib import Path

from keys.private import KeyRing, open_key_ring
from registry.home import BureauConfig, Home
from registry.model import Activity, Category, Confirmer, Person, RecordStatus, TitleLevel
from registry.numbering import mod11_2
from registry.store import Registry
from signer import Issuer, IssueReport, init_home
from signer.status.snapshots import export_snapshot

YEAR = 2025
"""The year every synthetic record counts for, and the year certificates are issued for."""

CONFIG = BureauConfig(
    bureau="广州市人力资源和社会保障局",
    region="440100",
    province="广东省人力资源和社会保障厅",
    default_policy="gd-2010",
)

_REGIONS = ("440103", "440104", "440105", "440106", "440111", "440113")
_SURNAMES = (
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周",
    "徐", "孙", "马", "朱", "胡", "郭", "何", "林", "罗", "梁",
    "欧阳", "司马", "诸葛",
)  # fmt: skip
_GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂英华建国红玉文斌宇浩然子涵思雨晨"
RARE = ("𠈌", "䶮", "堃", "喆", "玥", "淼", "垚", "燚")
"""Rare characters (生僻字) put into every fifth name; 𠈌 (U+2020C) is outside the BMP."""
_EMPLOYERS = (
    "广州市第一人民医院",
    "广州地铁集团有限公司",
    "华南理工大学",
    "广州市建筑设计院",
    "广州银行股份有限公司",
    "番禺区实验中学",
)
_SERIES = ("卫生", "工程", "高等教育", "工程", "经济", "中小学教师")

_BIRTH_BASE = dt.date(1965, 1, 1)
_BIRTH_SPAN = 13_000
"""Birth dates spread over ~35 years; with the sequence code this gives unique numbers."""


def id_number(index: int) -> str:
    """A valid, unique resident ID number for synthetic person ``index``."""
    region = _REGIONS[index % len(_REGIONS)]
    birth = _BIRTH_BASE + dt.timedelta(days=(index * 7) % _BIRTH_SPAN)
    sequence = 100 + index // _BIRTH_SPAN
    body = f"{region}{birth:%Y%m%d}{sequence:03d}"
    return body + mod11_2(body)


def synthetic_person(index: int, rng: random.Random) -> Person:
    number = id_number(index)
    given = "".join(rng.choice(_GIVEN) for _ in range(rng.choice((1, 2))))
    if index % 5 == 0:
        given = RARE[(index // 5) % len(RARE)] + given[:1]
    return Person(
        id_number=number,
        name=rng.choice(_SURNAMES) + given,
        employer=_EMPLOYERS[index % len(_EMPLOYERS)],
        series=_SERIES[index % len(_SERIES)],
        title_level=rng.choice(tuple(TitleLevel)),
        title_date=dt.date(2010 + index % 14, 7, 1),
        region=number[:6],
    )


def _record(
    person: Person,
    category: Category,
    kind: str,
    title: str,
    code: str,
    hours: int,
    start: dt.date,
    end: dt.date,
    provider: str,
    score: str | None,
) -> Activity:
    return Activity(
        id_number=person.id_number,
        year=YEAR,
        category=category,
        kind=kind,
        title=title,
        course_code=code,
        minutes=hours * 60,
        start_date=start,
        end_date=end,
        provider=provider,
        score=Decimal(score) if score is not None else None,
        role=None,
        status=RecordStatus.CONFIRMED,
        # The industry authority confirms professional records, as the health and education
        # series require (POLICIES.md §6); the learning platform confirms public courses,
        # and the employer approves (认定) elective ones.
        confirmed_by=_CONFIRMER[category],
    )


_CONFIRMER = {
    Category.PUBLIC: Confirmer.SYSTEM,
    Category.PROFESSIONAL: Confirmer.INDUSTRY_AUTHORITY,
    Category.ELECTIVE: Confirmer.EMPLOYER,
}


def synthetic_records(person: Person, index: int) -> list[Activity]:
    """Five confirmed 2025 records meeting gd-2010: public 20 h (≥ 18), professional 46 h
    (≥ 42), elective 12 h (≥ 12), 78 h in all (≥ 72)."""
    platform_name = "广东省专业技术人员继续教育平台"
    d = dt.date
    return [
        _record(person, Category.PUBLIC, "online_course",
                "2025年公需科目：新质生产力与高质量发展", "GX2025-01", 12,
                d(2025, 3, 1), d(2025, 3, 20), platform_name, "92"),
        _record(person, Category.PUBLIC, "online_course",
                "2025年公需科目：数字经济与人工智能", "GX2025-02", 8,
                d(2025, 4, 2), d(2025, 4, 18), platform_name, "85"),
        _record(person, Category.PROFESSIONAL, "face_to_face",
                "专业前沿技术高级研修班", f"ZY2025-{index % 1000:03d}", 30,
                d(2025, 6, 9), d(2025, 6, 13), "广东省继续教育基地", None),
        _record(person, Category.PROFESSIONAL, "online_course",
                "行业标准与规范解读", f"ZY2025-S{index % 100:02d}", 16,
                d(2025, 8, 1), d(2025, 8, 30), "广州市专业技术人员继续教育基地", "90"),
        _record(person, Category.ELECTIVE, "conference",
                "年度学术交流会", "", 12,
                d(2025, 10, 16), d(2025, 10, 17), "单位组织", None),
    ]  # fmt: skip


@dataclass(slots=True)
class BenchHome:
    """A freshly initialised home with its decrypted key ring and an open registry."""

    home: Home
    ring: KeyRing
    registry: Registry
    at: dt.datetime
    """The time the home was created; certificates are issued a minute later."""

    @property
    def issue_at(self) -> dt.datetime:
        return self.at + dt.timedelta(minutes=1)

    def issuer(self) -> Issuer:
        """An issuer as the CLI builds it (loads the fonts and draws the seal once)."""
        return Issuer(
            registry=self.registry,
            ring=self.ring,
            config=CONFIG,
            out_dir=self.home.certificates_dir,
        )


def create_home(root: Path, people: int, *, seed: int = 2025) -> BenchHome:
    """Initialise a home under ``root`` and import ``people`` synthetic people with their
    records through the registry's Python API (no file parsing)."""
    passphrase = secrets.token_urlsafe().encode("ascii")
    at = dt.datetime.now(dt.UTC).replace(microsecond=0)
    home = init_home(Home(root / "home"), config=CONFIG, passphrase=passphrase, at=at)
    ring = open_key_ring(home.keys_dir, passphrase=passphrase)
    rng = random.Random(seed)
    persons = [synthetic_person(i, rng) for i in range(people)]
    activities = [a for i, p in enumerate(persons) for a in synthetic_records(p, i)]
    registry = Registry.open(home.registry_path)
    registry.import_people(list(enumerate(persons, start=2)), source="bench-people", at=at)
    registry.import_activities(
        list(enumerate(activities, start=2)), source="bench-activities", at=at
    )
    return BenchHome(home=home, ring=ring, registry=registry, at=at)


def issue_all(bench: BenchHome, issuer: Issuer, expected: int) -> IssueReport:
    """Issue the year's certificates; fail loudly unless exactly ``expected`` were issued."""
    report = issuer.issue(year=YEAR, at=bench.issue_at)
    if len(report.issued) != expected or report.skipped:
        reasons = sorted({s.reason for s in report.skipped})
        raise SystemExit(
            f"expected {expected} certificates, got {len(report.issued)} "
            f"({len(report.skipped)} skipped: {', '.join(reasons)})"
        )
    return report


def _issue_in_child(root: Path, count: int) -> None:
    bench = create_home(root, count)
    issue_all(bench, bench.issuer(), count)
    bench.registry.close()


def issued_home(root: Path, count: int) -> Home:
    """A home under ``root`` with ``count`` certificates issued, made in a forked child
    process so that this process never loads the certificate fonts (~130 MB) and its peak
    RSS is the verifier's own."""
    child = multiprocessing.get_context("fork").Process(target=_issue_in_child, args=(root, count))
    child.start()
    child.join()
    if child.exitcode != 0:
        raise SystemExit(f"issuing the test certificates failed (exit code {child.exitcode})")
    return Home(root / "home")


def _issue_and_export_in_child(root: Path, count: int, snapshot: Path) -> None:
    bench = create_home(root, count)
    issue_all(bench, bench.issuer(), count)
    at = bench.issue_at + dt.timedelta(minutes=1)
    snapshot.write_bytes(export_snapshot(bench.registry, bench.ring, CONFIG, at=at))
    bench.registry.close()


def issued_home_with_snapshot(root: Path, count: int) -> tuple[Home, Path]:
    """As :func:`issued_home`, and also a full signed status snapshot of the registry
    (``root / "status.snapshot"``, exported a minute after issuance), made in the same
    forked child: the key ring never enters this process."""
    snapshot = root / "status.snapshot"
    child = multiprocessing.get_context("fork").Process(
        target=_issue_and_export_in_child, args=(root, count, snapshot)
    )
    child.start()
    child.join()
    if child.exitcode != 0:
        raise SystemExit(f"issuing the test certificates failed (exit code {child.exitcode})")
    return Home(root / "home"), snapshot


def peak_rss_mb() -> float:
    """Peak resident set size of this process so far, in MB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


@dataclass(slots=True)
class Timing:
    wall: float = 0.0
    cpu: float = 0.0


@contextmanager
def timed() -> Iterator[Timing]:
    """Wall-clock (``perf_counter``) and process CPU time of the ``with`` body."""
    result = Timing()
    wall, cpu = time.perf_counter(), time.process_time()
    try:
        yield result
    finally:
        result.wall = time.perf_counter() - wall
        result.cpu = time.process_time() - cpu


def print_header(title: str, *, mode: str = "one process, one thread") -> None:
    """Name the bench, how it runs (``mode``) and the machine it ran on."""
    versions = ", ".join(
        f"{name} {metadata.version(name)}"
        for name in ("cryptography", "pyhanko", "reportlab", "qrcode", "cbor2")
    )
    print(f"== {title}")
    print(
        f"machine: {os.cpu_count()} cores (os.cpu_count), {platform.machine()}, "
        f"{platform.system()} {platform.release()}"
    )
    print(f"python:  {platform.python_implementation()} {platform.python_version()}; {versions}")
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"mode:    {mode}; load average at start {load}")


def status_mb(field: str = "VmRSS") -> float:
    """A memory figure of this process from ``/proc/self/status`` (``VmRSS``: resident now;
    ``VmHWM``: peak resident since start or since :func:`reset_peak_rss`), in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) / 1024
    raise SystemExit(f"{field} is not in /proc/self/status")


def reset_peak_rss() -> None:
    """Reset this process's peak RSS (``VmHWM``) to its current RSS (Linux: writing 5 to
    ``/proc/self/clear_refs``), so that a later ``status_mb("VmHWM")`` is the peak of what
    follows only."""
    Path("/proc/self/clear_refs").write_text("5")
