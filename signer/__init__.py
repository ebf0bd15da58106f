"""Issuance: runs where the bureau's private keys live."""

from signer.carrying import ReissuePlan, ReissueReason, match_reproven
from signer.errors import IssuanceError
from signer.issuance import Issuer, IssueReport, SkipGroup, Skipped
from signer.setup import HomeUpgrade, export_trust, init_home, upgrade_home

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
