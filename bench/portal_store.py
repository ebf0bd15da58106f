"""Portal store benchmark: declaring records, review queues and a person's year, at scale.

    .venv/bin/python bench/portal_store.py                  # 200,000 people, 2,000,000 records
    .venv/bin/python bench/portal_store.py --people 1000000 --records 10000000 \\
        --keep /tmp/cecert-portal                           # the issue's size, kept
    .venv/bin/python bench/portal_store.py --reuse /tmp/cecert-portal   # measure it again

Creates a registry (``Registry.create``: the portal store needs no home or keys) in a
temporary folder and fills it in SQL in one transaction (``INSERT … SELECT`` from a recursive
CTE, a million records a statement; rollback journal and ``synchronous = OFF`` while filling,
WAL after): ``--people`` people of 29 districts of Guangdong, each enrolled (approved) with one
of ``--employers`` employers of their district; ``--records`` declared records spread evenly
over them, the older half of each person's of 2024, the newer of 2025, interleaved in id
order as people declare through the year; one proof row each; an ``activities`` row for each
confirmed one. The rows are the store's: a sample of 2,000 is read back and checked against
``person_row``, ``activity_row`` (draft values, activity row, fingerprint) and ``route``
(gd-2010; the fill asks it once per district, series, level, category and month). The bulk
rows have no events. States: 2024 records 97 % confirmed, 3 % withdrawn; 2025 records 75 %
confirmed, 8 % waiting for their employer, 10 % reviewed and waiting for the confirmer the
rules route them to (bureau or industry authority), 4 % returned, 3 % withdrawn. One employer
of 天河区 (440106) has exactly ``--employer-queue`` records waiting. Applications: 90 % of the
people hold a 2024 certificate; for 2025, 10 % submitted, 10 % approved by the employer, 5 %
approved, 20 % issued, 5 % returned or withdrawn.

Then, on connections opened as ``Registry.open`` opens them (WAL, ``synchronous = FULL``):

1. Declarations per second: ``--declarers`` professionals each declaring ``--per-person``
   records with one proof through ``Registry.declarations.declare`` (one transaction and
   event each), with one writer, two threads and two processes; the reference in the same
   run: ``BEGIN IMMEDIATE``, ``INSERT`` of the same row into a table without secondary
   indexes in a second file opened the same way, ``COMMIT`` (through the store's own
   transaction), with one writer and two threads. ``--rounds`` rounds, modes in rotating
   order. Then where a declaration's time goes: every SQL statement and store step timed,
   and a cProfile.
2. Read latencies, one call at a time: ``declarations.of_person(actor, id_number, year=2025)``
   of random people; ``declarations.queue`` of the employer, of the district, city and
   province bureaus and of the health authority, first page and page 101 (after 5,000 items;
   the middle page of a shorter queue); ``applications.queue`` of the employer and two
   bureaus; the query plans of the statements these calls run.
3. A person's year and the first pages of the employer's, the district's and the city's
   queues in turn from 2 and 4 threads and processes at once, each on its own connection,
   and beside a declaring writer. There is no portal web app yet: store calls, not HTTP.
4. The city and province bureaus' first page as the store's SQL runs it and as other SQL
   would (``--no-alternatives``: not), on a raw connection; two expression indexes are made
   for it and dropped again.

A declaration not declared at the employer's stage, a queue page not full, an employer's
queue of another length or a bulk row the store would not write stops the bench.

The fill is in ``portal_fill.py``, the timed declarations and the thread and process runners
in ``portal_declare.py``, where a declaration's time goes in ``portal_profile.py``, the reads
(2-4) in ``portal_reads.py``.
"""

from __future__ import annotations

import argparse
import dataclasses
import functools
import json
import os
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from benchlib import print_header, timed
from portal_declare import (
    AT,
    Declarers,
    Job,
    declare_all,
    in_processes,
    in_threads,
    ms,
    pct,
)
from portal_fill import DECLARATION, DRAFT, Layout, fill, make_layout
from portal_profile import profile_writes
from portal_reads import alternatives, measure_load, measure_reads

from registry.store import Registry
from registry.store.connection import RegistryConnection, connect
from registry.store.records import activity_row


def _insert(table: str, columns: Sequence[str]) -> str:
    return f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"


# -- declarations per second -----------------------------------------------------------------


def bare_rows(jobs: Sequence[Job], layout: Layout) -> list[tuple[Any, ...]]:
    """The declaration rows the jobs make, for the reference table."""
    when = AT.isoformat(timespec="seconds")
    rows = []
    for job in jobs:
        draft = activity_row(job.record)
        rows.append(
            (job.token, job.record.id_number, layout.target, job.actor.scope[:6], "health",
             *(draft[c] for c in DRAFT), "declared", "employer", None, None, None, 1, when,
             when)
        )  # fmt: skip
    return rows


def bare_all(path: Path, rows: Sequence[tuple[Any, ...]]) -> list[float]:
    """The reference: ``BEGIN IMMEDIATE``, ``INSERT``, ``COMMIT`` per row through the store's
    transaction (the same lock polling) on a file opened as the registry is."""
    conn, _ = connect(path, read_only=False)
    columns = ", ".join(f"{c} {'INTEGER PRIMARY KEY' if c == 'id' else ''}" for c in DECLARATION)
    conn.execute(f"CREATE TABLE IF NOT EXISTS bare ({columns})")
    writer, sql = RegistryConnection(path, conn), _insert("bare", DECLARATION[1:])
    latencies = []
    for row in rows:
        start = time.perf_counter()
        with writer.transaction() as c:
            c.execute(sql, row)
        latencies.append(time.perf_counter() - start)
    conn.close()
    return latencies


def _declare_part(path: Path, parts: Sequence[Sequence[Job]], i: int) -> list[float]:
    with Registry.open(path) as own:
        return declare_all(own, parts[i])


def _bare_part(path: Path, parts: Sequence[Sequence[tuple[Any, ...]]], i: int) -> list[float]:
    return bare_all(path, parts[i])


WRITE_MODES = ("bare, 1 writer", "declare, 1 writer", "declare, 2 threads",
               "declare, 2 processes", "bare, 2 threads")  # fmt: skip


def write_mode(mode: str, jobs: list[Job], path: Path, bare: Path, layout: Layout) -> Run:
    halves = [jobs[: len(jobs) // 2], jobs[len(jobs) // 2 :]]
    if mode == "bare, 1 writer":
        wall, cpu, results = in_threads(
            functools.partial(_bare_part, bare, [bare_rows(jobs, layout)]), 1
        )
    elif mode == "declare, 1 writer":
        wall, cpu, results = in_threads(functools.partial(_declare_part, path, [jobs]), 1)
    elif mode == "bare, 2 threads":
        parts = [bare_rows(h, layout) for h in halves]
        wall, cpu, results = in_threads(functools.partial(_bare_part, bare, parts), 2)
    else:
        run = in_threads if mode == "declare, 2 threads" else in_processes
        wall, cpu, results = run(functools.partial(_declare_part, path, halves), 2)
    latencies = [x for r in results for x in r]
    return Run(len(latencies), wall, cpu, latencies)


@dataclasses.dataclass(slots=True)
class Run:
    count: int
    wall: float
    cpu: float
    latencies: list[float]

    @property
    def rate(self) -> float:
        return self.count / self.wall


def measure_writes(
    path: Path, bare: Path, layout: Layout, declarers: Declarers, args: argparse.Namespace
) -> None:
    with Registry.open(path) as registry:  # warm-up: the first write makes the log files
        declare_all(registry, declarers.jobs(4, args.per_person))
    bare_all(bare, bare_rows(declarers.jobs(4, args.per_person), layout))
    runs: dict[str, list[Run]] = defaultdict(list)
    for r in range(args.rounds):
        for mode in WRITE_MODES[r % 5 :] + WRITE_MODES[: r % 5]:
            run = write_mode(
                mode, declarers.jobs(args.declarers, args.per_person), path, bare, layout
            )
            runs[mode].append(run)
            print(f"  round {r + 1}: {mode:22} {run.rate:7.1f}/s ({run.count} in {run.wall:.2f} s)",
                  flush=True)  # fmt: skip
    print(f"\ndeclarations per second: {args.declarers} professionals x {args.per_person} records"
          f" a mode and round, {args.rounds} rounds, the modes in rotating order; CPU of every"
          " thread or child process, per declaration:")  # fmt: skip
    print(f"  {'mode':22} {'median/s':>9}  {'rounds':24} {'p50 ms':>7} {'p99 ms':>7} {'CPU ms':>7}")
    for mode in WRITE_MODES:
        got = runs[mode]
        rates = "(" + ", ".join(f"{x.rate:.0f}" for x in got) + ")"
        lat = [x for run in got for x in run.latencies]
        cpu = sum(x.cpu for x in got) / sum(x.count for x in got)
        print(f"  {mode:22} {statistics.median(x.rate for x in got):9.1f}  {rates:24} "
              f"{ms(pct(lat, 0.5)):>7} {ms(pct(lat, 0.99)):>7} {ms(cpu):>7}")  # fmt: skip
    for store, ref in (("declare, 1 writer", "bare, 1 writer"),
                       ("declare, 2 threads", "bare, 2 threads"),
                       ("declare, 2 processes", "bare, 2 threads")):  # fmt: skip
        ratios = [b.rate / s.rate for s, b in zip(runs[store], runs[ref], strict=True)]
        print(f"  {store}: {statistics.median(ratios):.1f}x the time of {ref} "
              f"(rounds: {', '.join(f'{x:.1f}' for x in ratios)})")  # fmt: skip


# -- main ------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add = parser.add_argument
    add("--people", type=int, default=200_000, help="default 200000")
    add("--records", type=int, default=2_000_000, help="default 2000000")
    add("--employers", type=int, help="default: people / 100")
    add("--employer-queue", type=int, default=10_000, help="default 10000")
    add("--declarers", type=int, default=200, help="per mode and round (default 200)")
    add("--per-person", type=int, default=5, help="records each declares (default 5)")
    add("--rounds", type=int, default=3, help="rounds of the write modes (default 3; 0: none)")
    add("--profile-count", type=int, default=300, help="declarations profiled (300; 0: none)")
    add("--profile-top", type=int, default=15, help="cProfile lines (default 15)")
    add("--reads", type=int, default=2000, help="most calls per read (default 2000; 0: none)")
    add("--read-seconds", type=float, default=5.0, help="time per read (default 5 s)")
    add(
        "--load",
        default="threads:2,threads:4,processes:2,processes:4,processes+w:2",
        help="concurrent settings MODE:N (threads, processes; +w: and a writer); '': none",
    )
    add("--load-seconds", type=float, default=10.0, help="per setting (default 10 s)")
    add("--load-pages", default="year,employer,district,city",
        help="pages the readers call in turn (default year,employer,district,city)")  # fmt: skip
    add("--alternatives", action=argparse.BooleanOptionalAction, default=True,
        help="time other SQL for the bureau pages, last (default: yes)")  # fmt: skip
    add("--keep", type=Path, help="build in this new directory and keep it")
    add("--reuse", type=Path, help="measure the registry kept in this directory")
    args = parser.parse_args(argv)
    args.load = [s for s in args.load.split(",") if s]
    print_header("cecert portal store benchmark: declare, queues, a person's year",
                 mode="one process, and 2-4 threads or processes where said")  # fmt: skip
    with tempfile.TemporaryDirectory(prefix="cecert-portal-") as tmp:
        root = args.reuse or args.keep or Path(tmp)
        path, bare = root / "registry.sqlite", root / "bare.sqlite"
        print(f"sqlite:  {sqlite3.sqlite_version}; files in {root} "
              f"({shutil.disk_usage(root.parent).free / 2**30:.0f} GiB free)")  # fmt: skip
        if args.reuse is None:
            employers = args.employers or max(58, args.people // 100)
            layout = make_layout(args.people, args.records, employers, args.employer_queue)
            root.mkdir(parents=True, exist_ok=True)
            Registry.create(path).close()
            with timed() as build:
                fill(path, layout)
            (root / "layout.json").write_text(json.dumps(dataclasses.asdict(layout)))
            print(f"build:   {build.wall:.0f} s wall, {build.cpu:.0f} s CPU (2,000 rows read back"
                  " and checked against person_row and activity_row)")  # fmt: skip
        else:
            layout = Layout(**json.loads((root / "layout.json").read_text()))
        for suffix in ("", "-wal", "-shm"):
            Path(f"{bare}{suffix}").unlink(missing_ok=True)
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        counts = {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                  for t in ("people", "employers", "declarations", "proofs", "activities",
                            "applications", "events")}  # fmt: skip
        conn.close()
        size = path.stat().st_size
        print("registry: " + ", ".join(f"{t} {n:,}" for t, n in counts.items()))
        print(f"          {size / 2**30:.2f} GiB, {size / counts['declarations']:.0f} bytes per "
              f"declaration (all tables); the employer's queue: {layout.queue:,} waiting, "
              f"{layout.staff:,} staff")  # fmt: skip
        declarers = Declarers(layout)
        if args.rounds:
            measure_writes(path, bare, layout, declarers, args)
        if args.profile_count:
            profile_writes(path, declarers, args)
        if args.reads:
            measure_reads(path, layout, args)
        if args.load:
            measure_load(path, layout, declarers, args)
        if args.alternatives:
            alternatives(path, args)
        print(f"\nload average at the end {', '.join(f'{x:.2f}' for x in os.getloadavg())}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
