"""Parsers for the value of one column: dates, years, choices, decimals and hours.

Each parser takes the stripped text of a cell (never ``""``: an empty cell is "missing" and
handled by the caller) and the column name, and returns a typed value or raises
:class:`RegistryError` with a message that starts with the column name. Numbers are parsed as
:class:`~decimal.Decimal` from their text and written with plain digits (``2.5``); exponents,
signs, thousands separators and full-width digits are refused rather than guessed at.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from decimal import Decimal
from enum import StrEnum
from typing import TypeVar

from registry.errors import RegistryError
from registry.model import (
    HOURS_PER_DAY,
    Category,
    Confirmer,
    RecordStatus,
    Role,
    TitleLevel,
    minutes_from_hours,
)

_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_YEAR = re.compile(r"[0-9]{4}")
_PLAIN_DECIMAL = re.compile(r"[0-9]+(\.[0-9]+)?")

MAX_SCORE = Decimal(100)

E = TypeVar("E", bound=StrEnum)

TITLE_LEVEL_ALIASES: Mapping[str, TitleLevel] = {
    "初级": TitleLevel.JUNIOR,
    "中级": TitleLevel.INTERMEDIATE,
    "高级": TitleLevel.SENIOR,
}
"""Chinese names accepted for ``title_level`` besides the English values."""

CATEGORY_ALIASES: Mapping[str, Category] = {
    "公需科目": Category.PUBLIC,
    "专业科目": Category.PROFESSIONAL,
    "选修科目": Category.ELECTIVE,
    "公需": Category.PUBLIC,
    "专业": Category.PROFESSIONAL,
    "选修": Category.ELECTIVE,
}
"""Chinese names accepted for ``category`` besides the English values."""

ROLE_ALIASES: Mapping[str, Role] = {"主创": Role.MAIN, "非主创": Role.CONTRIBUTOR}
"""Chinese names accepted for ``role`` besides the English values."""


def parse_choice(
    text: str, column: str, enum: type[E], aliases: Mapping[str, E] | None = None
) -> E:
    """Return the member of ``enum`` whose value is ``text`` (ASCII case ignored) or alias."""
    aliases = aliases or {}
    if text in aliases:
        return aliases[text]
    lowered = text.lower() if text.isascii() else text
    for member in enum:
        if member.value == lowered:
            return member
    allowed = ", ".join(member.value for member in enum)
    if aliases:
        allowed += " (or " + ", ".join(aliases) + ")"
    raise RegistryError("bad_value", f"{column}: {text!r} is not one of {allowed}")


def parse_title_level(text: str, column: str) -> TitleLevel:
    """``junior``/``intermediate``/``senior`` or ``初级``/``中级``/``高级``."""
    return parse_choice(text, column, TitleLevel, TITLE_LEVEL_ALIASES)


def parse_category(text: str, column: str) -> Category:
    """``public``/``professional``/``elective``, or 公需科目/专业科目/选修科目 or 公需/专业/选修."""
    return parse_choice(text, column, Category, CATEGORY_ALIASES)


def parse_role(text: str, column: str) -> Role:
    """``main``/``contributor`` or ``主创``/``非主创``."""
    return parse_choice(text, column, Role, ROLE_ALIASES)


def parse_status(text: str, column: str) -> RecordStatus:
    """``declared``/``employer_reviewed``/``confirmed``."""
    return parse_choice(text, column, RecordStatus)


def parse_confirmer(text: str, column: str) -> Confirmer:
    """``system``/``employer``/``hr_bureau``/``industry_authority``/``base``."""
    return parse_choice(text, column, Confirmer)


def parse_date(text: str, column: str) -> dt.date:
    """A real calendar date written ``YYYY-MM-DD`` (zero-padded)."""
    if not _ISO_DATE.fullmatch(text):
        raise RegistryError("bad_value", f"{column}: {text!r} is not a date written YYYY-MM-DD")
    try:
        return dt.date.fromisoformat(text)
    except ValueError as exc:
        raise RegistryError("bad_value", f"{column}: {text} is not a real date") from exc


def parse_year(text: str, column: str) -> int:
    """A four-digit calendar year (its range is checked by :class:`registry.model.Activity`)."""
    if not _YEAR.fullmatch(text):
        raise RegistryError("bad_value", f"{column}: {text!r} is not a four-digit year")
    return int(text)


def parse_decimal(text: str, column: str) -> Decimal:
    """A non-negative number written with plain digits and an optional ``.`` fraction."""
    if not _PLAIN_DECIMAL.fullmatch(text):
        raise RegistryError(
            "bad_value", f"{column}: {text!r} is not a non-negative number such as 2 or 2.5"
        )
    return Decimal(text)


def parse_score(text: str, column: str) -> Decimal:
    """An exam or assessment score from 0 to 100, e.g. ``85`` or ``92.5``."""
    score = parse_decimal(text, column)
    if score > MAX_SCORE:
        raise RegistryError("bad_value", f"{column}: {text} is more than {MAX_SCORE}")
    return score


def parse_hours(text: str, column: str) -> int:
    """Minutes of ``text`` hours, e.g. ``2.5`` → 150; refused unless a whole number of minutes."""
    return _minutes(text, column, hours_per_unit=1)


def parse_days(text: str, column: str) -> int:
    """Minutes of ``text`` days at :data:`registry.model.HOURS_PER_DAY` hours a day.

    ``0.5`` days is 3 hours, 180 minutes. Refused unless a whole number of minutes.
    """
    return _minutes(text, column, hours_per_unit=HOURS_PER_DAY)


def _minutes(text: str, column: str, *, hours_per_unit: int) -> int:
    amount = parse_decimal(text, column)
    try:
        # Decimal all the way: 0.1 day is exactly 0.6 hours, 36 minutes.
        return minutes_from_hours(amount * hours_per_unit)
    except RegistryError as exc:
        raise RegistryError(
            exc.reason, f"{column}: {text} is not a whole number of minutes"
        ) from exc
