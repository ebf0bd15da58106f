"""Title reports as plain data (JSON), and evidence from registry documents. Pure."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from registry.documents import DocumentRecord
from registry.model import Category, format_hours
from registry.titles.model import CertificateEvidence, TitleReport


def evidence_from_documents(documents: Iterable[DocumentRecord]) -> list[CertificateEvidence]:
    """Registry documents as evidence for a panel (status as the registry holds it)."""
    return [
        CertificateEvidence(
            year=d.year,
            number=d.number,
            edition=d.edition,
            status=d.status,
            policy_id=d.policy_id,
            hours=(
                d.summary.counted(Category.PUBLIC),
                d.summary.counted(Category.PROFESSIONAL),
                d.summary.counted(Category.ELECTIVE),
                d.summary.total_counted,
            ),
            source="registry",
        )
        for d in documents
    ]


def title_json(report: TitleReport) -> dict[str, Any]:
    return {
        "rule": report.rule_id,
        "rule_title_zh": report.rule_title_zh,
        "name": report.name,
        "masked_id": report.masked_id,
        "target_level": report.target_level.value,
        "evaluation_date": report.evaluation_date.isoformat(),
        "met": report.met,
        "years": [
            {
                "year": check.year,
                "verdict": check.verdict.value,
                "certificate": (
                    {
                        "number": check.evidence.number,
                        "edition": check.evidence.edition,
                        "status": check.evidence.status.value,
                        "policy": check.evidence.policy_id,
                        "hours": {
                            "public": format_hours(check.evidence.hours[0]),
                            "professional": format_hours(check.evidence.hours[1]),
                            "elective": format_hours(check.evidence.hours[2]),
                            "total": format_hours(check.evidence.hours[3]),
                        },
                    }
                    if check.evidence
                    else None
                ),
                "reasons_zh": list(check.reasons_zh),
                "reasons_en": list(check.reasons_en),
            }
            for check in report.years
        ],
        "shortfalls": [
            {"year": c.year, "rule": c.verdict.value, "reason_zh": r_zh, "reason_en": r_en}
            for c in report.years
            if c.verdict.value != "met"
            for r_zh, r_en in zip(c.reasons_zh, c.reasons_en, strict=False)
        ],
        "notes_zh": list(report.notes_zh),
        "notes_en": list(report.notes_en),
    }
