"""Verification of certificates: QR payloads, sealed PDFs, scans; no private keys here."""

from verifier.errors import PanelInputError, VerifierError
from verifier.explanations import (
    CHECKS_ZH,
    NEXT_STEP_ZH,
    NO_CERTIFICATE,
    REASONS_ZH,
    UNLISTED_ZH,
    VERDICTS_ZH,
    check_zh,
    time_ago_zh,
)
from verifier.held import held_to_checkpoints
from verifier.hours import HoursJudgement, HoursStatus
from verifier.panel import panel_check
from verifier.panel_evidence import CandidateRecords, verify_inputs
from verifier.panel_sources import report_sources
from verifier.panel_table import (
    HOURS_HEADINGS,
    ReportStamp,
    beijing_time,
    conclusion,
    digest_groups,
    report_digest,
    report_rows,
    stamp_rows,
)
from verifier.registry_status import (
    RegistryFileStatus,
    RegistryStatus,
    StatusSource,
    edition_history,
)
from verifier.report import Check, CheckStatus, SnapshotAge, Verdict, VerificationReport
from verifier.service import Verifier
from verifier.snapshot import DEFAULT_MAX_AGE, SnapshotStatus, load_snapshot, read_snapshot
from verifier.sources import LiveSources, Loaded

__all__ = [
    "CHECKS_ZH",
    "DEFAULT_MAX_AGE",
    "HOURS_HEADINGS",
    "NEXT_STEP_ZH",
    "NO_CERTIFICATE",
    "REASONS_ZH",
    "UNLISTED_ZH",
    "VERDICTS_ZH",
    "CandidateRecords",
    "Check",
    "CheckStatus",
    "HoursJudgement",
    "HoursStatus",
    "LiveSources",
    "Loaded",
    "PanelInputError",
    "RegistryFileStatus",
    "RegistryStatus",
    "ReportStamp",
    "SnapshotAge",
    "SnapshotStatus",
    "StatusSource",
    "Verdict",
    "VerificationReport",
    "Verifier",
    "VerifierError",
    "beijing_time",
    "check_zh",
    "conclusion",
    "digest_groups",
    "edition_history",
    "held_to_checkpoints",
    "load_snapshot",
    "panel_check",
    "read_snapshot",
    "report_digest",
    "report_rows",
    "report_sources",
    "stamp_rows",
    "time_ago_zh",
    "verify_inputs",
]
