"""What Jiangxi's forms say, without drawing anything: whose forms they are, a bureau's
verification of a year, a person's line of a summary form. Pure."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from registry.model import Category, Person

JIANGXI = "36"
"""Jiangxi's region codes begin so: the forms and the verification are Jiangxi's (notice 004)."""


@dataclass(frozen=True, slots=True)
class Verified:
    """A bureau's verification of a person's year (验证专用章)."""

    year: int
    on: dt.date
    by: str
    """The bureau's region code."""


@dataclass(frozen=True, slots=True)
class SummaryRow:
    """One person of an employer's summary form."""

    person: Person
    minutes: dict[Category, int]
    met: bool | None
    """None: the year could not be judged."""


def is_jiangxi(region: str) -> bool:
    return region.startswith(JIANGXI)


__all__ = ["JIANGXI", "SummaryRow", "Verified", "is_jiangxi"]
