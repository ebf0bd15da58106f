"""Where a person stands on a year's hours, as an employer's or a bureau's page shows it, and
how the reviewers' pages write a record's hours and dates for people.

The judgement is the hours engine's own (:func:`registry.hours.evaluate` under
:func:`registry.portal.policy_for`, as issuance chooses the policy); this module only reads
the registry and says the outcome in Chinese. No Flask here: the pages pass the registry.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from registry.model import format_hours
from registry.portal import Actor, Approval
from registry.portal.standing import Standing, judge_year, unjudged
from registry.portal.values import Enrolment
from registry.store import Registry

T = TypeVar("T")


def hours_text(minutes: int) -> str:
    """Minutes as hours, written as everywhere else in cecert (:func:`format_hours`): the
    same figure reads the same on the person's page and in the reviewer's queue."""
    return format_hours(minutes)


def dates_text(start: dt.date | None, end: dt.date | None) -> str:
    """A record's dates for people: one day, a span, or a dash when none is known."""
    if start is None and end is None:
        return "—"
    if start is None or end is None or start == end:
        return (start or end or dt.date.min).isoformat()
    return f"{start.isoformat()} 至 {end.isoformat()}"


def standing(
    registry: Registry, id_number: str, name: str, *, year: int, default_policy: str
) -> Standing:
    """Judge ``id_number``'s ``year`` with the policy issuance would use."""
    person = registry.person(id_number)
    if person is None:
        return unjudged(id_number, name, year, "登记库中没有此人的信息，请联系人社局。",
                        "unknown_person")  # fmt: skip
    found = judge_year(person, registry.activities(id_number, year=year), year=year,
                       default_policy=default_policy)  # fmt: skip
    return found if found.name else dataclasses.replace(found, name=name)


@dataclass(frozen=True, slots=True)
class Scan(Generic[T]):
    """What a walk over an employer's approved staff kept, and where the next walk starts."""

    items: tuple[T, ...]
    after: int | None
    """The staff cursor to continue from (None: every member was looked at)."""
    looked_at: int
    """Members looked at on this walk."""
    staff: int
    """Approved staff in all."""


def scan_staff(
    registry: Registry,
    actor: Actor,
    keep: Callable[[Enrolment], T | None],
    *,
    after: int = 0,
    want: int = 20,
    batch: int = 50,
    budget: int = 200,
) -> Scan[T]:
    """Walk ``actor``'s approved staff from ``after`` and keep what ``keep`` returns, until
    ``want`` are kept, the staff end, or ``budget`` members were looked at (one page's
    work stays bounded however few are kept)."""
    kept: list[T] = []
    looked_at = 0
    cursor: int | None = after
    staff = 0
    while cursor is not None and len(kept) < want and looked_at < budget:
        page = registry.registrations.staff(
            actor, state=Approval.APPROVED, after=cursor, limit=batch
        )
        staff = page.total
        for enrolment in page.items:
            found = keep(enrolment)
            if found is not None:
                kept.append(found)
        looked_at += len(page.items)
        cursor = page.after
    return Scan(tuple(kept), cursor, looked_at, staff)


__all__ = [
    "Scan",
    "Standing",
    "dates_text",
    "hours_text",
    "scan_staff",
    "standing",
]
