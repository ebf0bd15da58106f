"""The issued document as the registry holds it: one edition of a certificate number.

Pure: a frozen value, no I/O. The store reads and writes it (:mod:`registry.store.records`
converts a ``documents`` row to it); issuing, the verifier and the panel hand it around.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from registry.model import DocumentKind, DocumentStatus, HoursSummary, SupersessionReason


@dataclass(frozen=True, slots=True)
class DocumentRecord:
    """One issued document (an edition of a certificate number) as the registry holds it."""

    number: str
    edition: int
    kind: DocumentKind
    year: int
    id_number: str
    issuer: str
    policy_id: str
    summary: HoursSummary
    payload: str
    pdf_sha256: str
    pdf_path: str
    status: DocumentStatus
    issued_at: dt.datetime
    issue_reason: SupersessionReason | None = None
    """Why this edition was issued, for a renewal, reissue or correction."""
    carried: str | None = None
    """For a reissue: what was carried over from the edition it replaces."""
    superseded_by: int | None = None
    status_changed_at: dt.datetime | None = None
    status_reason: str | None = None
    """A :class:`SupersessionReason` or a :class:`RevocationReason` value."""
    status_note: str | None = None
