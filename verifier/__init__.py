"""Verification of certificates: QR payloads, sealed PDFs, scans; no private keys here."""

from verifier.errors import VerifierError
from verifier.hours import HoursJudgement, HoursStatus
from verifier.report import Check, CheckStatus, SnapshotAge, Verdict, VerificationReport
from verifier.service import Verifier
from verifier.snapshot import SnapshotStatus, load_snapshot, read_snapshot
from verifier.status import RegistryFileStatus, RegistryStatus, StatusSource

__all__ = [
    "Check",
    "CheckStatus",
    "HoursJudgement",
    "HoursStatus",
    "RegistryFileStatus",
    "RegistryStatus",
    "SnapshotAge",
    "SnapshotStatus",
    "StatusSource",
    "Verdict",
    "VerificationReport",
    "Verifier",
    "VerifierError",
    "load_snapshot",
    "read_snapshot",
]
