"""The running counts kept while the records of one year are assessed."""

from __future__ import annotations

from dataclasses import dataclass, field

from registry.hours.shortfalls import Shortfall
from registry.model import Category

_CATEGORIES = tuple(Category)
"""Every category in declaration order (iterating the enum itself is slow)."""


@dataclass(slots=True)
class Tally:
    """Running counts while records of one year are assessed."""

    counted: dict[Category, int] = field(default_factory=lambda: dict.fromkeys(_CATEGORIES, 0))
    achievements: int = 0
    degree: int = 0
    public_left: int | None = None
    seen_courses: set[str] = field(default_factory=set)
    errors: list[Shortfall] = field(default_factory=list)
    applied: set[str] = field(default_factory=set)
