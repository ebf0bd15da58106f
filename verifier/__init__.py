"""Verification of certificates: QR payloads, sealed PDFs, scans; no private keys here."""

from verifier.errors import VerifierError
from verifier.report import Check, CheckStatus, Verdict, VerificationReport
from verifier.service import Verifier
from verifier.status import RegistryFileStatus, RegistryStatus, StatusSource

__all__ = [
    "Check",
    "CheckStatus",
    "RegistryFileStatus",
    "RegistryStatus",
    "StatusSource",
    "Verdict",
    "VerificationReport",
    "Verifier",
    "VerifierError",
]
