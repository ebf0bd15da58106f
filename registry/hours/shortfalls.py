"""What a year's records leave unmet, and the errors found in them.

Each category minimum must be met on its own (surplus never fills another category) and the
total must be met (surplus does count toward it). Every shortfall names the clause whose
requirement is unmet.

The same comparison judges the hours counted at issuance (:func:`shortfalls_for`, from
:func:`registry.hours.evaluate`) and the hours a certificate states, when a verifier or a
title panel re-derives its judgement (:func:`stated_shortfalls`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache

from registry.hours.clauses import Requirement
from registry.hours.contributions import Contribution
from registry.hours.policy import Policy
from registry.model import Category, CategoryHours, TitleLevel, format_hours

_CATEGORIES = tuple(Category)
"""Every category in declaration order (iterating the enum itself is slow)."""
_LABEL_ZH = {category: category.label_zh for category in _CATEGORIES}
_hours = lru_cache(maxsize=4096)(format_hours)
"""``format_hours`` of the figures that recur in notes and messages, computed once each."""


@dataclass(frozen=True, slots=True)
class Shortfall:
    """One unmet requirement or one error in the records, with the rule that produced it."""

    rule: str
    """Machine-readable, e.g. ``category_minimum:public``, ``total_minimum``."""
    category: Category | None
    missing_minutes: int
    message_zh: str
    message_en: str
    clause: str | None = None
    """The clause whose requirement is unmet (``policy#clause``)."""


def shortfalls_for(
    requirement: Requirement,
    counted: Mapping[Category, int],
    total: int,
    contributions: Iterable[Contribution] = (),
) -> tuple[list[CategoryHours], list[Shortfall]]:
    """Category minimums (each on its own, in the requirement's order) and then the total,
    against counted minutes. Where a short category has records that did not count in full,
    the message says what was recorded, what counted and why."""
    explained: tuple[dict[Category, int], dict[Category, list[str]]] | None = None
    rows: list[CategoryHours] = []
    shortfalls: list[Shortfall] = []
    for category, required in requirement.minimums.items():
        have = counted[category]
        rows.append(CategoryHours(category, have, required))
        if have < required:
            gap = required - have
            label = _LABEL_ZH[category]
            if explained is None:
                explained = _recorded(contributions)
            recorded, why = explained
            reasons = why.get(category)
            if reasons:
                zh = (
                    f"{label}记录{_hours(recorded[category])}学时，计入{_hours(have)}学时："
                    f"{'；'.join(reasons)}。要求{_hours(required)}学时，差{_hours(gap)}学时"
                )
                en = (
                    f"{category.value}: {_hours(recorded[category])} h recorded, "
                    f"{_hours(have)} h counted, {_hours(required)} h required, "
                    f"{_hours(gap)} h short"
                )
            else:
                zh = (
                    f"{label}完成{_hours(have)}学时，要求{_hours(required)}学时，"
                    f"差{_hours(gap)}学时"
                )
                en = (
                    f"{category.value}: {_hours(have)} h of {_hours(required)} h "
                    f"required, {_hours(gap)} h short"
                )
            shortfalls.append(
                Shortfall(
                    f"category_minimum:{category.value}", category, gap, zh, en, requirement.key
                )
            )
    if total < requirement.total:
        gap = requirement.total - total
        shortfalls.append(
            Shortfall(
                "total_minimum",
                None,
                gap,
                f"合计完成{_hours(total)}学时，要求{_hours(requirement.total)}学时，"
                f"差{_hours(gap)}学时",
                f"total: {_hours(total)} h of {_hours(requirement.total)} h "
                f"required, {_hours(gap)} h short",
                requirement.key,
            )
        )
    return rows, shortfalls


def stated_shortfalls(
    policy: Policy,
    year: int,
    level: TitleLevel | None,
    stated: Mapping[Category, int],
    total: int,
) -> tuple[Requirement, list[Shortfall]]:
    """The requirement of ``policy`` for ``year`` at ``level``, and what the hours a
    certificate states leave unmet: minutes per category (``stated``, every category) and in
    total, judged as :func:`shortfalls_for` judges the minutes counted at issuance.

    Raises ``RegistryError`` when the policy is not in force for the year
    (``policy_not_in_force``) or sets no task for it (``not_annual``)."""
    policy.check_in_force(year=year)
    requirement = policy.requirement_for(level, year)
    _rows, shortfalls = shortfalls_for(requirement, stated, total)
    return requirement, shortfalls


def _recorded(
    contributions: Iterable[Contribution],
) -> tuple[dict[Category, int], dict[Category, list[str]]]:
    """Minutes recorded per category, and the distinct reasons why some did not count."""
    recorded = dict.fromkeys(_CATEGORIES, 0)
    why: dict[Category, list[str]] = {}
    for contribution in contributions:
        category = contribution.counted_as or contribution.activity.category
        recorded[category] += max(contribution.activity.minutes, contribution.minutes)
        if contribution.minutes < contribution.activity.minutes:
            note = contribution.note_zh
            reasons = why.setdefault(category, [])
            if note not in reasons:
                reasons.append(note)
    return recorded, why
