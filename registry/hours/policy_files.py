"""Reading policy files: TOML in, a checked :class:`~registry.hours.policy.Policy` out.

Strict: unknown keys are refused, hour figures are exact decimals written as strings, every
clause names its source and dates, and a clause's place and dates must lie within its
policy's. Clauses about the year's task cover whole years (they start on 1 January and end on
31 December), so that "the day before a clause starts" is always the end of a year the
clause does not govern. Any fault raises ``RegistryError('bad_policy')`` naming the file and
the clause.

Each ``[[clause]]`` table is read by :mod:`registry.hours.clause_tables`; this module reads
the rest of the file, checks that no two clauses decide the same thing on the same day, and
holds the policies shipped in ``registry/hours/policies``.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from collections.abc import Mapping
from functools import cache
from importlib import resources
from typing import Any

from registry.errors import RegistryError
from registry.hours import schema
from registry.hours.clause_tables import clause_from_table
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
)
from registry.hours.policy import Policy
from registry.model import parse_region
from registry.series import series_named


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
        clauses = tuple(
            clause_from_table(item, i, raw, source) for i, item in enumerate(raw["clause"])
        )
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
