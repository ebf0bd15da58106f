"""Records of the same activity: what makes two records the same, and which one of them
stands for it (the others are duplicates and count zero)."""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterable

from registry.model import Activity, RecordStatus

activity_key: Callable[[Activity], tuple[object, ...]] = operator.attrgetter(
    "id_number",
    "year",
    "category",
    "kind",
    "title",
    "course_code",
    "start_date",
    "end_date",
    "provider",
)
"""What makes two records the same activity: the person, year, category, kind, title,
course code, dates and provider. Hours, score, role, status and confirmer are what was
recorded about it."""


def one_per_activity(
    activities: Iterable[Activity], keys: Iterable[tuple[object, ...]]
) -> dict[tuple[object, ...], Activity]:
    """The record that stands for each activity (``keys``: their :data:`activity_key`): a
    confirmed one before others, then the fewest hours (records that disagree about an
    activity never count more than the least of them). Any other record of the same
    activity is a duplicate."""
    chosen: dict[tuple[object, ...], Activity] = {}
    for activity, key in zip(activities, keys, strict=True):
        best = chosen.setdefault(key, activity)
        if best is not activity and _preference(activity) < _preference(best):
            chosen[key] = activity
    return chosen


def _preference(activity: Activity) -> tuple[bool, int]:
    return (activity.status is not RecordStatus.CONFIRMED, activity.minutes)
