"""The hours engine: which records count for a year, how much each contributes, what is missing.

Pure: records, a policy and the person's :class:`~registry.hours.subject.Subject` in, an
:class:`Evaluation` out. Each record is judged by the policy's clauses that hold on its date
in the person's place (:mod:`registry.hours.clauses`), in this order (POLICIES.md §1, §2, §5,
§6):

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

Then each category minimum must be met on its own (surplus never fills another category)
and the total must be met (surplus does count toward it). Every contribution and shortfall
names the clauses that decided it.
"""

from __future__ import annotations

import datetime as dt
import math
import operator
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import lru_cache

from registry.hours.clauses import Conversion, Requirement, year_end
from registry.hours.policy import Policy, RecordRule
from registry.hours.reasons import cause_label_zh
from registry.hours.subject import Subject, check_applies
from registry.model import (
    Activity,
    Category,
    CategoryHours,
    Confirmer,
    HoursSummary,
    RecordStatus,
    Role,
    format_hours,
)

_CATEGORIES = tuple(Category)
_PUBLIC = Category.PUBLIC
_CONFIRMED = RecordStatus.CONFIRMED
"""Every category in declaration order (iterating the enum itself is slow)."""
_ORDER = {category: index for index, category in enumerate(_CATEGORIES)}
_LABEL_ZH = {category: category.label_zh for category in _CATEGORIES}
_NO_DATE = dt.date.min
"""Stands in for the missing date of an undated record in its sort key."""
_hours = lru_cache(maxsize=4096)(format_hours)
"""``format_hours`` of the figures that recur in notes and messages, computed once each."""
_CONFIRMER_ZH = {
    Confirmer.SYSTEM: "继续教育管理系统",
    Confirmer.EMPLOYER: "用人单位",
    Confirmer.HR_BUREAU: "人力资源社会保障部门",
    Confirmer.INDUSTRY_AUTHORITY: "行业主管部门",
    Confirmer.BASE: "继续教育基地",
}
IMPORTER = Confirmer.HR_BUREAU
"""Who confirmed a confirmed record whose ``confirmed_by`` is blank: the bureau that keeps the
registry and imported it (``docs/decisions.md``)."""


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
    clauses: tuple[str, ...] = ()
    """The clauses (``policy#clause``) that decided how the record counts."""


@dataclass(frozen=True, slots=True)
class Shortfall:
    """One unmet requirement or one error in the records, with the rule that produced it."""

    rule: str
    """Machine-readable, e.g. ``category_minimum:public``, ``total_minimum``."""
    category: Category | None
    missing_minutes: int
    message_zh: str
    message_en: str
    clause: str | None = None
    """The clause whose requirement is unmet (``policy#clause``)."""


@dataclass(frozen=True, slots=True)
class Evaluation:
    """The outcome of applying one policy to one person's records of one year."""

    policy_id: str
    year: int
    summary: HoursSummary
    contributions: tuple[Contribution, ...]
    shortfalls: tuple[Shortfall, ...]
    year_clauses: frozenset[str] = frozenset()
    """The clauses about the year's task that held (requirement, categories, public cap)."""

    @property
    def met(self) -> bool:
        return not self.shortfalls

    @property
    def clauses(self) -> frozenset[str]:
        """Every clause that held and decided something in this evaluation."""
        return applied_clauses(self.year_clauses, self.contributions)

    def causes(self) -> tuple[tuple[str, str], ...]:
        """Why the year is not met, without the person's figures: ``(code, 中文)`` pairs, so
        that a batch can group the people it skipped. For each short category, the rules that
        kept some of its recorded hours from counting, or, where every recorded hour counted,
        the shortfall itself; the total only when no category explains it."""
        found: dict[str, str] = {}
        for shortfall in self.shortfalls:
            if shortfall.category is None:
                continue
            lost = [
                c.rule
                for c in self.contributions
                if (c.counted_as or c.activity.category) is shortfall.category
                and c.minutes < c.activity.minutes
            ]
            for code in lost or [shortfall.rule]:
                found.setdefault(code, cause_label_zh(code))
        if not found:
            for shortfall in self.shortfalls:
                found.setdefault(shortfall.rule, cause_label_zh(shortfall.rule))
        return tuple(found.items())


@dataclass(slots=True)
class _Tally:
    """Running counts while records of one year are assessed."""

    counted: dict[Category, int] = field(default_factory=lambda: dict.fromkeys(_CATEGORIES, 0))
    achievements: int = 0
    degree: int = 0
    public_left: int | None = None
    seen_courses: set[str] = field(default_factory=set)
    errors: list[Shortfall] = field(default_factory=list)
    applied: set[str] = field(default_factory=set)


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


def applied_clauses(
    year_clauses: Iterable[str], contributions: Iterable[Contribution]
) -> frozenset[str]:
    """The clauses of the year and of every record's contribution."""
    found = set(year_clauses)
    for contribution in contributions:
        found.update(contribution.clauses)
    return frozenset(found)


def record_day(activity: Activity) -> dt.date:
    """The date a record's clauses are judged on: its end date, else its start date, else the
    last day of its year."""
    return activity.end_date or activity.start_date or year_end(activity.year)


activity_key: Callable[[Activity], tuple[object, ...]] = operator.attrgetter(
    "id_number",
    "year",
    "category",
    "kind",
    "title",
    "course_code",
    "start_date",
    "end_date",
    "provider",
)
"""What makes two records the same activity: the person, year, category, kind, title,
course code, dates and provider. Hours, score, role, status and confirmer are what was
recorded about it."""


def _one_per_activity(
    activities: Iterable[Activity], keys: Iterable[tuple[object, ...]]
) -> dict[tuple[object, ...], Activity]:
    """The record that stands for each activity (``keys``: their :data:`activity_key`): a
    confirmed one before others, then the fewest hours (records that disagree about an
    activity never count more than the least of them). Any other record of the same
    activity is a duplicate."""
    chosen: dict[tuple[object, ...], Activity] = {}
    for activity, key in zip(activities, keys, strict=True):
        best = chosen.setdefault(key, activity)
        if best is not activity and _preference(activity) < _preference(best):
            chosen[key] = activity
    return chosen


def _preference(activity: Activity) -> tuple[bool, int]:
    return (activity.status is not RecordStatus.CONFIRMED, activity.minutes)


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
    tally = _Tally(seen_courses=seen_courses if seen_courses is not None else set())
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
        chosen = _one_per_activity(of_year, keys)
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


def _assess(context: _Context, activity: Activity, tally: _Tally) -> Contribution:
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
            who = "、".join(_CONFIRMER_ZH[c] for c in sorted(conversion.recognised_by))
            return _skip(
                activity,
                "conversion_not_recognised",
                f"折算为专业科目的学时须经{who}认可（{conversion.cite}），本记录未经认可，不计学时",
                f"converted hours count only when recognised by "
                f"{', '.join(sorted(conversion.recognised_by))}: counts zero",
                decided,
            )
        minutes, counted_as, rule, zh, en = _converted(conversion, activity, tally)
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
        worded = _refusal(confirmation, activity.category, activity.confirmed_by, series)
        confirmation.refusals[(activity.confirmed_by, series)] = worded
    rule, zh, en = worded
    return _skip(activity, rule, zh, en, decided)


def _refusal(
    confirmation: RecordRule,
    category: Category,
    confirmed_by: Confirmer | None,
    series: str,
) -> tuple[str, str, str]:
    """(rule, Chinese, English) of a ``category`` record of a person of ``series``
    confirmed by ``confirmed_by`` (``None``: blank), whom ``confirmation`` does not accept."""
    confirmer = confirmed_by or IMPORTER
    clause = next(c for c in confirmation.confirmations if confirmer not in c.by)
    who = "或".join(_CONFIRMER_ZH[c] for c in sorted(clause.by))
    whose = f"{series}系列的{_LABEL_ZH[category]}" if clause.sectors else _LABEL_ZH[category]
    need_zh = f"{whose}须由{who}认定（{clause.cite}）"
    need_en = (
        f"{category.value} records must be confirmed by {', '.join(sorted(clause.by))} "
        f"({clause.key})"
    )
    if confirmed_by is None:
        return (
            "confirmer_unstated",
            f"{need_zh}；本记录未注明认定单位（confirmed_by 为空，视为人社部门认定），不计学时",
            f"{need_en}; confirmed_by is blank (taken as the importing HR bureau): counts zero",
        )
    only_industry = clause.by == frozenset({Confirmer.INDUSTRY_AUTHORITY})
    return (
        "needs_industry_authority" if only_industry else "confirmer_not_accepted",
        f"{need_zh}；本记录由{_CONFIRMER_ZH[confirmed_by]}认定，不计学时",
        f"{need_en}; confirmed by {confirmed_by.value}: counts zero",
    )


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


def _converted(
    conversion: Conversion, activity: Activity, tally: _Tally
) -> tuple[int, Category, str, str, str]:
    """Minutes and category of a recognised conversion (achievements, degree study, skills
    training and conferences), with the yearly caps."""
    if activity.kind in conversion.achievement_kinds:
        if activity.role is None:
            return (
                0,
                Category.PROFESSIONAL,
                "achievement_without_role",
                "成果未注明主创或非主创，不计学时",
                "achievement without main/contributor role: counts zero",
            )
        value = (
            conversion.main_minutes
            if activity.role is Role.MAIN
            else conversion.contributor_minutes
        )
        allowed = max(0, min(value, conversion.achievement_cap - tally.achievements))
        tally.achievements += allowed
        role = "主创" if activity.role is Role.MAIN else "非主创"
        if allowed < value:
            return (
                allowed,
                Category.PROFESSIONAL,
                "achievement_cap",
                f"成果{role}折算{_hours(value)}学时，本年度成果累计不超过"
                f"{_hours(conversion.achievement_cap)}学时，计{_hours(allowed)}学时",
                f"achievement ({activity.role.value}) worth {_hours(value)} h, capped "
                f"at {_hours(conversion.achievement_cap)} h a year: {_hours(allowed)} h",
            )
        return (
            value,
            Category.PROFESSIONAL,
            "achievement",
            f"成果{role}折算专业科目{_hours(value)}学时",
            f"achievement ({activity.role.value}): {_hours(value)} professional hours",
        )
    if activity.kind in conversion.degree_kinds:
        allowed = max(0, min(activity.minutes, conversion.degree_cap - tally.degree))
        tally.degree += allowed
        if allowed < activity.minutes:
            return (
                allowed,
                Category.PROFESSIONAL,
                "degree_cap",
                f"学历教育当年最多计{_hours(conversion.degree_cap)}学时，计{_hours(allowed)}学时",
                f"degree study capped at {_hours(conversion.degree_cap)} h a year: "
                f"{_hours(allowed)} h",
            )
        return (
            allowed,
            Category.PROFESSIONAL,
            "degree",
            "学历教育计专业科目学时",
            "degree study counts as professional hours",
        )
    return (
        activity.minutes,
        Category.PROFESSIONAL,
        "counted",
        "经认可，据实计专业科目学时",
        "recognised: its hours count as professional hours",
    )


def shortfalls_for(
    requirement: Requirement,
    counted: dict[Category, int],
    categories: Iterable[Category],
    contributions: Iterable[Contribution] = (),
) -> tuple[list[CategoryHours], int, list[Shortfall]]:
    """Category minimums (each on its own) and the total, against counted minutes. Where a
    short category has records that did not count in full, the message says what was recorded,
    what counted and why."""
    explained: tuple[dict[Category, int], dict[Category, list[str]]] | None = None
    rows: list[CategoryHours] = []
    shortfalls: list[Shortfall] = []
    for category, required in requirement.minimums.items():
        have = counted[category]
        rows.append(CategoryHours(category, have, required))
        if have < required:
            gap = required - have
            label = _LABEL_ZH[category]
            if explained is None:
                explained = _recorded(contributions)
            recorded, why = explained
            reasons = why.get(category)
            if reasons:
                zh = (
                    f"{label}记录{_hours(recorded[category])}学时，计入{_hours(have)}学时："
                    f"{'；'.join(reasons)}。要求{_hours(required)}学时，差{_hours(gap)}学时"
                )
                en = (
                    f"{category.value}: {_hours(recorded[category])} h recorded, "
                    f"{_hours(have)} h counted, {_hours(required)} h required, "
                    f"{_hours(gap)} h short"
                )
            else:
                zh = (
                    f"{label}完成{_hours(have)}学时，要求{_hours(required)}学时，"
                    f"差{_hours(gap)}学时"
                )
                en = (
                    f"{category.value}: {_hours(have)} h of {_hours(required)} h "
                    f"required, {_hours(gap)} h short"
                )
            shortfalls.append(
                Shortfall(
                    f"category_minimum:{category.value}", category, gap, zh, en, requirement.key
                )
            )
    total = sum(counted[c] for c in categories)
    if total < requirement.total:
        gap = requirement.total - total
        shortfalls.append(
            Shortfall(
                "total_minimum",
                None,
                gap,
                f"合计完成{_hours(total)}学时，要求{_hours(requirement.total)}学时，"
                f"差{_hours(gap)}学时",
                f"total: {_hours(total)} h of {_hours(requirement.total)} h "
                f"required, {_hours(gap)} h short",
                requirement.key,
            )
        )
    return rows, total, shortfalls


def _recorded(
    contributions: Iterable[Contribution],
) -> tuple[dict[Category, int], dict[Category, list[str]]]:
    """Minutes recorded per category, and the distinct reasons why some did not count."""
    recorded = dict.fromkeys(_CATEGORIES, 0)
    why: dict[Category, list[str]] = {}
    for contribution in contributions:
        category = contribution.counted_as or contribution.activity.category
        recorded[category] += max(contribution.activity.minutes, contribution.minutes)
        if contribution.minutes < contribution.activity.minutes:
            note = contribution.note_zh
            reasons = why.setdefault(category, [])
            if note not in reasons:
                reasons.append(note)
    return recorded, why


def evaluate(
    policy: Policy,
    activities: Iterable[Activity],
    *,
    year: int,
    subject: Subject,
) -> Evaluation:
    """Apply the annual ``policy`` to ``subject``'s records of ``year`` among ``activities``.

    Raises ``RegistryError`` when the policy may not judge the subject for the year
    (:func:`registry.hours.subject.refusal`: ``policy_not_in_force``,
    ``outside_jurisdiction``, ``series_not_covered``, ``level_not_covered``,
    ``series_own_policy``) or sets no task for it (``not_annual``)."""
    check_applies(policy, subject, year)
    requirement = policy.requirement_for(subject.level, year)
    contributions, counted, errors, applied = assess_year(
        policy, activities, year=year, subject=subject, requirement=requirement
    )
    categories, _clause = policy.categories(year)
    ordered = [c for c in _CATEGORIES if c in categories]
    rows, total, shortfalls = shortfalls_for(requirement, counted, ordered, contributions)
    shown = {row.category for row in rows}
    rows += [CategoryHours(c, counted[c], 0) for c in ordered if c not in shown]
    rows.sort(key=lambda row: _ORDER[row.category])
    summary = HoursSummary(policy.id, tuple(rows), total, requirement.total)
    applied.add(requirement.key)
    return Evaluation(
        policy.id,
        year,
        summary,
        tuple(contributions),
        (*errors, *shortfalls),
        frozenset(applied),
    )
