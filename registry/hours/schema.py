"""The keys a policy file may hold, and strict readers for its values."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from registry.errors import RegistryError
from registry.hours.clauses import Rule
from registry.model import Category, Confirmer, TitleLevel, minutes_from_hours

TOP_KEYS = frozenset(
    {
        "id",
        "title_zh",
        "title_en",
        "source",
        "jurisdiction",
        "effective_from",
        "effective_to",
        "series",
        "levels",
        "clause",
    }
)
REQUIRED_TOP_KEYS = frozenset(
    {
        "id",
        "title_zh",
        "title_en",
        "source",
        "jurisdiction",
        "effective_from",
        "series",
        "levels",
        "clause",
    }
)
CLAUSE_KEYS = frozenset({"id", "cite", "text", "note", "place", "effective_from", "until", "rule"})
REQUIRED_CLAUSE_KEYS = frozenset({"id", "cite", "text", "effective_from", "rule"})
MINIMUM_KEYS = frozenset(c.value for c in Category)
CONVERSION_KEYS = frozenset(
    {
        "recognised_by",
        "achievement_kinds",
        "main",
        "contributor",
        "achievement_cap",
        "degree_kinds",
        "degree_cap",
        "actual_kinds",
    }
)
RULE_KEYS: Mapping[Rule, tuple[frozenset[str], frozenset[str]]] = {
    # rule: (every key it may have, the keys it must have), beside CLAUSE_KEYS
    Rule.REQUIREMENT: (frozenset({"total", "levels", *MINIMUM_KEYS}), frozenset({"total"})),
    Rule.CATEGORIES: (frozenset({"categories"}), frozenset({"categories"})),
    Rule.PUBLIC_CAP: (frozenset({"cap"}), frozenset({"cap"})),
    Rule.SERIES_POLICY: (frozenset({"series", "policy"}), frozenset({"series", "policy"})),
    Rule.REISSUE: (frozenset({"reproof"}), frozenset({"reproof"})),
    Rule.CONFIRMATION: (
        frozenset({"categories", "by", "sectors"}),
        frozenset({"categories", "by"}),
    ),
    Rule.MIN_SCORE: (frozenset({"category", "score"}), frozenset({"category", "score"})),
    Rule.PUBLIC_COURSE_ONCE: (frozenset(), frozenset()),
    Rule.MAKE_UP: (frozenset({"year", "category"}), frozenset({"year", "category"})),
    Rule.CONVERSION: (CONVERSION_KEYS, CONVERSION_KEYS),
    Rule.CYCLE: (
        frozenset({"max_years", "cutoff", "hours_per_year"}),
        frozenset({"max_years", "cutoff", "hours_per_year"}),
    ),
    Rule.CYCLE_YEAR_MINIMUMS: (frozenset({"years", *MINIMUM_KEYS}), frozenset({"years"})),
    Rule.TITLE: (frozenset({"years", "floor_year", "require_policy"}), frozenset({"years"})),
}
TITLE_YEAR_KEYS = frozenset({"default", "junior", "intermediate", "senior"})
TITLE_MODES = frozenset({"since_title", "latest_one", "current_year", "cycle"})


def check_keys(
    raw: Any,
    allowed: frozenset[str],
    where: str,
    *,
    required: frozenset[str] | set[str] = frozenset(),
) -> None:
    """Refuse anything but a table with only ``allowed`` keys and every ``required`` one."""
    if not isinstance(raw, Mapping):
        raise RegistryError("bad_policy", f"{where}: must be a table")
    unknown = set(raw) - allowed
    missing = set(required) - set(raw)
    if unknown or missing:
        raise RegistryError(
            "bad_policy", f"{where}: unknown keys {sorted(unknown)}, missing {sorted(missing)}"
        )


def hours_value(value: Any, where: str) -> int:
    """An hour figure written as a string (``"17.5"``) → minutes. Numbers are refused so
    that no float ever enters a policy."""
    if not isinstance(value, str):
        raise RegistryError("bad_policy", f'{where}: write hours as a quoted decimal, e.g. "18"')
    try:
        return minutes_from_hours(value)
    except RegistryError as exc:
        raise RegistryError("bad_policy", f"{where}: {exc.message}") from exc


def score_value(value: Any, where: str) -> int:
    """An exam score written as a string (``"60"``) → hundredths of a point."""
    if not isinstance(value, str):
        raise RegistryError("bad_policy", f"{where}: write the score as a quoted decimal")
    try:
        hundredths = Decimal(value) * 100
    except InvalidOperation as exc:
        raise RegistryError("bad_policy", f"{where}: {value!r} is not a number") from exc
    if hundredths != hundredths.to_integral_value() or not 0 <= hundredths <= 10000:
        raise RegistryError("bad_policy", f"{where}: {value!r} is not a score from 0 to 100")
    return int(hundredths)


def integer(value: Any, where: str) -> int:
    if type(value) is not int:
        raise RegistryError("bad_policy", f"{where}: must be an integer")
    return value


def text(value: Any, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise RegistryError("bad_policy", f"{where}: must be a non-empty string")
    return value


def strings(value: Any, where: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise RegistryError("bad_policy", f"{where}: must be a list of strings")
    return value


def dates(value: Any, where: str) -> dt.date:
    if type(value) is not dt.date:
        raise RegistryError("bad_policy", f"{where}: must be a TOML date (YYYY-MM-DD)")
    return value


def category(value: Any, where: str) -> Category:
    try:
        return Category(text(value, where))
    except ValueError as exc:
        known = ", ".join(c.value for c in Category)
        raise RegistryError("bad_policy", f"{where}: {value!r} is not one of {known}") from exc


def categories(value: Any, where: str) -> frozenset[Category]:
    found = frozenset(category(v, where) for v in strings(value, where))
    if not found:
        raise RegistryError("bad_policy", f"{where}: names no category")
    return found


def confirmers(value: Any, where: str) -> frozenset[Confirmer]:
    try:
        found = frozenset(Confirmer(v) for v in strings(value, where))
    except ValueError as exc:
        known = ", ".join(c.value for c in Confirmer)
        raise RegistryError("bad_policy", f"{where}: use only {known}") from exc
    if not found:
        raise RegistryError("bad_policy", f"{where}: names nobody")
    return found


def levels(value: Any, where: str) -> frozenset[TitleLevel]:
    try:
        return frozenset(TitleLevel(v) for v in strings(value, where))
    except ValueError as exc:
        known = ", ".join(level.value for level in TitleLevel)
        raise RegistryError("bad_policy", f"{where}: use only {known}") from exc


def minimums(raw: Mapping[str, Any], where: str) -> dict[Category, int]:
    """The category minimums among ``raw``'s keys, in category order."""
    return {c: hours_value(raw[c.value], f"{where}.{c.value}") for c in Category if c.value in raw}
