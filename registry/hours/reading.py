"""Reading policy files: TOML in, a checked :class:`~registry.hours.policy.Policy` out.

Strict: unknown keys are refused, hour figures are exact decimals written as strings, every
clause names its source and dates, and a clause's place and dates must lie within its
policy's. Clauses about the year's task cover whole years (they start on 1 January and end on
31 December), so that "the day before a clause starts" is always the end of a year the
clause does not govern. Any fault raises ``RegistryError('bad_policy')`` naming the file and
the clause.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from collections.abc import Callable, Mapping
from fractions import Fraction
from functools import cache
from importlib import resources
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
from registry.hours.policy import Policy
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


def _clause(raw: Any, index: int, top: Mapping[str, Any], source: str) -> Clause:
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


def _check_overlaps(policy: Policy, source: str) -> None:
    """Two clauses that would each decide the same thing on the same day are an error: the
    data must say which one holds."""

    def scope(clause: Clause) -> tuple[Any, ...] | None:
        if isinstance(clause, Requirement):
            return ("requirement", clause.levels)
        if isinstance(clause, CategorySet | PublicCap | ReissueRule | CycleRule | TitleRule):
            return (type(clause).__name__,)
        if isinstance(clause, CycleYearMinimums | Conversion | PublicCourseOnce):
            return (type(clause).__name__, clause.place)
        if isinstance(clause, MinScore):
            return ("min_score", clause.category, clause.place)
        if isinstance(clause, MakeUp):
            return ("make_up", clause.year, clause.category, clause.place)
        if isinstance(clause, Confirmation):
            return None  # checked per category and sector below
        if isinstance(clause, SeriesPolicy):
            return None  # checked per series below
        raise AssertionError(clause)  # pragma: no cover

    def overlap(a: Clause, b: Clause) -> bool:
        far = dt.date.max
        return a.effective_from <= (b.until or far) and b.effective_from <= (a.until or far)

    clauses = policy.clauses
    for i, a in enumerate(clauses):
        for b in clauses[i + 1 :]:
            if type(a) is not type(b) or not overlap(a, b):
                continue
            same = scope(a) is not None and scope(a) == scope(b)
            if isinstance(a, Confirmation) and isinstance(b, Confirmation):
                same = (
                    a.place == b.place
                    and a.sectors == b.sectors
                    and bool(a.categories & b.categories)
                )
            if isinstance(a, SeriesPolicy) and isinstance(b, SeriesPolicy):
                same = bool(a.series & b.series)
            if same:
                raise RegistryError(
                    "bad_policy",
                    f"{source}: clauses {a.id!r} and {b.id!r} both decide the same thing on the "
                    "same days; give them dates that do not overlap",
                )


def policy_from_mapping(raw: Mapping[str, Any], *, source: str) -> Policy:
    """Build a policy from parsed TOML; raise ``RegistryError('bad_policy')`` naming the file."""
    try:
        schema.check_keys(raw, schema.TOP_KEYS, source, required=schema.REQUIRED_TOP_KEYS)
        for key in ("effective_from", "effective_to"):
            if key in raw:
                schema.dates(raw[key], f"{source}: {key}")
        for key in ("id", "title_zh", "title_en", "source", "jurisdiction"):
            schema.text(raw[key], f"{source}: {key}")
        parse_region(raw["jurisdiction"], field=f"{source}: jurisdiction")
        series = schema.strings(raw["series"], f"{source}: series")
        for name in series:
            if series_named(name).name != name:
                raise RegistryError("bad_policy", f"{source}: series: write the official {name}")
        if not isinstance(raw["clause"], list) or not raw["clause"]:
            raise RegistryError("bad_policy", f"{source}: needs at least one [[clause]]")
        clauses = tuple(_clause(item, i, raw, source) for i, item in enumerate(raw["clause"]))
        ids = [c.id for c in clauses]
        if len(ids) != len(set(ids)):
            raise RegistryError("bad_policy", f"{source}: two clauses have the same id")
        policy = Policy(
            id=raw["id"],
            title_zh=raw["title_zh"],
            title_en=raw["title_en"],
            source=raw["source"],
            jurisdiction=raw["jurisdiction"],
            effective_from=raw["effective_from"],
            effective_to=raw.get("effective_to"),
            series=tuple(series),
            levels=tuple(sorted(schema.levels(raw["levels"], f"{source}: levels"))),
            clauses=clauses,
        )
    except RegistryError as exc:
        if exc.reason == "bad_policy" and source in exc.message:
            raise
        raise RegistryError("bad_policy", f"{source}: {exc.message}") from exc
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        raise RegistryError("bad_policy", f"{source}: {exc!r}") from exc
    if not (policy.annual or policy.has_cycle or policy.has_title_rule):
        raise RegistryError("bad_policy", f"{source}: needs a requirement, a cycle or a title rule")
    _check_overlaps(policy, source)
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
        named = [c.require_policy for c in policy.of_type(TitleRule) if c.require_policy]
        named += [c.policy for c in policy.of_type(SeriesPolicy)]
        for other in named:
            if other not in found:
                raise RegistryError("bad_policy", f"{policy.id}: names unknown policy {other}")
    return found


def get_policy(policy_id: str) -> Policy:
    """The policy with this id; raise ``RegistryError('unknown_policy')``."""
    policies = builtin_policies()
    try:
        return policies[policy_id]
    except KeyError:
        known = ", ".join(sorted(policies))
        raise RegistryError(
            "unknown_policy", f"没有政策 {policy_id!r} (no policy {policy_id!r}; known: {known})"
        ) from None


__all__ = ["builtin_policies", "get_policy", "policy_from_mapping"]
