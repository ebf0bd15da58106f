"""The year at a glance: every person's standing on a year's task, judged by the hours engine
when the statistics are refreshed, and the sums a bureau's or an employer's page reads.

Judging a province's million people takes minutes, so no page does it: ``refresh`` (``cecert
stats refresh``, run by the signer's service or a timer) judges everyone with
:func:`registry.portal.standing.judge_year` and writes one row per person (in batches, so the
portal's writers wait for no more than one batch) and then the sums by region, employer,
series and level in one transaction. The pages read the sums (a few thousand rows at most
for a province) and the people who are short from an index, and say when the figures were
made and whether the registry has changed since. The rows are derived, not records: they are
not in the event log, and a refresh rebuilds them from the records.
"""

from __future__ import annotations

import datetime as dt
import heapq
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from registry.errors import RegistryError
from registry.model import Category, Person
from registry.portal.roles import Actor, PortalRole
from registry.portal.standing import judge_year
from registry.store.connection import RegistryConnection
from registry.store.events import log_time
from registry.store.queues import rows_of
from registry.store.records import activity_from_row, person_from_row
from registry.store.scope import forbidden, region_range

BATCH = 2_000
"""People judged and written per transaction."""
GROUPINGS = {
    "employer": ("credit_code",
                 "CASE WHEN credit_code = '' THEN employer ELSE coalesce((SELECT name FROM"
                 " employers e WHERE e.credit_code = g.credit_code), employer) END"),
    "series": ("series",),
    "title_level": ("title_level",),
}  # fmt: skip
"""What a page may group by → the expressions over ``year_groups`` (``g``) it groups by: a
registered employer is one group under its registered name, however its people's records
spell it; people of no registered employer are grouped by the name their records give."""
_SUMS = (
    "sum(people) AS people, sum(judged) AS judged, sum(met) AS met, sum(missing) AS missing, "
    "sum(public_short) AS public_short, sum(professional_short) AS professional_short, "
    "sum(elective_short) AS elective_short"
)


@dataclass(frozen=True, slots=True)
class Totals:
    """How a group stands: people, how many were judged and met the task, the minutes still
    missing in all, and how many are short in each category."""

    key: tuple[str, ...]
    people: int
    judged: int
    met: int
    missing: int
    public_short: int
    professional_short: int
    elective_short: int

    @property
    def percent(self) -> int:
        """Of those judged, the share who met the task (whole percent, rounded down)."""
        return self.met * 100 // self.judged if self.judged else 0

    @property
    def short(self) -> int:
        return self.judged - self.met


@dataclass(frozen=True, slots=True)
class ShortPerson:
    """One person short of the year's task, and by how much."""

    id_number: str
    name: str
    employer: str
    series: str
    title_level: str
    counted: int
    required: int
    missing: int
    gaps: dict[Category, int]


@dataclass(frozen=True, slots=True)
class Freshness:
    """When a year's figures were made, from how many people, and whether the registry has
    changed since (its event log has grown)."""

    refreshed_at: dt.datetime
    people: int
    stale: bool


def _area(actor: Actor) -> tuple[str, str, tuple[str, ...]]:
    """The sums an actor's page covers (a bureau's region, an employer's staff): the index
    to read them by (if SQLite needs telling), the condition and its values."""
    if actor.role is PortalRole.BUREAU:
        low, high = region_range(actor.scope)
        return "", "region BETWEEN ? AND ?", (low, high)
    if actor.role is PortalRole.EMPLOYER:
        # Without the hint SQLite reads the whole year by the primary key (no ANALYZE here).
        return "INDEXED BY year_groups_employer", "credit_code = ?", (actor.scope,)
    raise forbidden("统计")


class Standings:
    """The year's standings and their sums, on ``connection``."""

    def __init__(self, connection: RegistryConnection) -> None:
        self._connection = connection

    # -- refreshing (a batch job, never a page) ------------------------------------------------

    def refresh(self, year: int, *, default_policy: str, at: dt.datetime) -> int:
        """Judge everyone's ``year`` again and rebuild its sums; return how many people."""
        conn = self._connection.conn
        log_size = conn.execute("SELECT coalesce(max(seq), 0) FROM events").fetchone()[0]
        count = 0
        for people in self._batches():
            rows = [self._row(year, person, credit, activities, default_policy)
                    for person, credit, activities in self._with_records(people, year)]  # fmt: skip
            with self._connection.transaction() as write:
                write.executemany(
                    "INSERT OR REPLACE INTO year_standings VALUES"
                    " (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    rows,
                )
            count += len(rows)
        self.sum_up(year, people=count, log_size=log_size, at=at)
        return count

    def sum_up(self, year: int, *, people: int, log_size: int, at: dt.datetime) -> None:
        """Rebuild ``year``'s sums from its standings and record the refresh (``people``
        judged, the event log's size when the judging began). The sums are read first,
        outside any write; the write then swaps them in one short transaction (readers see
        the old sums or the new, never half), with the standings of people no longer held."""
        conn = self._connection.conn
        gone = [row[0] for row in conn.execute(
            "SELECT s.id_number FROM year_standings s WHERE s.year = ? AND NOT EXISTS"
            " (SELECT 1 FROM people p WHERE p.id_number = s.id_number)",
            (year,),
        )]  # fmt: skip
        sums = conn.execute(
            "SELECT year, region, coalesce(credit_code, ''), employer, series, title_level,"
            " count(*), sum(judged), sum(met), sum(missing), sum(public_gap > 0),"
            " sum(professional_gap > 0), sum(elective_gap > 0) FROM year_standings s"
            " WHERE year = ? AND EXISTS (SELECT 1 FROM people p WHERE p.id_number = s.id_number)"
            " GROUP BY region, coalesce(credit_code, ''), employer, series, title_level",
            (year,),
        ).fetchall()
        with self._connection.transaction() as write:
            write.executemany(
                "DELETE FROM year_standings WHERE year = ? AND id_number = ?",
                [(year, id_number) for id_number in gone],
            )
            write.execute("DELETE FROM year_groups WHERE year = ?", (year,))
            write.executemany(
                "INSERT INTO year_groups VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", sums
            )
            write.execute(
                "INSERT OR REPLACE INTO year_refreshes VALUES (?, ?, ?, ?)",
                (year, log_time(at), people, log_size),
            )

    def _batches(self) -> Iterator[list[Person]]:
        conn = self._connection.conn
        after = ""
        while True:
            rows = rows_of(conn.execute(
                "SELECT * FROM people WHERE id_number > ? ORDER BY id_number LIMIT ?",
                (after, BATCH),
            ))  # fmt: skip
            if not rows:
                return
            after = rows[-1]["id_number"]
            yield [person_from_row(row) for row in rows]

    def _with_records(
        self, people: list[Person], year: int
    ) -> Iterator[tuple[Person, str | None, list[Any]]]:
        conn = self._connection.conn
        ids = [p.id_number for p in people]
        marks = ", ".join("?" * len(ids))
        records: dict[str, list[Any]] = {i: [] for i in ids}
        for row in rows_of(conn.execute(
            f"SELECT * FROM activities WHERE year = ? AND id_number IN ({marks})",  # noqa: S608
            (year, *ids),
        )):  # fmt: skip
            records[row["id_number"]].append(activity_from_row(row))
        staff = dict(conn.execute(
            f"SELECT id_number, credit_code FROM enrolments WHERE state = 'approved'"  # noqa: S608
            f" AND id_number IN ({marks})",
            ids,
        ).fetchall())  # fmt: skip
        for person in people:
            yield person, staff.get(person.id_number), records[person.id_number]

    @staticmethod
    def _row(
        year: int, person: Person, credit: str | None, activities: list[Any], policy: str
    ) -> tuple[Any, ...]:
        found = judge_year(person, activities, year=year, default_policy=policy)
        return (
            year, person.id_number, person.name, person.region, credit, person.employer,
            person.series, person.title_level.value, int(found.problem is None),
            int(found.met), found.counted, found.required, found.missing,
            found.gap(Category.PUBLIC), found.gap(Category.PROFESSIONAL),
            found.gap(Category.ELECTIVE),
        )  # fmt: skip

    # -- reading (the pages) -------------------------------------------------------------------

    def freshness(self, year: int) -> Freshness | None:
        """When ``year`` was last refreshed (None: never)."""
        conn = self._connection.conn
        row = conn.execute(
            "SELECT refreshed_at, people, log_size FROM year_refreshes WHERE year = ?", (year,)
        ).fetchone()
        if row is None:
            return None
        now_size = conn.execute("SELECT max(seq) FROM events").fetchone()[0] or 0
        return Freshness(dt.datetime.fromisoformat(row[0]), row[1], now_size > row[2])

    def totals(self, actor: Actor, year: int) -> Totals:
        """The whole area's figures (a bureau's region, an employer's staff)."""
        table, where, params = _area(actor)
        row = self._connection.conn.execute(
            f"SELECT {_SUMS} FROM year_groups {table} WHERE year = ? AND {where}",  # noqa: S608
            (year, *params),
        ).fetchone()
        return Totals((), *(value or 0 for value in row))

    def groups(self, actor: Actor, year: int, *, by: str, limit: int = 200) -> list[Totals]:
        """The area's figures by employer, series or title level (``by``), most people first
        (at most ``limit`` groups)."""
        columns = GROUPINGS.get(by)
        if columns is None:
            raise RegistryError("bad_grouping", f"by：须为 {'、'.join(GROUPINGS)} 之一")
        table, where, params = _area(actor)
        names = ", ".join(columns)
        keys = ", ".join(str(n) for n in range(1, len(columns) + 1))
        rows = self._connection.conn.execute(
            f"SELECT {names}, {_SUMS} FROM year_groups AS g {table} WHERE year = ? AND {where}"  # noqa: S608
            f" GROUP BY {keys} ORDER BY people DESC, {keys} LIMIT ?",
            (year, *params, limit),
        ).fetchall()
        return [Totals(tuple(row[: len(columns)]), *row[len(columns) :]) for row in rows]

    def short(self, actor: Actor, year: int, *, limit: int = 20) -> list[ShortPerson]:
        """The area's people furthest from the year's task, most missing first: from the
        index, district by district, merged (never a sort of the whole area)."""
        conn = self._connection.conn
        if actor.role is PortalRole.EMPLOYER:
            parts = [("credit_code = ?", (actor.scope,), "year_standings_employer")]
        else:
            table, where, params = _area(actor)
            districts = [r[0] for r in conn.execute(
                f"SELECT DISTINCT region FROM year_groups {table} WHERE year = ? AND {where}",  # noqa: S608
                (year, *params),
            )]  # fmt: skip
            parts = [("region = ?", (d,), "year_standings_short") for d in districts]
        found: list[list[dict[str, Any]]] = []
        for where, params, index in parts:
            found.append(rows_of(conn.execute(
                f"SELECT * FROM year_standings INDEXED BY {index} WHERE year = ? AND {where}"  # noqa: S608
                " AND missing > 0 AND judged = 1 ORDER BY missing DESC LIMIT ?",
                (year, *params, limit),
            )))  # fmt: skip
        top = heapq.nlargest(limit, (row for rows in found for row in rows),
                             key=lambda row: (row["missing"], row["id_number"]))  # fmt: skip
        return [_short(row) for row in top]


def _short(row: dict[str, Any]) -> ShortPerson:
    gaps = {Category.PUBLIC: row["public_gap"], Category.PROFESSIONAL: row["professional_gap"],
            Category.ELECTIVE: row["elective_gap"]}  # fmt: skip
    return ShortPerson(
        row["id_number"], row["name"], row["employer"], row["series"], row["title_level"],
        row["counted"], row["required"], row["missing"], {c: m for c, m in gaps.items() if m},
    )  # fmt: skip


__all__ = ["GROUPINGS", "Freshness", "ShortPerson", "Standings", "Totals"]
