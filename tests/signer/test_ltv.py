"""Long-term validation: issued certificates are PAdES B-LTA and verify offline decades later.

The documents are the real issued PDFs of the session home (``issued_home``); rotations and
revocations happen on private copies of its key ring, with trust lists exported from them.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import shutil
import socket
import subprocess
from collections.abc import Iterator
from io import BytesIO
from pathlib import Path

import pytest
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509 import ocsp
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers
from pyhanko.sign.validation.generic_cms import validate_tst_signed_data
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.registry import SimpleCertificateStore
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen.canvas import Canvas

from keys import TrustList, parse_trust_list
from keys.private import (
    KeyRing,
    SealSigner,
    export_trust_list,
    issue_crl,
    issue_ocsp_response,
    open_key_ring,
    revoke_key,
    rotate_keys,
)
from registry.store import Registry
from signer import IssuanceError
from signer.document.geometry import SEAL_BOX
from signer.document.seal_artwork import seal_appearance_pdf
from signer.pades.signature import FIELD_NAME, PAYLOAD_KEY, TIMESTAMP_FIELD_NAME, SealStamper
from signer.pades.timestamps import TSA_POLICY, TimeStampingUnit
from tests.conftest import AT, CONFIG, PASSPHRASE, IssuedHome
from tests.support.keyrings import other_bureau_ring
from verifier import RegistryStatus, Verdict, Verifier
from verifier.pdf import check_pdf

FIFTEEN_YEARS = AT + dt.timedelta(days=15 * 365 + 4)
ROTATED_AT = AT + dt.timedelta(days=10)


@pytest.fixture
def offline(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any attempt to reach the network fails the test (it would also fail closed in use)."""

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError(f"network access attempted: {args}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)


def first_pdf(issued_home: IssuedHome) -> bytes:
    return issued_home.pdf(issued_home.documents[0]).read_bytes()


def home_copy(issued_home: IssuedHome, target: Path) -> Path:
    shutil.copytree(issued_home.home.root, target)
    return target


def blank_pdf() -> bytes:
    buffer = BytesIO()
    canvas = Canvas(buffer, pagesize=A4)
    canvas.drawString(100, 700, "certificate")
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


@pytest.fixture
def status(issued_home: IssuedHome) -> Iterator[RegistryStatus]:
    registry = Registry.open(issued_home.home.registry_path, read_only=True)
    yield RegistryStatus(registry)
    registry.close()


# --- acceptance: a certificate issued today validates offline 15 years ahead ---------------


def test_valid_offline_fifteen_years_later_after_the_seal_expired(
    issued_home: IssuedHome, status: RegistryStatus, offline: None
) -> None:
    trust = issued_home.trust
    assert all(s.not_after < FIFTEEN_YEARS for s in trust.seals)  # 5-year seal: long expired
    report = Verifier(trust, status=status).verify_pdf(
        first_pdf(issued_home), at=FIFTEEN_YEARS, by_record=False
    )
    assert report.verdict is Verdict.VALID, report.reasons
    names = {c.name for c in report.checks}
    assert {"pdf.ltv", "pdf.timestamps", "pdf.seal_time", "pdf.agreement"} <= names


def test_valid_offline_one_day_later(
    issued_home: IssuedHome, status: RegistryStatus, offline: None
) -> None:
    report = Verifier(issued_home.trust, status=status).verify_pdf(
        first_pdf(issued_home), at=AT + dt.timedelta(days=1)
    )
    assert report.verdict is Verdict.VALID, report.reasons


def test_every_issued_pdf_is_b_lta(issued_home: IssuedHome) -> None:
    for document in issued_home.documents:
        reader = PdfFileReader(BytesIO(issued_home.pdf(document).read_bytes()))
        (seal,) = reader.embedded_regular_signatures
        (stamp,) = reader.embedded_timestamp_signatures
        assert (seal.field_name, stamp.field_name) == (FIELD_NAME, TIMESTAMP_FIELD_NAME)
        assert stamp.signed_revision > seal.signed_revision
        dss = reader.root["/DSS"]
        assert len(dss["/OCSPs"]) == 2  # the seal's and the time-stamping unit's
        assert len(dss["/CRLs"]) == 1  # the root's
        assert seal.sig_object["/M"] is not None


def test_signing_time_is_the_trusted_timestamp(issued_home: IssuedHome) -> None:
    checks, sealed = check_pdf(first_pdf(issued_home), issued_home.trust, at=AT)
    assert sealed is not None, [c.reason for c in checks]
    assert sealed.signed_at == AT


def test_after_the_root_expires_it_is_no_longer_valid(issued_home: IssuedHome) -> None:
    """The documented limit: nothing outlives the root (30 years)."""
    trust = issued_home.trust
    after_root = trust.roots[0].not_after + dt.timedelta(days=1)
    checks, sealed = check_pdf(first_pdf(issued_home), trust, at=after_root)
    assert sealed is None
    assert any(c.reason for c in checks)


# --- trust across time: revoked and retired seals --------------------------------------------


def _rotated_trust(home: Path, *, revoked_from: dt.datetime | None) -> tuple[TrustList, str]:
    """Rotate the copy's seal at ROTATED_AT, optionally revoke the old one; return the new
    trust list and the old seal's fingerprint."""
    keys_dir = home / "keys"
    old = open_key_ring(keys_dir, passphrase=PASSPHRASE).seal.certificate.sha256
    rotate_keys(keys_dir, passphrase=PASSPHRASE, at=ROTATED_AT, seal=True, qr=False)
    if revoked_from is not None:
        revoke_key(
            keys_dir,
            passphrase=PASSPHRASE,
            key=old,
            revoked_from=revoked_from,
            reason="key compromise",
            at=ROTATED_AT,
        )
    ring = open_key_ring(keys_dir, passphrase=PASSPHRASE)
    return parse_trust_list(export_trust_list(keys_dir, ring, at=ROTATED_AT)), old


def test_seal_revoked_before_the_timestamp_is_invalid(
    issued_home: IssuedHome, tmp_path: Path, status: RegistryStatus
) -> None:
    home = home_copy(issued_home, tmp_path / "home")
    trust, old = _rotated_trust(home, revoked_from=AT - dt.timedelta(hours=1))
    seal = trust.seal(old)
    assert seal is not None
    assert seal.revoked_from is not None
    report = Verifier(trust, status=status).verify_pdf(first_pdf(issued_home), at=ROTATED_AT)
    assert report.verdict is Verdict.INVALID
    assert report.reasons == ("seal_revoked",)


def test_seal_revoked_after_the_timestamp_stays_valid(
    issued_home: IssuedHome, tmp_path: Path, status: RegistryStatus
) -> None:
    home = home_copy(issued_home, tmp_path / "home")
    trust, _ = _rotated_trust(home, revoked_from=AT + dt.timedelta(hours=1))
    for at in (ROTATED_AT, FIFTEEN_YEARS):
        report = Verifier(trust, status=status).verify_pdf(first_pdf(issued_home), at=at)
        assert report.verdict is Verdict.VALID, report.reasons


def test_sealed_with_a_retired_seal_after_its_retirement_is_invalid(
    issued_home: IssuedHome, tmp_path: Path
) -> None:
    home = home_copy(issued_home, tmp_path / "home")
    old_ring = open_key_ring(home / "keys", passphrase=PASSPHRASE)  # before the rotation
    trust, old = _rotated_trust(home, revoked_from=None)
    retired = trust.seal(old)
    assert retired is not None
    assert retired.retired_at == ROTATED_AT
    stamper = SealStamper(
        old_ring, seal_pdf=seal_appearance_pdf(CONFIG.bureau), box=SEAL_BOX, bureau=CONFIG.bureau
    )
    late = stamper.seal(blank_pdf(), payload="CEC1:late", at=ROTATED_AT + dt.timedelta(days=1))
    checks, sealed = check_pdf(late, trust, at=ROTATED_AT + dt.timedelta(days=2))
    assert sealed is None
    assert [c.reason for c in checks if c.reason] == ["seal_retired"]
    # The same seal, used before its retirement, is accepted.
    early = stamper.seal(blank_pdf(), payload="CEC1:early", at=ROTATED_AT - dt.timedelta(days=1))
    checks, sealed = check_pdf(early, trust, at=FIFTEEN_YEARS)
    assert sealed is not None, [c.reason for c in checks]


def test_the_stamper_refuses_a_retired_or_revoked_seal(
    issued_home: IssuedHome, tmp_path: Path
) -> None:
    home = home_copy(issued_home, tmp_path / "home")
    _rotated_trust(home, revoked_from=AT + dt.timedelta(days=1))
    ring = open_key_ring(home / "keys", passphrase=PASSPHRASE)
    retired = next(e for e in ring.seals if e.retired_at is not None)
    with_old_seal = dataclasses.replace(
        ring, seal=_old_seal_signer(home, retired.certificate.sha256, ring)
    )
    stamper = SealStamper(
        with_old_seal,
        seal_pdf=seal_appearance_pdf(CONFIG.bureau),
        box=SEAL_BOX,
        bureau=CONFIG.bureau,
    )
    with pytest.raises(IssuanceError) as revoked:
        stamper.seal(blank_pdf(), payload="CEC1:x", at=AT + dt.timedelta(days=2))
    assert revoked.value.reason == "seal_revoked"


def _old_seal_signer(home: Path, sha256: str, ring: KeyRing) -> SealSigner:
    from keys.private.authority import read_manifest
    from keys.private.store import derive_key_password, read_private_key

    manifest = read_manifest(home / "keys")
    item = next(s for s in manifest["seals"] if s["sha256"] == sha256)
    password = derive_key_password(PASSPHRASE, manifest["kdf"])
    key = read_private_key(home / "keys" / item["key"], password)
    entry = next(e for e in ring.seals if e.certificate.sha256 == sha256)
    return SealSigner(key, entry.certificate, (ring.root_certificate,))


# --- documents without (trusted) long-term validation material -------------------------------


class _SealKeySigner(signers.Signer):  # type: ignore[misc]
    """A plain pyHanko signer over the bureau's seal key (no timestamp, no DSS)."""

    def __init__(self, seal: SealSigner) -> None:
        certificate = asn1_x509.Certificate.load(seal.certificate.der)
        chain = [asn1_x509.Certificate.load(c.der) for c in seal.chain]
        super().__init__(
            signing_cert=certificate,
            cert_registry=SimpleCertificateStore.from_certs([certificate, *chain]),
        )
        self._seal = seal

    async def async_sign_raw(
        self, data: bytes, digest_algorithm: str, dry_run: bool = False
    ) -> bytes:
        return bytes(72) if dry_run else self._seal.sign_der(data)


def test_a_plain_b_b_signature_is_not_ltv(issued_home: IssuedHome) -> None:
    ring = open_key_ring(issued_home.home.keys_dir, passphrase=PASSPHRASE)
    writer = IncrementalPdfFileWriter(BytesIO(blank_pdf()))
    writer.root[PAYLOAD_KEY] = generic.DictionaryObject(
        {generic.NameObject("/Payload"): generic.TextStringObject("CEC1:x")}
    )
    writer.update_root()
    meta = signers.PdfSignatureMetadata(
        field_name=FIELD_NAME,
        certify=True,
        docmdp_permissions=fields.MDPPerm.NO_CHANGES,
        subfilter=fields.SigSeedSubFilter.PADES,
        md_algorithm="sha256",
    )
    output = signers.PdfSigner(meta, signer=_SealKeySigner(ring.seal)).sign_pdf(writer)
    report = Verifier(issued_home.trust).verify_pdf(output.getvalue(), at=AT)
    assert report.verdict is Verdict.INVALID
    assert report.reasons == ("pdf_not_ltv",)


def test_stripping_the_validation_data_is_detected(issued_home: IssuedHome) -> None:
    """Cutting the file back to the sealed revision leaves a B-T signature: not accepted."""
    data = first_pdf(issued_home)
    seal = PdfFileReader(BytesIO(data)).embedded_regular_signatures[0]
    *_, start, length = seal.byte_range
    report = Verifier(issued_home.trust).verify_pdf(data[: start + length], at=AT)
    assert report.verdict is Verdict.INVALID
    assert report.reasons == ("pdf_not_ltv",)


def test_a_timestamp_by_an_untrusted_unit_is_refused(
    issued_home: IssuedHome, tmp_path: Path
) -> None:
    other = other_bureau_ring(tmp_path / "other")
    writer = IncrementalPdfFileWriter(BytesIO(first_pdf(issued_home)))
    stamper = signers.PdfTimeStamper(
        TimeStampingUnit(other.tsa).stamper(AT + dt.timedelta(days=1)), field_name="Later"
    )
    output = BytesIO()
    asyncio.run(stamper.async_timestamp_pdf(writer, "sha256", output=output))
    report = Verifier(issued_home.trust).verify_pdf(output.getvalue(), at=AT)
    assert report.verdict is Verdict.INVALID
    assert report.reasons == ("pdf_untrusted_timestamp",)


# --- the building blocks: time stamps, OCSP responses, CRLs ----------------------------------


def test_the_time_stamping_unit_makes_valid_rfc3161_tokens(issued_home: IssuedHome) -> None:
    ring = open_key_ring(issued_home.home.keys_dir, passphrase=PASSPHRASE)
    unit = TimeStampingUnit(ring.tsa)
    digest = bytes(range(32))
    tokens = [unit.token(digest, "sha256", at=AT) for _ in range(3)]
    infos = [t["content"]["encap_content_info"]["content"].parsed for t in tokens]
    assert {i["gen_time"].native for i in infos} == {AT}
    assert {i["policy"].dotted for i in infos} == {TSA_POLICY}
    assert len({i["serial_number"].native for i in infos}) == 3
    sizes = {len(t.dump()) for t in tokens}
    assert max(sizes) - min(sizes) <= 2  # only the ECDSA signature's DER length varies
    root = asn1_x509.Certificate.load(ring.root_certificate.der)
    context = ValidationContext(trust_roots=[root], allow_fetching=False, moment=AT)
    result = asyncio.run(
        validate_tst_signed_data(
            tokens[0]["content"], context, expected_tst_imprint=lambda _algorithm: digest
        )
    )
    assert result["intact"]
    assert result["valid"]
    assert result["trust_problem_indic"] is None
    assert result["timestamp"] == AT
    with pytest.raises(IssuanceError):
        unit.token(bytes(20), "sha1", at=AT)


def test_ocsp_responses_and_crls_carry_the_given_times(issued_home: IssuedHome) -> None:
    ring = open_key_ring(issued_home.home.keys_dir, passphrase=PASSPHRASE)
    root = x509.load_der_x509_certificate(ring.root_certificate.der)
    public = root.public_key()
    assert isinstance(public, ec.EllipticCurvePublicKey)
    later = AT + dt.timedelta(days=1)
    good = ocsp.load_der_ocsp_response(
        issue_ocsp_response(ring.ca, ring.seal.certificate, at=AT, next_update=later)
    )
    assert good.certificate_status is ocsp.OCSPCertStatus.GOOD
    assert good.produced_at_utc == good.this_update_utc == AT.replace(microsecond=0)
    assert good.next_update_utc == later
    assert good.serial_number == ring.seal.certificate.serial
    public.verify(good.signature, good.tbs_response_bytes, ec.ECDSA(hashes.SHA256()))
    revoked_from = AT - dt.timedelta(days=3)
    bad = ocsp.load_der_ocsp_response(
        issue_ocsp_response(
            ring.ca, ring.seal.certificate, at=AT, next_update=later, revoked_from=revoked_from
        )
    )
    assert bad.certificate_status is ocsp.OCSPCertStatus.REVOKED
    assert bad.revocation_time_utc == revoked_from
    crl = x509.load_der_x509_crl(
        issue_crl(ring.ca, revoked=[(1234, revoked_from)], at=AT, next_update=later)
    )
    assert crl.is_signature_valid(public)
    assert crl.last_update_utc == AT.replace(microsecond=0)
    entry = crl.get_revoked_certificate_by_serial_number(1234)
    assert entry is not None
    assert entry.revocation_date_utc == revoked_from
    assert crl.extensions.get_extension_for_class(x509.CRLNumber).value.crl_number > 0


# --- an independent tool still accepts the seal -----------------------------------------------


def test_pdfsig_accepts_the_b_lta_seal(issued_home: IssuedHome, tmp_path: Path) -> None:
    root = tmp_path / "root.pem"
    root.write_text(issued_home.trust.roots[0].pem)
    db = tmp_path / "nss"
    db.mkdir()
    subprocess.run(["certutil", "-N", "-d", f"sql:{db}", "--empty-password"], check=True)
    subprocess.run(
        ["certutil", "-A", "-d", f"sql:{db}", "-n", "root", "-t", "CT,C,C", "-i", str(root)],
        check=True,
    )
    result = subprocess.run(
        ["pdfsig", "-nssdir", f"sql:{db}", str(issued_home.pdf(issued_home.documents[0]))],
        capture_output=True,
        text=True,
    )
    seal_part, _, stamp_part = result.stdout.partition("Signature #2:")
    assert f"Signature Field Name: {FIELD_NAME}" in seal_part, result.stdout
    assert "Signature is Valid" in seal_part, result.stdout
    assert "Certificate is Trusted" in seal_part, result.stdout
    assert f"Signature Field Name: {TIMESTAMP_FIELD_NAME}" in stamp_part, result.stdout
