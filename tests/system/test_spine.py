"""Issue certificates, verify them as PDF, QR image and QR text, and catch tampering."""

from __future__ import annotations

import datetime as dt
import subprocess
from io import BytesIO
from pathlib import Path

import pytest
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

from registry.model import TitleLevel
from registry.payload import Claims, decode_payload
from registry.payload.base45 import b45encode
from registry.payload.cose import COSE_SIGN1_TAG
from registry.store import Registry
from tests.conftest import LATER, IssuedHome
from verifier import Verdict, Verifier


def render_png(pdf: Path, out: Path) -> Path:
    subprocess.run(["pdftoppm", "-r", "110", "-png", "-singlefile", str(pdf), str(out)], check=True)
    return out.with_suffix(".png")


def test_demo_people_are_issued_or_skipped_with_reason(issued_home: IssuedHome) -> None:
    assert len(issued_home.documents) == 5
    assert issued_home.skipped_names == ("赵敏",)
    names = {decode_payload(d.payload).claims.name for d in issued_home.documents}
    assert {"王𠈌", "李䶮", "陈堃"} <= names


def test_every_pdf_image_and_text_verifies(
    issued_home: IssuedHome, verifier: Verifier, tmp_path: Path
) -> None:
    for document in issued_home.documents:
        pdf = issued_home.pdf(document)
        report = verifier.verify_pdf(pdf.read_bytes(), at=LATER)
        assert report.verdict is Verdict.VALID, report.to_json()
        assert report.claims is not None
        assert report.claims.number == document.number

        text_report = verifier.verify_text(document.payload, at=LATER)
        assert text_report.verdict is Verdict.VALID, text_report.to_json()

        png = render_png(pdf, tmp_path / document.number)
        image_report = verifier.verify_image(png.read_bytes(), at=LATER)
        assert image_report.verdict is Verdict.VALID, image_report.to_json()


def test_numbers_are_distinct_and_check_characters_hold(issued_home: IssuedHome) -> None:
    from registry.numbering import parse_number

    numbers = [d.number for d in issued_home.documents]
    assert len(set(numbers)) == len(numbers)
    assert all(parse_number(n) == n and n.startswith("440100") for n in numbers)


def test_one_flipped_byte_is_invalid(issued_home: IssuedHome, verifier: Verifier) -> None:
    data = bytearray(issued_home.pdf(issued_home.documents[0]).read_bytes())
    # A byte inside the signed page content, well before the signature's /Contents.
    position = data.index(b"stream") + 40
    data[position] ^= 0x01
    report = verifier.verify_pdf(bytes(data), at=LATER)
    assert report.verdict is Verdict.INVALID
    assert report.reasons[0] in {"pdf_signature_invalid", "pdf_unreadable"}


def test_incremental_update_changing_the_page_is_invalid(
    issued_home: IssuedHome, verifier: Verifier
) -> None:
    original = issued_home.pdf(issued_home.documents[0]).read_bytes()
    writer = IncrementalPdfFileWriter(BytesIO(original))
    page = writer.root["/Pages"]["/Kids"][0].get_object()
    overlay = generic.StreamObject(stream_data=b"BT /F1 24 Tf 300 520 Td (99) Tj ET")
    contents = page["/Contents"]
    if isinstance(contents, generic.ArrayObject):
        contents.append(writer.add_object(overlay))
    else:
        page["/Contents"] = generic.ArrayObject([contents, writer.add_object(overlay)])
    writer.update_container(page)
    out = BytesIO()
    writer.write(out)
    report = verifier.verify_pdf(out.getvalue(), at=LATER)
    assert report.verdict is Verdict.INVALID
    assert "pdf_modified" in report.reasons


def test_altered_claim_in_qr_text_is_invalid(issued_home: IssuedHome, verifier: Verifier) -> None:
    import cbor2

    signed = decode_payload(issued_home.documents[0].payload)
    claims = signed.claims
    forged = Claims(
        **{**{f: getattr(claims, f) for f in Claims.__slots__}, "hours": (6000, 6000, 6000, 18000)}
    )
    message = signed.message
    cose = cbor2.dumps(
        cbor2.CBORTag(COSE_SIGN1_TAG, [message.protected, {}, forged.to_cbor(), message.signature])
    )
    report = verifier.verify_text("CEC1:" + b45encode(cose), at=LATER)
    assert report.verdict is Verdict.INVALID
    assert report.reasons == ("bad_signature",)
    assert report.claims is None


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("CEC1:!!!", "bad_base45"),
        ("CEC1:" + b45encode(b"\xa1\x01\x02"), "bad_cose"),
        ("CEC1:" + b45encode(b"\xa1\x01"), "bad_cbor"),
        ("CEC1:" + "A" * 3000, "payload_too_large"),
    ],
)
def test_garbage_qr_texts_are_invalid_with_reason(
    verifier: Verifier, text: str, reason: str
) -> None:
    report = verifier.verify_text(text, at=LATER)
    assert report.verdict is Verdict.INVALID
    assert report.reasons[0] == reason


def test_a_text_that_is_no_certificate_code_could_not_be_verified(verifier: Verifier) -> None:
    """Not a cecert code at all: a mistake (scan the certificate's own code), not a forgery."""
    report = verifier.verify_text("hello world", at=LATER)
    assert report.verdict is Verdict.INDETERMINATE
    assert report.reasons == ("bad_prefix",)
    told = report.to_json()["zh"]
    assert told["verdict"] == "无法核验"
    assert told["summary"] == "无法核验：这不是继续教育证书的二维码"
    assert "请上传证书 PDF 或清晰的二维码照片" in told["next_step"]
    assert report.claims is None


def test_truncated_pdf_is_invalid(issued_home: IssuedHome, verifier: Verifier) -> None:
    data = issued_home.pdf(issued_home.documents[0]).read_bytes()
    report = verifier.verify_pdf(data[: len(data) // 2], at=LATER)
    assert report.verdict is Verdict.INVALID
    assert report.reasons[0] in {"pdf_unreadable", "pdf_not_signed", "pdf_signature_invalid"}


def test_trust_list_only_is_indeterminate_never_valid(issued_home: IssuedHome) -> None:
    offline = Verifier(issued_home.trust)
    report = offline.verify_pdf(issued_home.pdf(issued_home.documents[0]).read_bytes(), at=LATER)
    assert report.verdict is Verdict.INDETERMINATE
    assert report.reasons == ("status_not_checked",)


def test_reissuing_issues_nothing_new(fresh_home: IssuedHome) -> None:
    from keys.private import open_key_ring
    from registry.store import Registry
    from signer import Issuer
    from tests.conftest import AT, CONFIG, PASSPHRASE

    ring = open_key_ring(fresh_home.home.keys_dir, passphrase=PASSPHRASE)
    with Registry.open(fresh_home.home.registry_path) as registry:
        before = registry.count("documents")
        issuer = Issuer(
            registry=registry, ring=ring, config=CONFIG, out_dir=fresh_home.home.certificates_dir
        )
        report = issuer.issue(year=2025, at=AT)
        assert report.issued == ()
        assert {s.reason for s in report.skipped} == {"already_issued", "not_met"}
        assert registry.count("documents") == before


def test_seal_and_payload_must_agree(issued_home: IssuedHome, verifier: Verifier) -> None:
    """A genuine seal applied to a payload of another day (or bureau) is not a certificate."""
    from keys.private import open_key_ring
    from signer.document.content import CertificatePage
    from signer.document.geometry import SEAL_BOX
    from signer.document.page import PageRenderer
    from signer.document.seal_artwork import seal_appearance_pdf
    from signer.pades.signature import SealStamper
    from tests.conftest import AT, CONFIG, PASSPHRASE

    document = issued_home.documents[0]
    claims = decode_payload(document.payload).claims
    ring = open_key_ring(issued_home.home.keys_dir, passphrase=PASSPHRASE)
    stamper = SealStamper(
        ring, seal_pdf=seal_appearance_pdf(CONFIG.bureau), box=SEAL_BOX, bureau=CONFIG.bureau
    )
    with Registry.open(issued_home.home.registry_path, read_only=True) as registry:
        summary = registry.document(document.number, document.edition).summary  # type: ignore[union-attr]
    page = CertificatePage(
        number=claims.number,
        edition=claims.edition,
        kind=claims.kind,
        year=claims.year,
        name=claims.name,
        masked_id=claims.masked_id,
        employer="某单位",
        series="工程",
        title_level=TitleLevel.SENIOR,
        summary=summary,
        activities=(),
        issuer_name=CONFIG.bureau,
        issue_date=claims.issued_on,
        policy_label="gd-2010",
        qr_text=document.payload,
    )
    later = AT + dt.timedelta(days=3)
    forged = stamper.seal(PageRenderer().render(page), payload=document.payload, at=later)
    report = verifier.verify_pdf(forged, at=LATER)
    assert report.verdict is Verdict.INVALID
    assert "seal_payload_mismatch" in report.reasons


def test_document_missing_from_registry_does_not_claim_registered(
    issued_home: IssuedHome, tmp_path: Path
) -> None:
    from verifier import RegistryStatus

    with Registry.create(tmp_path / "empty.sqlite") as empty:
        report = Verifier(issued_home.trust, status=RegistryStatus(empty)).verify_pdf(
            issued_home.pdf(issued_home.documents[0]).read_bytes(), at=LATER
        )
    assert report.verdict is Verdict.INVALID
    assert "not_in_registry" in report.reasons
    assert all(c.name != "pdf.registered" for c in report.checks)


def test_key_window_is_judged_in_china_dates() -> None:
    """Signed at 03:00 China time on the key's last day (19:00 UTC the day before)."""
    import os

    from cryptography.hazmat.primitives.asymmetric import ec

    from keys import PublicKey, TrustList
    from keys.private import Es256Signer
    from keys.trust import QrKey
    from registry.model import DocumentKind
    from registry.payload import encode_payload

    signer = Es256Signer(ec.generate_private_key(ec.SECP256R1()))
    not_after = dt.datetime(2030, 1, 1, 20, 0, tzinfo=dt.UTC)  # 2030-01-02 04:00 in China
    key = QrKey(
        kid=signer.kid,
        alg="ES256",
        public_key=PublicKey(signer.public_key_pem),
        not_before=dt.datetime(2025, 1, 1, tzinfo=dt.UTC),
        not_after=not_after,
    )
    trust = TrustList("test", not_after, (), (), (), (key,), "")
    claims = Claims(
        number="440100000000010",
        edition=1,
        kind=DocumentKind.ORIGINAL,
        year=2029,
        name="张三",
        masked_id="1101**********002X",
        id_salt=os.urandom(8),
        id_digest=bytes(16),
        hours=(1080, 2520, 720, 4320),
        policy_id="gd-2010",
        issuer="440100",
        issued_on=dt.date(2030, 1, 2),
        title_level=TitleLevel.SENIOR,
    )
    text = encode_payload(claims, kid=signer.kid, sign=signer.sign)
    report = Verifier(trust).verify_text(text, at=dt.datetime(2030, 6, 1, tzinfo=dt.UTC))
    assert "key_not_valid_at_issue" not in report.reasons
    assert report.reasons == ("status_not_checked",)
