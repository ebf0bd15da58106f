"""Whom a policy is applied to, and whether it may be: place, series, level and dates.

A rule of one jurisdiction or one period never reaches another: before any hour is counted,
:func:`refusal` says whether ``policy`` may judge ``subject`` for ``year`` at all, with the
reason when it may not. Every path that evaluates hours asks it (issuing, renewal and
reissue, ``cecert hours check``), so the answer and its reason code are the same everywhere.
Pure.
"""

from __future__ import annotations

from dataclasses import dataclass

from registry.errors import RegistryError
from registry.hours.policy import Policy
from registry.model import Person, TitleLevel
from registry.places import covers
from registry.series import Series, series_named


@dataclass(frozen=True, slots=True)
class Subject:
    """The facts about a person that decide which rules hold for them."""

    region: str
    """Six-digit code of the place the person is registered in."""
    series: Series
    """Their title series, resolved against the national list."""
    level: TitleLevel | None = None
    """Their title level, when known (some requirements depend on it)."""

    @classmethod
    def of(cls, person: Person) -> Subject:
        """The subject of a registered person; ``RegistryError('unknown_series')`` when the
        registry holds a series name that is not on the national list."""
        return cls(person.region, series_named(person.series), person.title_level)


@dataclass(frozen=True, slots=True)
class Refusal:
    """Why a policy may not judge a subject for a year."""

    reason: str
    """``policy_not_in_force``, ``outside_jurisdiction``, ``series_not_covered``,
    ``level_not_covered`` or ``series_own_policy``."""
    message_zh: str
    message_en: str
    instead: str | None = None
    """For ``series_own_policy``: the policy that judges the subject instead."""
    clause: str | None = None
    """The clause that refuses (``policy#clause``), when one does."""

    def error(self) -> RegistryError:
        return RegistryError(self.reason, f"{self.message_zh} ({self.message_en})")


def refusal(policy: Policy, subject: Subject, year: int) -> Refusal | None:
    """``None`` when ``policy`` may judge ``subject``'s hours of ``year``; otherwise why not."""
    outside = policy.not_in_force(year=year)
    if outside is not None:
        return Refusal("policy_not_in_force", *outside)
    if not covers(policy.jurisdiction, subject.region):
        return Refusal(
            "outside_jurisdiction",
            f"政策 {policy.id} 适用于行政区划 {policy.jurisdiction}，"
            f"此人登记地为 {subject.region}，不适用",
            f"{policy.id} governs {policy.jurisdiction}; the person is registered in "
            f"{subject.region}",
        )
    name = subject.series.name
    if policy.series and name not in policy.series:
        return Refusal(
            "series_not_covered",
            f"政策 {policy.id} 只适用于{'、'.join(policy.series)}系列，不适用于{name}系列",
            f"{policy.id} covers the series {', '.join(policy.series)}, not {name}",
        )
    if policy.levels and subject.level is not None and subject.level not in policy.levels:
        return Refusal(
            "level_not_covered",
            f"政策 {policy.id} 不适用于{subject.level.label_zh}职称",
            f"{policy.id} does not cover the {subject.level.value} level",
        )
    own = policy.series_policy(name, year)
    if own is not None:
        return Refusal(
            "series_own_policy",
            f"{name}系列自{own.effective_from.year}年起按其本行业规定执行，"
            f"适用政策 {own.policy}，不适用 {policy.id}（{own.cite}）",
            f"from {own.effective_from.year} the {name} series follows its own rules: "
            f"{own.policy}, not {policy.id} ({own.cite})",
            instead=own.policy,
            clause=own.key,
        )
    return None


def check_applies(policy: Policy, subject: Subject, year: int) -> None:
    """Raise the :func:`refusal` as a ``RegistryError`` when there is one."""
    refused = refusal(policy, subject, year)
    if refused is not None:
        raise refused.error()


__all__ = ["Refusal", "Subject", "check_applies", "refusal"]
