"""The second judgement: do the hours a genuine certificate states meet its policy?

Following the EU Digital COVID Certificate verifiers, which report technical validity and
business rules apart, a verification gives two answers: the verdict (``verifier.report``:
is the document authentic and current?) and this one (is what it certifies enough?). A
genuine, current certificate whose stated hours fall short — a Guangde reissue without
re-proof, say — is "真实有效 / 学时未达标", never "无效".

Pure: claims in, a frozen :class:`HoursJudgement` out, judged against the requirement of the
policy the certificate names, at its holder's title level, for its year, by the comparison
issuance uses (:func:`registry.hours.stated_shortfalls`); only the wording is the verifier's.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache
from typing import Any

from registry.errors import RegistryError
from registry.hours import Shortfall, get_policy, stated_shortfalls
from registry.model import Category, TitleLevel, format_hours
from registry.payload import Claims

_CATEGORIES = (Category.PUBLIC, Category.PROFESSIONAL, Category.ELECTIVE)
"""The categories in the order of their minutes in ``Claims.hours`` (as ``Claims.hours_for``)."""


class HoursStatus(StrEnum):
    MET = "met"
    NOT_MET = "not_met"
    UNKNOWN = "unknown"
    """The policy could not be applied (unknown, not annual, not in force that year)."""

    @property
    def label_zh(self) -> str:
        return {"met": "学时达标", "not_met": "学时未达标", "unknown": "学时无法判断"}[self.value]


@dataclass(frozen=True, slots=True)
class HoursGap:
    """One requirement the stated hours do not meet."""

    category: Category | None
    """``None`` for the total."""
    stated: int
    required: int

    @property
    def label_zh(self) -> str:
        return self.category.label_zh if self.category else "合计"

    def to_json(self) -> dict[str, Any]:
        return {
            "category": self.category.value if self.category else "total",
            "stated": format_hours(self.stated),
            "required": format_hours(self.required),
            "missing": format_hours(self.required - self.stated),
        }


@dataclass(frozen=True, slots=True)
class HoursJudgement:
    """Whether the hours a certificate states meet the policy it names."""

    status: HoursStatus
    policy_id: str
    level: TitleLevel
    year: int
    required: tuple[tuple[str, int], ...]
    """(``public`` …, ``total``) → minimum minutes, in order; empty when unknown."""
    shortfalls: tuple[HoursGap, ...]
    reason: str | None
    """``hours_below_policy``, or why the hours could not be judged (``unknown_policy``,
    ``not_annual``, ``policy_not_in_force``)."""
    detail: str
    """English, for the technical details."""
    detail_zh: str
    clause: str | None = None
    """The requirement clause judged against (``policy#clause``)."""

    def to_json(self) -> dict[str, Any]:
        return {
            "status": self.status.value,
            "policy": self.policy_id,
            "level": self.level.value,
            "year": self.year,
            "required": {name: format_hours(m) for name, m in self.required},
            "shortfalls": [gap.to_json() for gap in self.shortfalls],
            "reason": self.reason,
            "detail": self.detail,
            "detail_zh": self.detail_zh,
            "clause": self.clause,
        }


def judge_hours(claims: Claims) -> HoursJudgement:
    """The hours the claims state against their policy, category by category and in total."""
    return _judge(claims.policy_id, claims.title_level, claims.year, claims.hours)


@lru_cache(maxsize=4096)
def _judge(
    policy_id: str, level: TitleLevel, year: int, hours: tuple[int, int, int, int]
) -> HoursJudgement:
    """A pure function of the claims and the built-in policies, which never change while
    the process runs, so it is kept (the same hours recur in every batch)."""
    stated = dict(zip(_CATEGORIES, hours[:3], strict=True))
    try:
        policy = get_policy(policy_id)
        requirement, shortfalls = stated_shortfalls(policy, year, level, stated, hours[3])
    except RegistryError as exc:
        return HoursJudgement(
            HoursStatus.UNKNOWN,
            policy_id,
            level,
            year,
            (),
            (),
            exc.reason,
            str(exc),
            f"无法按政策 {policy_id} 判断学时：{exc.message}",
        )
    gaps = [_gap(shortfall, stated, hours[3]) for shortfall in shortfalls]
    required = (
        *((c.value, m) for c, m in requirement.minimums.items()),
        ("total", requirement.total),
    )
    if gaps:
        short_en = "; ".join(
            f"{gap.category.value if gap.category else 'total'} "
            f"{format_hours(gap.stated)}/{format_hours(gap.required)} h"
            for gap in gaps
        )
        short_zh = "；".join(
            f"{gap.label_zh}{format_hours(gap.stated)}学时，要求{format_hours(gap.required)}学时"
            for gap in gaps
        )
        return HoursJudgement(
            HoursStatus.NOT_MET,
            policy.id,
            level,
            year,
            required,
            tuple(gaps),
            "hours_below_policy",
            f"{policy.id}: {short_en}",
            f"证书载明的学时未达到{policy.title_zh}（{policy.id}）的要求：{short_zh}",
            requirement.key,
        )
    return HoursJudgement(
        HoursStatus.MET,
        policy.id,
        level,
        year,
        required,
        (),
        None,
        f"{policy.id}: {format_hours(hours[3])} h of {format_hours(requirement.total)} h, "
        "every category met",
        f"证书载明合计{format_hours(hours[3])}学时，达到{policy.title_zh}（{policy.id}）"
        f"要求的{format_hours(requirement.total)}学时，各科目均达标",
        requirement.key,
    )


def _gap(shortfall: Shortfall, stated: dict[Category, int], total: int) -> HoursGap:
    """The shortfall of a category (or of the total) as the figures the certificate states."""
    have = total if shortfall.category is None else stated[shortfall.category]
    return HoursGap(shortfall.category, have, have + shortfall.missing_minutes)


__all__ = ["HoursGap", "HoursJudgement", "HoursStatus", "judge_hours"]
