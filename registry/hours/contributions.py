"""What one record contributed to a year's hours, and the clauses that decided it."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from registry.model import Activity, Category


@dataclass(frozen=True, slots=True)
class Contribution:
    """How much one record contributed, and the rule that decided it."""

    activity: Activity
    minutes: int
    """Minutes counted after conversions and caps (0 when it did not count)."""
    counted_as: Category | None
    rule: str
    """Machine-readable, e.g. ``counted``, ``not_confirmed``, ``duplicate_public_course``."""
    note_zh: str
    note_en: str
    clauses: tuple[str, ...] = ()
    """The clauses (``policy#clause``) that decided how the record counts."""


def applied_clauses(
    year_clauses: Iterable[str], contributions: Iterable[Contribution]
) -> frozenset[str]:
    """The clauses of the year and of every record's contribution."""
    found = set(year_clauses)
    for contribution in contributions:
        found.update(contribution.clauses)
    return frozenset(found)
