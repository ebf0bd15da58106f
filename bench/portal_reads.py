"""The reads of ``bench/portal_store.py``: latencies one call at a time and their query
plans, the same pages from several threads or processes at once, and the SQL the bureau
pages could run instead."""

from __future__ import annotations

import argparse
import functools
import random
import sqlite3
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from benchlib import timed
from portal_declare import Declarers, Job, declare_all, in_processes, in_threads, ms, pct
from portal_fill import CITY, CURRENT, DISTRICT, PROVINCE, REGIONS, Layout, id_number
from portal_profile import Spy, label, spied

from registry.portal import Actor, PortalRole
from registry.store import Registry
from registry.store.scope import region_range

# -- reading ---------------------------------------------------------------------------------


def actor(role: PortalRole, scope: str) -> Actor:
    return Actor(f"{role.value}-{scope}", role, scope)


def later_page(path: Path, where: str, params: Sequence[Any]) -> tuple[int, int]:
    """(``after``, page number) of page 101 (after 5,000 items in pages of 50), or of the
    middle page of a shorter queue; straight in SQL."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    sql = f"SELECT {{}} FROM declarations WHERE {where}"
    total = conn.execute(sql.format("count(*)"), params).fetchone()[0]
    offset = min(5000, total // 100 * 50)
    if offset < 50:
        raise SystemExit(f"only {total} declarations where {where} {params}: more --records")
    row = conn.execute(sql.format("id") + " ORDER BY id LIMIT 1 OFFSET ?", (*params, offset - 1))
    after = int(row.fetchone()[0])
    conn.close()
    return after, offset // 50 + 1


def read_calls(
    path: Path, registry: Registry, layout: Layout, rng: random.Random, *, later: bool
) -> dict[str, Callable[[], int]]:
    """The reads, each returning what it found (a person's records; the length of a
    queue, whose page must be full); with ``later``, later pages too."""
    employer = actor(PortalRole.EMPLOYER, layout.target)
    queues = {
        "employer queue": (employer, "stage = 'employer' AND credit_code = ?", (layout.target,)),
        "district bureau": (actor(PortalRole.BUREAU, DISTRICT), "stage = 'bureau' AND region = ?",
                            (DISTRICT,)),
        "city bureau": (actor(PortalRole.BUREAU, CITY),
                        "stage = 'bureau' AND region BETWEEN ? AND ?", ("440100", "440199")),
        "province bureau": (actor(PortalRole.BUREAU, PROVINCE),
                            "stage = 'bureau' AND region BETWEEN ? AND ?", ("440000", "449999")),
        "authority (health)": (actor(PortalRole.AUTHORITY, "health"),
                               "stage = 'authority' AND sector = ?", ("health",)),
    }  # fmt: skip
    d, a = registry.declarations, registry.applications
    people = rng.sample(range(layout.people), min(layout.people, 20_000))

    def person_year() -> int:
        number = id_number(people[rng.randrange(len(people))])
        return len(d.of_person(actor(PortalRole.PROFESSIONAL, number), number, year=CURRENT))

    def page(who: Actor, after: int = 0) -> int:
        got = d.queue(who, after=after)
        if len(got.items) != 50 or (who is employer and got.total != layout.queue):
            raise SystemExit(f"the queue of {who.scope}: {len(got.items)} of {got.total}")
        return got.total

    calls: dict[str, Callable[[], int]] = {"person's year (2025)": person_year}
    for name, (who, where, params) in queues.items():
        calls[f"{name}, page 1"] = functools.partial(page, who)
        if later:
            after, number = later_page(path, where, params)
            calls[f"{name}, page {number}"] = functools.partial(page, who, after)
    for name, who in (("employer", employer), ("district", queues["district bureau"][0]),
                      ("city", queues["city bureau"][0])):  # fmt: skip
        calls[f"applications, {name}"] = functools.partial(lambda w: a.queue(w).total, who)
    return calls


def sample(
    call: Callable[[], int], most: int, seconds: float, least: int = 20
) -> tuple[list[float], list[float], int]:
    """Wall and CPU seconds of up to ``most`` calls (at least ``least``, then until
    ``seconds`` have passed) after 5 warm-up calls, and the items the last one got."""
    for _ in range(5):
        call()
    walls: list[float] = []
    cpus: list[float] = []
    got, deadline = 0, time.perf_counter() + seconds
    for _ in range(most):
        start, start_cpu = time.perf_counter(), time.thread_time()
        got = call()
        cpus.append(time.thread_time() - start_cpu)
        walls.append(time.perf_counter() - start)
        if len(walls) >= least and time.perf_counter() > deadline:
            break
    return walls, cpus, got


def show(name: str, walls: list[float], cpus: list[float], got: int) -> None:
    cells = [pct(walls, 0.5), pct(walls, 0.99), max(walls), pct(cpus, 0.5), pct(cpus, 0.99)]
    print(f"  {name:36} {len(walls):5} {got:7,} " + " ".join(f"{ms(x):>7}" for x in cells))


_HEAD = (f"  {'call':36} {'calls':>5} {'found':>7} {'p50':>7} {'p99':>7} {'max':>7} "
         f"{'CPU p50':>7} {'CPU p99':>7}")  # fmt: skip


def measure_reads(path: Path, layout: Layout, args: argparse.Namespace) -> None:
    print(f"\nreads, one call at a time: up to {args.reads} calls each (at least 20, then until "
          f"{args.read_seconds:.0f} s), after 5 warm-up calls; found: the person's records, or"
          " the queue's length (its page must be full); ms, wall and CPU:")  # fmt: skip
    print(_HEAD)
    with Registry.open(path) as registry:
        for name, call in read_calls(path, registry, layout, random.Random(7), later=True).items():
            show(name, *sample(call, args.reads, args.read_seconds))
    with spied():
        registry = Registry.open(path, read_only=True)
    print("\nquery plans of the statements these calls run (EXPLAIN QUERY PLAN):")
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    calls = read_calls(path, registry, layout, random.Random(7), later=False)
    for name in ("employer queue, page 1", "city bureau, page 1", "person's year (2025)"):
        Spy.seen.clear()
        calls[name]()
        shown = {sql: params for sql, params in Spy.seen if sql.lstrip().startswith("SELECT")}
        print(f"  {name}:")
        for sql, params in shown.items():
            plan = conn.execute("EXPLAIN QUERY PLAN " + sql, params).fetchall()
            print(f"    {label(sql)}\n" + "\n".join(f"      {row[-1]}" for row in plan))
    conn.close()
    registry.close()


# -- concurrent load -------------------------------------------------------------------------

_LOAD = {"year": "person's year (2025)", "employer": "employer queue, page 1",
         "district": "district bureau, page 1", "city": "city bureau, page 1"}  # fmt: skip
"""The pages of ``--load-pages``, by their short names."""


def _load_part(
    path: Path,
    layout: Layout,
    pages: Sequence[str],
    seconds: float,
    readers: int,
    jobs: Sequence[Job],
    i: int,
) -> Any:
    """Reader ``i``: the ``pages`` in turn for ``seconds`` (wall seconds per call by page);
    or, ``i == readers``, the writer: declarations until then."""
    with Registry.open(path) as registry:
        deadline = time.perf_counter() + seconds
        if i == readers:
            latencies: list[float] = []
            for job in jobs:
                if time.perf_counter() > deadline:
                    break
                latencies += declare_all(registry, [job])
            return latencies
        calls = read_calls(path, registry, layout, random.Random(1000 + i), later=False)
        got: dict[str, list[float]] = {k: [] for k in pages}
        turn = i
        while time.perf_counter() < deadline:
            kind = pages[turn % len(pages)]
            turn += 1
            start = time.perf_counter()
            calls[kind]()
            got[kind].append(time.perf_counter() - start)
        return got


def measure_load(
    path: Path, layout: Layout, declarers: Declarers, args: argparse.Namespace
) -> None:
    seconds, pages = args.load_seconds, [_LOAD[k] for k in args.load_pages.split(",")]
    print(f"\nconcurrent load: {', '.join(pages)} in turn, each reader on a connection of its own,"
          f" {seconds:.0f} s a setting; the writer declares as fast as it can. Store calls, not"
          " HTTP. p50 and p99 in ms:")  # fmt: skip
    heads = "".join(f"{k.split(',')[0].removesuffix(' (2025)')[:15]:>17}" for k in pages)
    print(f"  {'setting':26} {'calls/s':>7}{heads}  {'writes/s':>8} {'w p99':>6}")
    for spec in args.load:
        mode, _, number = spec.partition(":")
        readers, writer = int(number), mode.endswith("+w")
        jobs = (
            declarers.jobs(int(seconds * 300 / args.per_person) + 1, args.per_person)
            if writer
            else []
        )
        work = functools.partial(_load_part, path, layout, pages, seconds, readers, jobs)
        run = in_threads if mode.removesuffix("+w") == "threads" else in_processes
        wall, _, results = run(work, readers + writer)
        merged = {k: [x for r in results[:readers] for x in r[k]] for k in pages}
        cells = "".join(
            f"{ms(pct(merged[k], 0.5)):>8} {ms(pct(merged[k], 0.99)):>8}" for k in pages
        )
        tail = ""
        if writer:
            tail = f"  {len(results[readers]) / wall:8.1f} {ms(pct(results[readers], 0.99)):>6}"
        name = f"{readers} {mode.removesuffix('+w')}" + (" + 1 writer" if writer else "")
        total = sum(len(v) for v in merged.values())
        print(f"  {name:26} {total / wall:7.1f}{cells}{tail}", flush=True)


# -- what the bureau pages could run instead ---------------------------------------------------

_SELECT = "SELECT d.*, p.name FROM declarations d JOIN people p ON p.id_number = d.id_number"
_PLACE = {"city": (CITY, 4), "province": (PROVINCE, 2)}


def alternatives(path: Path, args: argparse.Namespace) -> None:
    """The first page of the city and province bureaus' queues as the store's SQL runs it and
    as other SQL would, each on a raw connection (rows fetched, no Python objects made): what
    the store could change. Last: it makes two expression indexes (dropped at the end)."""
    conn = sqlite3.connect(path, isolation_level=None)

    def fetch(sql: str, params: Sequence[Any]) -> int:
        """The rows' count, or a count(*)'s value."""
        rows = conn.execute(sql, params).fetchall()
        return int(rows[0][0]) if sql.startswith("SELECT count(*)") else len(rows)

    def ids_first(low: str, high: str) -> int:
        ids = [r[0] for r in conn.execute(
            "SELECT id FROM declarations WHERE stage = 'bureau' AND region BETWEEN ? AND ?"
            " AND id > 0 ORDER BY id LIMIT 51", (low, high))]  # fmt: skip
        return fetch(f"{_SELECT} WHERE d.id IN ({', '.join('?' * len(ids))}) ORDER BY d.id", ids)

    def by_district(low: str, high: str) -> int:
        ids: list[int] = []
        for region in (r for r in REGIONS if low <= r <= high):
            ids += [r[0] for r in conn.execute(
                "SELECT id FROM declarations WHERE stage = 'bureau' AND region = ? AND id > 0"
                " ORDER BY id LIMIT 51", (region,))]  # fmt: skip
        ids = sorted(ids)[:51]
        return fetch(f"{_SELECT} WHERE d.id IN ({', '.join('?' * len(ids))}) ORDER BY d.id", ids)

    print("\nSQL the bureau pages could run instead (raw connection, rows fetched, no objects "
          "made; the store's queue call adds ≈ 2-3 ms of Python for 50 items); ms:")  # fmt: skip
    print(_HEAD)
    for level, (area, _) in _PLACE.items():
        low, high = region_range(area)
        where = "d.stage = 'bureau' AND d.region BETWEEN ? AND ?"
        variants: dict[str, Callable[[], int]] = {
            "store: count(*)": functools.partial(
                fetch, f"SELECT count(*) FROM declarations d WHERE {where}", (low, high)),
            "store: page query": functools.partial(
                fetch, f"{_SELECT} WHERE {where} AND d.id > 0 ORDER BY d.id LIMIT 51", (low, high)),
            "ids first, then the rows": functools.partial(ids_first, low, high),
            "per district, merged": functools.partial(by_district, low, high),
        }  # fmt: skip
        for name, call in variants.items():
            show(f"{level}: {name}", *sample(call, 200, args.read_seconds, least=10))
    for level, (area, digits) in _PLACE.items():
        with timed() as made:
            conn.execute(f"CREATE INDEX bench_{level}_queue ON declarations"
                         f" (stage, substr(region, 1, {digits}), id)")  # fmt: skip
        where = f"d.stage = 'bureau' AND substr(d.region, 1, {digits}) = ?"
        params = (area[:digits],)
        page = f"{_SELECT} WHERE {where} AND d.id > 0 ORDER BY d.id LIMIT 51"
        plan = " / ".join(r[-1] for r in conn.execute("EXPLAIN QUERY PLAN " + page, params))
        print(f"  {level}: index (stage, substr(region, 1, {digits}), id) made in "
              f"{made.wall:.1f} s; plan: {plan}")  # fmt: skip
        count = f"SELECT count(*) FROM declarations d WHERE {where}"
        show(f"{level}: expression index, count(*)", *sample(
            functools.partial(fetch, count, params), 200, args.read_seconds, least=10))  # fmt: skip
        show(f"{level}: expression index, page", *sample(
            functools.partial(fetch, page, params), 200, args.read_seconds, least=10))  # fmt: skip
    for level in _PLACE:
        conn.execute(f"DROP INDEX bench_{level}_queue")
    conn.close()
