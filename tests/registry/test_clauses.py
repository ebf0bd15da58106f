"""Every clause of every shipped policy holds from its first day, in its place, and not
before, after or elsewhere.

For each clause the test builds the smallest situation in which that clause decides
something — a record dated on the day for a rule about records, the year of the day for a
rule about the year's task, an application on the day for a cycle or title rule — runs the
real evaluation, and asks whether the clause was applied (every contribution, shortfall and
report names the clauses that decided it). Then it runs the same situation on the day before
the clause starts, on its last day, on the day after it ends and for a person registered
outside its place. A refusal of the whole policy (``policy_not_in_force``,
``outside_jurisdiction``) counts as "not applied".
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal

import pytest

from registry.errors import RegistryError
from registry.hours import Policy, Subject, builtin_policies, evaluate, evaluate_cycle, refusal
from registry.hours.clauses import (
    CategorySet,
    Clause,
    Confirmation,
    Conversion,
    Judged,
    MakeUp,
    MinScore,
    PublicCourseOnce,
    ReissueRule,
    Requirement,
    SeriesPolicy,
    TitleRule,
)
from registry.model import Activity, Category, Confirmer, RecordStatus, Role, TitleLevel
from registry.series import national_series, series_named
from registry.titles import evaluate_title

ID_NUMBER = "440106198507151230"
DAY = dt.timedelta(days=1)


def every_clause() -> Iterator[tuple[Policy, Clause]]:
    for policy in builtin_policies().values():
        for clause in policy.clauses:
            yield policy, clause


CLAUSES = list(every_clause())
IDS = [clause.key for _policy, clause in CLAUSES]


def inside(area: str) -> str:
    """A county-level code within ``area``."""
    if area.endswith("0000"):
        return area[:2] + "0102"
    if area.endswith("00"):
        return area[:4] + "02"
    return area


def outside(policy: Policy, clause: Clause) -> str:
    """A place outside the clause's: within the policy when the clause has a smaller place,
    else outside the policy altogether."""
    if clause.place != policy.jurisdiction:
        candidate = policy.jurisdiction[:2] + "9999"
        assert not candidate.startswith(clause.place[:4])
        return candidate
    return ("12" if policy.jurisdiction.startswith("11") else "11") + "0101"


def series_for(policy: Policy, clause: Clause) -> str:
    """A series the policy covers (and, for a clause about sectors or series, one it names)."""
    if isinstance(clause, SeriesPolicy):
        return sorted(clause.series)[0]
    if isinstance(clause, Confirmation) and clause.sectors:
        sector = sorted(clause.sectors)[0]
        return next(s.name for s in national_series().series if s.sector == sector)
    return policy.series[0] if policy.series else "工程技术"


def record(
    category: Category,
    on: dt.date,
    *,
    year: int | None = None,
    kind: str = "face_to_face",
    title: str = "课程",
    course_code: str = "",
    minutes: int = 600,
    score: Decimal | None = None,
    role: Role | None = None,
    confirmed_by: Confirmer | None = None,
) -> Activity:
    return Activity(
        ID_NUMBER,
        year or on.year,
        category,
        kind,
        title,
        course_code,
        minutes,
        on,
        on,
        "",
        score,
        role,
        RecordStatus.CONFIRMED,
        confirmed_by,
    )


def situation(policy: Policy, clause: Clause, day: dt.date) -> list[Activity]:
    """Records in which ``clause`` decides something, dated ``day``."""
    if isinstance(clause, Confirmation):
        category = sorted(clause.categories)[0]
        return [record(category, day, confirmed_by=sorted(clause.by)[0])]
    if isinstance(clause, MinScore):
        return [record(clause.category, day, score=Decimal(100))]
    if isinstance(clause, PublicCourseOnce):
        return [
            record(Category.PUBLIC, day, title="公需课", course_code="GX-1"),
            record(Category.PUBLIC, day, title="公需课（重修）", course_code="GX-1"),
        ]
    if isinstance(clause, MakeUp):
        return [record(clause.category, day, year=clause.year)]
    if isinstance(clause, Conversion):
        kind = sorted(clause.achievement_kinds)[0]
        return [
            record(
                Category.PROFESSIONAL,
                day,
                kind=kind,
                minutes=0,
                role=Role.MAIN,
                confirmed_by=sorted(clause.recognised_by)[0],
            )
        ]
    if isinstance(clause, CategorySet):
        missing = [c for c in Category if c not in clause.categories]
        return [record(missing[0], day)] if missing else []
    return [record(Category.PUBLIC, day)]


def applied(policy: Policy, clause: Clause, day: dt.date, region: str) -> frozenset[str]:
    """The clauses applied when ``clause``'s situation is judged on ``day`` for a person
    registered in ``region``; empty when the policy refuses the whole case."""
    subject = Subject(region, series_named(series_for(policy, clause)), TitleLevel.SENIOR)
    if isinstance(clause, Requirement) and clause.levels:
        subject = Subject(region, subject.series, sorted(clause.levels)[0])
    records = situation(policy, clause, day)
    try:
        if policy.has_cycle:  # every clause of a cycle is judged on the application date
            if isinstance(clause, TitleRule):
                return title_clauses(policy, day, subject, records)
            return evaluate_cycle(
                policy,
                [dataclass_year(r, day.year - 1) for r in records],
                title_date=dt.date(day.year - 4, 1, 1),
                apply_date=day,
                subject=subject,
            ).clauses
        if isinstance(clause, TitleRule):
            return title_clauses(policy, day, subject, records)
        if isinstance(clause, SeriesPolicy):
            refused = refusal(policy, subject, day.year)
            return frozenset({refused.clause}) if refused and refused.clause else frozenset()
        if isinstance(clause, ReissueRule):
            found = policy.reissue_rule(day.year)
            refused = refusal(policy, subject, day.year)
            return frozenset({found.key}) if found and refused is None else frozenset()
        year = clause.year if isinstance(clause, MakeUp) else day.year
        return evaluate(policy, records, year=year, subject=subject).clauses
    except RegistryError as exc:
        if exc.reason not in {"policy_not_in_force", "outside_jurisdiction"}:
            raise
        return frozenset()


def dataclass_year(activity: Activity, year: int) -> Activity:
    """``activity`` as a record of ``year`` in the cycle, completed on 1 May of that year."""
    when = dt.date(year, 5, 1)
    return Activity(
        activity.id_number,
        year,
        activity.category,
        activity.kind,
        activity.title,
        activity.course_code,
        activity.minutes,
        when,
        when,
        activity.provider,
        activity.score,
        activity.role,
        activity.status,
        activity.confirmed_by,
    )


def title_clauses(
    policy: Policy, day: dt.date, subject: Subject, records: list[Activity]
) -> frozenset[str]:
    report = evaluate_title(
        rule_id=policy.id,
        name="测试",
        masked_id="4401**********1230",
        title_date=dt.date(day.year - 4, 1, 1),
        target_level=TitleLevel.SENIOR,
        evaluation_date=day,
        evidence=[],
        records=[dataclass_year(r, day.year - 1) for r in records],
        subject=subject,
    )
    return report.clauses


@pytest.mark.parametrize(("policy", "clause"), CLAUSES, ids=IDS)
def test_a_clause_applies_on_its_first_day_and_not_the_day_before(
    policy: Policy, clause: Clause
) -> None:
    region = inside(clause.place)
    start = clause.effective_from
    assert clause.key in applied(policy, clause, start, region), "not applied on its first day"
    assert clause.key not in applied(policy, clause, start - DAY, region), "applied too early"


@pytest.mark.parametrize(
    ("policy", "clause"),
    [(p, c) for p, c in CLAUSES if c.until is not None],
    ids=[c.key for _p, c in CLAUSES if c.until is not None],
)
def test_a_clause_applies_on_its_last_day_and_not_the_day_after(
    policy: Policy, clause: Clause
) -> None:
    assert clause.until is not None
    region = inside(clause.place)
    assert clause.key in applied(policy, clause, clause.until, region), "not on its last day"
    assert clause.key not in applied(policy, clause, clause.until + DAY, region), "too late"


@pytest.mark.parametrize(("policy", "clause"), CLAUSES, ids=IDS)
def test_a_clause_does_not_apply_outside_its_place(policy: Policy, clause: Clause) -> None:
    day = clause.until or clause.effective_from
    assert clause.key in applied(policy, clause, day, inside(clause.place))
    assert clause.key not in applied(policy, clause, day, outside(policy, clause))


def test_rules_about_the_year_cover_whole_years_and_others_may_start_any_day() -> None:
    judged = {clause.rule.judged for _policy, clause in CLAUSES}
    assert judged == set(Judged)
    reform = builtin_policies()["gd-2010"].clause("confirm-professional-industry-2018")
    assert reform.effective_from == dt.date(2018, 11, 1)
