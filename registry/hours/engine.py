"""The hours engine: which records count, how much, and what is missing.

Pure: it takes records and a policy and returns an :class:`Evaluation`. Rules applied
(POLICIES.md §1, §6): only confirmed records of the year count; each category minimum must
be met on its own (surplus never fills another category's shortfall); surplus counts toward
the total; a category the policy does not have is an error in the record.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from registry.hours.policy import Policy
from registry.model import (
    Activity,
    Category,
    CategoryHours,
    HoursSummary,
    format_hours,
)


@dataclass(frozen=True, slots=True)
class Contribution:
    """How much one record contributed, and why (zero when it did not count)."""

    activity: Activity
    minutes: int
    note_zh: str
    note_en: str


@dataclass(frozen=True, slots=True)
class Shortfall:
    """One unmet requirement, with the rule that produced it."""

    rule: str
    """Machine-readable, e.g. ``category_minimum:public`` or ``total_minimum``."""
    category: Category | None
    missing_minutes: int
    message_zh: str
    message_en: str


@dataclass(frozen=True, slots=True)
class Evaluation:
    """The outcome of applying one policy to one person's records of one year."""

    policy_id: str
    year: int
    summary: HoursSummary
    contributions: tuple[Contribution, ...]
    shortfalls: tuple[Shortfall, ...]

    @property
    def met(self) -> bool:
        return not self.shortfalls


def evaluate(policy: Policy, activities: Iterable[Activity], *, year: int) -> Evaluation:
    """Apply ``policy`` to the records of ``year`` among ``activities``."""
    counted = dict.fromkeys(Category, 0)
    contributions: list[Contribution] = []
    shortfalls: list[Shortfall] = []
    for activity in activities:
        if activity.year != year:
            continue
        if not activity.counts:
            contributions.append(
                Contribution(
                    activity,
                    0,
                    f"未认定（{activity.status.value}），不计学时",
                    f"not confirmed ({activity.status.value}): does not count",
                )
            )
            continue
        if activity.category not in policy.category_minutes:
            contributions.append(
                Contribution(activity, 0, "该政策无此科目类别", "category not in this policy")
            )
            shortfalls.append(
                Shortfall(
                    rule=f"category_not_allowed:{activity.category.value}",
                    category=activity.category,
                    missing_minutes=0,
                    message_zh=f"记录《{activity.title}》的类别{activity.category.label_zh}"
                    f"不适用于政策 {policy.id}",
                    message_en=f"record {activity.title!r}: category {activity.category.value}"
                    f" does not exist under {policy.id}",
                )
            )
            continue
        counted[activity.category] += activity.minutes
        contributions.append(Contribution(activity, activity.minutes, "计入", "counted"))

    categories: list[CategoryHours] = []
    for category, required in policy.category_minutes.items():
        have = counted[category]
        categories.append(CategoryHours(category, have, required))
        if have < required:
            gap = required - have
            shortfalls.append(
                Shortfall(
                    rule=f"category_minimum:{category.value}",
                    category=category,
                    missing_minutes=gap,
                    message_zh=f"{category.label_zh}完成{format_hours(have)}学时，"
                    f"要求{format_hours(required)}学时，差{format_hours(gap)}学时",
                    message_en=f"{category.value}: {format_hours(have)} h of "
                    f"{format_hours(required)} h required, {format_hours(gap)} h short",
                )
            )
    total = sum(counted[c] for c in policy.category_minutes)
    if total < policy.total_minutes:
        gap = policy.total_minutes - total
        shortfalls.append(
            Shortfall(
                rule="total_minimum",
                category=None,
                missing_minutes=gap,
                message_zh=f"合计完成{format_hours(total)}学时，要求"
                f"{format_hours(policy.total_minutes)}学时，差{format_hours(gap)}学时",
                message_en=f"total: {format_hours(total)} h of "
                f"{format_hours(policy.total_minutes)} h required, {format_hours(gap)} h short",
            )
        )
    summary = HoursSummary(
        policy_id=policy.id,
        categories=tuple(categories),
        total_counted=total,
        total_required=policy.total_minutes,
    )
    return Evaluation(policy.id, year, summary, tuple(contributions), tuple(shortfalls))
