"""PAdES checks of a certificate PDF with pyHanko, and extraction of its signed payload.

What a PDF must satisfy (NOTES.md, pdf-insecurity.org): exactly one signature, the seal,
in the field ``Seal``; cryptographically intact; chaining to a trust-list root; made by a
seal certificate the trust list names; covering the entire file (or followed only by
validation-data and timestamp updates); DocMDP respected. Anything pyHanko cannot parse is
``invalid`` with a reason, never an exception.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from io import BytesIO
from typing import Any

from asn1crypto import x509
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.diff_analysis.policy_api import ModificationLevel
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.errors import SignatureValidationError
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext

from keys import TrustList, fingerprint
from verifier.report import Check

FIELD_NAME = "Seal"
PAYLOAD_KEY = "/CECert"
MAX_PDF_BYTES = 5 * 1024 * 1024
_ACCEPTED_LEVELS = (ModificationLevel.NONE, ModificationLevel.LTA_UPDATES)
_PARSE_ERRORS = (PdfError, ValueError, TypeError, KeyError, IndexError, AttributeError)


def pdf_sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass(frozen=True, slots=True)
class SealedPayload:
    """What a PDF that passed every check carries: its payload and who sealed it when."""

    payload: str
    seal_region: str
    """Region code in the seal certificate's subject (serialNumber)."""
    signed_at: dt.datetime | None


def check_pdf(
    data: bytes, trust: TrustList, *, at: dt.datetime
) -> tuple[list[Check], SealedPayload | None]:
    """Run the PDF checks; return them and, only when every check passed, the payload text
    from the signed revision with the seal's region and signing time."""
    checks: list[Check] = []
    if len(data) > MAX_PDF_BYTES:
        checks.append(Check.failed("pdf.parse", "pdf_too_large", f"{len(data)} bytes"))
        return checks, None
    if not data.startswith(b"%PDF-"):
        checks.append(Check.failed("pdf.parse", "not_a_pdf", "the file does not start with %PDF-"))
        return checks, None
    try:
        reader = PdfFileReader(BytesIO(data), strict=False)
        signatures = list(reader.embedded_signatures)
    except (*_PARSE_ERRORS, RecursionError) as exc:
        checks.append(Check.failed("pdf.parse", "pdf_unreadable", f"the PDF cannot be read: {exc}"))
        return checks, None
    checks.append(Check.passed("pdf.parse", f"PDF read, {len(signatures)} signature(s)"))
    if len(signatures) != 1 or signatures[0].field_name != FIELD_NAME:
        names = [s.field_name for s in signatures]
        reason = "pdf_not_signed" if not signatures else "pdf_extra_signatures"
        checks.append(
            Check.failed(
                "pdf.signature_fields",
                reason,
                f"expected exactly one signature, in field {FIELD_NAME!r}; found {names}",
            )
        )
        return checks, None
    embedded = signatures[0]
    checks.append(Check.passed("pdf.signature_fields", "one signature, the seal"))
    context = ValidationContext(
        trust_roots=[x509.Certificate.load(r.der) for r in trust.roots],
        allow_fetching=False,
        revocation_mode="soft-fail",
        moment=at,
    )
    try:
        status = validate_pdf_signature(embedded, context)
    except (*_PARSE_ERRORS, SignatureValidationError, RecursionError) as exc:
        checks.append(
            Check.failed("pdf.signature", "pdf_signature_invalid", f"validation failed: {exc}")
        )
        return checks, None
    checks.extend(_status_checks(status, trust))
    if any(c.reason for c in checks):
        return checks, None
    try:
        root: Any = reader.get_historical_root(embedded.signed_revision)
        payload = str(root[PAYLOAD_KEY]["/Payload"])
    except (*_PARSE_ERRORS, RecursionError) as exc:
        checks.append(
            Check.failed("pdf.payload", "pdf_payload_missing", f"no signed QR payload: {exc}")
        )
        return checks, None
    checks.append(Check.passed("pdf.payload", "signed QR payload found in the document"))
    region = ""
    for rdn in status.signing_cert.subject.chosen:
        for attribute in rdn:
            if attribute["type"].native == "serial_number":
                region = str(attribute["value"].native)
    return checks, SealedPayload(payload, region, status.signer_reported_dt)


def _status_checks(status: Any, trust: TrustList) -> list[Check]:
    checks: list[Check] = []
    if not (status.intact and status.valid):
        checks.append(
            Check.failed(
                "pdf.signature",
                "pdf_signature_invalid",
                "the signed bytes were altered or the signature is broken",
            )
        )
        return checks
    checks.append(Check.passed("pdf.signature", "signature intact and cryptographically valid"))
    signer_fp = fingerprint(status.signing_cert.dump())
    if not status.trusted:
        checks.append(
            Check.failed(
                "pdf.signer",
                "pdf_untrusted_signer",
                f"the signing certificate does not chain to a trusted root "
                f"({status.trust_problem_indic})",
            )
        )
    elif signer_fp not in {s.sha256 for s in trust.seals}:
        checks.append(
            Check.failed(
                "pdf.signer",
                "pdf_unknown_seal",
                "the signing certificate is not a seal certificate named in the trust list",
            )
        )
    else:
        checks.append(
            Check.passed("pdf.signer", f"sealed by {status.signing_cert.subject.human_friendly}")
        )
    coverage = status.coverage
    level = status.modification_level
    if coverage == SignatureCoverageLevel.ENTIRE_FILE or (
        coverage == SignatureCoverageLevel.ENTIRE_REVISION and level in _ACCEPTED_LEVELS
    ):
        checks.append(Check.passed("pdf.coverage", "the signature covers the whole document"))
    else:
        checks.append(
            Check.failed(
                "pdf.coverage",
                "pdf_modified",
                f"the document was modified after it was sealed ({level.name if level else '?'})",
            )
        )
    if status.docmdp_ok is not True:
        checks.append(
            Check.failed(
                "pdf.docmdp", "pdf_docmdp_violated", "changes forbidden by the seal were made"
            )
        )
    if not status.bottom_line and not any(c.reason for c in checks):
        checks.append(
            Check.failed("pdf.signature", "pdf_signature_invalid", "pyHanko's verdict: not valid")
        )
    return checks
