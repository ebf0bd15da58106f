"""Where a person stands on a year's hours, as an employer's or a bureau's page shows it, and
how the reviewers' pages write a record's hours and dates for people.

The judgement is the hours engine's own (:func:`registry.hours.evaluate` under
:func:`registry.portal.policy_for`, as issuance chooses the policy); this module only reads
the registry and says the outcome in Chinese. No Flask here: the pages pass the registry.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from registry import RegistryError
from registry.hours import Subject, evaluate, refusal
from registry.model import Category, format_hours
from registry.portal import Actor, Approval, policy_for
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


@dataclass(frozen=True, slots=True)
class Standing:
    """One person's year: counted and required minutes, or why it could not be judged."""

    id_number: str
    name: str
    year: int
    met: bool
    counted: int
    """Minutes that count for the year."""
    required: int
    """Minutes the year requires in total."""
    missing: int
    """Minutes still needed: each category's gap and the total's, whichever is larger."""
    gaps: tuple[tuple[Category, int], ...] = ()
    """Categories short of their minimum, with the minutes each lacks."""
    notes: tuple[str, ...] = ()
    """The engine's own words for what is unmet (Chinese)."""
    problem: str | None = None
    """Why the year could not be judged (Chinese); the other figures are then zero."""
    detail: str | None = None
    """The machine reason behind ``problem``, for the technical details."""


def standing(
    registry: Registry, id_number: str, name: str, *, year: int, default_policy: str
) -> Standing:
    """Judge ``id_number``'s ``year`` with the policy issuance would use."""
    person = registry.person(id_number)

    def unjudged(problem: str, detail: str) -> Standing:
        return Standing(id_number, name, year, False, 0, 0, 0, problem=problem, detail=detail)

    if person is None:
        return unjudged("登记库中没有此人的信息，请联系人社局。", "unknown_person")
    try:
        subject = Subject.of(person)
        policy = policy_for(subject, year, default_policy)
        refused = refusal(policy, subject, year)
        if refused is not None:
            return unjudged(refused.message_zh, refused.reason)
        result = evaluate(policy, registry.activities(id_number, year=year), year=year,
                          subject=subject)  # fmt: skip
    except RegistryError as exc:
        return unjudged("无法按本年度规则核算学时，请联系人社局。", exc.reason)
    summary = result.summary
    gaps = tuple(
        (c.category, c.required - c.counted) for c in summary.categories if c.counted < c.required
    )
    missing = max(sum(gap for _, gap in gaps), summary.total_required - summary.total_counted, 0)
    return Standing(
        id_number,
        person.name or name,
        year,
        result.met,
        summary.total_counted,
        summary.total_required,
        missing,
        gaps,
        tuple(s.message_zh for s in result.shortfalls),
    )


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
