"""Issuance: runs where the bureau's private keys live."""

from signer.errors import IssuanceError
from signer.home import HomeUpgrade, export_trust, init_home, upgrade_home
from signer.issuance.carry_over import ReissuePlan, ReissueReason, match_reproven
from signer.issuance.issuer import Issuer
from signer.issuance.report import IssueReport, SkipGroup, Skipped

__all__ = [
    "HomeUpgrade",
    "IssuanceError",
    "IssueReport",
    "Issuer",
    "ReissuePlan",
    "ReissueReason",
    "SkipGroup",
    "Skipped",
    "export_trust",
    "init_home",
    "match_reproven",
    "upgrade_home",
]
