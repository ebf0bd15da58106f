"""The year at a glance at a province's size: the page's reads over N people, and a refresh.

    .venv/bin/python bench/glance.py                          # 1,000,000 people
    .venv/bin/python bench/glance.py --people 200000 --judge 5000

Creates a fresh home (``benchlib.create_home``, with ``--judge`` synthetic people and their
records), then:

1. **Judging** (``Registry.standings.refresh``) of those ``--judge`` people, as
   ``cecert portal stats`` does: people judged per second (from which a province's refresh
   time follows).
2. **A province's standings**: ``--people`` rows written straight into ``year_standings`` in
   SQL (a recursive CTE: 126 districts of Guangdong's 21 cities, 20,000 employers each in one
   district with one main series and a few people of another, three levels; a fifth of the
   people short, some in each category), then summed by the store's own
   ``sum_up`` (timed, with another connection taking the write lock again and again beside
   it, as a portal writer would: the longest it waited).
3. **The page's reads**, each the median of ``--rounds`` calls: totals, the groups by
   employer, series and level, and the people furthest short, for the province bureau, a
   city bureau, a district bureau and one employer; then the whole page
   (``GET /glance/?by=employer``) over the portal's WSGI app for the province, the city and
   the employer. The reference in the same run: ``count(*)`` of the year's standings, the
   least any page computing its figures from the people would read.

Target: the statistics of a region of 1,000,000 people in under a second.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import sqlite3
import statistics
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from benchlib import create_home, print_header

from portal.web import create_app
from registry.portal import Actor, PortalRole
from registry.store import Registry
from webcore import AccountStore, Role

YEAR = 2025
PASSWORD = "a long enough bench password"
CITIES = ("4401", "4403", "4404", "4405", "4406", "4407", "4408", "4409", "4412", "4413",
          "4414", "4415", "4416", "4417", "4418", "4419", "4420", "4451", "4452", "4453",
          "4402")  # fmt: skip
"""Guangdong's 21 prefecture cities; 6 districts each below (a province of 126 areas)."""
SERIES = ("卫生技术", "工程", "中小学教师", "高等学校教师", "经济", "会计", "农业", "新闻")


def fill(registry: Registry, people: int) -> None:
    """``people`` standings rows of ``YEAR`` and their people, in SQL, one transaction."""
    conn = registry._connection.conn
    regions = [f"{city}{d:02d}" for city in CITIES for d in range(1, 7)]
    conn.execute("CREATE TEMP TABLE regions (i INTEGER PRIMARY KEY, code TEXT)")
    conn.executemany("INSERT INTO regions VALUES (?, ?)", list(enumerate(regions)))
    conn.execute("CREATE TEMP TABLE series (i INTEGER PRIMARY KEY, name TEXT)")
    conn.executemany("INSERT INTO series VALUES (?, ?)", list(enumerate(SERIES)))
    with registry._connection.transaction() as write:
        write.execute(
            """
            WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < ?)
            INSERT INTO year_standings
            SELECT ?, printf('%06d19800101%04d', i / 9000, i % 9000), '某' || i,
                   (SELECT code FROM regions WHERE regions.i = n.i % 20000 % 126),
                   CASE WHEN i % 3 = 0 THEN NULL ELSE printf('91440000MA%08d', i % 20000) END,
                   printf('单位%05d', i % 20000),
                   (SELECT name FROM series WHERE series.i = (n.i % 20000 + (n.i % 7 = 0)) % 8),
                   CASE i % 3 WHEN 0 THEN 'junior' WHEN 1 THEN 'intermediate' ELSE 'senior' END,
                   1, i % 5 != 0, CASE WHEN i % 5 = 0 THEN (i % 70) * 60 ELSE 4320 END,
                   4320, CASE WHEN i % 5 = 0 THEN 4320 - (i % 70) * 60 ELSE 0 END,
                   CASE WHEN i % 5 = 0 AND i % 2 = 0 THEN 600 ELSE 0 END,
                   CASE WHEN i % 5 = 0 THEN 1200 ELSE 0 END,
                   CASE WHEN i % 5 = 0 AND i % 3 = 0 THEN 720 ELSE 0 END
            FROM n
            """,
            (people, YEAR),
        )
        write.execute(  # their people: a refresh keeps only the standings of people it holds
            "INSERT OR IGNORE INTO people (id_number, name, employer, series, title_level,"
            " title_date, region) SELECT id_number, name, employer, series, title_level,"
            " '2015-07-01', region FROM year_standings WHERE year = ?",
            (YEAR,),
        )


@contextlib.contextmanager
def writer_waits(path: Path) -> Iterator[list[float]]:
    """While the block runs, another connection takes the write lock again and again (as
    a portal writer would, ``BEGIN IMMEDIATE`` … ``COMMIT``); yields how long each wait was."""
    waits: list[float] = []
    done = threading.Event()

    def write() -> None:
        conn = sqlite3.connect(path, timeout=60, isolation_level=None)
        while not done.is_set():
            started = time.perf_counter()
            conn.execute("BEGIN IMMEDIATE")
            conn.execute("COMMIT")
            waits.append(time.perf_counter() - started)
            time.sleep(0.005)
        conn.close()

    thread = threading.Thread(target=write)
    thread.start()
    try:
        yield waits
    finally:
        done.set()
        thread.join()


def median_of(rounds: int, call: Callable[[], Any]) -> float:
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        call()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=1_000_000, help="standings rows")
    parser.add_argument("--judge", type=int, default=5_000, help="people judged for real")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args(argv)
    print_header(f"the year at a glance: {args.people} people, {args.rounds} rounds")
    with tempfile.TemporaryDirectory(prefix="cecert-bench-glance-") as folder:
        root = Path(folder)
        bench = create_home(root, args.judge)
        registry, at = bench.registry, bench.at
        started = time.perf_counter()
        judged = registry.standings.refresh(YEAR, default_policy="gd-2010", at=at)
        took = time.perf_counter() - started
        print(f"judging (refresh)      {judged} people in {took:.2f} s: "
              f"{judged / took:,.0f} people/s; 1,000,000 would take "
              f"{1_000_000 / (judged / took) / 60:.1f} min")  # fmt: skip
        registry._connection.conn.execute("DELETE FROM year_standings")
        started = time.perf_counter()
        fill(registry, args.people)
        print(f"fill (SQL)             {args.people} rows in {time.perf_counter() - started:.1f} s")
        started = time.perf_counter()
        with writer_waits(bench.home.registry_path) as waits:
            registry.standings.sum_up(YEAR, people=args.people, log_size=0, at=at)
        groups = registry._connection.conn.execute("SELECT count(*) FROM year_groups").fetchone()
        print(f"sum_up                 {time.perf_counter() - started:.2f} s, {groups[0]} groups; "
              f"a writer beside it waited at most {1000 * max(waits):.0f} ms "
              f"({len(waits)} tries)")  # fmt: skip
        reference = median_of(args.rounds, lambda: registry._connection.conn.execute(
            "SELECT count(*) FROM year_standings WHERE year = ?", (YEAR,)).fetchone())  # fmt: skip
        print(f"reference: count(*) of the year's standings   {1000 * reference:7.1f} ms")
        areas = {
            "province 440000": Actor("gd", PortalRole.BUREAU, "440000"),
            "city 440100": Actor("gz", PortalRole.BUREAU, "440100"),
            "district 440106": Actor("th", PortalRole.BUREAU, "440106"),
            "employer": Actor("e", PortalRole.EMPLOYER, "91440000MA00000007"),
        }
        for label, who in areas.items():
            parts = {
                "totals": lambda who=who: registry.standings.totals(who, YEAR),
                "by employer": lambda who=who: registry.standings.groups(who, YEAR, by="employer"),
                "by series": lambda who=who: registry.standings.groups(who, YEAR, by="series"),
                "by level": lambda who=who: registry.standings.groups(who, YEAR, by="title_level"),
                "short 20": lambda who=who: registry.standings.short(who, YEAR),
            }  # fmt: skip
            people = registry.standings.totals(who, YEAR).people
            figures = ", ".join(f"{name} {1000 * median_of(args.rounds, call):.1f} ms"
                                for name, call in parts.items())  # fmt: skip
            print(f"{label:16} ({people:>9,} people): {figures}")
        employer = areas["employer"]
        region = registry._connection.conn.execute(
            "SELECT region FROM year_standings WHERE credit_code = ? LIMIT 1", (employer.scope,)
        ).fetchone()[0]
        made = registry.registrations.register_employer(employer, name="单位00007",
                                                        region=region, at=at)  # fmt: skip
        registry.registrations.decide_employer(
            areas["province 440000"],
            employer.scope,
            version=made.version,
            approve=True,
            reason=None,
            at=at,
        )  # fmt: skip  (its page opens once the bureau has approved it)
        instance = root / "instance"
        store = AccountStore.create(instance)
        for who in areas.values():
            store.add(who.username, PASSWORD, Role(who.role.value), at=at, scope=who.scope)
        app = create_app(
            {"HOME": str(bench.home.root), "SECRET_KEY": "bench, not a secret",
             "CLOCK": lambda: at + dt.timedelta(days=1), "RATE_LIMIT_LOGIN": "1000/minute"},
            instance_path=str(instance),
        )  # fmt: skip
        for label, who in areas.items():
            if label.startswith("district"):
                continue
            client = app.test_client()
            page = client.get("/login").get_data(as_text=True)
            marker = 'name="csrf_token" value="'
            csrf = page[page.index(marker) + len(marker) :].split('"', 1)[0]
            client.post("/login", data={"csrf_token": csrf, "username": who.username,
                                        "password": PASSWORD})  # fmt: skip

            def get(client: Any = client) -> None:
                response = client.get(f"/glance/?year={YEAR}&by=employer")
                assert response.status_code == 200, response.status_code

            print(f"GET /glance/ as {label:16} median {1000 * median_of(args.rounds, get):7.1f} ms")
        print("target: a region of 1,000,000 people's statistics in under 1 s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
