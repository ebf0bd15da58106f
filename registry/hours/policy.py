"""Jurisdiction policies as data: one TOML file per policy id (``docs/rules.md``).

A bureau adds a jurisdiction by adding a file. A file may hold an annual hours requirement
(``[requirements]`` and ``[rules]``), a cycle verification (``[cycle]``) and a
title-evaluation rule (``[title]``). Unknown keys are errors, hour figures are exact decimals
written as strings, and every policy names the notice and clauses it comes from.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from functools import cache
from importlib import resources
from typing import Any

from registry.errors import RegistryError
from registry.hours.schema import (
    CONVERSION_KEYS,
    CYCLE_KEYS,
    MAKE_UP_KEYS,
    MINIMUM_KEYS,
    REQUIRED_TOP_KEYS,
    RULE_KEYS,
    TITLE_KEYS,
    TITLE_YEAR_KEYS,
    TOP_KEYS,
    boolean,
    check_keys,
    dates,
    hours_value,
    score_value,
    strings,
    text,
)
from registry.model import Category, TitleLevel


@dataclass(frozen=True, slots=True)
class Requirements:
    """Minimum minutes in total and per category, for one title level."""

    total: int
    categories: Mapping[Category, int]


@dataclass(frozen=True, slots=True)
class MakeUp:
    """Hours of ``category`` for ``year`` may still be completed until ``until``."""

    year: int
    category: Category
    until: dt.date


@dataclass(frozen=True, slots=True)
class Conversions:
    """Achievements and degree study converted to professional hours (notice 002 §1(4))."""

    achievement_kinds: frozenset[str]
    main_minutes: int
    contributor_minutes: int
    achievement_cap: int
    degree_kinds: frozenset[str]
    degree_cap: int


@dataclass(frozen=True, slots=True)
class CycleSpec:
    """Guangzhou cycle verification (notice 002 §1(1)-(2))."""

    max_years: int
    cutoff: tuple[int, int]
    """(month, day): applying on or before it closes the cycle at the previous year."""
    minutes_per_year: int
    minimum_years: frozenset[int]
    """Years that must each meet :attr:`year_minimums` on their own."""
    year_minimums: Mapping[Category, int]


@dataclass(frozen=True, slots=True)
class TitleSpec:
    """Which years' certificates a title-evaluation panel requires."""

    years: Mapping[str, str]
    """By level (or ``default``): ``since_title``, ``latest_one``, ``current_year``, ``cycle``."""
    floor_year: int | None
    """``since_title`` never reaches back before this year (also for direct applications)."""
    require_policy: str | None
    """Judge every year's hours against this policy instead of the certificate's own."""

    def mode(self, level: TitleLevel) -> str:
        return self.years.get(level.value) or self.years["default"]


@dataclass(frozen=True, slots=True)
class Rules:
    """Rule switches of an annual policy (POLICIES.md §1, §2, §5, §6)."""

    categories: frozenset[Category]
    """Categories that exist; a record of another category is an error."""
    public_cap: Fraction | None = None
    """Public hours count up to this fraction of the required total (Jiangxi: 1/3)."""
    min_score: Mapping[Category, int] = field(default_factory=dict)
    """A record of that category with a lower exam score (in hundredths) counts zero."""
    dedupe_public_courses: bool = True
    """The same public course (``course_code``) counts once."""
    industry_authority_series: frozenset[str] = frozenset()
    """Series whose professional records must be confirmed by their industry authority."""
    make_up: tuple[MakeUp, ...] = ()
    conversions: Conversions | None = None


@dataclass(frozen=True, slots=True)
class Policy:
    """One policy file."""

    id: str
    title_zh: str
    title_en: str
    source: str
    """The source notice(s) in ``shared/seeds``, by number."""
    clauses: tuple[str, ...]
    """Clauses of the source notices this policy encodes, for ``docs/rules.md``."""
    jurisdiction: str
    effective_from: dt.date
    effective_to: dt.date | None
    series: tuple[str, ...]
    """Title series it applies to; empty means all."""
    levels: tuple[TitleLevel, ...]
    """Title levels it applies to; empty means all."""
    requirements: Requirements | None
    by_level: Mapping[TitleLevel, Requirements]
    rules: Rules
    cycle: CycleSpec | None
    title: TitleSpec | None

    @property
    def total_minutes(self) -> int:
        return self.requirements.total if self.requirements else 0

    @property
    def category_minutes(self) -> Mapping[Category, int]:
        return self.requirements.categories if self.requirements else {}

    def requirements_for(self, level: TitleLevel | None) -> Requirements:
        """The requirement for a title level (the base one when the level has none)."""
        if level is not None and level in self.by_level:
            return self.by_level[level]
        if self.requirements is None:
            raise RegistryError("not_annual", f"policy {self.id} has no annual requirement")
        return self.requirements

    def in_force(self, year: int) -> bool:
        start = self.effective_from.year
        end = self.effective_to.year if self.effective_to else 9999
        return start <= year <= end

    def applies_to(self, series: str | None, level: TitleLevel | None) -> bool:
        return (not self.series or series in self.series) and (
            not self.levels or level is None or level in self.levels
        )


def _requirements(raw: Any, where: str) -> Requirements:
    check_keys(raw, MINIMUM_KEYS, where, required={"total"})
    categories = {
        Category(key): hours_value(value, f"{where}.{key}")
        for key, value in raw.items()
        if key != "total"
    }
    return Requirements(hours_value(raw["total"], f"{where}.total"), categories)


def _rules(raw: Mapping[str, Any], requirements: Requirements | None, source: str) -> Rules:
    rules = raw.get("rules", {})
    check_keys(rules, RULE_KEYS, f"{source}: rules")
    named = rules.get("categories")
    if named is not None:
        categories = frozenset(Category(c) for c in strings(named, f"{source}: rules.categories"))
    elif requirements is not None:
        categories = frozenset(requirements.categories)
    else:
        categories = frozenset(Category)
    cap = rules.get("public_cap")
    if cap is not None:
        cap = text(cap, f'{source}: rules.public_cap (a quoted fraction such as "1/3")')
    windows = raw.get("make_up", [])
    if not isinstance(windows, list):
        raise RegistryError("bad_policy", f"{source}: make_up must be an array of tables")
    for index, item in enumerate(windows):
        check_keys(item, MAKE_UP_KEYS, f"{source}: make_up[{index}]", required=MAKE_UP_KEYS)
    make_up = tuple(
        MakeUp(int(item["year"]), Category(item["category"]), dates(item["until"], "until"))
        for item in windows
    )
    return Rules(
        categories=categories,
        public_cap=Fraction(cap) if cap is not None else None,
        min_score={
            Category(k): score_value(v, f"{source}: rules.min_score.{k}")
            for k, v in rules.get("min_score", {}).items()
        },
        dedupe_public_courses=boolean(
            rules.get("dedupe_public_courses", True), f"{source}: rules.dedupe_public_courses"
        ),
        industry_authority_series=frozenset(
            strings(rules.get("industry_authority_series", []), f"{source}: rules")
        ),
        make_up=make_up,
        conversions=_conversions(raw.get("conversions"), source),
    )


def _conversions(raw: Any, source: str) -> Conversions | None:
    if raw is None:
        return None
    where = f"{source}: conversions"
    check_keys(raw, CONVERSION_KEYS, where, required=CONVERSION_KEYS)
    return Conversions(
        achievement_kinds=frozenset(strings(raw["achievement_kinds"], where)),
        main_minutes=hours_value(raw["main"], f"{where}.main"),
        contributor_minutes=hours_value(raw["contributor"], f"{where}.contributor"),
        achievement_cap=hours_value(raw["achievement_cap"], f"{where}.achievement_cap"),
        degree_kinds=frozenset(strings(raw["degree_kinds"], where)),
        degree_cap=hours_value(raw["degree_cap"], f"{where}.degree_cap"),
    )


def _cycle(raw: Any, source: str) -> CycleSpec | None:
    if raw is None:
        return None
    check_keys(raw, CYCLE_KEYS, f"{source}: cycle")
    month, day = (int(part) for part in str(raw["cutoff"]).split("-"))
    minimums = raw["year_minimums"]
    return CycleSpec(
        max_years=int(raw["max_years"]),
        cutoff=(month, day),
        minutes_per_year=hours_value(raw["hours_per_year"], f"{source}: cycle"),
        minimum_years=frozenset(int(y) for y in minimums["years"]),
        year_minimums={
            Category(k): hours_value(v, f"{source}: cycle.year_minimums.{k}")
            for k, v in minimums.items()
            if k != "years"
        },
    )


def _title(raw: Any, source: str) -> TitleSpec | None:
    if raw is None:
        return None
    check_keys(raw, TITLE_KEYS, f"{source}: title", required={"years"})
    check_keys(raw["years"], TITLE_YEAR_KEYS, f"{source}: title.years")
    years = {str(k): str(v) for k, v in raw["years"].items()}
    allowed = {"since_title", "latest_one", "current_year", "cycle"}
    if "default" not in years and set(years) != {level.value for level in TitleLevel}:
        raise RegistryError("bad_policy", f"{source}: title.years needs a default or all levels")
    if not set(years.values()) <= allowed:
        raise RegistryError("bad_policy", f"{source}: title.years may only use {sorted(allowed)}")
    floor = raw.get("floor_year")
    required = raw.get("require_policy")
    if required is not None:
        required = text(required, f"{source}: title.require_policy")
    return TitleSpec(years, int(floor) if floor is not None else None, required)


def policy_from_mapping(raw: Mapping[str, Any], *, source: str) -> Policy:
    """Build a policy from parsed TOML; raise ``RegistryError('bad_policy')`` naming the file."""
    try:
        check_keys(raw, TOP_KEYS, source, required=REQUIRED_TOP_KEYS)
        for key in ("effective_from", "effective_to"):
            if key in raw and type(raw[key]) is not dt.date:
                raise RegistryError("bad_policy", f"{source}: {key} must be a TOML date")
        for key in ("id", "title_zh", "title_en", "source", "jurisdiction"):
            if not isinstance(raw[key], str) or not raw[key].strip():
                raise RegistryError("bad_policy", f"{source}: {key} must be a non-empty string")
        requirements = (
            _requirements(raw["requirements"], f"{source}: requirements")
            if "requirements" in raw
            else None
        )
        by_level = {
            TitleLevel(level): _requirements(value, f"{source}: requirements_by_level.{level}")
            for level, value in raw.get("requirements_by_level", {}).items()
        }
        policy = Policy(
            id=raw["id"],
            title_zh=raw["title_zh"],
            title_en=raw["title_en"],
            source=raw["source"],
            clauses=tuple(strings(raw.get("clauses", []), f"{source}: clauses")),
            jurisdiction=raw["jurisdiction"],
            effective_from=raw["effective_from"],
            effective_to=raw.get("effective_to"),
            series=tuple(strings(raw["series"], f"{source}: series")),
            levels=tuple(TitleLevel(v) for v in strings(raw["levels"], f"{source}: levels")),
            requirements=requirements,
            by_level=by_level,
            rules=_rules(raw, requirements, source),
            cycle=_cycle(raw.get("cycle"), source),
            title=_title(raw.get("title"), source),
        )
    except RegistryError as exc:
        if exc.reason == "bad_policy" and source in str(exc):
            raise
        raise RegistryError("bad_policy", f"{source}: {exc}") from exc
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        raise RegistryError("bad_policy", f"{source}: {exc!r}") from exc
    if policy.requirements is None and policy.cycle is None and policy.title is None:
        raise RegistryError("bad_policy", f"{source}: needs requirements, cycle or title")
    return policy


@cache
def builtin_policies() -> Mapping[str, Policy]:
    """Every policy shipped in ``registry/hours/policies``, by id."""
    found: dict[str, Policy] = {}
    for entry in resources.files("registry.hours").joinpath("policies").iterdir():
        if not entry.name.endswith(".toml"):
            continue
        try:
            raw = tomllib.loads(entry.read_text("utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise RegistryError("bad_policy", f"{entry.name}: {exc}") from exc
        policy = policy_from_mapping(raw, source=entry.name)
        if f"{policy.id}.toml" != entry.name:
            raise RegistryError("bad_policy", f"{entry.name}: id {policy.id!r} != file name")
        found[policy.id] = policy
    for policy in found.values():
        required = policy.title.require_policy if policy.title else None
        if required and required not in found:
            raise RegistryError("bad_policy", f"{policy.id}: require_policy {required} unknown")
    return found


def get_policy(policy_id: str) -> Policy:
    """The policy with this id; raise ``RegistryError('unknown_policy')``."""
    policies = builtin_policies()
    try:
        return policies[policy_id]
    except KeyError:
        known = ", ".join(sorted(policies))
        raise RegistryError("unknown_policy", f"no policy {policy_id!r} (known: {known})") from None
