"""A policy: one jurisdiction's rules from one or more notices, as dated clauses.

A policy file (``registry/hours/policies/<id>.toml``, read by :mod:`registry.hours.policy_files`)
states where and when the policy is in force and lists its clauses
(:mod:`registry.hours.clauses`). This module answers, for a year, a date and a place, which
clauses hold: the one question every evaluation asks first. Pure.

A policy is **in force for a year** when its dates overlap the year, and **on a day** when
the day lies between its dates. Outside them, every evaluation refuses it with
``policy_not_in_force`` (:meth:`Policy.check_in_force`): issuing, checking hours, title
evaluation and the verifier's hours judgement alike.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TypeVar

from registry.errors import RegistryError
from registry.hours.clauses import (
    CategorySet,
    Clause,
    Confirmation,
    Conversion,
    CycleRule,
    CycleYearMinimums,
    MakeUp,
    MinScore,
    PublicCap,
    PublicCourseOnce,
    ReissueRule,
    Requirement,
    SeriesPolicy,
    TitleRule,
    year_end,
)
from registry.model import Category, Confirmer, TitleLevel

C = TypeVar("C", bound=Clause)


@dataclass(frozen=True, slots=True)
class Policy:
    """One policy file: where and when it holds, and its clauses."""

    id: str
    title_zh: str
    title_en: str
    source: str
    """The source notice(s) in ``shared/seeds``, by number."""
    jurisdiction: str
    """Administrative division code of the place it governs."""
    effective_from: dt.date
    effective_to: dt.date | None
    series: tuple[str, ...]
    """Official title series it applies to; empty means all."""
    levels: tuple[TitleLevel, ...]
    """Title levels it applies to; empty means all."""
    clauses: tuple[Clause, ...]
    _by_type: dict[type[Clause], tuple[Clause, ...]] = field(init=False, repr=False, compare=False)
    _narrow: bool = field(init=False, repr=False, compare=False)
    """Whether some clause holds in only part of the jurisdiction (then a record's rules
    depend on the person's place as well as on its date)."""
    _memo: dict[tuple[dt.date, str | None, Category, str], RecordRule] = field(
        init=False, repr=False, compare=False
    )
    """:meth:`record_rule`, worked out once each."""
    _years: dict[int, YearRules] = field(init=False, repr=False, compare=False)
    """:meth:`year_rules`, worked out once each."""

    def __post_init__(self) -> None:
        grouped: dict[type[Clause], list[Clause]] = {}
        for clause in self.clauses:
            grouped.setdefault(type(clause), []).append(clause)
        object.__setattr__(self, "_by_type", {k: tuple(v) for k, v in grouped.items()})
        narrow = any(c.place != self.jurisdiction for c in self.clauses)
        object.__setattr__(self, "_narrow", narrow)
        object.__setattr__(self, "_memo", {})
        object.__setattr__(self, "_years", {})

    def of_type(self, kind: type[C]) -> tuple[C, ...]:
        """Every clause of one kind, in file order."""
        return self._by_type.get(kind, ())  # type: ignore[return-value]

    def clause(self, clause_id: str) -> Clause:
        for clause in self.clauses:
            if clause.id == clause_id:
                return clause
        raise RegistryError("unknown_clause", f"policy {self.id} has no clause {clause_id!r}")

    # -- when and where -----------------------------------------------------------------

    def in_force(self, year: int) -> bool:
        """Whether the policy's dates overlap ``year``."""
        start = self.effective_from.year
        end = self.effective_to.year if self.effective_to else 9999
        return start <= year <= end

    def in_force_on(self, day: dt.date) -> bool:
        return self.effective_from <= day and (
            self.effective_to is None or day <= self.effective_to
        )

    def period_zh(self) -> str:
        end = f"至{self.effective_to}" if self.effective_to else "起"
        return f"{self.effective_from}{end}"

    def not_in_force(
        self, *, year: int | None = None, on: dt.date | None = None
    ) -> tuple[str, str] | None:
        """``None`` when the policy is in force for ``year`` (annual rules) or on ``on``
        (cycle and title rules); otherwise what to say, in Chinese and in English."""
        if year is not None and not self.in_force(year):
            when_zh, when_en = f"{year}年度", f"in {year}"
        elif on is not None and not self.in_force_on(on):
            when_zh, when_en = f"{on}", f"on {on}"
        else:
            return None
        return (
            f"政策 {self.id}（{self.title_zh}）{when_zh}不在施行期内（施行期 {self.period_zh()}）",
            f"policy {self.id} is not in force {when_en}",
        )

    def check_in_force(self, *, year: int | None = None, on: dt.date | None = None) -> None:
        """Raise ``RegistryError('policy_not_in_force')`` unless the policy is in force for
        ``year`` or on ``on``: the one place where every command and page refuses a policy
        outside its dates."""
        refused = self.not_in_force(year=year, on=on)
        if refused is not None:
            raise RegistryError("policy_not_in_force", f"{refused[0]} ({refused[1]})")

    # -- clauses of a year --------------------------------------------------------------

    def year_rules(self, year: int) -> YearRules:
        """The clauses about the task of ``year``, worked out once per year."""
        found = self._years.get(year)
        if found is None:
            categories, clause = self._categories(year)
            found = YearRules(
                requirements={
                    level: self._requirement(level, year) for level in (None, *TitleLevel)
                },
                categories=categories,
                categories_clause=clause,
                public_cap=_first(c for c in self.of_type(PublicCap) if c.holds_in(year)),
            )
            self._years[year] = found
        return found

    def requirement(self, level: TitleLevel | None, year: int) -> Requirement | None:
        """The year's minimums at ``level``: a clause naming the level wins over one for
        every level; ``None`` when no requirement holds for the year."""
        return self.year_rules(year).requirements[level]

    def _requirement(self, level: TitleLevel | None, year: int) -> Requirement | None:
        holding = [c for c in self.of_type(Requirement) if c.holds_in(year)]
        for clause in holding:
            if level is not None and level in clause.levels:
                return clause
        for clause in holding:
            if not clause.levels:
                return clause
        return None

    def requirement_for(self, level: TitleLevel | None, year: int) -> Requirement:
        """:meth:`requirement`, or ``RegistryError('not_annual')``."""
        found = self.requirement(level, year)
        if found is None:
            raise RegistryError(
                "not_annual",
                f"政策 {self.id} 没有{year}年度的年度学时要求 "
                f"(policy {self.id} has no annual requirement for {year})",
            )
        return found

    @property
    def annual(self) -> bool:
        """Whether the policy sets a year's task at all (certificates are issued under it)."""
        return bool(self.of_type(Requirement))

    def categories(self, year: int) -> tuple[frozenset[Category], CategorySet | None]:
        """The categories that exist in ``year`` and the clause that says so (every category
        when none does)."""
        rules = self.year_rules(year)
        return rules.categories, rules.categories_clause

    def _categories(self, year: int) -> tuple[frozenset[Category], CategorySet | None]:
        for clause in self.of_type(CategorySet):
            if clause.holds_in(year):
                return clause.categories, clause
        return _EVERY_CATEGORY, None

    def public_cap(self, year: int) -> PublicCap | None:
        return self.year_rules(year).public_cap

    def series_policy(self, series: str, year: int) -> SeriesPolicy | None:
        """The clause sending ``series`` to a policy of its own in ``year``, if any."""
        return _first(
            c for c in self.of_type(SeriesPolicy) if series in c.series and c.holds_in(year)
        )

    def reissue_rule(self, year: int) -> ReissueRule | None:
        """The carry-over rule for reissues of ``year``'s certificates, if the policy has one
        (otherwise a reissue carries everything as recorded)."""
        return _first(c for c in self.of_type(ReissueRule) if c.holds_in(year))

    # -- clauses of a record's date ----------------------------------------------------

    def record_rule(self, day: dt.date, region: str, category: Category, sector: str) -> RecordRule:
        """The clauses about a ``category`` record dated ``day`` of a person of ``sector``
        registered in ``region`` (within the policy's jurisdiction, which :func:`refusal`
        checks), worked out once per date, category and sector: a batch of a year's records
        has a few hundred distinct dates."""
        memo = (day, region if self._narrow else None, category, sector)
        found = self._memo.get(memo)
        if found is None:
            if len(self._memo) > _MAX_MEMO:
                self._memo.clear()
            found = self._record_rule(day, region, category, sector)
            self._memo[memo] = found
        return found

    def _record_rule(
        self, day: dt.date, region: str, category: Category, sector: str
    ) -> RecordRule:
        holding = [
            c
            for c in self.of_type(Confirmation)
            if category in c.categories and c.holds_on(day, region)
        ]
        named = tuple(c for c in holding if sector in c.sectors)
        chosen = named or tuple(c for c in holding if not c.sectors)
        return RecordRule(
            confirmations=chosen,
            keys=tuple(c.key for c in chosen),
            accepted=frozenset.intersection(*(c.by for c in chosen)) if chosen else frozenset(),
            min_score=_first(
                c
                for c in self.of_type(MinScore)
                if c.category is category and c.holds_on(day, region)
            ),
            public_course_once=_first(
                c for c in self.of_type(PublicCourseOnce) if c.holds_on(day, region)
            ),
            conversion=_first(c for c in self.of_type(Conversion) if c.holds_on(day, region)),
        )

    def confirmation(
        self, category: Category, sector: str, day: dt.date, region: str
    ) -> tuple[Confirmation, ...]:
        """The clauses saying who must confirm a ``category`` record of a person of
        ``sector`` (registered in ``region``) dated ``day``: those naming the sector win over
        those for every sector. Several at the same level must all be satisfied; none means
        no rule covers the record (it does not count)."""
        return self.record_rule(day, region, category, sector).confirmations

    def make_up(
        self, year: int, category: Category, day: dt.date, region: str
    ) -> tuple[MakeUp | None, MakeUp | None]:
        """(the make-up window that covers a ``category`` record of ``year`` completed on
        ``day``, or ``None``; the last window of that year and category that ended before
        ``day``, for the message, or ``None``)."""
        windows = [
            c
            for c in self.of_type(MakeUp)
            if c.year == year and c.category is category and c.holds_on(c.effective_from, region)
        ]
        covering = _first(c for c in windows if c.holds_on(day))
        ended = [c for c in windows if c.until is not None and c.until < day]
        return covering, max(ended, key=lambda c: c.until or day, default=None)

    # -- clauses of an application -------------------------------------------------------

    def cycle(self, on: dt.date) -> CycleRule | None:
        return _first(c for c in self.of_type(CycleRule) if c.holds_on(on))

    def cycle_year_minimums(self, on: dt.date) -> CycleYearMinimums | None:
        return _first(c for c in self.of_type(CycleYearMinimums) if c.holds_on(on))

    def title_rule(self, on: dt.date) -> TitleRule | None:
        return _first(c for c in self.of_type(TitleRule) if c.holds_on(on))

    @property
    def has_title_rule(self) -> bool:
        return bool(self.of_type(TitleRule))

    @property
    def has_cycle(self) -> bool:
        return bool(self.of_type(CycleRule))


@dataclass(frozen=True, slots=True)
class YearRules:
    """The clauses about the task of one year."""

    requirements: Mapping[TitleLevel | None, Requirement | None]
    """By title level (``None``: level unknown)."""
    categories: frozenset[Category]
    categories_clause: CategorySet | None
    public_cap: PublicCap | None


@dataclass(frozen=True, slots=True)
class RecordRule:
    """The clauses that hold for one record: by its date and category, and the person's
    sector and place."""

    confirmations: tuple[Confirmation, ...]
    """Who must have confirmed it: the clauses naming the sector win over those for every
    sector; several must all be satisfied; none: no clause covers it (it does not count)."""
    keys: tuple[str, ...]
    """The confirmation clauses' keys."""
    accepted: frozenset[Confirmer]
    """Whom every one of the confirmation clauses accepts."""
    min_score: MinScore | None
    public_course_once: PublicCourseOnce | None
    conversion: Conversion | None
    refusals: dict[tuple[Confirmer | None, str], tuple[str, str, str]] = field(
        default_factory=dict, repr=False, compare=False
    )
    """Why a record confirmed by someone else does not count, worded once per confirmer
    and series: (rule, Chinese, English)."""


_EVERY_CATEGORY = frozenset(Category)
_MAX_MEMO = 50_000
"""Record rules remembered per policy before the memory is cleared."""


def _first(found: Iterable[C]) -> C | None:
    return next(iter(found), None)


__all__ = ["Policy", "RecordRule", "YearRules", "year_end"]
