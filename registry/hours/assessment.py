"""Assessing the records of one year: which count, how much each contributes, and why.

Each record is judged by the policy's clauses that hold on its date in the person's place
(:mod:`registry.hours.clauses`), in this order (POLICIES.md §1, §2, §5, §6):

1. the same activity given twice (the same record twice) counts once;
2. only confirmed records count;
3. a record studied after its year counts only inside a make-up window; one dated before the
   year never counts for it;
4. a category the year's rules do not have is an error in the record;
5. it counts only when confirmed by whom the confirmation clause of its date names, for the
   person's sector (a record without ``confirmed_by`` was confirmed by the bureau that
   imported it);
6. an exam score below the minimum makes the record count zero;
7. achievements, degree study, skills training and conferences are converted to professional
   hours, only when recognised as the conversion clause says, and capped per year;
8. the same public course (``course_code``) counts once, where a clause says so;
9. public hours count up to a fraction of the required total (Jiangxi).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from registry.hours.clauses import Requirement, year_end
from registry.hours.confirmers import CONFIRMER_ZH, IMPORTER, confirmer_refusal
from registry.hours.contributions import Contribution
from registry.hours.conversions import converted
from registry.hours.duplicates import activity_key, one_per_activity
from registry.hours.policy import Policy, RecordRule
from registry.hours.shortfalls import Shortfall
from registry.hours.subject import Subject
from registry.hours.tally import Tally
from registry.model import Activity, Category, RecordStatus, format_hours

_PUBLIC = Category.PUBLIC
_CONFIRMED = RecordStatus.CONFIRMED
_LABEL_ZH = {category: category.label_zh for category in Category}
_NO_DATE = dt.date.min
"""Stands in for the missing date of an undated record in its sort key."""
_hours = lru_cache(maxsize=4096)(format_hours)
"""``format_hours`` of the figures that recur in notes and messages, computed once each."""


@dataclass(slots=True)
class _Context:
    """What every record of one year is judged with."""

    policy: Policy
    year: int
    subject: Subject
    categories: frozenset[Category]
    categories_clause: str | None
    sector: str
    """The person's sector, which names the confirmation clauses that hold for them."""
    on: dt.date | None
    """Judge every record's clauses on this date (a cycle's application date) instead of
    the record's own."""


def record_day(activity: Activity) -> dt.date:
    """The date a record's clauses are judged on: its end date, else its start date, else the
    last day of its year."""
    return activity.end_date or activity.start_date or year_end(activity.year)


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
    subject: Subject,
    requirement: Requirement | None,
    seen_courses: set[str] | None = None,
    on: dt.date | None = None,
) -> tuple[list[Contribution], dict[Category, int], list[Shortfall], set[str]]:
    """Assess the records of ``year``: contributions, counted minutes per category, record
    errors and the clauses about the year applied (each contribution names its own).
    ``seen_courses`` carries public course codes across years and ``on`` is the application
    date (cycle verification)."""
    tally = Tally(seen_courses=seen_courses if seen_courses is not None else set())
    year_rules = policy.year_rules(year if on is None else on.year)
    cap = year_rules.public_cap if on is None else None
    if cap is not None and requirement is not None:
        tally.public_left = math.floor(requirement.total * cap.cap)
        tally.applied.add(cap.key)
    categories, category_clause = year_rules.categories, year_rules.categories_clause
    context = _Context(
        policy,
        year,
        subject,
        categories,
        category_clause.key if category_clause else None,
        subject.series.sector,
        on,
    )
    of_year = sorted((a for a in activities if a.year == year), key=_sort_key)
    keys = list(map(activity_key, of_year))
    contributions: list[Contribution] = []
    if len(set(keys)) == len(keys):  # no activity recorded twice: the common case
        contributions = [_assess(context, activity, tally) for activity in of_year]
    else:
        chosen = one_per_activity(of_year, keys)
        for activity, key in zip(of_year, keys, strict=True):
            # Each activity's chosen record is taken out when met: any other record of
            # it, the same object given twice included, is a duplicate.
            if chosen.get(key) is not activity:
                contributions.append(_duplicate(activity))
                continue
            del chosen[key]
            contributions.append(_assess(context, activity, tally))
    if category_clause is not None:
        tally.applied.add(category_clause.key)
    return contributions, tally.counted, tally.errors, tally.applied


def _skip(
    activity: Activity, rule: str, zh: str, en: str, clauses: tuple[str, ...] = ()
) -> Contribution:
    return Contribution(activity, 0, None, rule, zh, en, clauses)


def _duplicate(activity: Activity) -> Contribution:
    return Contribution(
        activity,
        0,
        None,
        "duplicate_record",
        "同一学习活动登记了不止一次，只计一次",
        "the same activity recorded more than once: it counts once",
    )


def _assess(context: _Context, activity: Activity, tally: Tally) -> Contribution:
    policy = context.policy
    category = activity.category
    if activity.status is not _CONFIRMED:
        return _skip(
            activity,
            "not_confirmed",
            f"尚未认定（{activity.status.label_zh}），不计学时",
            f"not confirmed ({activity.status.value}): does not count",
        )
    when = activity.end_date or activity.start_date
    made_up = None
    if context.on is None and when is not None and when.year != context.year:
        timing, made_up = _timing(context, activity, when)
        if timing is not None:
            return timing
    day = context.on or when or year_end(activity.year)
    if category not in context.categories:
        tally.errors.append(
            Shortfall(
                f"category_not_allowed:{category.value}",
                category,
                0,
                f"记录《{activity.title}》的类别{_LABEL_ZH[category]}不适用于政策 {policy.id}",
                f"record {activity.title!r}: category {category.value} does not exist under "
                f"{policy.id}",
                context.categories_clause,
            )
        )
        return _skip(
            activity,
            "category_not_allowed",
            f"政策 {policy.id} 不设{_LABEL_ZH[category]}",
            f"{policy.id} has no {category.value} category",
            (context.categories_clause,) if context.categories_clause else (),
        )
    rules = policy.record_rule(day, context.subject.region, category, context.sector)
    decided = (made_up, *rules.keys) if made_up else rules.keys
    if (activity.confirmed_by or IMPORTER) not in rules.accepted:
        return _not_confirmed_by(context, activity, rules, decided)
    minimum = rules.min_score
    if minimum is not None:
        decided += (minimum.key,)
        if activity.score is None or activity.score * 100 < minimum.score:
            shown = "无成绩" if activity.score is None else f"{activity.score}分"
            return _skip(
                activity,
                "score_below_minimum",
                f"考试成绩（{shown}）低于{minimum.score / 100:g}分，不计学时",
                f"exam score ({activity.score if activity.score is not None else 'none'}) "
                f"below {minimum.score / 100:g}: counts zero",
                decided,
            )
    conversion = rules.conversion
    if conversion is not None and activity.kind in conversion.kinds:
        decided += (conversion.key,)
        if activity.confirmed_by not in conversion.recognised_by:
            who = "、".join(CONFIRMER_ZH[c] for c in sorted(conversion.recognised_by))
            return _skip(
                activity,
                "conversion_not_recognised",
                f"折算为专业科目的学时须经{who}认可（{conversion.cite}），本记录未经认可，不计学时",
                f"converted hours count only when recognised by "
                f"{', '.join(sorted(conversion.recognised_by))}: counts zero",
                decided,
            )
        minutes, counted_as, rule, zh, en = converted(conversion, activity, tally)
    else:
        minutes, counted_as, rule, zh, en = activity.minutes, category, "counted", "计入", "counted"
    once = rules.public_course_once if counted_as is _PUBLIC else None
    if once is not None and activity.course_code:
        decided += (once.key,)
        if activity.course_code in tally.seen_courses:
            return _skip(
                activity,
                "duplicate_public_course",
                f"重复选学同一门公需科目（{activity.course_code}），仅计一次",
                f"the same public course ({activity.course_code}) counts once",
                decided,
            )
        tally.seen_courses.add(activity.course_code)
    if counted_as is _PUBLIC and tally.public_left is not None:
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
    return Contribution(activity, minutes, counted_as, rule, zh, en, decided)


def _not_confirmed_by(
    context: _Context,
    activity: Activity,
    confirmation: RecordRule,
    decided: tuple[str, ...],
) -> Contribution:
    """Why a record confirmed by someone its clauses (those of its date, for the person's
    sector) do not accept does not count."""
    if not confirmation.confirmations:
        return _skip(
            activity,
            "no_confirmation_rule",
            f"政策 {context.policy.id} 没有适用于该记录日期的{_LABEL_ZH[activity.category]}认定"
            "规定，不计学时",
            f"no clause of {context.policy.id} says who confirms {activity.category.value} "
            "records of that date: does not count",
        )
    series = context.subject.series.name
    worded = confirmation.refusals.get((activity.confirmed_by, series))
    if worded is None:
        worded = confirmer_refusal(confirmation, activity.category, activity.confirmed_by, series)
        confirmation.refusals[(activity.confirmed_by, series)] = worded
    rule, zh, en = worded
    return _skip(activity, rule, zh, en, decided)


def _timing(
    context: _Context, activity: Activity, when: dt.date
) -> tuple[Contribution | None, str | None]:
    """For a record completed on ``when``, outside the year assessed: (``None`` when a
    make-up window covers it, else why it does not count; the make-up clause that let it
    count, if one did)."""
    year = context.year
    if when.year < year:
        return (
            _skip(
                activity,
                "dated_outside_year",
                f"学习时间（{when}）早于{year}年度",
                f"studied on {when}, before {year}",
            ),
            None,
        )
    window, ended = context.policy.make_up(year, activity.category, when, context.subject.region)
    if window is not None:
        return None, window.key
    if ended is not None:
        return (
            _skip(
                activity,
                "after_make_up_deadline",
                f"超过补学期限（{ended.until}）",
                f"completed after the make-up deadline {ended.until}",
            ),
            None,
        )
    return (
        _skip(
            activity,
            "no_make_up",
            f"学习时间（{when}）不在{year}年度，不予补学",
            f"studied on {when}, outside {year}; no make-up allowed",
        ),
        None,
    )
