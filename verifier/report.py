"""Verification reports: two answers, the checks that led to them, and what was verified.

The **verdict** says whether the document is authentic and current (seal, signatures, keys,
registry or snapshot status). It fails closed: any failed check makes the document
``invalid``; any check that could not be made makes it ``indeterminate`` ("could not
verify", 无法核验) — never ``valid``. Could not be made: no certificate was found in what was
given (not a PDF, image or text; no QR code in the photo; not a cecert code), or its status
could not be checked (no registry, a stale snapshot). A mistake is never reported as a
forgery. The **hours** judgement (``verifier.hours``) says
separately whether what a genuine certificate states meets its policy: short hours never make
a genuine document ``invalid``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache
from typing import Any

from registry.errors import RegistryError
from registry.hours import get_policy
from registry.model import Category, format_hours
from registry.payload import Claims
from verifier.explanations import VERDICTS_ZH, check_zh, next_step_zh, reason_zh
from verifier.hours import HoursJudgement


class Verdict(StrEnum):
    VALID = "valid"
    INVALID = "invalid"
    INDETERMINATE = "indeterminate"

    @property
    def label_zh(self) -> str:
        return VERDICTS_ZH[self.value]


class CheckStatus(StrEnum):
    PASSED = "passed"
    FAILED = "failed"
    UNKNOWN = "unknown"
    """The check could not be made; the verdict cannot be ``valid``."""


@dataclass(frozen=True, slots=True)
class Check:
    """One check: its name (``payload.signature``…), outcome, reason code and detail."""

    name: str
    status: CheckStatus
    detail: str
    reason: str | None = None
    """Machine-readable reason when the check did not pass (``docs/errors.md``)."""

    @classmethod
    def passed(cls, name: str, detail: str) -> Check:
        return cls(name, CheckStatus.PASSED, detail)

    @classmethod
    def failed(cls, name: str, reason: str, detail: str) -> Check:
        return cls(name, CheckStatus.FAILED, detail, reason)

    @classmethod
    def unknown(cls, name: str, reason: str, detail: str) -> Check:
        return cls(name, CheckStatus.UNKNOWN, detail, reason)


_hours_text = lru_cache(maxsize=4096)(format_hours)
"""``format_hours`` (exact decimal arithmetic) kept for the figures that recur in every
report: a pure function of the minutes."""


def claims_view(claims: Claims, issuer_name: str | None = None) -> dict[str, Any]:
    """The certificate's content for people and JSON: hours as hour figures; the policy's
    title and the issuing bureau's name (from the trust list; ``None`` when it names no seal
    of that region) beside their codes."""
    return {
        "number": claims.number,
        "edition": claims.edition,
        "kind": claims.kind.value,
        "year": claims.year,
        "name": claims.name,
        "masked_id": claims.masked_id,
        "title_level": claims.title_level.value,
        "hours": {
            "public": _hours_text(claims.hours_for(Category.PUBLIC)),
            "professional": _hours_text(claims.hours_for(Category.PROFESSIONAL)),
            "elective": _hours_text(claims.hours_for(Category.ELECTIVE)),
            "total": _hours_text(claims.hours[3]),
        },
        "policy_id": claims.policy_id,
        "issuer": claims.issuer,
        "issued_on": claims.issued_on.isoformat(),
        "kind_zh": claims.kind.label_zh,
        "title_level_zh": claims.title_level.label_zh,
        "policy_title_zh": _policy_title(claims.policy_id),
        "issuer_name": issuer_name,
    }


@lru_cache(maxsize=64)
def _policy_title(policy_id: str) -> str | None:
    try:
        return get_policy(policy_id).title_zh
    except RegistryError:
        return None


CLOCK_SKEW = dt.timedelta(minutes=10)
"""How far a snapshot's ``as_of`` may be after the verification time (clocks differ) before
the snapshot is refused as dated in the future (the page uses the same figure)."""


@dataclass(frozen=True, slots=True)
class SnapshotAge:
    """The signed status snapshot a verification used: when the registry was read and how
    old that was at the verification time. Status from a snapshot is only as fresh as its
    ``as_of``; every report that used one says so."""

    as_of: dt.datetime
    age: dt.timedelta
    """Verification time minus ``as_of`` (negative if the snapshot is dated later)."""
    max_age: dt.timedelta
    """Older than this, status is not judged from the snapshot (``snapshot_too_old``)."""

    @property
    def too_old(self) -> bool:
        return self.age > self.max_age

    @property
    def from_the_future(self) -> bool:
        """Dated more than :data:`CLOCK_SKEW` after the verification time: made with a clock
        that was ahead, so its "freshness" means nothing (``snapshot_in_future``)."""
        return self.age < -CLOCK_SKEW

    def describe(self) -> str:
        """``snapshot of 2026-03-02T09:30:00Z, 3 days 4 hours old, at most 30 days``."""
        seconds = int(self.age.total_seconds())
        days, rest = divmod(abs(seconds), 86_400)
        text = f"{days} days {rest // 3600} hours"
        age = f"{text} old" if seconds >= 0 else f"dated {text} after the verification time"
        return (
            f"snapshot of {self.as_of.astimezone(dt.UTC):%Y-%m-%dT%H:%M:%SZ}, {age}, "
            f"at most {self.max_age.days} days"
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "as_of": self.as_of.astimezone(dt.UTC).isoformat(timespec="seconds"),
            "age_seconds": int(self.age.total_seconds()),
            "max_age_seconds": int(self.max_age.total_seconds()),
            "too_old": self.too_old,
        }


@dataclass(frozen=True, slots=True)
class VerificationReport:
    """The outcome of verifying one presented certificate (PDF, image or QR text)."""

    checks: tuple[Check, ...]
    claims: Claims | None
    """Only set when the claims' signature verified: never shows unauthenticated content."""
    at: dt.datetime
    snapshot: SnapshotAge | None = None
    """Set when status came from a signed snapshot (``verifier.snapshot``)."""
    hours: HoursJudgement | None = None
    """Whether the stated hours meet the policy; only for authenticated claims."""
    issuer_name: str | None = None
    """The issuing bureau's name, from the trust list, for authenticated claims."""

    @property
    def verdict(self) -> Verdict:
        if not self.checks:
            return Verdict.INDETERMINATE
        if any(c.status is CheckStatus.FAILED for c in self.checks):
            return Verdict.INVALID
        if any(c.status is CheckStatus.UNKNOWN for c in self.checks):
            return Verdict.INDETERMINATE
        return Verdict.VALID

    @property
    def reasons(self) -> tuple[str, ...]:
        """Reason codes of every check that did not pass, in order."""
        return tuple(c.reason for c in self.checks if c.reason is not None)

    def problems_zh(self) -> list[dict[str, str]]:
        """Every check that did not pass, for people: what it checks, what happened, what it
        means (machine codes only in :meth:`to_json`'s checks)."""
        found = []
        for check in self.checks:
            if check.status is CheckStatus.PASSED:
                continue
            what, meaning = reason_zh(check.reason)
            found.append({"check": check_zh(check.name), "problem": what, "meaning": meaning})
        return found

    def summary_zh(self) -> str:
        """One line at a glance, e.g. ``证书真实有效 · 学时达标``, ``证书无效：证书已撤销``,
        ``无法核验：图片中没有可识别的二维码``."""
        verdict = self.verdict
        if verdict is Verdict.VALID:
            head = "证书真实有效"
            if self.hours is not None:
                return f"{head} · {self.hours.status.label_zh}"
            return head
        problems = self.problems_zh()
        first = problems[0]["problem"] if problems else ""
        head = "证书无效" if verdict is Verdict.INVALID else "无法核验"
        return f"{head}：{first}" if first else head

    def to_json(self) -> dict[str, Any]:
        return {
            "verdict": self.verdict.value,
            "reasons": list(self.reasons),
            "checks": [
                {"name": c.name, "status": c.status.value, "detail": c.detail}
                | ({"reason": c.reason} if c.reason else {})
                for c in self.checks
            ],
            "certificate": claims_view(self.claims, self.issuer_name) if self.claims else None,
            "hours": self.hours.to_json() if self.hours else None,
            "verified_at": self.at.astimezone(dt.UTC).isoformat(timespec="seconds"),
            "snapshot": self.snapshot.to_json() if self.snapshot else None,
            "zh": {
                "verdict": self.verdict.label_zh,
                "summary": self.summary_zh(),
                "next_step": next_step_zh(self.verdict.value, self.reasons),
                "problems": self.problems_zh(),
            },
        }
