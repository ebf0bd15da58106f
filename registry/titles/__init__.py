"""Title evaluation: the checks a title-evaluation panel (职称评审) runs."""

from collections.abc import Mapping

from registry.titles.evaluation import evaluate_title, required_years, title_rules
from registry.titles.model import CertificateEvidence, TitleReport, YearCheck, YearVerdict


def __getattr__(name: str) -> Mapping[str, str]:
    if name == "TITLE_RULES":  # computed from the policy files when first asked for
        return title_rules()
    raise AttributeError(name)


__all__ = [
    "TITLE_RULES",
    "CertificateEvidence",
    "TitleReport",
    "YearCheck",
    "YearVerdict",
    "evaluate_title",
    "required_years",
    "title_rules",
]
