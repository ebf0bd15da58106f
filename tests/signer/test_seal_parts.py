"""The seal from precomputed parts against pyHanko's own signing flow, on the same page.

Both stampers seal the first revision of an issued certificate (the page exactly as
:class:`signer.document.page.PageRenderer` made it). Both results must pass the verifier's full PDF
check and ``pdfsig``; their CMS containers must have the same structure; their revisions must
hold the same kinds of objects.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import subprocess
from collections import Counter
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
from asn1crypto import cms, core
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader

from keys.private import open_key_ring
from signer.errors import SlowPathWarning
from signer.pades.cms import OCTET_STRING, der
from signer.pades.pdfobjects import fit_page, read_unsigned
from signer.pades.signature import Assembly, SealStamper
from tests.conftest import AT, LATER, PASSPHRASE, IssuedHome
from tests.support.seals import stampers_of
from verifier.pdf import check_pdf

SEALED_AT = AT + dt.timedelta(hours=2)


def _first_revision(data: bytes) -> bytes:
    end = re.search(rb"%%EOF\r?\n?", data)
    assert end is not None
    return data[: end.end()]


@pytest.fixture(scope="module")
def stampers(issued_home: IssuedHome) -> dict[Assembly, SealStamper]:
    return stampers_of(open_key_ring(issued_home.home.keys_dir, passphrase=PASSPHRASE))


@pytest.fixture(scope="module")
def nss_db(issued_home: IssuedHome, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An NSS database trusting the bureau's root, for ``pdfsig``."""
    root = tmp_path_factory.mktemp("nss")
    pem = root / "root.pem"
    pem.write_text(json.loads(issued_home.home.trust_list_path.read_text("utf-8"))["roots"][0])
    db = root / "db"
    db.mkdir()
    subprocess.run(["certutil", "-N", "-d", f"sql:{db}", "--empty-password"], check=True)
    subprocess.run(
        ["certutil", "-A", "-d", f"sql:{db}", "-n", "root", "-t", "CT,C,C", "-i", str(pem)],
        check=True,
    )
    return db


@pytest.fixture(scope="module")
def page_and_payload(issued_home: IssuedHome) -> tuple[bytes, str]:
    document = issued_home.documents[0]
    return _first_revision(issued_home.pdf(document).read_bytes()), document.payload


@pytest.fixture(scope="module")
def sealed(
    stampers: dict[Assembly, SealStamper], page_and_payload: tuple[bytes, str]
) -> dict[Assembly, bytes]:
    page, payload = page_and_payload
    return {a: s.seal(page, payload=payload, at=SEALED_AT) for a, s in stampers.items()}


def test_the_rendered_page_takes_the_fast_path(page_and_payload: tuple[bytes, str]) -> None:
    page = read_unsigned(page_and_payload[0])
    assert page is not None
    assert page.data == page_and_payload[0]


@pytest.mark.parametrize("assembly", list(Assembly))
def test_both_pass_the_full_pdf_check(
    sealed: dict[Assembly, bytes], issued_home: IssuedHome, assembly: Assembly
) -> None:
    for at in (LATER, AT + dt.timedelta(days=365 * 15)):
        checks, result = check_pdf(sealed[assembly], issued_home.trust, at=at)
        assert result is not None, [(c.name, c.reason, c.detail) for c in checks]
        assert all(c.status.value == "passed" for c in checks)
        assert result.signed_at == SEALED_AT


@pytest.mark.parametrize("assembly", list(Assembly))
def test_pdfsig_accepts_both(
    sealed: dict[Assembly, bytes], nss_db: Path, tmp_path: Path, assembly: Assembly
) -> None:
    path = tmp_path / "sealed.pdf"
    path.write_bytes(sealed[assembly])
    out = subprocess.run(
        ["pdfsig", "-nssdir", f"sql:{nss_db}", str(path)], capture_output=True, text=True
    ).stdout
    assert out.count("Signature Validation: Signature is Valid.") == 1
    assert "Certificate Validation: Certificate is Trusted." in out


def _seal_cms(data: bytes) -> cms.SignedData:
    reader = PdfFileReader(BytesIO(data))
    (signature,) = reader.embedded_regular_signatures
    return signature.signed_data


def test_cms_has_the_structure_pyhanko_gives(sealed: dict[Assembly, bytes]) -> None:
    ours, theirs = (_seal_cms(sealed[a]) for a in (Assembly.PARTS, Assembly.PYHANKO))
    for name in ("version", "digest_algorithms", "encap_content_info"):
        assert ours[name].dump() == theirs[name].dump()
    # pyHanko lists the seal certificate twice; the set of certificates is the same.
    assert {c.dump() for c in ours["certificates"]} == {c.dump() for c in theirs["certificates"]}
    (mine,), (reference,) = ours["signer_infos"], theirs["signer_infos"]
    for name in ("version", "sid", "digest_algorithm", "signature_algorithm"):
        assert mine[name].dump() == reference[name].dump()
    types = [a["type"].native for a in mine["signed_attrs"]]
    assert types == [a["type"].native for a in reference["signed_attrs"]]
    assert types == ["content_type", "message_digest", "signing_certificate_v2"]
    for kind in ("content_type", "signing_certificate_v2"):
        assert _attribute(mine, kind) == _attribute(reference, kind)
    assert [a["type"].native for a in mine["unsigned_attrs"]] == ["signature_time_stamp_token"]
    assert [a["type"].native for a in reference["unsigned_attrs"]] == ["signature_time_stamp_token"]


def _attribute(signer_info: Any, kind: str) -> bytes:
    found = [a for a in signer_info["signed_attrs"] if a["type"].native == kind]
    assert len(found) == 1
    value: bytes = found[0].dump()
    return value


def test_cms_is_canonical_der(sealed: dict[Assembly, bytes]) -> None:
    """The signed attributes re-encode to the bytes the seal key signed: the assembly wrote
    DER (a SET OF sorted by encoding, minimal lengths), not merely BER that parses."""
    reader = PdfFileReader(BytesIO(sealed[Assembly.PARTS]))
    (signature,) = reader.embedded_regular_signatures
    raw = _der_value(signature.pkcs7_content)
    info = cms.ContentInfo.load(raw, strict=True)
    attributes = info["content"]["signer_infos"][0]["signed_attrs"]
    original = attributes.dump()
    assert attributes.dump(force=True) == original
    encoded = [a.dump() for a in attributes]
    assert encoded == sorted(encoded)


def _der_value(padded: bytes) -> bytes:
    """The DER value at the start of ``/Contents``, without the zero padding after it.

    Found from its length header: stripping trailing zeros instead would also cut a value
    that itself ends in 0x00 (its last signature byte, one time in 256)."""
    first = padded[1]
    if first < 0x80:
        return padded[: 2 + first]
    count = first & 0x7F
    return padded[: 2 + count + int.from_bytes(padded[2 : 2 + count], "big")]


@pytest.mark.parametrize("size", [0, 1, 127, 128, 255, 256, 65535, 65536])
def test_der_lengths_are_minimal(size: int) -> None:
    assert der(OCTET_STRING, bytes(size)) == core.OctetString(bytes(size)).dump()


def _kinds(data: bytes) -> list[Counter[str]]:
    """Per revision, the kinds of objects it writes (catalog and page with their keys),
    leaving out the document information and XMP metadata pyHanko refreshes."""
    reader = PdfFileReader(BytesIO(data))
    xrefs = reader.xrefs
    info = reader.trailer_view.raw_get("/Info")
    revisions = []
    for revision in range(xrefs.total_revisions):
        kinds: Counter[str] = Counter()
        for ref in xrefs.explicit_refs_in_revision(revision):
            if isinstance(info, generic.IndirectObject) and ref.idnum == info.idnum:
                continue
            obj = reader.get_object(ref, revision=revision)
            kinds[_kind(obj)] += 1
        kinds.pop("/Metadata /XML", None)
        revisions.append(kinds)
    return revisions


def _kind(obj: Any) -> str:
    if not isinstance(obj, generic.DictionaryObject):
        return type(obj).__name__
    kind = " ".join(str(obj[key]) for key in ("/Type", "/Subtype", "/FT", "/T") if key in obj)
    if obj.get("/Type") == "/Catalog":
        keys = set(obj) - {"/Metadata", "/Extensions", "/Version"}
        return f"{kind} {sorted(keys)}"
    if obj.get("/Type") == "/Page":
        return f"{kind} annotations={len(obj.get('/Annots', ()))}"
    if "/VRI" in obj:  # pyHanko's DSS has a VRI entry; the fast path's (by design) none
        return "DSS"
    if "/Certs" in obj:
        return "DSS"
    return kind or ("stream" if isinstance(obj, generic.StreamObject) else "dictionary")


def test_revisions_hold_the_same_objects(sealed: dict[Assembly, bytes]) -> None:
    ours, theirs = (_kinds(sealed[a]) for a in (Assembly.PARTS, Assembly.PYHANKO))
    assert len(ours) == len(theirs) == 3
    theirs[2]["/VRI"] -= 1  # the one VRI dictionary pyHanko writes and we leave out
    theirs[2] = +theirs[2]
    assert ours == theirs


def test_a_page_the_templates_do_not_fit_is_sealed_by_pyhanko(
    stampers: dict[Assembly, SealStamper],
    page_and_payload: tuple[bytes, str],
    issued_home: IssuedHome,
) -> None:
    """An unsigned file with an earlier update (``/Prev``) is not of the shape the byte
    templates are made for: it goes through pyHanko's flow and is just as valid, with a
    warning that names why (an error in the test suite, where warnings are errors)."""
    page, payload = page_and_payload
    writer = IncrementalPdfFileWriter(BytesIO(page))
    writer.root[generic.NameObject("/PageLayout")] = generic.NameObject("/SinglePage")
    writer.update_root()
    output = BytesIO()
    writer.write(output)
    updated = output.getvalue()
    assert read_unsigned(updated) is None
    assert fit_page(updated) == "the trailer has /Prev (an earlier update or encryption)"
    with pytest.warns(SlowPathWarning, match=r"\(the trailer has /Prev .*56 times slower"):
        result = stampers[Assembly.PARTS].seal(updated, payload=payload, at=SEALED_AT)
    checks, sealed_payload = check_pdf(result, issued_home.trust, at=LATER)
    assert sealed_payload is not None, [(c.name, c.reason) for c in checks]
    assert b"/Metadata" in result[len(updated) :]  # pyHanko's revision, not the template's


@pytest.mark.parametrize(
    ("pattern", "replacement"),
    [
        (rb"/Type\s*/Catalog", b"/Type /Catalog /AcroForm << >>"),
        (rb"/Type\s*/Page(?![s\w])", b"/Type /Page /Annots [ ]"),
        (rb"/Type\s*/Pages", b"/Type /Pages /Count 2 /Count"),
        (rb"trailer\s*<<", b"trailer\n<< /Encrypt 1 0 R"),
        (rb"\nxref", b"\nxreF"),
    ],
)
def test_unexpected_shapes_are_left_to_pyhanko(
    page_and_payload: tuple[bytes, str], pattern: bytes, replacement: bytes
) -> None:
    page = page_and_payload[0]
    changed, count = re.subn(pattern, replacement, page, count=1)
    assert count == 1
    assert read_unsigned(changed) is None
    assert isinstance(fit_page(changed), str)


def test_each_day_gets_its_own_validation_data(
    stampers: dict[Assembly, SealStamper],
    page_and_payload: tuple[bytes, str],
    issued_home: IssuedHome,
) -> None:
    page, payload = page_and_payload
    stamper = stampers[Assembly.PARTS]
    responses = []
    for day in (0, 1):
        at = SEALED_AT + dt.timedelta(days=day)
        result = stamper.seal(page, payload=payload, at=at)
        checks, sealed_payload = check_pdf(result, issued_home.trust, at=LATER)
        assert sealed_payload is not None, [(c.name, c.reason) for c in checks]
        assert sealed_payload.signed_at == at
        reader = PdfFileReader(BytesIO(result))
        ocsp = reader.root["/DSS"]["/OCSPs"][0].get_object().data
        responses.append(ocsp)
    assert responses[0] != responses[1]


def _edit_last_token(data: bytes, edit: str) -> bytes:
    """``data`` with one unsigned part of its document timestamp's token changed in place
    (same length, so every offset and the padding stay as they are)."""
    reader = PdfFileReader(BytesIO(data))
    (stamp,) = reader.embedded_timestamp_signatures
    raw = stamp.pkcs7_content
    signed_data = stamp.signed_data
    if edit == "signed_data_version":  # v3 → v2
        old = signed_data["version"].dump()
        new = old[:-1] + b"\x02"
        start = raw.index(old)
    elif edit == "digest_algorithm_tag":  # the OID's tag in digestAlgorithms, 06 → 16
        old = signed_data["digest_algorithms"].dump()
        new = old[:4] + b"\x16" + old[5:]
        start = raw.index(old)
    else:  # signer_info_version: v1 → v0
        old = b"\x02\x01\x01" + signed_data["signer_infos"][0]["sid"].dump()
        new = b"\x02\x01\x00" + old[3:]
        start = raw.index(old)
    edited = raw[:start] + new + raw[start + len(old) :]
    # /Contents is hex, upper case from pyHanko, lower case from the fast path.
    digits = next(h for h in (raw.hex().upper(), raw.hex()) if h.encode() in data)
    at = data.index(digits.encode())
    replacement = edited.hex().upper() if digits.isupper() else edited.hex()
    return data[:at] + replacement.encode() + data[at + len(digits) :]


@pytest.mark.parametrize("assembly", list(Assembly))
@pytest.mark.parametrize(
    "edit", ["signed_data_version", "digest_algorithm_tag", "signer_info_version"]
)
def test_the_last_tokens_unsigned_parts_cannot_be_edited(
    sealed: dict[Assembly, bytes], issued_home: IssuedHome, assembly: Assembly, edit: str
) -> None:
    """Regression: the document timestamp's token is covered by nothing but its own
    signature; an edit of a part that signature leaves out made a different file that
    still verified (found by the byte-flip attack once the layout moved)."""
    forged = _edit_last_token(sealed[assembly], edit)
    assert forged != sealed[assembly]
    assert len(forged) == len(sealed[assembly])
    checks, result = check_pdf(forged, issued_home.trust, at=LATER)
    assert result is None
    assert [c.reason for c in checks if c.reason] == ["pdf_timestamp_invalid"]


@pytest.mark.parametrize("assembly", list(Assembly))
def test_the_last_contents_hex_case_cannot_be_changed(
    sealed: dict[Assembly, bytes], issued_home: IssuedHome, assembly: Assembly
) -> None:
    """Regression: a reader takes ``a`` and ``A`` alike, so one hex letter of the last
    ``/Contents`` put in lower case made a different file that still verified."""
    data = sealed[assembly]
    reader = PdfFileReader(BytesIO(data))
    (stamp,) = reader.embedded_timestamp_signatures
    _, first, start, _ = (int(x) for x in stamp.byte_range)
    at = next(i for i in range(first, start) if data[i : i + 1] in b"ABCDEF")
    forged = data[:at] + data[at : at + 1].lower() + data[at + 1 :]
    checks, result = check_pdf(forged, issued_home.trust, at=LATER)
    assert result is None
    assert [c.reason for c in checks if c.reason] == ["pdf_timestamp_invalid"]
