"""Issuance: runs where the bureau's private keys live."""

from signer.errors import IssuanceError
from signer.home import (
    HomeUpgrade,
    describe_trust,
    export_trust,
    init_home,
    key_inventory,
    revoke,
    rotate,
    upgrade_home,
)
from signer.issuance.carry_over import ReissuePlan, ReissueReason, match_reproven
from signer.issuance.counter_actions import Done, take_counter_actions
from signer.issuance.issuer import Issuer
from signer.issuance.report import IssueReport, SkipGroup, Skipped
from signer.issuance.requests import Taken, take_requests
from signer.issuance.workers import usable_cores

__all__ = [
    "Done",
    "HomeUpgrade",
    "IssuanceError",
    "IssueReport",
    "Issuer",
    "ReissuePlan",
    "ReissueReason",
    "SkipGroup",
    "Skipped",
    "Taken",
    "describe_trust",
    "export_trust",
    "init_home",
    "key_inventory",
    "match_reproven",
    "revoke",
    "rotate",
    "take_counter_actions",
    "take_requests",
    "upgrade_home",
    "usable_cores",
]
