"""Guangzhou cycle verification (周期验证, notice 002, until 2016-12-31).

* The cycle's years run from the year after the current title was obtained to the previous
  year when applying on or before June 30, or to the application year after it; only the
  latest 5 count.
* Hours of the application year completed by the application date count toward the cycle
  even when that year is not part of it.
* Required: 72 hours × the cycle's years in total; and for each of 2012-2015 inside the cycle,
  18 public and 42 professional hours in that year.
* Conversions, caps and the one-count public course rule apply as in the annual engine; a
  public course counts once across the whole cycle.

Every clause of the policy is judged on the application date: the verification of that day
applies its rules to all the records of the cycle.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, replace

from registry.errors import RegistryError
from registry.hours.assessment import assess_year
from registry.hours.clauses import CycleRule
from registry.hours.contributions import Contribution, applied_clauses
from registry.hours.policy import Policy
from registry.hours.shortfalls import Shortfall
from registry.hours.subject import Subject, check_applies
from registry.model import Activity, Category, format_hours


@dataclass(frozen=True, slots=True)
class CycleYear:
    """One year of the cycle (or the application year's partial hours)."""

    year: int
    in_cycle: bool
    counted: dict[Category, int]
    contributions: tuple[Contribution, ...]

    @property
    def total(self) -> int:
        return sum(self.counted.values())


@dataclass(frozen=True, slots=True)
class CycleEvaluation:
    policy_id: str
    title_date: dt.date
    apply_date: dt.date
    years: tuple[CycleYear, ...]
    total_counted: int
    total_required: int
    shortfalls: tuple[Shortfall, ...]
    clauses: frozenset[str] = frozenset()
    """Every clause that held on the application date and decided something."""

    @property
    def cycle_years(self) -> tuple[int, ...]:
        return tuple(y.year for y in self.years if y.in_cycle)

    @property
    def met(self) -> bool:
        return bool(self.cycle_years) and not self.shortfalls


def cycle_years(spec: CycleRule, *, title_date: dt.date, apply_date: dt.date) -> list[int]:
    """The years of the cycle, oldest first (possibly none)."""
    last = (
        apply_date.year - 1
        if (apply_date.month, apply_date.day) <= spec.cutoff
        else apply_date.year
    )
    first = max(title_date.year + 1, last - spec.max_years + 1)
    return list(range(first, last + 1))


def evaluate_cycle(
    policy: Policy,
    activities: Sequence[Activity],
    *,
    title_date: dt.date,
    apply_date: dt.date,
    subject: Subject,
) -> CycleEvaluation:
    """Run the cycle verification of ``policy`` for an application on ``apply_date``.

    Raises ``RegistryError``: ``policy_not_in_force`` (the application date is outside the
    policy's dates), ``outside_jurisdiction`` (the person is registered elsewhere),
    ``not_a_cycle``, ``bad_dates``."""
    policy.check_in_force(on=apply_date)
    check_applies(policy, subject, apply_date.year)
    spec = policy.cycle(apply_date)
    if spec is None:
        raise RegistryError(
            "not_a_cycle", f"policy {policy.id} has no cycle verification on {apply_date}"
        )
    if apply_date < title_date:
        raise RegistryError("bad_dates", "the application date is before the title date")
    years = cycle_years(spec, title_date=title_date, apply_date=apply_date)
    # Only what was completed by the application date counts.
    usable = [a for a in activities if _completed_by(a, apply_date)]
    seen: set[str] = set()
    checked: list[CycleYear] = []
    applied: set[str] = {spec.key}
    for year in [*years, *([apply_date.year] if apply_date.year not in years else [])]:
        contributions, counted, _errors, used = assess_year(
            policy,
            usable,
            year=year,
            subject=subject,
            requirement=None,
            seen_courses=seen,
            on=apply_date,
        )
        applied |= used
        checked.append(CycleYear(year, year in years, dict(counted), tuple(contributions)))
    late = [
        _after_application(a)
        for a in activities
        if a.year == apply_date.year and not _completed_by(a, apply_date)
    ]
    if late and checked and checked[-1].year == apply_date.year:
        last = checked[-1]
        checked[-1] = replace(last, contributions=(*last.contributions, *late))
    total = sum(y.total for y in checked)
    required = spec.minutes_per_year * len(years)
    shortfalls: list[Shortfall] = []
    if not years:
        shortfalls.append(
            Shortfall(
                "cycle_empty",
                None,
                0,
                "取得现职称后尚无完整的验证年度",
                "no complete year since the current title: the cycle is empty",
                spec.key,
            )
        )
    elif total < required:
        gap = required - total
        shortfalls.append(
            Shortfall(
                "cycle_total",
                None,
                gap,
                f"周期（{years[0]}–{years[-1]}年，{len(years)}年）合计{format_hours(total)}学时，"
                f"要求{format_hours(required)}学时，差{format_hours(gap)}学时",
                f"cycle {years[0]}-{years[-1]} ({len(years)} years): {format_hours(total)} h of "
                f"{format_hours(required)} h, {format_hours(gap)} h short",
                spec.key,
            )
        )
    minimums = policy.cycle_year_minimums(apply_date)
    if minimums is not None:
        applied.add(minimums.key)
    for item in checked:
        if minimums is None or not item.in_cycle or item.year not in minimums.years:
            continue
        for category, minimum in minimums.minimums.items():
            have = item.counted[category]
            if have < minimum:
                shortfalls.append(
                    Shortfall(
                        f"cycle_year_minimum:{item.year}:{category.value}",
                        category,
                        minimum - have,
                        f"{item.year}年{category.label_zh}完成{format_hours(have)}学时，"
                        f"要求{format_hours(minimum)}学时",
                        f"{item.year} {category.value}: {format_hours(have)} h of "
                        f"{format_hours(minimum)} h required that year",
                        minimums.key,
                    )
                )
    return CycleEvaluation(
        policy.id,
        title_date,
        apply_date,
        tuple(checked),
        total,
        required,
        tuple(shortfalls),
        applied_clauses(applied, (c for y in checked for c in y.contributions)),
    )


def _completed_by(activity: Activity, apply_date: dt.date) -> bool:
    """Records of the application year count only when finished by the application date;
    an undated record of that year cannot show it and does not count."""
    if activity.year < apply_date.year:
        return True
    if activity.year > apply_date.year:
        return False
    when = activity.end_date or activity.start_date
    return when is not None and when <= apply_date


def _after_application(activity: Activity) -> Contribution:
    when = activity.end_date or activity.start_date
    shown = str(when) if when else "未注明日期"
    return Contribution(
        activity,
        0,
        None,
        "after_application",
        f"完成时间（{shown}）晚于申请日期或未注明，不计入",
        f"completed {when or 'on an unknown date'}, not by the application date",
    )
