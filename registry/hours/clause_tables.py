"""Clause tables: each ``[[clause]]`` of a policy file, checked and built into its
:class:`~registry.hours.clauses.Clause`.

Every clause names its source and dates, and its place and dates must lie within its
policy's; a clause about the year's task covers whole years (1 January to 31 December). Any
fault raises ``RegistryError('bad_policy')`` naming the file and the clause.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from fractions import Fraction
from typing import Any

from registry.errors import RegistryError
from registry.hours import schema
from registry.hours.clauses import (
    CLAUSE_TYPES,
    CategorySet,
    Clause,
    Confirmation,
    Conversion,
    CycleRule,
    CycleYearMinimums,
    Judged,
    MakeUp,
    MinScore,
    PublicCap,
    PublicCourseOnce,
    ReissueRule,
    Requirement,
    Rule,
    SeriesPolicy,
    TitleRule,
)
from registry.model import parse_region
from registry.places import within_all
from registry.series import sector_names, series_named

_Common = dict[str, Any]
_Builder = Callable[[_Common, Mapping[str, Any], str], Clause]


def _requirement(common: _Common, raw: Mapping[str, Any], where: str) -> Clause:
    return Requirement(
        **common,
        levels=schema.levels(raw.get("levels", []), f"{where}.levels"),
        total=schema.hours_value(raw["total"], f"{where}.total"),
        minimums=schema.minimums(raw, where),
    )


def _categories(common: _Common, raw: Mapping[str, Any], where: str) -> Clause:
    return CategorySet(**common, categories=schema.categories(raw["categories"], where))


def _public_cap(common: _Common, raw: Mapping[str, Any], where: str) -> Clause:
    cap = schema.text(raw["cap"], f'{where}.cap (a quoted fraction such as "1/3")')
    try:
        fraction = Fraction(cap)
    except ValueError as exc:
        raise RegistryError("bad_policy", f"{where}.cap: {cap!r} is not a fraction") from exc
    if not 0 < fraction <= 1:
        raise RegistryError("bad_policy", f"{where}.cap: {cap} is not between 0 and 1")
    return PublicCap(**common, cap=fraction)


def _series_policy(common: _Common, raw: Mapping[str, Any], where: str) -> Clause:
    names = schema.strings(raw["series"], f"{where}.series")
    for name in names:
        if series_named(name).name != name:
            raise RegistryError("bad_policy", f"{where}.series: write the official name of {name}")
    return SeriesPolicy(
        **common,
        series=frozenset(names),
        policy=schema.text(raw["policy"], f"{where}.policy"),
    )


def _reissue(common: _Common, raw: Mapping[str, Any], where: str) -> Clause:
    return ReissueRule(**common, reproof=schema.categories(raw["reproof"], f"{where}.reproof"))


def _confirmation(common: _Common, raw: Mapping[str, Any], where: str) -> Clause:
    sectors = frozenset(schema.strings(raw.get("sectors", []), f"{where}.sectors"))
    unknown = sorted(sectors - set(sector_names()))
    if unknown:
        raise RegistryError("bad_policy", f"{where}.sectors: unknown sectors {unknown}")
    return Confirmation(
        **common,
        categories=schema.categories(raw["categories"], f"{where}.categories"),
        by=schema.confirmers(raw["by"], f"{where}.by"),
        sectors=sectors,
    )


def _min_score(common: _Common, raw: Mapping[str, Any], where: str) -> Clause:
    return MinScore(
        **common,
        category=schema.category(raw["category"], f"{where}.category"),
        score=schema.score_value(raw["score"], f"{where}.score"),
    )


def _public_course_once(common: _Common, raw: Mapping[str, Any], where: str) -> Clause:
    return PublicCourseOnce(**common)


def _make_up(common: _Common, raw: Mapping[str, Any], where: str) -> Clause:
    clause = MakeUp(
        **common,
        year=schema.integer(raw["year"], f"{where}.year"),
        category=schema.category(raw["category"], f"{where}.category"),
    )
    if clause.until is None or clause.effective_from.year <= clause.year:
        raise RegistryError(
            "bad_policy",
            f"{where}: a make-up window starts after its year {clause.year} and has an end",
        )
    return clause


def _conversion(common: _Common, raw: Mapping[str, Any], where: str) -> Clause:
    def kinds(key: str) -> frozenset[str]:
        return frozenset(schema.strings(raw[key], f"{where}.{key}"))

    clause = Conversion(
        **common,
        recognised_by=schema.confirmers(raw["recognised_by"], f"{where}.recognised_by"),
        achievement_kinds=kinds("achievement_kinds"),
        main_minutes=schema.hours_value(raw["main"], f"{where}.main"),
        contributor_minutes=schema.hours_value(raw["contributor"], f"{where}.contributor"),
        achievement_cap=schema.hours_value(raw["achievement_cap"], f"{where}.achievement_cap"),
        degree_kinds=kinds("degree_kinds"),
        degree_cap=schema.hours_value(raw["degree_cap"], f"{where}.degree_cap"),
        actual_kinds=kinds("actual_kinds"),
    )
    lists = (clause.achievement_kinds, clause.degree_kinds, clause.actual_kinds)
    if sum(len(k) for k in lists) != len(clause.kinds):
        raise RegistryError("bad_policy", f"{where}: a kind is in two of the kinds lists")
    return clause


def _cycle(common: _Common, raw: Mapping[str, Any], where: str) -> Clause:
    cutoff = schema.text(raw["cutoff"], f"{where}.cutoff")
    try:
        month, day = (int(part) for part in cutoff.split("-"))
        dt.date(2000, month, day)
    except ValueError as exc:
        raise RegistryError("bad_policy", f'{where}.cutoff: {cutoff!r} is not "MM-DD"') from exc
    return CycleRule(
        **common,
        max_years=schema.integer(raw["max_years"], f"{where}.max_years"),
        cutoff=(month, day),
        minutes_per_year=schema.hours_value(raw["hours_per_year"], f"{where}.hours_per_year"),
    )


def _cycle_year_minimums(common: _Common, raw: Mapping[str, Any], where: str) -> Clause:
    years = raw["years"]
    if not isinstance(years, list) or not years:
        raise RegistryError("bad_policy", f"{where}.years: must be a list of years")
    return CycleYearMinimums(
        **common,
        years=frozenset(schema.integer(y, f"{where}.years") for y in years),
        minimums=schema.minimums(raw, where),
    )


def _title(common: _Common, raw: Mapping[str, Any], where: str) -> Clause:
    schema.check_keys(raw["years"], schema.TITLE_YEAR_KEYS, f"{where}.years")
    years = {str(k): str(v) for k, v in raw["years"].items()}
    if "default" not in years and set(years) != schema.TITLE_YEAR_KEYS - {"default"}:
        raise RegistryError("bad_policy", f"{where}.years: needs a default or all levels")
    if not set(years.values()) <= schema.TITLE_MODES:
        allowed = sorted(schema.TITLE_MODES)
        raise RegistryError("bad_policy", f"{where}.years: may only use {allowed}")
    floor = raw.get("floor_year")
    required = raw.get("require_policy")
    return TitleRule(
        **common,
        years=years,
        floor_year=schema.integer(floor, f"{where}.floor_year") if floor is not None else None,
        require_policy=(
            schema.text(required, f"{where}.require_policy") if required is not None else None
        ),
    )


_BUILDERS: Mapping[Rule, _Builder] = {
    Rule.REQUIREMENT: _requirement,
    Rule.CATEGORIES: _categories,
    Rule.PUBLIC_CAP: _public_cap,
    Rule.SERIES_POLICY: _series_policy,
    Rule.REISSUE: _reissue,
    Rule.CONFIRMATION: _confirmation,
    Rule.MIN_SCORE: _min_score,
    Rule.PUBLIC_COURSE_ONCE: _public_course_once,
    Rule.MAKE_UP: _make_up,
    Rule.CONVERSION: _conversion,
    Rule.CYCLE: _cycle,
    Rule.CYCLE_YEAR_MINIMUMS: _cycle_year_minimums,
    Rule.TITLE: _title,
}
assert set(_BUILDERS) == set(CLAUSE_TYPES)


def clause_from_table(raw: Any, index: int, top: Mapping[str, Any], source: str) -> Clause:
    """The clause of table ``raw``, item ``index`` of the ``[[clause]]`` list of the policy
    file ``source`` whose top-level keys are ``top``."""
    where = f"{source}: clause[{index}]"
    if isinstance(raw, Mapping) and isinstance(raw.get("id"), str):
        where = f"{source}: clause {raw['id']!r}"
    if not isinstance(raw, Mapping):
        raise RegistryError("bad_policy", f"{where}: must be a table")
    try:
        rule = Rule(str(raw.get("rule")))
    except ValueError:
        known = ", ".join(r.value for r in Rule)
        raise RegistryError(
            "bad_policy", f"{where}: rule {raw.get('rule')!r} is not one of {known}"
        ) from None
    allowed, required = schema.RULE_KEYS[rule]
    schema.check_keys(
        raw,
        schema.CLAUSE_KEYS | allowed,
        where,
        required=schema.REQUIRED_CLAUSE_KEYS | required,
    )
    place = raw.get("place", top["jurisdiction"])
    common: _Common = {
        "policy_id": top["id"],
        "id": schema.text(raw["id"], f"{where}.id"),
        "cite": schema.text(raw["cite"], f"{where}.cite"),
        "text": schema.text(raw["text"], f"{where}.text"),
        "note": schema.text(raw["note"], f"{where}.note") if "note" in raw else None,
        "place": parse_region(schema.text(place, f"{where}.place"), field=f"{where}.place"),
        "effective_from": schema.dates(raw["effective_from"], f"{where}.effective_from"),
        "until": schema.dates(raw["until"], f"{where}.until") if "until" in raw else None,
    }
    clause = _BUILDERS[rule](common, raw, where)
    _check_dates_and_place(clause, top, where)
    return clause


def _check_dates_and_place(clause: Clause, top: Mapping[str, Any], where: str) -> None:
    start, end = clause.effective_from, clause.until
    if end is not None and end < start:
        raise RegistryError("bad_policy", f"{where}: until {end} is before {start}")
    if start < top["effective_from"] or (
        top.get("effective_to") is not None and (end is None or end > top["effective_to"])
    ):
        raise RegistryError("bad_policy", f"{where}: its dates lie outside the policy's")
    if not within_all(clause.place, top["jurisdiction"]):
        raise RegistryError(
            "bad_policy", f"{where}: place {clause.place} is outside {top['jurisdiction']}"
        )
    if clause.rule.judged is not Judged.RECORD and clause.place != top["jurisdiction"]:
        raise RegistryError("bad_policy", f"{where}: only a rule about records has a place")
    if clause.rule.judged is Judged.YEAR and (
        (start.month, start.day) != (1, 1) or (end is not None and (end.month, end.day) != (12, 31))
    ):
        raise RegistryError(
            "bad_policy",
            f"{where}: a rule about the year's task covers whole years (1 January to 31 December)",
        )
