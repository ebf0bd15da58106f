"""What a title-evaluation panel (职称评审) is told: year by year, is there a valid certificate
whose hours meet that year's policy, and why not. Pure value objects."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from registry.model import DocumentStatus, TitleLevel


class YearVerdict(StrEnum):
    MET = "met"
    """A current certificate exists for the year and its hours meet the year's policy."""
    NOT_MET = "not_met"
    """A certificate exists but is not usable (superseded, revoked, hours short, invalid)."""
    MISSING = "missing"
    """No certificate for the year was found."""

    @property
    def label_zh(self) -> str:
        return {"met": "符合", "not_met": "不符合", "missing": "缺少证书"}[self.value]


@dataclass(frozen=True, slots=True)
class CertificateEvidence:
    """One certificate a panel has: from the registry, or presented and verified."""

    year: int
    number: str
    edition: int
    status: DocumentStatus
    policy_id: str
    hours: tuple[int, int, int, int]
    """Counted minutes: public, professional, elective, total (as certified)."""
    source: str
    """``registry`` or ``presented``."""
    authentic: bool = True
    """False when a presented certificate failed verification (then ``problem`` says why)."""
    problem: str = ""


@dataclass(frozen=True, slots=True)
class YearCheck:
    """The panel's answer for one year that must be covered."""

    year: int
    verdict: YearVerdict
    evidence: CertificateEvidence | None
    reasons_zh: tuple[str, ...]
    reasons_en: tuple[str, ...]
    required: tuple[int | None, int | None, int | None, int] | None = None
    """Minimum minutes the certificate was judged against: public, professional, elective
    (``None`` where the policy sets none) and total; ``None`` when no hours were judged."""


@dataclass(frozen=True, slots=True)
class TitleReport:
    """A title-evaluation check: which years count under the rule, and each year's answer."""

    rule_id: str
    rule_title_zh: str
    name: str
    masked_id: str
    target_level: TitleLevel
    evaluation_date: dt.date
    years: tuple[YearCheck, ...]
    notes_zh: tuple[str, ...]
    notes_en: tuple[str, ...]
    met: bool
    clauses: frozenset[str] = frozenset()
    """The clauses (``policy#clause``) the evaluation applied."""
