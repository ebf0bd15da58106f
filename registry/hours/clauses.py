"""Clauses: one rule of a policy, with its source, its place and its own dates.

A policy's clauses do not all start when the policy does (the Guangdong reform of
2018-11-01 changed who confirms professional hours in a policy in force since 2010), and some
hold only in part of its jurisdiction (a Guangzhou rule inside the Guangdong policy). So every
rule is a clause that says where it comes from (``cite``, ``text``), where it holds
(``place``) and when (``effective_from``, ``until``, both inclusive).

When a clause is judged depends on what it rules (:class:`Judged`):

* rules about **the year's task** (minimums, categories, the public cap, series with their
  own policy, reissue carry-over) hold for a calendar year; their dates cover whole years;
* rules about **a record** (who confirms it, exam scores, a public course counted once,
  make-up windows, conversions) hold on the record's date: when it was completed (its end
  date, else its start date, else the last day of its year);
* rules of **an application** (cycle verification, title evaluation) hold on the date of the
  application or evaluation; a cycle verification judges every clause on that date.

Pure value objects; :mod:`registry.hours.policy` reads them from the policy files.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from fractions import Fraction

from registry.model import Category, Confirmer, TitleLevel
from registry.places import covers


class Judged(StrEnum):
    """What a clause's dates are compared with."""

    YEAR = "year"
    """The calendar year whose task is assessed."""
    RECORD = "record"
    """The date of each training record."""
    APPLICATION = "application"
    """The date of the application (cycle) or evaluation (title)."""


class Rule(StrEnum):
    """The kinds of clause (the ``rule`` key of a ``[[clause]]``, ``docs/policies.md``)."""

    REQUIREMENT = "requirement"
    CATEGORIES = "categories"
    PUBLIC_CAP = "public_cap"
    SERIES_POLICY = "series_policy"
    REISSUE = "reissue"
    CONFIRMATION = "confirmation"
    MIN_SCORE = "min_score"
    PUBLIC_COURSE_ONCE = "public_course_once"
    MAKE_UP = "make_up"
    CONVERSION = "conversion"
    CYCLE = "cycle"
    CYCLE_YEAR_MINIMUMS = "cycle_year_minimums"
    TITLE = "title"

    @property
    def judged(self) -> Judged:
        if self in _BY_YEAR:
            return Judged.YEAR
        if self in _BY_APPLICATION:
            return Judged.APPLICATION
        return Judged.RECORD


_BY_YEAR = frozenset(
    {Rule.REQUIREMENT, Rule.CATEGORIES, Rule.PUBLIC_CAP, Rule.SERIES_POLICY, Rule.REISSUE}
)
_BY_APPLICATION = frozenset({Rule.CYCLE, Rule.CYCLE_YEAR_MINIMUMS, Rule.TITLE})


def year_end(year: int) -> dt.date:
    """The day a year's task is judged on: its last day."""
    return dt.date(year, 12, 31)


@dataclass(frozen=True, slots=True)
class Clause:
    """What every clause has: identity, source, place and dates."""

    policy_id: str
    id: str
    """Unique within its policy; ``key`` is unique everywhere."""
    cite: str
    """Notice and place in it, e.g. ``001 三`` (notices by number in ``seeds/``)."""
    text: str
    """The clause's words, quoted from the notice."""
    note: str | None
    """How cecert reads it, where the notice leaves a choice."""
    place: str
    """Administrative division code where it holds (the policy's jurisdiction or within it)."""
    effective_from: dt.date
    until: dt.date | None
    """Last day it holds; ``None``: no end."""
    key: str = field(init=False, repr=False, compare=False)
    """``policy#clause``, e.g. ``gd-2010#confirm-professional-industry-2018``: unique
    everywhere, the name reports give the clause."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "key", f"{self.policy_id}#{self.id}")

    @property
    def rule(self) -> Rule:
        return _RULE_OF[type(self)]

    def holds_on(self, day: dt.date, region: str | None = None) -> bool:
        """Whether the clause is in force on ``day`` (and, when ``region`` is given, whether
        that region lies within its place)."""
        if day < self.effective_from or (self.until is not None and day > self.until):
            return False
        return region is None or covers(self.place, region)

    def holds_in(self, year: int) -> bool:
        """For a clause about the year's task: whether it holds for ``year``."""
        return self.holds_on(year_end(year))


@dataclass(frozen=True, slots=True)
class Requirement(Clause):
    """The year's minimums (年度继续教育任务), for some or all title levels."""

    levels: frozenset[TitleLevel]
    """Empty: every level (and an unknown level); a clause naming the level wins."""
    total: int
    """Minimum counted minutes in the year."""
    minimums: Mapping[Category, int]
    """Minimum minutes per category, each met on its own."""


@dataclass(frozen=True, slots=True)
class CategorySet(Clause):
    """The categories that exist; a confirmed record of another one is an error."""

    categories: frozenset[Category]


@dataclass(frozen=True, slots=True)
class PublicCap(Clause):
    """Public hours count up to this fraction of the required total (Jiangxi)."""

    cap: Fraction


@dataclass(frozen=True, slots=True)
class SeriesPolicy(Clause):
    """These series follow their own national rules: ``policy``, not this one (001 一)."""

    series: frozenset[str]
    """Official series names (``registry.series``)."""
    policy: str


@dataclass(frozen=True, slots=True)
class ReissueRule(Clause):
    """On reissue, hours of these categories are carried only when their proof is
    presented again (Guangde 003 四(三)); others are carried as recorded."""

    reproof: frozenset[Category]


@dataclass(frozen=True, slots=True)
class Confirmation(Clause):
    """Who must have confirmed (认定) a record of these categories for it to count."""

    categories: frozenset[Category]
    by: frozenset[Confirmer]
    sectors: frozenset[str]
    """Empty: people of every sector; a clause naming the person's sector wins."""


@dataclass(frozen=True, slots=True)
class MinScore(Clause):
    """A record of ``category`` counts only with an exam score of at least ``score``."""

    category: Category
    score: int
    """Hundredths of a point."""


@dataclass(frozen=True, slots=True)
class PublicCourseOnce(Clause):
    """The same public course (``course_code``) counts once."""


@dataclass(frozen=True, slots=True)
class MakeUp(Clause):
    """Hours of ``category`` for ``year`` completed while this clause holds still count for
    ``year`` (the clause's own dates are the window)."""

    year: int
    category: Category


@dataclass(frozen=True, slots=True)
class Conversion(Clause):
    """Achievements, degree study, skills training and conferences counted as professional
    hours, only when recognised by ``recognised_by`` (Guangzhou 002 一(四))."""

    recognised_by: frozenset[Confirmer]
    achievement_kinds: frozenset[str]
    main_minutes: int
    contributor_minutes: int
    achievement_cap: int
    degree_kinds: frozenset[str]
    degree_cap: int
    actual_kinds: frozenset[str]
    """Kinds counted at the hours on their proof (days × 6 at import)."""

    @property
    def kinds(self) -> frozenset[str]:
        return self.achievement_kinds | self.degree_kinds | self.actual_kinds


@dataclass(frozen=True, slots=True)
class CycleRule(Clause):
    """Guangzhou cycle verification (notice 002 一(一)-(二)1)."""

    max_years: int
    cutoff: tuple[int, int]
    """(month, day): applying on or before it closes the cycle at the previous year."""
    minutes_per_year: int


@dataclass(frozen=True, slots=True)
class CycleYearMinimums(Clause):
    """Years of a cycle that must each meet minimums on their own (002 一(二)2)."""

    years: frozenset[int]
    minimums: Mapping[Category, int]


@dataclass(frozen=True, slots=True)
class TitleRule(Clause):
    """Which years' certificates a title-evaluation panel requires."""

    years: Mapping[str, str]
    """By level (or ``default``): ``since_title``, ``latest_one``, ``current_year``, ``cycle``."""
    floor_year: int | None
    """``since_title`` never reaches back before this year (also for direct applications)."""
    require_policy: str | None
    """Judge every year's hours against this policy instead of the certificate's own."""

    def mode(self, level: TitleLevel) -> str:
        return self.years.get(level.value) or self.years["default"]


_RULE_OF: Mapping[type[Clause], Rule] = {
    Requirement: Rule.REQUIREMENT,
    CategorySet: Rule.CATEGORIES,
    PublicCap: Rule.PUBLIC_CAP,
    SeriesPolicy: Rule.SERIES_POLICY,
    ReissueRule: Rule.REISSUE,
    Confirmation: Rule.CONFIRMATION,
    MinScore: Rule.MIN_SCORE,
    PublicCourseOnce: Rule.PUBLIC_COURSE_ONCE,
    MakeUp: Rule.MAKE_UP,
    Conversion: Rule.CONVERSION,
    CycleRule: Rule.CYCLE,
    CycleYearMinimums: Rule.CYCLE_YEAR_MINIMUMS,
    TitleRule: Rule.TITLE,
}
CLAUSE_TYPES: Mapping[Rule, type[Clause]] = {rule: cls for cls, rule in _RULE_OF.items()}


__all__ = [
    "CLAUSE_TYPES",
    "CategorySet",
    "Clause",
    "Confirmation",
    "Conversion",
    "CycleRule",
    "CycleYearMinimums",
    "Judged",
    "MakeUp",
    "MinScore",
    "PublicCap",
    "PublicCourseOnce",
    "ReissueRule",
    "Requirement",
    "Rule",
    "SeriesPolicy",
    "TitleRule",
    "year_end",
]
