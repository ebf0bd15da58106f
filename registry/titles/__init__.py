"""Title evaluation: the checks a title-evaluation panel (职称评审) runs."""

from registry.titles.evaluation import (
    evaluate_title,
    required_years,
    title_rule_refusal,
    title_rules,
)
from registry.titles.model import CertificateEvidence, TitleReport, YearCheck, YearVerdict
from registry.titles.reporting import evidence_from_documents, title_json

__all__ = [
    "CertificateEvidence",
    "TitleReport",
    "YearCheck",
    "YearVerdict",
    "evaluate_title",
    "evidence_from_documents",
    "required_years",
    "title_json",
    "title_rule_refusal",
    "title_rules",
]
