"""The PDF attack suite: forgeries built from cecert's own signed certificates must fail.

Each attack (``tests/support/pdfattacks.py``) turns a genuine certificate, sometimes with a second
genuine one, into a forgery. Every forgery is verified with the trust list alone (no
registry: ``pdf.registered`` would refuse any changed byte and hide whether the PDF checks
themselves hold) and must be **invalid** with the reason of the check that is meant to stop
it, reported first. Each rejection is counted in the attack tally printed at the end of the
run. Genuine certificates, also after a legitimate archive extension (validation data and a
new document timestamp of the bureau's own unit), stay valid.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Callable
from io import BytesIO
from pathlib import Path

import pytest
from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers
from pyhanko.sign.validation import DocumentSecurityStore
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator.registry import SimpleCertificateStore

from keys.private import (
    issue_crl,
    issue_ocsp_response,
    open_key_ring,
)
from signer.pades.timestamps import TimeStampingUnit
from tests.conftest import AT, LATER, PASSPHRASE, IssuedHome
from tests.support import pdfattacks as attacks
from tests.support.attacklog import record_attack
from tests.support.keyrings import other_bureau_ring
from verifier import Verdict, Verifier
from verifier.pdf import check_pdf

ARCHIVED_AT = AT + dt.timedelta(days=3)

Attack = Callable[[bytes, bytes], bytes]
"""(this certificate, another genuine certificate) → forged bytes."""


def _one(build: Callable[[bytes], bytes]) -> Attack:
    return lambda data, other: build(data)


def _on_timestamp(build: Callable[[bytes, str], bytes]) -> Attack:
    return lambda data, other: build(data, attacks.DOC_TIMESTAMP)


ATTACKS: list[tuple[str, Attack, str]] = [
    # Universal Signature Forgery: the seal's /ByteRange and /Contents
    ("usf_byte_range_missing", _one(attacks.usf_byte_range_missing), "pdf_unreadable"),
    ("usf_byte_range_empty", _one(attacks.usf_byte_range_empty), "pdf_signature_invalid"),
    ("usf_byte_range_zero", _one(attacks.usf_byte_range_zero), "pdf_signature_invalid"),
    ("usf_byte_range_reordered", _one(attacks.usf_byte_range_reordered), "pdf_signature_invalid"),
    (
        "usf_byte_range_overlapping",
        _one(attacks.usf_byte_range_overlapping),
        "pdf_signature_invalid",
    ),
    ("usf_byte_range_short", _one(attacks.usf_byte_range_short), "pdf_signature_invalid"),
    (
        "usf_byte_range_whole_file",
        _one(attacks.usf_byte_range_whole_file),
        "pdf_signature_invalid",
    ),
    ("usf_contents_empty", _one(attacks.usf_contents_empty), "pdf_unreadable"),
    ("usf_contents_zeroed", _one(attacks.usf_contents_zeroed), "pdf_unreadable"),
    ("usf_contents_garbage_der", _one(attacks.usf_contents_garbage_der), "pdf_unreadable"),
    (
        "usf_contents_padding_flipped",
        _one(attacks.contents_padding_flipped),
        "pdf_signature_invalid",
    ),
    # the same on the document timestamp
    (
        "usf_timestamp_byte_range_zero",
        _on_timestamp(attacks.usf_byte_range_zero),
        "pdf_timestamp_invalid",
    ),
    (
        "usf_timestamp_byte_range_short",
        _on_timestamp(attacks.usf_byte_range_short),
        "pdf_timestamp_invalid",
    ),
    ("usf_timestamp_contents_zeroed", _on_timestamp(attacks.usf_contents_zeroed), "pdf_unreadable"),
    (
        "usf_timestamp_contents_padding_flipped",
        _on_timestamp(attacks.contents_padding_flipped),
        "pdf_timestamp_invalid",
    ),
    (
        "timestamp_token_signature_altered",
        _on_timestamp(attacks.signature_value_altered),
        "pdf_timestamp_invalid",
    ),
    # signatures taken from another genuine certificate
    ("seal_contents_from_other_certificate", attacks.contents_swapped, "pdf_signature_invalid"),
    (
        "seal_dictionary_from_other_certificate",
        attacks.signature_dictionary_copied,
        "pdf_signature_invalid",
    ),
    (
        "timestamp_contents_from_other_certificate",
        lambda data, other: attacks.contents_swapped(data, other, attacks.DOC_TIMESTAMP),
        "pdf_timestamp_invalid",
    ),
    # Signature Wrapping
    ("swa_signed_bytes_relocated", _one(attacks.signature_wrapping), "pdf_timestamp_invalid"),
    # Incremental Saving
    ("isa_new_page_content", _one(attacks.isa_page_content), "pdf_modified"),
    ("isa_page_of_other_certificate", attacks.isa_page_of_other_certificate, "pdf_modified"),
    ("isa_free_text_annotation", _one(attacks.isa_free_text_annotation), "pdf_modified"),
    ("isa_font_replaced", attacks.isa_font_replaced, "pdf_modified"),
    ("isa_form_field_added", _one(attacks.isa_form_field_value), "pdf_modified"),
    ("isa_seal_field_changed", _one(attacks.isa_changed_field_value), "pdf_modified"),
    ("isa_payload_of_other_certificate", attacks.isa_payload_swapped, "pdf_modified"),
    ("isa_open_action_javascript", _one(attacks.isa_open_action), "pdf_modified"),
    (
        "payload_of_other_certificate_elsewhere",
        attacks.payload_of_other_appended,
        "pdf_modified_after_timestamp",
    ),
    (
        "isa_info_after_last_timestamp",
        _one(attacks.isa_info_changed),
        "pdf_modified_after_timestamp",
    ),
    ("isa_xmp_after_last_timestamp", _one(attacks.isa_xmp_changed), "pdf_modified_after_timestamp"),
    ("isa_bytes_after_eof", _one(attacks.bytes_appended), "pdf_modified_after_timestamp"),
    (
        "last_revision_byte_flipped",
        _one(attacks.last_revision_byte_flipped),
        "pdf_timestamp_invalid",
    ),
    # Shadow attacks and certification attacks
    ("shadow_hide", _one(attacks.shadow_hide), "pdf_modified"),
    ("shadow_replace", _one(attacks.shadow_replace), "pdf_modified"),
    ("shadow_hide_and_replace", _one(attacks.shadow_hide_and_replace), "pdf_modified"),
    ("shadow_seal_appearance_replaced", _one(attacks.shadow_seal_appearance), "pdf_modified"),
    ("sneaky_stamp_annotation", _one(attacks.isa_stamp_annotation), "pdf_modified"),
    # damaged files
    ("truncated_half", _one(attacks.truncated), "pdf_unreadable"),
    ("trailer_cut", _one(attacks.tail_cut), "pdf_unreadable"),
    ("last_revision_removed", _one(attacks.last_revision_removed), "pdf_not_ltv"),
    ("garbage", _one(attacks.garbage), "pdf_unreadable"),
    ("not_a_pdf", lambda data, other: data[1:], "not_a_pdf"),
]


@pytest.fixture(scope="module")
def genuine(issued_home: IssuedHome) -> tuple[bytes, bytes]:
    """Two genuine certificates of different people."""
    first, second = issued_home.documents[:2]
    return issued_home.pdf(first).read_bytes(), issued_home.pdf(second).read_bytes()


@pytest.fixture(scope="module")
def trust_only(issued_home: IssuedHome) -> Verifier:
    return Verifier(issued_home.trust)


def assert_rejected(
    name: str, report_verdict: Verdict, reasons: tuple[str, ...], want: str
) -> None:
    assert report_verdict is Verdict.INVALID, (name, reasons)
    assert reasons, name
    assert reasons[0] == want, (name, reasons)
    record_attack("pdf", name, report_verdict.value, reasons[0])


@pytest.mark.parametrize(("name", "build", "reason"), ATTACKS, ids=[a[0] for a in ATTACKS])
def test_attack_is_invalid(
    name: str,
    build: Attack,
    reason: str,
    genuine: tuple[bytes, bytes],
    trust_only: Verifier,
) -> None:
    forged = build(*genuine)
    assert forged != genuine[0]
    report = trust_only.verify_pdf(forged, at=LATER)
    assert_rejected(name, report.verdict, report.reasons, reason)


# --- attacks that need keys of their own -----------------------------------------------------


def _attacker_signer() -> signers.SimpleSigner:
    """A signer with the attacker's own self-signed certificate (ECDSA P-256)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "广州市人力资源和社会保障局")])
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(AT - dt.timedelta(days=1))
        .not_valid_after(AT + dt.timedelta(days=3650))
        .sign(key, hashes.SHA256())
    )
    der_key = key.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    cert = asn1_x509.Certificate.load(certificate.public_bytes(serialization.Encoding.DER))
    return signers.SimpleSigner(
        signing_cert=cert,
        signing_key=asn1_keys.PrivateKeyInfo.load(der_key),
        cert_registry=SimpleCertificateStore.from_certs([cert]),
    )


class _Reckless(signers.PdfSigner):  # type: ignore[misc]
    """pyHanko's signer without its refusal to sign a certified "no changes" document: an
    attacker's tool has no such scruples."""

    def _enforce_certification_constraints(self, reader: PdfFileReader) -> None:
        return None


def test_attack_sneaky_second_signature(genuine: tuple[bytes, bytes], trust_only: Verifier) -> None:
    """Certification attack (sneaky signature): a visible approval signature by the
    attacker's own key, laid over the page after the seal."""
    writer = IncrementalPdfFileWriter(BytesIO(genuine[0]))
    meta = signers.PdfSignatureMetadata(field_name="Approval")
    pdf_signer = _Reckless(
        meta,
        signer=_attacker_signer(),
        new_field_spec=fields.SigFieldSpec("Approval", on_page=0, box=(100, 500, 500, 700)),
    )
    forged = asyncio.run(pdf_signer.async_sign_pdf(writer)).getvalue()
    report = trust_only.verify_pdf(forged, at=LATER)
    assert_rejected(
        "sneaky_second_signature", report.verdict, report.reasons, "pdf_extra_signatures"
    )


def test_attack_timestamp_by_own_unit_after_a_change(
    genuine: tuple[bytes, bytes], trust_only: Verifier, tmp_path: Path
) -> None:
    """An attacker who changes the document information and then closes the file with a
    document timestamp of their own time-stamping unit (another bureau's key ring)."""
    other = other_bureau_ring(tmp_path / "other")
    changed = attacks.isa_info_changed(genuine[0])
    stamper = signers.PdfTimeStamper(
        TimeStampingUnit(other.tsa).stamper(ARCHIVED_AT), field_name="Archive"
    )
    output = BytesIO()
    asyncio.run(
        stamper.async_timestamp_pdf(
            IncrementalPdfFileWriter(BytesIO(changed)), "sha256", output=output
        )
    )
    report = trust_only.verify_pdf(output.getvalue(), at=LATER)
    assert_rejected(
        "timestamp_by_untrusted_unit_after_change",
        report.verdict,
        report.reasons,
        "pdf_untrusted_timestamp",
    )


# --- genuine documents stay valid -----------------------------------------------------------


def archive_extension(data: bytes, issued_home: IssuedHome, at: dt.datetime) -> bytes:
    """What the bureau does to extend a certificate's long-term validation: a revision with
    fresh validation data (OCSP response for the time-stamping unit, the root's CRL), then
    a new document timestamp of its own unit over everything."""
    ring = open_key_ring(issued_home.home.keys_dir, passphrase=PASSPHRASE)
    day = dt.datetime.combine(at.date(), dt.time(), tzinfo=dt.UTC)
    ocsp = issue_ocsp_response(
        ring.ca, ring.tsa.certificate, at=day, next_update=day + dt.timedelta(days=1)
    )
    crl = issue_crl(ring.ca, revoked=[], at=day, next_update=day + dt.timedelta(days=1))
    buffer = BytesIO(data)
    DocumentSecurityStore.add_dss(
        output_stream=buffer,
        sig_contents=None,
        ocsps=[_load_ocsp(ocsp)],
        crls=[_load_crl(crl)],
        force_write=True,
    )
    stamper = signers.PdfTimeStamper(
        TimeStampingUnit(ring.tsa).stamper(at), field_name="ArchiveTimeStamp"
    )
    output = BytesIO()
    asyncio.run(
        stamper.async_timestamp_pdf(
            IncrementalPdfFileWriter(BytesIO(buffer.getvalue())), "sha256", output=output
        )
    )
    return output.getvalue()


def _load_ocsp(der: bytes) -> object:
    from asn1crypto import ocsp

    return ocsp.OCSPResponse.load(der)


def _load_crl(der: bytes) -> object:
    from asn1crypto import crl

    return crl.CertificateList.load(der)


def test_issued_certificates_are_valid(issued_home: IssuedHome, verifier: Verifier) -> None:
    for document in issued_home.documents:
        report = verifier.verify_pdf(issued_home.pdf(document).read_bytes(), at=LATER)
        assert report.verdict is Verdict.VALID, report.reasons


def test_issued_certificates_end_with_the_document_timestamp(issued_home: IssuedHome) -> None:
    """Nothing follows the document timestamp in a genuine file: it covers every byte."""
    for document in issued_home.documents:
        reader = PdfFileReader(BytesIO(issued_home.pdf(document).read_bytes()))
        last = reader.embedded_signatures[-1]
        assert last.sig_object_type == "/DocTimeStamp"
        assert last.evaluate_signature_coverage() is SignatureCoverageLevel.ENTIRE_FILE
        assert reader.xrefs.total_revisions == 3  # page, seal, validation data + timestamp


def test_archive_extension_keeps_the_certificate_valid(
    issued_home: IssuedHome, genuine: tuple[bytes, bytes], trust_only: Verifier
) -> None:
    extended = archive_extension(genuine[0], issued_home, ARCHIVED_AT)
    checks, sealed = check_pdf(extended, issued_home.trust, at=LATER)
    assert sealed is not None, [c.reason for c in checks]
    assert all(c.reason is None for c in checks)
    report = trust_only.verify_pdf(extended, at=LATER)
    assert report.reasons == ("status_not_checked",)  # authentic; status needs a registry


def test_attack_after_an_archive_extension(
    issued_home: IssuedHome, genuine: tuple[bytes, bytes], trust_only: Verifier
) -> None:
    """ISA after a legitimate later DSS update and document timestamp: still refused."""
    extended = archive_extension(genuine[0], issued_home, ARCHIVED_AT)
    for name, build, reason in (
        (
            "isa_info_after_archive_timestamp",
            attacks.isa_info_changed,
            "pdf_modified_after_timestamp",
        ),
        ("isa_page_content_after_archive_timestamp", attacks.isa_page_content, "pdf_modified"),
    ):
        report = trust_only.verify_pdf(build(extended), at=LATER)
        assert_rejected(name, report.verdict, report.reasons, reason)


def test_validation_data_alone_after_the_last_timestamp_is_refused(
    issued_home: IssuedHome, genuine: tuple[bytes, bytes], trust_only: Verifier
) -> None:
    """A DSS update that no document timestamp closes is not accepted either: it is
    unsigned, and pyHanko writes a new document information dictionary with it."""
    ring = open_key_ring(issued_home.home.keys_dir, passphrase=PASSPHRASE)
    crl = issue_crl(ring.ca, revoked=[], at=ARCHIVED_AT, next_update=LATER)
    buffer = BytesIO(genuine[0])
    DocumentSecurityStore.add_dss(
        output_stream=buffer, sig_contents=None, crls=[_load_crl(crl)], force_write=True
    )
    report = trust_only.verify_pdf(buffer.getvalue(), at=LATER)
    assert report.verdict is Verdict.INVALID
    assert report.reasons == ("pdf_modified_after_timestamp",)


def test_every_attack_is_refused_with_a_registry_too(
    genuine: tuple[bytes, bytes], verifier: Verifier
) -> None:
    """With the registry, the same forgeries are invalid (and never reach `valid`)."""
    for name, build, _ in ATTACKS:
        report = verifier.verify_pdf(build(*genuine), at=LATER)
        assert report.verdict is Verdict.INVALID, name


def test_a_flipped_byte_anywhere_is_invalid(
    genuine: tuple[bytes, bytes], trust_only: Verifier
) -> None:
    """Every byte of a genuine certificate is protected: one byte changed, at positions
    spread over the whole file and packed into the final revision, the seal's and the
    document timestamp's ``/Contents`` (signature and zero padding) and the trailer, is
    never valid. (Before the file ended with its document timestamp, a byte of the final
    revision — e.g. in the ``/Author`` string — could be changed unnoticed.)"""
    data = genuine[0]
    seal = attacks.signature_span(data, attacks.SEAL)
    stamp = attacks.signature_span(data, attacks.DOC_TIMESTAMP)
    final = seal.byte_range[2] + seal.byte_range[3]
    positions = set(range(0, len(data), len(data) // 48))
    positions |= set(range(final, len(data), (len(data) - final) // 24))
    for span in (seal, stamp):
        positions |= set(range(span.contents_start, span.contents_end, 600))
    positions |= set(range(len(data) - 40, len(data)))
    accepted, answers = [], []
    for at in sorted(positions):
        flipped = data[:at] + bytes([data[at] ^ 0x01]) + data[at + 1 :]
        report = trust_only.verify_pdf(flipped, at=LATER)
        if report.verdict is not Verdict.INVALID:
            accepted.append((at, report.reasons))
        answers.append((at, report.verdict.value, report.reasons[0] if report.reasons else None))
    assert not accepted
    for at, verdict, reason in answers:  # each flip is one attack in the tally
        record_attack("pdf", f"byte_flip_at_{at}", verdict, reason)
