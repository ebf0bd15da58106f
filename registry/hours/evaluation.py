"""The hours engine: which records count for a year, how much each contributes, what is missing.

Pure: records, a policy and the person's :class:`~registry.hours.subject.Subject` in, an
:class:`Evaluation` out. Each record is judged by the policy's clauses that hold on its date
in the person's place, in the order :mod:`registry.hours.assessment` sets out (POLICIES.md
§1, §2, §5, §6).

Then each category minimum must be met on its own (surplus never fills another category)
and the total must be met (surplus does count toward it; :mod:`registry.hours.shortfalls`).
Every contribution and shortfall names the clauses that decided it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from registry.hours.assessment import assess_year
from registry.hours.contributions import Contribution, applied_clauses
from registry.hours.policy import Policy
from registry.hours.reasons import cause_label_zh
from registry.hours.shortfalls import Shortfall, shortfalls_for
from registry.hours.subject import Subject, check_applies
from registry.model import Activity, Category, CategoryHours, HoursSummary

_CATEGORIES = tuple(Category)
"""Every category in declaration order (iterating the enum itself is slow)."""
_ORDER = {category: index for index, category in enumerate(_CATEGORIES)}


@dataclass(frozen=True, slots=True)
class Evaluation:
    """The outcome of applying one policy to one person's records of one year."""

    policy_id: str
    year: int
    summary: HoursSummary
    contributions: tuple[Contribution, ...]
    shortfalls: tuple[Shortfall, ...]
    year_clauses: frozenset[str] = frozenset()
    """The clauses about the year's task that held (requirement, categories, public cap)."""

    @property
    def met(self) -> bool:
        return not self.shortfalls

    @property
    def clauses(self) -> frozenset[str]:
        """Every clause that held and decided something in this evaluation."""
        return applied_clauses(self.year_clauses, self.contributions)

    def causes(self) -> tuple[tuple[str, str], ...]:
        """Why the year is not met, without the person's figures: ``(code, 中文)`` pairs, so
        that a batch can group the people it skipped. For each short category, the rules that
        kept some of its recorded hours from counting, or, where every recorded hour counted,
        the shortfall itself; the total only when no category explains it."""
        found: dict[str, str] = {}
        for shortfall in self.shortfalls:
            if shortfall.category is None:
                continue
            lost = [
                c.rule
                for c in self.contributions
                if (c.counted_as or c.activity.category) is shortfall.category
                and c.minutes < c.activity.minutes
            ]
            for code in lost or [shortfall.rule]:
                found.setdefault(code, cause_label_zh(code))
        if not found:
            for shortfall in self.shortfalls:
                found.setdefault(shortfall.rule, cause_label_zh(shortfall.rule))
        return tuple(found.items())


def evaluate(
    policy: Policy,
    activities: Iterable[Activity],
    *,
    year: int,
    subject: Subject,
) -> Evaluation:
    """Apply the annual ``policy`` to ``subject``'s records of ``year`` among ``activities``.

    Raises ``RegistryError`` when the policy may not judge the subject for the year
    (:func:`registry.hours.subject.refusal`: ``policy_not_in_force``,
    ``outside_jurisdiction``, ``series_not_covered``, ``level_not_covered``,
    ``series_own_policy``) or sets no task for it (``not_annual``)."""
    check_applies(policy, subject, year)
    requirement = policy.requirement_for(subject.level, year)
    contributions, counted, errors, applied = assess_year(
        policy, activities, year=year, subject=subject, requirement=requirement
    )
    categories, _clause = policy.categories(year)
    ordered = [c for c in _CATEGORIES if c in categories]
    total = sum(counted[c] for c in ordered)
    rows, shortfalls = shortfalls_for(requirement, counted, total, contributions)
    shown = {row.category for row in rows}
    rows += [CategoryHours(c, counted[c], 0) for c in ordered if c not in shown]
    rows.sort(key=lambda row: _ORDER[row.category])
    summary = HoursSummary(policy.id, tuple(rows), total, requirement.total)
    applied.add(requirement.key)
    return Evaluation(
        policy.id,
        year,
        summary,
        tuple(contributions),
        (*errors, *shortfalls),
        frozenset(applied),
    )
