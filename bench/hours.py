"""Hours-evaluation benchmark: ``registry.hours.evaluate`` over many people's records.

    .venv/bin/python bench/hours.py --people 100000

Builds N synthetic people with 5-8 training records of 2025 each (mixed categories, some
public courses taken twice, some records not confirmed, some professional records of the
health and education series confirmed by the employer instead of the industry authority),
then times, on one core, one ``evaluate(get_policy("gd-2010"), records, year=2025,
subject=…)`` call per person. Building the records is not timed. Prints people per
second and microseconds per person, then, untimed, how the outcomes split (a sanity check
that the engine did its work: every record gets a contribution).
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import sys
from collections import Counter
from collections.abc import Sequence
from decimal import Decimal

from benchlib import print_header, timed

from registry.hours import Subject, evaluate, get_policy
from registry.model import Activity, Category, Confirmer, RecordStatus, TitleLevel
from registry.series import series_named

YEAR = 2025
TARGET = 20_000
"""People per second the engine should reach on one core."""
_SERIES = ("工程", "卫生", "统计", "中小学教师", "经济", "高等教育", "农业")
REGION = "440106"
_PUBLIC_COURSES = ("GX2025-01", "GX2025-02", "GX2025-03", "GX2025-04")


def _record(
    rng: random.Random,
    id_number: str,
    category: Category,
    hours: int,
    *,
    code: str = "",
) -> Activity:
    day = dt.date(YEAR, 1, 1) + dt.timedelta(days=rng.randrange(360))
    unconfirmed = rng.random() < 0.08
    return Activity(
        id_number=id_number,
        year=YEAR,
        category=category,
        kind="online_course" if category is Category.PUBLIC else "face_to_face",
        title=f"{category.label_zh}课程{rng.randrange(1_000_000)}",
        course_code=code,
        minutes=hours * 60,
        start_date=day,
        end_date=day + dt.timedelta(days=rng.randrange(5)),
        provider="广东省专业技术人员继续教育平台",
        score=Decimal(rng.randrange(50, 101)) if category is Category.PUBLIC else None,
        role=None,
        status=RecordStatus.EMPLOYER_REVIEWED if unconfirmed else RecordStatus.CONFIRMED,
        confirmed_by=rng.choice(_CONFIRMERS[category]),
    )


_CONFIRMERS = {
    Category.PUBLIC: (Confirmer.SYSTEM, Confirmer.HR_BUREAU),
    Category.PROFESSIONAL: (Confirmer.EMPLOYER, Confirmer.HR_BUREAU, Confirmer.INDUSTRY_AUTHORITY),
    Category.ELECTIVE: (Confirmer.EMPLOYER, Confirmer.HR_BUREAU),
}
"""Who confirms a record of each category, as the notices have them (001 二–四): some
professional records of the education and health sectors do not count."""


def synthetic_people(count: int, seed: int = 2025) -> list[tuple[Subject, list[Activity]]]:
    """``count`` people of Guangzhou: (who they are, 5-8 records of 2025)."""
    rng = random.Random(seed)
    levels = tuple(TitleLevel)
    people = []
    for index in range(count):
        id_number = f"P{index:08d}"
        records = [
            _record(rng, id_number, Category.PUBLIC, rng.choice((8, 9, 10, 12)), code=code)
            for code in rng.sample(_PUBLIC_COURSES, 2)
        ]
        if rng.random() < 0.15:  # the same public course taken twice
            records.append(_record(rng, id_number, Category.PUBLIC, 6, code=records[0].course_code))
        records.append(_record(rng, id_number, Category.PROFESSIONAL, rng.choice((24, 30, 42))))
        records.append(_record(rng, id_number, Category.ELECTIVE, rng.choice((6, 12))))
        while len(records) < rng.randint(5, 8):
            category = rng.choice((Category.PROFESSIONAL, Category.PROFESSIONAL, Category.ELECTIVE))
            records.append(_record(rng, id_number, category, rng.choice((4, 8, 12, 16))))
        rng.shuffle(records)
        series = series_named(rng.choice(_SERIES))
        people.append((Subject(REGION, series, rng.choice(levels)), records))
    return people


def run(people: Sequence[tuple[Subject, list[Activity]]]) -> None:
    """One evaluation per person, each result dropped as a service would after answering:
    only this is timed. (Keeping 100,000 results alive would time the garbage collector
    walking them too: about 24 µs more per person on the reference machine.)"""
    policy = get_policy("gd-2010")
    for subject, records in people:
        evaluate(policy, records, year=YEAR, subject=subject)


def outcomes(people: Sequence[tuple[Subject, list[Activity]]]) -> Counter[str]:
    """How the evaluations come out (evaluated again, not timed); stops when a record got
    no contribution."""
    policy = get_policy("gd-2010")
    counts: Counter[str] = Counter()
    for subject, records in people:
        result = evaluate(policy, records, year=YEAR, subject=subject)
        if len(result.contributions) != len(records):
            raise SystemExit("a record got no contribution: the engine result is wrong")
        counts["met" if result.met else "not met"] += 1
        counts.update(c.rule for c in result.contributions)
    return counts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=100_000, help="people (default 100000)")
    args = parser.parse_args(argv)
    count: int = args.people
    print_header("cecert hours-evaluation benchmark: registry.hours.evaluate (gd-2010)")

    with timed() as build:
        people = synthetic_people(count)
    records = sum(len(r) for _, r in people)
    print(f"data:    {count:,} people, {records:,} records ({records / count:.2f} each), "
          f"built in {build.wall:.2f} s (not timed)")  # fmt: skip
    run(people[: min(1000, count)])  # warm-up: policy loading, caches
    with timed() as t:
        run(people)
    counts = outcomes(people)
    print(f"time:    {t.wall:.3f} s wall, {t.cpu:.3f} s CPU")
    print(
        f"result:  {count / t.wall:,.0f} people/s, {1e6 * t.wall / count:.1f} µs/person "
        f"(CPU {1e6 * t.cpu / count:.1f} µs), {1e6 * t.wall / records:.2f} µs/record"
    )
    met = counts.pop("met", 0)
    not_met = counts.pop("not met", 0)
    print(f"outcome: {met:,} met, {not_met:,} not met")
    print("records: " + ", ".join(f"{rule} {n:,}" for rule, n in counts.most_common()))
    verdict = "meets" if count / t.wall >= TARGET else "BELOW"
    print(f"target:  {TARGET:,} people/s: {verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
