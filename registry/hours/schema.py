"""The keys a policy file may hold, and strict readers for its values."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from registry.errors import RegistryError
from registry.model import Category, minutes_from_hours

TOP_KEYS = frozenset(
    {
        "id",
        "title_zh",
        "title_en",
        "source",
        "clauses",
        "jurisdiction",
        "effective_from",
        "effective_to",
        "series",
        "levels",
        "requirements",
        "requirements_by_level",
        "rules",
        "make_up",
        "conversions",
        "cycle",
        "title",
    }
)
REQUIRED_TOP_KEYS = frozenset(
    {"id", "title_zh", "title_en", "source", "jurisdiction", "effective_from", "series", "levels"}
)
MINIMUM_KEYS = frozenset({"total", *(c.value for c in Category)})
RULE_KEYS = frozenset(
    {
        "categories",
        "public_cap",
        "min_score",
        "dedupe_public_courses",
        "industry_authority_series",
    }
)
CYCLE_KEYS = frozenset({"max_years", "cutoff", "hours_per_year", "year_minimums"})
TITLE_KEYS = frozenset({"years", "floor_year", "require_policy"})
MAKE_UP_KEYS = frozenset({"year", "category", "until"})
CONVERSION_KEYS = frozenset(
    {"achievement_kinds", "main", "contributor", "achievement_cap", "degree_kinds", "degree_cap"}
)
TITLE_YEAR_KEYS = frozenset({"default", "junior", "intermediate", "senior"})


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
    return minutes_from_hours(value)


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


def boolean(value: Any, where: str) -> bool:
    if not isinstance(value, bool):
        raise RegistryError("bad_policy", f"{where}: must be true or false")
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
