"""Confirming a certificate PDF by the bureau's record of its exact bytes.

The registry records, in the same transaction as the document, the SHA-256 of the file the
issuer sealed (``documents.pdf_sha256``; a row never exists without its durable file). A
PDF whose SHA-256 is recorded is byte for byte a file the bureau issued: the seal, the
timestamps, the revocation data and the PDF structure it carries are those the issuer made,
and examining them again (≈ 45 ms) can only confirm that. :func:`recorded_document` finds
the record; :func:`confirm_recorded` then makes every check that can have changed since, or
that the record does not settle, in well under a millisecond:

- ``pdf.recorded`` — the record of these bytes (number, edition, issue time, digest);
- ``payload.*`` — the recorded QR payload, authenticated against the verifier's trust list
  exactly as a scanned one: the QR key known, its signature, the key's window and
  revocation at the issue date, an issue date not after ``at``;
- the hours judgement — the certified hours against the payload's policy;
- ``registry.status`` — the record's status: current, or superseded / revoked (``invalid``).

Not made on this path, and why that is sound: ``pdf.parse`` … ``pdf.payload``, ``pdf.seal_time``,
``pdf.agreement`` and the PAdES validation judge whether a file is the bureau's own sealed
output, which the record already says, and ``pdf.registered`` is the record itself.

Security: this extends the trust a verifier already places in the registry for status (who
can write it can revoke or reinstate any document) to "this file was issued": a registry
written by an intruder could vouch for a file with a genuine payload but forged page
content. Hence only a registry, the bureau's own system of record opened read-only, settles
a file (``docs/verification.md``, exact bytes).

The record does not settle the file, and the full check runs, when:

- the status source holds no file digests (a snapshot, or no status source);
- the bytes are not a plausible certificate (over :data:`verifier.pdf.MAX_PDF_BYTES`, no
  ``%PDF-``), or not recorded, or the registry cannot be read;
- the trust list revokes a seal from a time before the record's issue time plus
  :data:`SEAL_REVOCATION_MARGIN`: a revoked seal means a compromise, and the full check
  then judges the seal that actually signed the file at its trusted signing time.
"""

from __future__ import annotations

import datetime as dt
from typing import Protocol, runtime_checkable

from keys import TrustList
from registry.documents import DocumentRecord
from registry.errors import RegistryError
from verifier.hours import judge_hours
from verifier.payload import authenticate
from verifier.pdf import MAX_PDF_BYTES
from verifier.registry_status import registry_status_check
from verifier.report import Check, VerificationReport

SEAL_REVOCATION_MARGIN = dt.timedelta(days=1)
"""How far after a record's issue time a seal revocation still sends the file to the full
check (the seal's trusted signing time is the issuance's own, within seconds of it)."""


@runtime_checkable
class RecordedFiles(Protocol):
    """A status source that knows the files it recorded (a registry)."""

    def document_by_sha256(self, pdf_sha256: str) -> DocumentRecord | None:
        """The document whose recorded file has this SHA-256 (hex), if any."""
        ...


def recorded_document(
    data: bytes, digest: str, trust: TrustList, status: object
) -> DocumentRecord | None:
    """The record that settles ``data`` (whose SHA-256 hex is ``digest``), or ``None`` when
    the file must get the full check (see the module's list)."""
    if not isinstance(status, RecordedFiles):
        return None
    if len(data) > MAX_PDF_BYTES or not data.startswith(b"%PDF-"):
        return None
    try:
        record = status.document_by_sha256(digest)
    except RegistryError:  # a damaged registry settles nothing: the full check reports it
        return None
    if record is None or record.pdf_sha256 != digest:
        return None
    latest = record.issued_at + SEAL_REVOCATION_MARGIN
    if any(s.revoked_from is not None and s.revoked_from <= latest for s in trust.trusted_seals):
        return None
    return record


def confirm_recorded(
    record: DocumentRecord, digest: str, trust: TrustList, *, at: dt.datetime
) -> VerificationReport:
    """The report of a file confirmed by ``record``: ``pdf.recorded``, then the recorded
    payload's checks, hours and status, as for a scanned QR code."""
    issued = record.issued_at.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")
    checks = [
        Check.passed(
            "pdf.recorded",
            f"the exact file the bureau's registry recorded for {record.number} edition "
            f"{record.edition}, issued at {issued} (SHA-256 {digest[:16]}…): confirmed by that "
            "record, its seal not examined again",
        )
    ]
    payload_checks, payload = authenticate(record.payload, trust, at=at)
    checks.extend(payload_checks)
    if payload is None:
        return VerificationReport(tuple(checks), None, at)
    checks.append(registry_status_check(payload, record))
    return VerificationReport(
        tuple(checks),
        payload.claims,
        at,
        hours=judge_hours(payload.claims),
        issuer_name=trust.bureau_name(payload.claims.issuer),
    )
