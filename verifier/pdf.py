"""PAdES B-LTA checks of a certificate PDF with pyHanko, and extraction of its signed payload.

What a PDF must satisfy (NOTES.md, pdf-insecurity.org, ``docs/long-term-validation.md``):
exactly one signature, the seal, in the field ``Seal``, followed only by document timestamps;
long-term validation material (a signature timestamp, a DSS, a document timestamp after the
seal); every timestamp made by a time-stamping unit the trust list names; the AdES long-term
validation (``pyhanko.sign.validation.ades``) passing at the verification time ``at``, offline,
with the trust list's roots as the only trust anchors; cryptographically intact; made by a
seal certificate the trust list names and that was usable at the *trusted* signing time (the
signature timestamp); covering the entire signed revision, followed only by validation-data
and timestamp updates; DocMDP respected; every signature container canonical (``/Contents``
padded with zeros only) and every document timestamp intact before the validation starts;
the last document timestamp covering the entire file, so that no byte of a valid file is
outside every signature. Anything pyHanko cannot parse is ``invalid`` with a reason, never
an exception. The attacks each rule stops are listed in ``docs/verification.md``.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import logging
from dataclasses import dataclass
from io import BytesIO
from typing import Any

from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.ades.report import AdESPassed
from pyhanko.sign.diff_analysis.policy_api import ModificationLevel
from pyhanko.sign.validation.ades import ades_lta_validation
from pyhanko.sign.validation.errors import SignatureValidationError
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator.errors import PathBuildingError, PathValidationError
from pyhanko_certvalidator.ltv.types import ValidationTimingInfo

from keys import TrustList, fingerprint
from verifier import fastparse
from verifier.pdflimits import check_pdf_limits
from verifier.pdfpolicy import validation_spec
from verifier.pdfstructure import containers_intact, final_revision, ltv_structure
from verifier.report import Check

FIELD_NAME = "Seal"
PAYLOAD_KEY = "/CECert"
MAX_PDF_BYTES = 5 * 1024 * 1024
_ACCEPTED_LEVELS = (ModificationLevel.NONE, ModificationLevel.LTA_UPDATES)

# pyHanko logs each validation problem it meets, often with a traceback, even on the way to a
# valid verdict (an expired seal certificate is expected decades later). Every problem that
# matters is a check of the report; in a verifier's own logs those lines are only noise, and
# could fill a server's log with one traceback per upload. Errors are still logged.
for _logger in ("pyhanko", "pyhanko_certvalidator"):
    logging.getLogger(_logger).setLevel(logging.ERROR)
_PARSE_ERRORS = (
    PdfError,
    ValueError,
    TypeError,
    KeyError,
    IndexError,
    AttributeError,
    ArithmeticError,  # decimal.InvalidOperation from a damaged number, among others
    # pyHanko's parser asserts on damaged structures (an xref stream that is not /XRef):
    # found by fuzzing, fuzz/regressions/pdf/.
    AssertionError,
    NotImplementedError,
    RecursionError,
)
_VALIDATION_ERRORS = (
    *_PARSE_ERRORS,
    SignatureValidationError,
    PathBuildingError,
    PathValidationError,
)


def pdf_sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass(frozen=True, slots=True)
class SealedPayload:
    """What a PDF that passed every check carries: its payload and who sealed it when."""

    payload: str
    seal_region: str
    """Region code in the seal certificate's subject (serialNumber)."""
    signed_at: dt.datetime | None
    """The trusted signing time: the time of the seal's RFC 3161 signature timestamp, made
    by a time-stamping unit of the trust list (not the time the signer claims)."""


def check_pdf(
    data: bytes, trust: TrustList, *, at: dt.datetime
) -> tuple[list[Check], SealedPayload | None]:
    """Run the PDF checks; return them and, only when every check passed, the payload text
    from the signed revision with the seal's region and trusted signing time."""
    checks: list[Check] = []
    if len(data) > MAX_PDF_BYTES:
        checks.append(Check.failed("pdf.parse", "pdf_too_large", f"{len(data)} bytes"))
        return checks, None
    if not data.startswith(b"%PDF-"):
        checks.append(Check.failed("pdf.parse", "not_a_pdf", "the file does not start with %PDF-"))
        return checks, None
    limit = check_pdf_limits(data)  # decompression bombs, before pyHanko decodes anything
    if limit is not None:
        return [*checks, limit], None
    fastparse.install()  # same results, sooner (verifier/fastparse.py)
    try:
        reader = PdfFileReader(BytesIO(data), strict=False)
        every = list(reader.embedded_signatures)
        signatures = [s for s in every if s.sig_object_type == "/Sig"]
        timestamps = [s for s in every if s.sig_object_type == "/DocTimeStamp"]
        others = len(every) - len(signatures) - len(timestamps)
    except (*_PARSE_ERRORS, RecursionError) as exc:
        checks.append(Check.failed("pdf.parse", "pdf_unreadable", f"the PDF cannot be read: {exc}"))
        return checks, None
    checks.append(
        Check.passed(
            "pdf.parse",
            f"PDF read, {len(signatures)} signature(s), {len(timestamps)} document timestamp(s)",
        )
    )
    if len(signatures) != 1 or signatures[0].field_name != FIELD_NAME or others:
        names = [s.field_name for s in signatures]
        reason = "pdf_not_signed" if not signatures else "pdf_extra_signatures"
        checks.append(
            Check.failed(
                "pdf.signature_fields",
                reason,
                f"expected exactly one signature, in field {FIELD_NAME!r}, and document "
                f"timestamps only; found signatures {names}",
            )
        )
        return checks, None
    embedded = signatures[0]
    checks.append(Check.passed("pdf.signature_fields", "one signature, the seal"))
    try:
        structure = ltv_structure(reader, embedded, timestamps, trust)
    except (*_VALIDATION_ERRORS,) as exc:
        structure = Check.failed(
            "pdf.ltv", "pdf_signature_invalid", f"the signature cannot be read: {exc}"
        )
    checks.append(structure)
    if structure.reason:
        return checks, None
    try:
        integrity = containers_intact(embedded, timestamps)
    except _VALIDATION_ERRORS as exc:
        integrity = Check.failed(
            "pdf.timestamps", "pdf_timestamp_invalid", f"a timestamp cannot be read: {exc}"
        )
    if integrity is not None:
        checks.append(integrity)
        return checks, None
    try:
        result = asyncio.run(
            ades_lta_validation(
                embedded,
                validation_spec(trust, at=at),
                timing_info=ValidationTimingInfo(
                    validation_time=at, best_signature_time=at, point_in_time_validation=False
                ),
            )
        )
    except _VALIDATION_ERRORS as exc:
        checks.append(
            Check.failed("pdf.signature", "pdf_signature_invalid", f"validation failed: {exc}")
        )
        return checks, None
    status = result.api_status
    if status is None:
        checks.append(
            Check.failed(
                "pdf.signature", "pdf_signature_invalid", f"not validated: {result.failure_msg}"
            )
        )
        return checks, None
    checks.extend(_status_checks(status, trust))
    if not any(c.reason for c in checks):
        checks.append(final_revision(data, timestamps))
    if not any(c.reason for c in checks):
        checks.extend(_lta_checks(result))
    signed_at = _trusted_signing_time(status)
    if not any(c.reason for c in checks) and signed_at is not None:
        checks.append(_seal_usable(status, trust, signed_at))
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
    return checks, SealedPayload(payload, region, signed_at)


def _lta_checks(result: Any) -> list[Check]:
    """The AdES long-term validation verdict: the document timestamp chain, the signature
    timestamp and the overall indication."""
    if result.oldest_evidence_record_timestamp is None:
        return [
            Check.failed(
                "pdf.timestamps",
                "pdf_timestamp_invalid",
                "the document timestamps do not validate (altered, or not by a trusted unit)",
            )
        ]
    timestamp = result.api_status.timestamp_validity
    if timestamp is None or not (timestamp.intact and timestamp.valid and timestamp.trusted):
        return [
            Check.failed(
                "pdf.timestamps",
                "pdf_timestamp_invalid",
                "the seal's signature timestamp does not validate",
            )
        ]
    if result.ades_subindic is not AdESPassed.OK:
        return [
            Check.failed(
                "pdf.signature",
                "pdf_signature_invalid",
                f"long-term validation: {result.ades_subindic.name} ({result.failure_msg})",
            )
        ]
    return [
        Check.passed(
            "pdf.timestamps",
            f"sealed at {_iso(timestamp.timestamp)} (signature timestamp), preserved since "
            f"{_iso(result.oldest_evidence_record_timestamp)} (document timestamp)",
        )
    ]


def _iso(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


def _trusted_signing_time(status: Any) -> dt.datetime | None:
    timestamp = status.timestamp_validity
    if timestamp is None:
        return None
    when: dt.datetime = timestamp.timestamp
    return when


def _seal_usable(status: Any, trust: TrustList, signed_at: dt.datetime) -> Check:
    """The trust list's word on the seal at the trusted signing time: within the
    certificate's validity, before its retirement and before its revocation."""
    seal = trust.seal(fingerprint(status.signing_cert.dump()))
    if seal is None:  # already reported as pdf_unknown_seal
        return Check.failed("pdf.seal_time", "pdf_unknown_seal", "not a trust-list seal")
    if seal.usable_at(signed_at):
        return Check.passed("pdf.seal_time", f"the seal was in force at {_iso(signed_at)}")
    when = _iso(signed_at)
    if seal.revoked_from is not None and signed_at >= seal.revoked_from:
        return Check.failed(
            "pdf.seal_time",
            "seal_revoked",
            f"sealed at {when}, but the seal is revoked from {_iso(seal.revoked_from)} "
            f"({seal.revocation_reason or 'no reason given'})",
        )
    if seal.retired_at is not None and signed_at > seal.retired_at:
        return Check.failed(
            "pdf.seal_time",
            "seal_retired",
            f"sealed at {when}, after the seal was retired on {_iso(seal.retired_at)}",
        )
    return Check.failed(
        "pdf.seal_time",
        "seal_not_valid_at_signing",
        f"sealed at {when}, outside the seal certificate's validity",
    )


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
