"""The hours engine: which records count for a year, how much each contributes, what is missing.

Pure: records and a policy in, an :class:`Evaluation` out. Rules, in the order applied to
each record of the year (POLICIES.md §1, §2, §5, §6):

1. only confirmed records count; professional records of the education and health series
   count only when their industry authority confirmed them;
2. a category the policy does not have is an error in the record;
3. a record studied after the year counts only inside a make-up window; one dated before the
   year never counts for it;
4. an exam score below the policy's minimum makes the record count zero;
5. achievements and degree study are converted to professional hours and capped per year;
6. the same public course (``course_code``) counts once;
7. public hours count up to a fraction of the required total (Jiangxi).

Then each category minimum must be met on its own (surplus never fills another category)
and the total must be met (surplus does count toward it).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from registry.hours.policy import Policy, Requirements
from registry.model import (
    Activity,
    Category,
    CategoryHours,
    Confirmer,
    HoursSummary,
    RecordStatus,
    Role,
    TitleLevel,
    format_hours,
)

_CATEGORIES = tuple(Category)
"""Every category in declaration order (iterating the enum itself is slow)."""
_ORDER = {category: index for index, category in enumerate(_CATEGORIES)}
_LABEL_ZH = {category: category.label_zh for category in _CATEGORIES}
_NO_DATE = dt.date.min
"""Stands in for the missing date of an undated record in its sort key."""
_hours = lru_cache(maxsize=4096)(format_hours)
"""``format_hours`` of the figures that recur in notes and messages, computed once each."""


@dataclass(frozen=True, slots=True)
class Contribution:
    """How much one record contributed, and the rule that decided it."""

    activity: Activity
    minutes: int
    """Minutes counted after conversions and caps (0 when it did not count)."""
    counted_as: Category | None
    rule: str
    """Machine-readable, e.g. ``counted``, ``not_confirmed``, ``duplicate_public_course``."""
    note_zh: str
    note_en: str


@dataclass(frozen=True, slots=True)
class Shortfall:
    """One unmet requirement or one error in the records, with the rule that produced it."""

    rule: str
    """Machine-readable, e.g. ``category_minimum:public``, ``total_minimum``."""
    category: Category | None
    missing_minutes: int
    message_zh: str
    message_en: str


@dataclass(frozen=True, slots=True)
class Evaluation:
    """The outcome of applying one policy to one person's records of one year."""

    policy_id: str
    year: int
    summary: HoursSummary
    contributions: tuple[Contribution, ...]
    shortfalls: tuple[Shortfall, ...]

    @property
    def met(self) -> bool:
        return not self.shortfalls


@dataclass(slots=True)
class _Tally:
    """Running counts while records of one year are assessed."""

    counted: dict[Category, int] = field(default_factory=lambda: dict.fromkeys(_CATEGORIES, 0))
    achievements: int = 0
    degree: int = 0
    public_left: int | None = None
    seen_courses: set[str] = field(default_factory=set)
    errors: list[Shortfall] = field(default_factory=list)


def _sort_key(activity: Activity) -> tuple[bool, dt.date, str, str]:
    """Completion date (undated first), then course code and title: a fixed order, so that
    which of a twice-taken course counts, and the order in which caps are used up, never
    depend on the order the records were given in."""
    when = activity.end_date or activity.start_date
    return (when is not None, when or _NO_DATE, activity.course_code, activity.title)


def assess_year(
    policy: Policy,
    activities: Iterable[Activity],
    *,
    year: int,
    requirements: Requirements | None,
    series: str | None,
    seen_courses: set[str] | None = None,
) -> tuple[list[Contribution], dict[Category, int], list[Shortfall]]:
    """Assess the records of ``year``: contributions, counted minutes per category and record
    errors. ``seen_courses`` carries public course codes across years (cycle verification)."""
    tally = _Tally(seen_courses=seen_courses if seen_courses is not None else set())
    cap = policy.rules.public_cap
    if cap is not None and requirements is not None:
        tally.public_left = math.floor(requirements.total * cap)
    of_year = sorted((a for a in activities if a.year == year), key=_sort_key)
    contributions = [_assess(policy, a, year=year, series=series, tally=tally) for a in of_year]
    return contributions, tally.counted, tally.errors


def _skip(activity: Activity, rule: str, zh: str, en: str) -> Contribution:
    return Contribution(activity, 0, None, rule, zh, en)


def _assess(
    policy: Policy, activity: Activity, *, year: int, series: str | None, tally: _Tally
) -> Contribution:
    rules = policy.rules
    category = activity.category
    if activity.status is not RecordStatus.CONFIRMED:
        return _skip(
            activity,
            "not_confirmed",
            f"未认定（{activity.status.value}），不计学时",
            f"not confirmed ({activity.status.value}): does not count",
        )
    if (
        category is Category.PROFESSIONAL
        and series in rules.industry_authority_series
        and activity.confirmed_by is not Confirmer.INDUSTRY_AUTHORITY
    ):
        return _skip(
            activity,
            "needs_industry_authority",
            f"{series}系列的专业科目须由行业主管部门认定",
            f"professional hours of the {series} series must be confirmed by the industry "
            "authority",
        )
    if category not in rules.categories:
        tally.errors.append(
            Shortfall(
                f"category_not_allowed:{category.value}",
                category,
                0,
                f"记录《{activity.title}》的类别{_LABEL_ZH[category]}不适用于政策 {policy.id}",
                f"record {activity.title!r}: category {category.value} does not exist under "
                f"{policy.id}",
            )
        )
        return _skip(
            activity,
            "category_not_allowed",
            f"政策 {policy.id} 不设{_LABEL_ZH[category]}",
            f"{policy.id} has no {category.value} category",
        )
    timing = _timing(policy, activity, year=year)
    if timing is not None:
        return timing
    minimum = rules.min_score.get(category)
    if minimum is not None and (activity.score is None or activity.score * 100 < minimum):
        shown = "无成绩" if activity.score is None else f"{activity.score}分"
        return _skip(
            activity,
            "score_below_minimum",
            f"考试成绩（{shown}）低于{minimum / 100:g}分，不计学时",
            f"exam score ({activity.score if activity.score is not None else 'none'}) below "
            f"{minimum / 100:g}: counts zero",
        )
    minutes, counted_as, rule, zh, en = _converted(policy, activity, tally)
    if counted_as is Category.PUBLIC and rules.dedupe_public_courses and activity.course_code:
        if activity.course_code in tally.seen_courses:
            return _skip(
                activity,
                "duplicate_public_course",
                f"重复选学同一门公需科目（{activity.course_code}），仅计一次",
                f"the same public course ({activity.course_code}) counts once",
            )
        tally.seen_courses.add(activity.course_code)
    if counted_as is Category.PUBLIC and tally.public_left is not None:
        allowed = min(minutes, tally.public_left)
        tally.public_left -= allowed
        if allowed < minutes:
            zh = f"公需科目超过规定总学时三分之一的部分不计入（计{_hours(allowed)}学时）"
            en = (
                "public hours beyond a third of the required total do not count "
                f"({_hours(allowed)} h)"
            )
            rule = "public_cap"
            minutes = allowed
    tally.counted[counted_as] += minutes
    return Contribution(activity, minutes, counted_as, rule, zh, en)


def _timing(policy: Policy, activity: Activity, *, year: int) -> Contribution | None:
    """``None`` when the record was studied in its year (or inside a make-up window)."""
    when = activity.end_date or activity.start_date
    if when is None or when.year == year:
        return None
    if when.year < year:
        return _skip(
            activity,
            "dated_outside_year",
            f"学习时间（{when}）早于{year}年度",
            f"studied on {when}, before {year}",
        )
    for window in policy.rules.make_up:
        if window.year == year and window.category is activity.category:
            if when <= window.until:
                return None
            return _skip(
                activity,
                "after_make_up_deadline",
                f"超过补学期限（{window.until}）",
                f"completed after the make-up deadline {window.until}",
            )
    return _skip(
        activity,
        "no_make_up",
        f"学习时间（{when}）不在{year}年度，不予补学",
        f"studied on {when}, outside {year}; no make-up allowed",
    )


def _converted(
    policy: Policy, activity: Activity, tally: _Tally
) -> tuple[int, Category, str, str, str]:
    """Minutes and category after Guangzhou conversions (achievements, degree study)."""
    conversions = policy.rules.conversions
    if conversions is None:
        return activity.minutes, activity.category, "counted", "计入", "counted"
    if activity.kind in conversions.achievement_kinds:
        if activity.role is None:
            return (
                0,
                Category.PROFESSIONAL,
                "achievement_without_role",
                ("成果未注明主创或非主创，不计学时"),
                "achievement without main/contributor role: counts zero",
            )
        value = (
            conversions.main_minutes
            if activity.role is Role.MAIN
            else conversions.contributor_minutes
        )
        allowed = max(0, min(value, conversions.achievement_cap - tally.achievements))
        tally.achievements += allowed
        role = "主创" if activity.role is Role.MAIN else "非主创"
        if allowed < value:
            return (
                allowed,
                Category.PROFESSIONAL,
                "achievement_cap",
                (
                    f"成果{role}折算{_hours(value)}学时，本年度成果累计不超过"
                    f"{_hours(conversions.achievement_cap)}学时，计{_hours(allowed)}学时"
                ),
                (
                    f"achievement ({activity.role.value}) worth {_hours(value)} h, capped "
                    f"at {_hours(conversions.achievement_cap)} h a year: "
                    f"{_hours(allowed)} h"
                ),
            )
        return (
            value,
            Category.PROFESSIONAL,
            "achievement",
            (f"成果{role}折算专业科目{_hours(value)}学时"),
            f"achievement ({activity.role.value}): {_hours(value)} professional hours",
        )
    if activity.kind in conversions.degree_kinds:
        allowed = max(0, min(activity.minutes, conversions.degree_cap - tally.degree))
        tally.degree += allowed
        if allowed < activity.minutes:
            return (
                allowed,
                Category.PROFESSIONAL,
                "degree_cap",
                (
                    f"学历教育当年最多计{_hours(conversions.degree_cap)}学时，"
                    f"计{_hours(allowed)}学时"
                ),
                (
                    f"degree study capped at {_hours(conversions.degree_cap)} h a year: "
                    f"{_hours(allowed)} h"
                ),
            )
        return (
            allowed,
            Category.PROFESSIONAL,
            "degree",
            "学历教育计专业科目学时",
            ("degree study counts as professional hours"),
        )
    return activity.minutes, activity.category, "counted", "计入", "counted"


def shortfalls_for(
    requirements: Requirements, counted: dict[Category, int], categories: Iterable[Category]
) -> tuple[list[CategoryHours], int, list[Shortfall]]:
    """Category minimums (each on its own) and the total, against counted minutes."""
    rows: list[CategoryHours] = []
    shortfalls: list[Shortfall] = []
    for category, required in requirements.categories.items():
        have = counted[category]
        rows.append(CategoryHours(category, have, required))
        if have < required:
            gap = required - have
            shortfalls.append(
                Shortfall(
                    f"category_minimum:{category.value}",
                    category,
                    gap,
                    f"{_LABEL_ZH[category]}完成{_hours(have)}学时，"
                    f"要求{_hours(required)}学时，差{_hours(gap)}学时",
                    f"{category.value}: {_hours(have)} h of {_hours(required)} h "
                    f"required, {_hours(gap)} h short",
                )
            )
    total = sum(counted[c] for c in categories)
    if total < requirements.total:
        gap = requirements.total - total
        shortfalls.append(
            Shortfall(
                "total_minimum",
                None,
                gap,
                f"合计完成{_hours(total)}学时，要求{_hours(requirements.total)}学时，"
                f"差{_hours(gap)}学时",
                f"total: {_hours(total)} h of {_hours(requirements.total)} h "
                f"required, {_hours(gap)} h short",
            )
        )
    return rows, total, shortfalls


def evaluate(
    policy: Policy,
    activities: Sequence[Activity] | Iterable[Activity],
    *,
    year: int,
    level: TitleLevel | None = None,
    series: str | None = None,
) -> Evaluation:
    """Apply an annual ``policy`` to the records of ``year`` among ``activities``."""
    requirements = policy.requirements_for(level)
    contributions, counted, errors = assess_year(
        policy, activities, year=year, requirements=requirements, series=series
    )
    ordered = [c for c in _CATEGORIES if c in policy.rules.categories]
    rows, total, shortfalls = shortfalls_for(requirements, counted, ordered)
    shown = {row.category for row in rows}
    rows += [CategoryHours(c, counted[c], 0) for c in ordered if c not in shown]
    rows.sort(key=lambda row: _ORDER[row.category])
    summary = HoursSummary(policy.id, tuple(rows), total, requirements.total)
    return Evaluation(policy.id, year, summary, tuple(contributions), (*errors, *shortfalls))
