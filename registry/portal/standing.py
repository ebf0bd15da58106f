"""Where a person stands on a year's hours: counted and required, what each category lacks,
or why the year cannot be judged. The judgement is the hours engine's own
(:func:`registry.hours.evaluate` under :func:`registry.portal.policy_for`, as issuance
chooses the policy). Pure: the caller passes the person and their records."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from registry.errors import RegistryError
from registry.hours import Subject, evaluate, refusal
from registry.model import Activity, Category, Person
from registry.portal.routing import policy_for


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

    def gap(self, category: Category) -> int:
        """Minutes ``category`` lacks (0: none)."""
        return next((minutes for c, minutes in self.gaps if c is category), 0)


def unjudged(id_number: str, name: str, year: int, problem: str, detail: str) -> Standing:
    return Standing(id_number, name, year, False, 0, 0, 0, problem=problem, detail=detail)


def judge_year(
    person: Person, activities: Sequence[Activity], *, year: int, default_policy: str
) -> Standing:
    """Judge ``person``'s ``year`` on ``activities`` with the policy issuance would use."""
    try:
        subject = Subject.of(person)
        policy = policy_for(subject, year, default_policy)
        refused = refusal(policy, subject, year)
        if refused is not None:
            return unjudged(person.id_number, person.name, year, refused.message_zh,
                            refused.reason)  # fmt: skip
        result = evaluate(policy, list(activities), year=year, subject=subject)
    except RegistryError as exc:
        return unjudged(person.id_number, person.name, year,
                        "无法按本年度规则核算学时，请联系人社局。", exc.reason)  # fmt: skip
    summary = result.summary
    gaps = tuple(
        (c.category, c.required - c.counted) for c in summary.categories if c.counted < c.required
    )
    missing = max(sum(gap for _, gap in gaps), summary.total_required - summary.total_counted, 0)
    return Standing(
        person.id_number, person.name, year, result.met, summary.total_counted,
        summary.total_required, missing, gaps, tuple(s.message_zh for s in result.shortfalls),
    )  # fmt: skip


__all__ = ["Standing", "judge_year", "unjudged"]
