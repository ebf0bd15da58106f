"""The verifier: one object that judges a QR text, a PDF or an image, at a given time."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from keys import TrustList
from registry.home import CHINA_TZ
from registry.payload import Claims
from verifier.hours import judge_hours
from verifier.image import read_qr
from verifier.payload import authenticate
from verifier.pdf import SealedPayload, check_pdf, pdf_sha256
from verifier.recorded import confirm_recorded, recorded_document
from verifier.registry_status import StatusSource, status_check
from verifier.report import Check, VerificationReport

PNG = b"\x89PNG"
JPEG = b"\xff\xd8\xff"


def seal_agreement(sealed: SealedPayload, claims: Claims) -> Check:
    """The seal and the QR payload must come from the same bureau on the same day: the China
    date of the seal's trusted signing time (its RFC 3161 timestamp) is the issue date."""
    if sealed.seal_region != claims.issuer:
        return Check.failed(
            "pdf.agreement",
            "seal_payload_mismatch",
            f"the seal belongs to region {sealed.seal_region or '?'}, the QR payload to "
            f"{claims.issuer}",
        )
    signed_on = sealed.signed_at.astimezone(CHINA_TZ).date() if sealed.signed_at else None
    if signed_on != claims.issued_on:
        return Check.failed(
            "pdf.agreement",
            "seal_payload_mismatch",
            f"sealed on {signed_on}, but the QR payload says issued on {claims.issued_on}",
        )
    return Check.passed(
        "pdf.agreement", f"seal and QR payload: same bureau ({claims.issuer}), same day"
    )


class Verifier:
    """Verifies certificates against a trust list and, when given, a status source.

    Holds no private key. ``status`` is a registry (:class:`verifier.RegistryStatus`) or a
    signed snapshot (:func:`verifier.snapshot.load_snapshot`); ``None`` means offline without
    status data: every verdict is then at best ``indeterminate``.
    """

    def __init__(self, trust: TrustList, *, status: StatusSource | None = None) -> None:
        self.trust = trust
        self.status = status

    def verify_text(self, text: str, *, at: dt.datetime) -> VerificationReport:
        """Verify a QR text as scanned."""
        return self._dated(self._verify_payload([], text, at=at), at)

    def verify_pdf(
        self, data: bytes, *, at: dt.datetime, by_record: bool = True
    ) -> VerificationReport:
        """Verify a certificate PDF: the seal signature, then its signed payload, then (with a
        registry) that the file is the one the registry recorded. With a snapshot, the PDF
        is judged by its seal and signed payload: a snapshot holds no file digests.

        A file whose exact bytes the registry recorded for a document is *confirmed* by that
        record instead (``pdf.recorded``, :mod:`verifier.recorded`): its payload, hours and
        status are checked as always, its seal and structure are not examined again. Any
        other file, and a recorded one the record cannot settle, gets the full check.
        ``by_record=False`` gives every file the full check (a bureau re-examining its own
        files, tests of the PDF checks)."""
        return self._dated(self._verify_pdf(data, at=at, by_record=by_record), at)

    def _verify_pdf(self, data: bytes, *, at: dt.datetime, by_record: bool) -> VerificationReport:
        digest = pdf_sha256(data)
        record = recorded_document(data, digest, self.trust, self.status) if by_record else None
        if record is not None:
            return confirm_recorded(record, digest, self.trust, at=at)
        checks, sealed = check_pdf(data, self.trust, at=at)
        if sealed is None:
            return VerificationReport(tuple(checks), None, at)
        report = self._verify_payload(checks, sealed.payload, at=at)
        claims = report.claims
        if claims is None:
            return report
        checks = [*report.checks, seal_agreement(sealed, claims)]
        extra = self.status.pdf_check(claims, digest) if self.status is not None else None
        if extra is not None:
            checks.append(extra)
        return replace(report, checks=tuple(checks))

    def _dated(self, report: VerificationReport, at: dt.datetime) -> VerificationReport:
        """The report with the snapshot it used (as_of, age), when status is a snapshot."""
        age = self.status.snapshot_age(at) if self.status is not None else None
        return replace(report, snapshot=age) if age is not None else report

    def verify_image(self, data: bytes, *, at: dt.datetime) -> VerificationReport:
        """Verify a photo or scan of the QR code."""
        check, text = read_qr(data)
        if text is None:
            return self._dated(VerificationReport((check,), None, at), at)
        return self._dated(self._verify_payload([check], text, at=at), at)

    def verify_bytes(self, data: bytes, *, at: dt.datetime) -> VerificationReport:
        """Verify an upload of unknown kind: PDF or image by its magic bytes, else QR text."""
        head = data[:8]
        if head.startswith(b"%PDF-"):
            return self.verify_pdf(data, at=at)
        if head.startswith((PNG, JPEG, b"GIF8", b"BM", b"RIFF")):
            return self.verify_image(data, at=at)
        try:
            text = data.decode("ascii")
        except UnicodeDecodeError:
            check = Check.unknown(
                "input.kind", "unknown_input", "neither a PDF, an image nor a QR text"
            )
            return self._dated(VerificationReport((check,), None, at), at)
        return self.verify_text(text, at=at)

    def _verify_payload(
        self, checks: list[Check], text: str, *, at: dt.datetime
    ) -> VerificationReport:
        payload_checks, payload = authenticate(text, self.trust, at=at)
        checks = [*checks, *payload_checks]
        if payload is None:
            return VerificationReport(tuple(checks), None, at)
        checks.append(status_check(payload, self.status, at=at))
        return VerificationReport(
            tuple(checks),
            payload.claims,
            at,
            hours=judge_hours(payload.claims),
            issuer_name=self.trust.bureau_name(payload.claims.issuer),
        )
