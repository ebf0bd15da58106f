"""The year's rules applied to the person's records, as the year page explains them: per
category what counted against what is required, every record with the note that says how
it counted, and what is still missing. The judgement is the hours engine's
(:func:`registry.hours.evaluate`), the same the signer makes before it issues."""

from __future__ import annotations

from dataclasses import dataclass

from registry import RegistryError
from registry.hours import Evaluation, Subject, evaluate
from registry.model import Person
from registry.portal import policy_for
from registry.store import Registry


@dataclass(frozen=True, slots=True)
class CategoryLine:
    label: str
    counted: int
    """Minutes."""
    required: int
    """Minutes (0: no minimum of its own)."""

    @property
    def met(self) -> bool:
        return self.counted >= self.required

    @property
    def percent(self) -> int:
        if self.required <= 0:
            return 100
        return min(100, self.counted * 100 // self.required)


@dataclass(frozen=True, slots=True)
class RecordLine:
    title: str
    category: str
    """The category it was recorded under, in Chinese."""
    counted_as: str | None
    """The category it counted for, when another (a conversion), in Chinese."""
    recorded: int
    counted: int
    note: str
    rule: str
    """The machine reason (``counted``, ``not_confirmed``, …), for technical detail."""
    provider: str = ""
    """Who taught it (a training provider whose roster made it, a learning platform)."""


@dataclass(frozen=True, slots=True)
class YearResult:
    """What the year page shows of the rules' result."""

    year: int
    policy_id: str | None
    met: bool
    categories: tuple[CategoryLine, ...] = ()
    total_counted: int = 0
    total_required: int = 0
    records: tuple[RecordLine, ...] = ()
    missing: tuple[str, ...] = ()
    """What is missing, in Chinese (the shortfalls' messages)."""
    refusal: str | None = None
    """Why the rules cannot judge this year for this person (no policy in force, …)."""
    refusal_reason: str | None = None


def judge(registry: Registry, person: Person, year: int, default_policy: str) -> Evaluation:
    """The hours engine's judgement of ``person``'s ``year`` (``RegistryError`` when no rule
    may judge it)."""
    subject = Subject.of(person)
    policy = policy_for(subject, year, default_policy)
    activities = registry.activities(person.id_number, year=year)
    return evaluate(policy, activities, year=year, subject=subject)


def year_result(registry: Registry, person: Person, year: int, default_policy: str) -> YearResult:
    """:func:`judge`, explained for the page."""
    try:
        evaluation = judge(registry, person, year, default_policy)
    except RegistryError as exc:
        return YearResult(year, None, False, refusal=exc.message, refusal_reason=exc.reason)
    summary = evaluation.summary
    categories = tuple(
        CategoryLine(c.category.label_zh, c.counted, c.required) for c in summary.categories
    )
    records = tuple(
        RecordLine(
            title=c.activity.title,
            category=c.activity.category.label_zh,
            counted_as=(
                c.counted_as.label_zh
                if c.counted_as is not None and c.counted_as is not c.activity.category
                else None
            ),
            recorded=c.activity.minutes,
            counted=c.minutes,
            note=c.note_zh,
            rule=c.rule,
            provider=c.activity.provider,
        )
        for c in evaluation.contributions
    )
    return YearResult(
        year=year,
        policy_id=evaluation.policy_id,
        met=evaluation.met,
        categories=categories,
        total_counted=summary.total_counted,
        total_required=summary.total_required,
        records=records,
        missing=tuple(s.message_zh for s in evaluation.shortfalls),
    )


__all__ = ["CategoryLine", "RecordLine", "YearResult", "judge", "year_result"]
