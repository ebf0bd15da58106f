"""Issuance benchmark: cecert's ``Issuer.issue`` (PAdES B-LTA) with one and with two
worker processes, against a naive reference pipeline measured in the same run; then where
the time goes (``bench/issue_profile.py``) and the peak RSS by batch size.

    .venv/bin/python bench/issue.py --count 200
    .venv/bin/python bench/issue.py --count 0 --naive-count 0 --timers-count 0 \\
        --profile-count 0 --rss-batches 1000,5000,20000
    .venv/bin/python bench/issue.py --count 300 --naive-count 0 --timers-count 0 \\
        --profile-count 0 --synchronous normal,full --rounds 5

Creates a fresh home in a temporary directory (random passphrase) per run, imports N people
with records meeting gd-2010 through the registry's Python API, and times one
``Issuer.issue(workers=W, keep_records=False)`` call for all of them, for each W of
``--workers`` (default 1,2: what ``cecert issue --workers W`` runs), and for each SQLite
``synchronous`` mode of ``--synchronous`` (default ``full``, what the registry commits with;
``normal,full`` measures what durable commits cost, in the same run: the bench alone sets the
mode on its registry connection; ``--rounds R`` times every setting R times, the order of the
modes alternating, and quotes medians); then the naive pipeline of ``bench/naive_issue.py``
(library defaults, one document at a time) over N other people, and prints every rate and
its ratio to the naive one. CPU time counts the worker processes
too (``RUSAGE_CHILDREN``). With ``--rss-batches``, each batch size is issued in a fresh
spawned process, and its RSS before issuing and its peak while issuing are printed (the
workers' peak beside it). The temporary directories are removed at the end.
"""

from __future__ import annotations

import argparse
import gc
import multiprocessing
import os
import resource
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from benchlib import (
    CONFIG,
    YEAR,
    BenchHome,
    create_home,
    peak_rss_mb,
    print_header,
    reset_peak_rss,
    status_mb,
)
from issue_profile import profile, stage_timers
from naive_issue import NaiveIssuer

from registry.store.connection import SYNCHRONOUS

SYNCHRONOUS_MODES = frozenset({"OFF", "NORMAL", "FULL", "EXTRA"})
_MODE_ORDER = ("OFF", "NORMAL", "FULL", "EXTRA")


@dataclass(slots=True)
class Run:
    """Wall time, and CPU time of this process and its (joined) worker processes."""

    wall: float = 0.0
    cpu: float = 0.0


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


@contextmanager
def timed_with_workers() -> Iterator[Run]:
    result = Run()
    wall, cpu, children = time.perf_counter(), time.process_time(), _children_cpu()
    try:
        yield result
    finally:
        result.wall = time.perf_counter() - wall
        result.cpu = time.process_time() - cpu + _children_cpu() - children


def issue_batch(bench: BenchHome, count: int, workers: int) -> Run:
    """Issue the year's certificates of ``bench`` with ``workers``; fail loudly unless
    exactly ``count`` were issued and recorded."""
    issuer = bench.issuer()
    with timed_with_workers() as run:
        report = issuer.issue(year=YEAR, at=bench.issue_at, workers=workers, keep_records=False)
    documents = bench.registry.count("documents")
    if report.issued_count != count or report.skipped or documents != count:
        reasons = sorted({s.reason for s in report.skipped})
        raise SystemExit(
            f"expected {count} certificates, got {report.issued_count} issued, "
            f"{documents} recorded ({len(report.skipped)} skipped: {', '.join(reasons)})"
        )
    return run


def _rss_child(count: int, workers: int, results: multiprocessing.Queue) -> None:  # type: ignore[type-arg]
    with tempfile.TemporaryDirectory(prefix="cecert-bench-") as tmp:
        bench = create_home(Path(tmp), count)
        issuer = bench.issuer()
        gc.collect()
        before = status_mb("VmRSS")
        reset_peak_rss()
        with timed_with_workers() as run:
            report = issuer.issue(year=YEAR, at=bench.issue_at, workers=workers, keep_records=False)
        peak = status_mb("VmHWM")
        workers_peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        bench.registry.close()
    if report.issued_count != count:
        raise SystemExit(f"the batch of {count} issued {report.issued_count}")
    results.put((count, before, peak, workers_peak, run.cpu, run.wall))


def rss_batches(sizes: list[int], workers: int) -> None:
    """Issue each batch size in a fresh spawned process; print its RSS before issuing (home,
    people, records and the issuer with its fonts loaded) and its peak while issuing."""
    print()
    print(
        f"peak RSS by batch size, workers={workers} (a fresh process each; VmHWM reset after "
        "set-up; the workers' peak is the largest of them, shared pages included):"
    )
    print(
        f"  {'batch':>7}  {'before':>9}  {'peak while issuing':>18}  {'growth':>8}"
        f"  {'workers peak':>12}  CPU ms/cert  certificates/s (wall)"
    )
    context = multiprocessing.get_context("spawn")
    for size in sizes:
        results = context.Queue()
        child = context.Process(target=_rss_child, args=(size, workers, results))
        child.start()
        count, before, peak, workers_peak, cpu, wall = results.get()
        child.join()
        if child.exitcode != 0:
            raise SystemExit(f"the batch of {size} failed (exit code {child.exitcode})")
        print(
            f"  {count:7d}  {before:6.1f} MB  {peak:15.1f} MB  {peak - before:+5.1f} MB"
            f"  {workers_peak:9.1f} MB  {1000 * cpu / count:11.1f}  {count / wall:15.1f}"
        )


def naive_reference(
    naive_count: int, rates: dict[int, tuple[float, float]], *, font_once: bool
) -> None:
    """Time the naive pipeline over ``naive_count`` fresh people and print the ratios of
    cecert's ``rates`` (workers → wall ms, CPU ms per certificate) to it."""
    label = "font registered once" if font_once else "font registered per document"
    with tempfile.TemporaryDirectory(prefix="cecert-bench-") as tmp:
        bench = create_home(Path(tmp), naive_count)
        naive = NaiveIssuer(
            registry=bench.registry,
            ring=bench.ring,
            config=CONFIG,
            out_dir=Path(tmp) / "naive",
            font_once=font_once,
        )
        with timed_with_workers() as naive_run:
            written = naive.issue(year=YEAR, at=bench.issue_at)
        naive_mean = sum(p.stat().st_size for p in written) / len(written) / 1024
        recorded = naive.count()
        naive.close()
        bench.registry.close()
    if len(written) != naive_count or recorded != naive_count:
        raise SystemExit(f"naive: {len(written)} files, {recorded} rows, not {naive_count}")
    print()
    print(f"naive reference, PAdES B-B (bench/naive_issue.py, {label}), one process:")
    print(f"  certificates:    {naive_count} issued, {recorded} rows")
    print(f"  mean PDF size:   {naive_mean:.1f} KiB")
    print(f"  seconds:         {naive_run.wall:.2f} wall, {naive_run.cpu:.2f} CPU")
    print(f"  throughput:      {naive_count / naive_run.wall:.1f} certificates/s (wall)")
    n_wall, n_cpu = 1000 * naive_run.wall / naive_count, 1000 * naive_run.cpu / naive_count
    print(f"  per certificate: {n_wall:.1f} ms wall, {n_cpu:.1f} ms CPU")
    steps = ", ".join(
        f"{name} {1000 * seconds / naive_count:.1f}" for name, seconds in naive.spent.items()
    )
    print(f"  ms/cert by step: {steps}")
    for workers, (wall_ms, cpu_ms) in rates.items():
        print(
            f"ratio cecert B-LTA workers={workers} / naive B-B ({label}): "
            f"{n_wall / wall_ms:.2f}x by wall time, {n_cpu / cpu_ms:.2f}x by CPU time "
            "(target: >= 10x)"
        )


Measured = dict[tuple[str, int], list[tuple[float, float]]]
"""(synchronous mode, workers) → (wall ms, CPU ms) per certificate, one pair per round."""


def _median(measured: Measured, key: tuple[str, int]) -> tuple[float, float]:
    runs = measured[key]
    return statistics.median(w for w, _c in runs), statistics.median(c for _w, c in runs)


def _durability_cost(measured: Measured) -> None:
    """What each mode costs against the least durable mode measured, per worker count:
    medians over the rounds, the single rounds in brackets."""
    modes = sorted({mode for mode, _w in measured}, key=_MODE_ORDER.index)
    if len(modes) < 2:
        return
    rounds = max(len(runs) for runs in measured.values())
    print()
    print(
        f"durability: each synchronous mode against {modes[0]} (same run, same batch size; "
        f"median of {rounds} round(s), the order of the modes alternating):"
    )
    for mode, workers in sorted(measured, key=lambda k: (k[1], _MODE_ORDER.index(k[0]))):
        wall_ms, cpu_ms = _median(measured, (mode, workers))
        base_wall, base_cpu = _median(measured, (modes[0], workers))
        singles = ", ".join(f"{1000 / w:.1f}" for w, _c in measured[mode, workers])
        print(
            f"  workers={workers} {mode:>6}: {1000 / wall_ms:6.1f} certificates/s ({singles}); "
            f"{wall_ms - base_wall:+.2f} ms wall ({wall_ms / base_wall - 1:+.1%}), "
            f"{cpu_ms - base_cpu:+.2f} ms CPU per certificate"
        )


def commit_cost(modes: list[str], commits: int, rounds: int) -> None:
    """The cost of one commit in each synchronous mode alone: ``commits`` transactions of one
    1.5 KB row (about what an issuance records) into a WAL database in the temporary folder
    the batches use, the modes alternating, ``rounds`` times; medians of the per-commit
    wall time. ``FULL`` adds one ``fdatasync`` of the log per commit."""
    times: dict[str, list[float]] = {mode: [] for mode in modes}
    row = os.urandom(1500)
    with tempfile.TemporaryDirectory(prefix="cecert-bench-") as tmp:
        conn = sqlite3.connect(Path(tmp) / "commits.sqlite", isolation_level=None)
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("CREATE TABLE t (x BLOB)")
        for round_ in range(rounds):
            for mode in modes if round_ % 2 == 0 else modes[::-1]:
                conn.execute(f"PRAGMA synchronous = {mode}")
                start = time.perf_counter()
                for _ in range(commits):
                    conn.execute("BEGIN IMMEDIATE")
                    conn.execute("INSERT INTO t (x) VALUES (?)", (row,))
                    conn.execute("COMMIT")
                times[mode].append(1000 * (time.perf_counter() - start) / commits)
        conn.close()
    print()
    print(
        f"one commit alone ({commits} transactions of one 1.5 KB row, WAL, {rounds} rounds, "
        "the modes alternating; median ms per commit, single rounds in brackets):"
    )
    for mode in modes:
        singles = ", ".join(f"{t:.3f}" for t in times[mode])
        print(f"  {mode:>6}: {statistics.median(times[mode]):.3f} ms ({singles})")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=200, help="certificates (default 200)")
    parser.add_argument(
        "--workers", default="1,2", help="worker counts to time, e.g. 1,2 (default)"
    )
    parser.add_argument(
        "--naive-count",
        type=int,
        default=None,
        help="certificates of the naive reference (default: --count; 0 skips it)",
    )
    parser.add_argument(
        "--profile-count", type=int, default=100, help="certificates in the profiled run"
    )
    parser.add_argument(
        "--timers-count",
        type=int,
        default=100,
        help="certificates in the run with wall-clock stage timers (0 skips it)",
    )
    parser.add_argument(
        "--rss-batches", default="", help="batch sizes for peak RSS, e.g. 1000,5000,20000"
    )
    parser.add_argument(
        "--synchronous",
        default=SYNCHRONOUS.lower(),
        help="SQLite synchronous modes to time, e.g. normal,full (default: the registry's)",
    )
    parser.add_argument(
        "--rounds",
        type=int,
        default=1,
        help="time every workers and synchronous setting this many times (medians quoted)",
    )
    parser.add_argument(
        "--rss-workers", type=int, default=2, help="workers for the RSS batches (default 2)"
    )
    args = parser.parse_args(argv)
    count: int = args.count
    naive_count: int = count if args.naive_count is None else args.naive_count
    print_header(
        "cecert issuance benchmark: Issuer.issue(year=2025) against a naive pipeline",
        mode="the issuing process with its worker processes; the naive reference in one process",
    )

    modes = [m.strip().upper() for m in args.synchronous.split(",") if m.strip()]
    if not modes or set(modes) - SYNCHRONOUS_MODES:
        parser.error(f"--synchronous: a comma-separated list of {sorted(SYNCHRONOUS_MODES)}")
    measured: Measured = {}
    settings = [int(w) for w in args.workers.split(",")] if count > 0 else []
    for round_, workers in ((r, w) for r in range(args.rounds) for w in settings):
        # Back to back, so that both see the same machine; the order alternates by round.
        for mode in modes if round_ % 2 == 0 else modes[::-1]:
            with tempfile.TemporaryDirectory(prefix="cecert-bench-") as tmp:
                bench = create_home(Path(tmp), count)
                # The bench's own seam: the registry always commits with SYNCHRONOUS.
                bench.registry.db.execute(f"PRAGMA synchronous = {mode}")
                run = issue_batch(bench, count, workers)
                files = list(bench.home.certificates_dir.rglob("*.pdf"))
                mean_kib = sum(f.stat().st_size for f in files) / len(files) / 1024
                bench.registry.close()
            wall_ms, cpu_ms = 1000 * run.wall / count, 1000 * run.cpu / count
            measured.setdefault((mode, workers), []).append((wall_ms, cpu_ms))
            print()
            print(
                f"cecert, PAdES B-LTA, Issuer.issue(workers={workers}), synchronous={mode}"
                + (f", round {round_ + 1}:" if args.rounds > 1 else ":")
            )
            print(f"  certificates:    {count} issued and recorded; mean PDF {mean_kib:.1f} KiB")
            print(f"  seconds:         {run.wall:.2f} wall, {run.cpu:.2f} CPU (workers included)")
            print(f"  throughput:      {count / run.wall:.1f} certificates/s (wall)")
            print(f"  per certificate: {wall_ms:.1f} ms wall, {cpu_ms:.1f} ms CPU")
    if measured:
        print(f"  peak RSS of this process: {peak_rss_mb():.1f} MB")
    _durability_cost(measured)
    if len(modes) > 1:
        commit_cost(modes, 500, max(args.rounds, 3))
    chosen = SYNCHRONOUS if SYNCHRONOUS in modes else modes[0]
    rates = {w: _median(measured, (mode, w)) for mode, w in measured if mode == chosen}

    for font_once in (False, True) if naive_count > 0 else ():
        naive_reference(naive_count, rates, font_once=font_once)

    if args.timers_count > 0:
        stage_timers(args.timers_count)
    if args.profile_count > 0:
        profile(args.profile_count)
    if args.rss_batches:
        rss_batches([int(n) for n in args.rss_batches.split(",")], args.rss_workers)
    return 0


if __name__ == "__main__":
    sys.exit(main())
