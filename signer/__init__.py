"""Issuance: runs where the bureau's private keys live."""

from signer.carrying import ReissueReason, match_reproven
from signer.errors import IssuanceError
from signer.issuance import Issuer, IssueReport, Skipped
from signer.setup import export_trust, init_home

__all__ = [
    "IssuanceError",
    "IssueReport",
    "Issuer",
    "ReissueReason",
    "Skipped",
    "export_trust",
    "init_home",
    "match_reproven",
]
