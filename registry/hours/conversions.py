"""Converted hours: what a recognised achievement, degree study, skills training or conference
counts for as professional hours, within the yearly caps of its conversion clause."""

from __future__ import annotations

from functools import lru_cache

from registry.hours.clauses import Conversion
from registry.hours.tally import Tally
from registry.model import Activity, Category, Role, format_hours

_hours = lru_cache(maxsize=4096)(format_hours)
"""``format_hours`` of the figures that recur in notes and messages, computed once each."""


def converted(
    conversion: Conversion, activity: Activity, tally: Tally
) -> tuple[int, Category, str, str, str]:
    """Minutes and category of a recognised conversion (achievements, degree study, skills
    training and conferences), with the yearly caps."""
    if activity.kind in conversion.achievement_kinds:
        if activity.role is None:
            return (
                0,
                Category.PROFESSIONAL,
                "achievement_without_role",
                "成果未注明主创或非主创，不计学时",
                "achievement without main/contributor role: counts zero",
            )
        value = (
            conversion.main_minutes
            if activity.role is Role.MAIN
            else conversion.contributor_minutes
        )
        allowed = max(0, min(value, conversion.achievement_cap - tally.achievements))
        tally.achievements += allowed
        role = "主创" if activity.role is Role.MAIN else "非主创"
        if allowed < value:
            return (
                allowed,
                Category.PROFESSIONAL,
                "achievement_cap",
                f"成果{role}折算{_hours(value)}学时，本年度成果累计不超过"
                f"{_hours(conversion.achievement_cap)}学时，计{_hours(allowed)}学时",
                f"achievement ({activity.role.value}) worth {_hours(value)} h, capped "
                f"at {_hours(conversion.achievement_cap)} h a year: {_hours(allowed)} h",
            )
        return (
            value,
            Category.PROFESSIONAL,
            "achievement",
            f"成果{role}折算专业科目{_hours(value)}学时",
            f"achievement ({activity.role.value}): {_hours(value)} professional hours",
        )
    if activity.kind in conversion.degree_kinds:
        allowed = max(0, min(activity.minutes, conversion.degree_cap - tally.degree))
        tally.degree += allowed
        if allowed < activity.minutes:
            return (
                allowed,
                Category.PROFESSIONAL,
                "degree_cap",
                f"学历教育当年最多计{_hours(conversion.degree_cap)}学时，计{_hours(allowed)}学时",
                f"degree study capped at {_hours(conversion.degree_cap)} h a year: "
                f"{_hours(allowed)} h",
            )
        return (
            allowed,
            Category.PROFESSIONAL,
            "degree",
            "学历教育计专业科目学时",
            "degree study counts as professional hours",
        )
    return (
        activity.minutes,
        Category.PROFESSIONAL,
        "counted",
        "经认可，据实计专业科目学时",
        "recognised: its hours count as professional hours",
    )
