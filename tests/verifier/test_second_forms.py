"""Second valid forms of a genuine certificate: the same signatures, other bytes.

An ECDSA signature ``(r, s)`` has a twin ``(r, n - s)`` that verifies as well; a PDF string
can be written as hex or as a literal. Where no other signature covers them — the QR code's
COSE signature, the last document timestamp of a PDF — either would make a second file or
code, different from the one issued, that still verifies. The signer writes only the low-S
form and upper-case hex; the verifier refuses the high-S twin of signatures made from
``keys.LOW_S_REQUIRED_FROM`` on (judged by the time the signature itself vouches for), so
that certificates already in holders' hands keep verifying, and refuses any ``/Contents``
of a document timestamp not written as upper-case hex, for every document (no cecert
version ever wrote another form). Every twin is built here from real signatures by the
bureau's own keys.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import re
from io import BytesIO
from typing import Any

import pytest
from asn1crypto import algos, cms
from pyhanko.pdf_utils.reader import PdfFileReader

from keys import LOW_S_REQUIRED_FROM, PublicKey, TrustList
from keys.private import KeyRing, open_key_ring
from keys.signatures import low_s_der
from registry.home import CHINA_TZ
from registry.log import make_checkpoint
from registry.payload import PREFIX, decode_payload, encode_payload
from registry.payload.base45 import b45decode, b45encode
from signer.pades.cms import OCTET_STRING, der
from signer.pades.signature import Assembly, SealStamper
from signer.pades.timestamps import TimeStampingUnit
from tests.conftest import AT, PASSPHRASE, IssuedHome
from tests.support.attacklog import record_attack
from tests.support.seals import stampers_of
from verifier import Verifier
from verifier.pdf import check_pdf
from verifier.pdfstructure import containers_intact

N = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551
"""The order of the P-256 group (SEC 2 v2, §2.4.2), written out here rather than taken from
the code under test."""
HALF = N // 2
BEFORE = AT + dt.timedelta(hours=2)
"""A certificate sealed long before the cut-over (one already in a holder's hands)."""
AFTER = LOW_S_REQUIRED_FROM + dt.timedelta(days=4, hours=2)
CHECKED = LOW_S_REQUIRED_FROM + dt.timedelta(days=60)
"""Verification time of every check here: after both."""


def test_the_cut_over_is_the_start_of_the_release_day_in_beijing() -> None:
    assert dt.datetime(2026, 12, 6, tzinfo=CHINA_TZ) == LOW_S_REQUIRED_FROM
    assert LOW_S_REQUIRED_FROM.tzinfo is dt.UTC


# --- the signer writes only low-S signatures ----------------------------------------------


@pytest.fixture(scope="module")
def ring(issued_home: IssuedHome) -> KeyRing:
    return open_key_ring(issued_home.home.keys_dir, passphrase=PASSPHRASE)


def _raw_s(signature: bytes) -> int:
    assert len(signature) == 64
    return int.from_bytes(signature[32:], "big")


def _der_s(signature: bytes) -> int:
    value: int = algos.DSASignature.load(signature)["s"].native
    return value


def _cms_signature(content: bytes) -> bytes:
    (signer_info,) = cms.ContentInfo.load(content)["content"]["signer_infos"]
    value: bytes = signer_info["signature"].native
    return value


def test_qr_keys_sign_low_s(ring: KeyRing) -> None:
    """COSE, checkpoints, snapshots (the QR key) and the trust list (the root key)."""
    for signer in (ring.qr, ring.root):
        public = PublicKey(signer.public_key_pem)
        for i in range(300):
            signature = signer.sign(b"data %d" % i)
            assert _raw_s(signature) <= HALF
            assert public.verify(signature, b"data %d" % i)


def test_cms_keys_sign_low_s(ring: KeyRing) -> None:
    """The seal's CMS signature and the time-stamping unit's tokens: low-S, and still valid
    signatures (half of them were brought to the low-S form)."""
    for signer in (ring.seal, ring.tsa):
        public = PublicKey(signer.certificate.spki_der)
        for i in range(300):
            signature = signer.sign_der(b"data %d" % i)
            value = algos.DSASignature.load(signature)
            assert value.dump(force=True) == signature  # minimal DER
            assert value["s"].native <= HALF
            raw = value["r"].native.to_bytes(32, "big") + value["s"].native.to_bytes(32, "big")
            assert public.verify(raw, b"data %d" % i)


def test_the_low_s_form_of_a_der_signature(ring: KeyRing) -> None:
    """``keys.signatures.low_s_der`` against asn1crypto's DER: the twin of a low-S signature
    is brought back to it, byte for byte; a low-S signature is returned as it is."""
    lengths = set()
    for i in range(300):
        signature = ring.seal.sign_der(b"data %d" % i)
        value = algos.DSASignature.load(signature)
        twin = algos.DSASignature({"r": value["r"].native, "s": N - value["s"].native}).dump()
        lengths.add(len(twin) - len(signature))
        assert low_s_der(signature) is signature
        assert low_s_der(twin) == signature
    assert lengths >= {1}  # n - s needs a sign byte that s does not


def test_qr_payloads_and_checkpoints_are_low_s(ring: KeyRing, issued_home: IssuedHome) -> None:
    claims = decode_payload(issued_home.documents[0].payload).claims
    for i in range(200):
        text = encode_payload(
            dataclasses.replace(claims, edition=i + 1), kid=ring.qr.kid, sign=ring.qr.sign
        )
        assert _raw_s(decode_payload(text).message.signature) <= HALF
    hashes = [hashlib.sha256(b"%d" % i).hexdigest() for i in range(5)]
    for i in range(200):
        checkpoint = make_checkpoint(
            origin="cecert-registry/440100",
            event_hashes=hashes,
            at=AT + dt.timedelta(seconds=i),
            kid=ring.qr.kid,
            sign=ring.qr.sign,
        )
        assert _raw_s(checkpoint.signature) <= HALF


def test_time_stamp_tokens_are_low_s(ring: KeyRing) -> None:
    unit = TimeStampingUnit(ring.tsa)
    for i in range(300):
        token = unit.token_der(hashlib.sha256(b"%d" % i).digest(), "sha256", at=AFTER)
        assert _der_s(_cms_signature(token)) <= HALF


@pytest.fixture(scope="module")
def stampers(ring: KeyRing) -> dict[Assembly, SealStamper]:
    return stampers_of(ring)


@pytest.fixture(scope="module")
def page_and_payload(issued_home: IssuedHome) -> tuple[bytes, str]:
    document = issued_home.documents[0]
    data = issued_home.pdf(document).read_bytes()
    end = re.search(rb"%%EOF\r?\n?", data)
    assert end is not None
    return data[: end.end()], document.payload


def _every_signature(data: bytes) -> list[bytes]:
    """The DER ECDSA signatures of a sealed file: the seal's, its signature timestamp's and
    every document timestamp's."""
    reader = PdfFileReader(BytesIO(data))
    (seal,) = reader.embedded_regular_signatures
    found = [seal.signer_info["signature"].native]
    for attribute in seal.signer_info["unsigned_attrs"]:
        if attribute["type"].native == "signature_time_stamp_token":
            found += [_cms_signature(token.dump()) for token in attribute["values"]]
    found += [s.signer_info["signature"].native for s in reader.embedded_timestamp_signatures]
    assert len(found) == 3
    return found


@pytest.mark.parametrize(("assembly", "count"), [(Assembly.PARTS, 60), (Assembly.PYHANKO, 4)])
def test_sealed_files_carry_only_low_s_signatures(
    stampers: dict[Assembly, SealStamper],
    page_and_payload: tuple[bytes, str],
    assembly: Assembly,
    count: int,
) -> None:
    page, payload = page_and_payload
    for i in range(count):
        sealed = stampers[assembly].seal(page, payload=payload, at=AFTER + dt.timedelta(seconds=i))
        for signature in _every_signature(sealed):
            assert _der_s(signature) <= HALF


# --- the QR code: the high-S twin of its COSE signature ------------------------------------


def _cose_twin(text: str) -> str:
    """The same code with its ES256 signature's ``s`` replaced by ``n - s``."""
    message = b45decode(text[len(PREFIX) :])
    r, s = message[-64:-32], int.from_bytes(message[-32:], "big")
    twin = message[:-64] + r + (N - s).to_bytes(32, "big")
    return PREFIX + b45encode(twin)


def _issued_on(ring: KeyRing, issued_home: IssuedHome, day: dt.date) -> str:
    claims = decode_payload(issued_home.documents[0].payload).claims
    return encode_payload(
        dataclasses.replace(claims, issued_on=day), kid=ring.qr.kid, sign=ring.qr.sign
    )


@pytest.mark.parametrize(
    ("day", "refused"),
    [
        (dt.date(2026, 3, 2), False),
        (dt.date(2026, 12, 5), False),
        (dt.date(2026, 12, 6), True),
        (dt.date(2027, 1, 15), True),
    ],
)
def test_the_high_s_twin_of_a_qr_code(
    ring: KeyRing, issued_home: IssuedHome, day: dt.date, refused: bool
) -> None:
    text = _issued_on(ring, issued_home, day)
    twin = _cose_twin(text)
    assert twin != text
    verifier = Verifier(issued_home.trust)  # the trust list alone: nothing else tells
    genuine = verifier.verify_text(text, at=CHECKED)
    assert genuine.reasons == ("status_not_checked",)
    report = verifier.verify_text(twin, at=CHECKED)
    if refused:
        assert report.verdict.value == "invalid"
        assert report.reasons == ("signature_not_low_s",)
        assert report.claims is None
        record_attack("qr", f"high_s_twin_{day}", report.verdict.value, report.reasons[0])
    else:  # a code issued before the cut-over keeps verifying in either form
        assert report.reasons == ("status_not_checked",)
        assert report.claims == genuine.claims


# --- the PDF: the last document timestamp ------------------------------------------------


def _tlv(data: bytes, at: int) -> tuple[int, int, int]:
    """Tag, start of the contents and end of the DER TLV at ``at`` (one-byte tags)."""
    length = data[at + 1]
    if length < 0x80:
        return data[at], at + 2, at + 2 + length
    size = length & 0x7F
    start = at + 2 + size
    return data[at], start, start + int.from_bytes(data[at + 2 : start], "big")


def _replace_nested(data: bytes, at: int, target: int, old: bytes, new: bytes) -> bytes:
    """The TLV at ``at`` with the TLV ``old`` found at ``target`` inside it replaced by
    ``new``, every enclosing length written again."""
    tag, start, end = _tlv(data, at)
    if at == target:
        assert data[at:end] == old
        return new
    parts, child = [], start
    while child < end:
        child_end = _tlv(data, child)[2]
        inside = child <= target < child_end
        parts.append(
            _replace_nested(data, child, target, old, new) if inside else data[child:child_end]
        )
        child = child_end
    return der(tag, *parts)


def _last_timestamp(data: bytes) -> Any:
    reader = PdfFileReader(BytesIO(data))
    return max(reader.embedded_timestamp_signatures, key=lambda s: s.signed_revision)


def _gap(stamp: Any) -> tuple[int, int]:
    """Offsets of the last document timestamp's ``/Contents`` string, delimiters included."""
    _, first, start, _ = (int(x) for x in stamp.byte_range)
    return first, start


def high_s_twin(data: bytes) -> bytes:
    """The file with its last document timestamp's ECDSA signature replaced by its twin
    ``(r, n - s)``: the DER signature re-encoded inside the token (its length changes by a
    byte or two), written back into the zero-padded hex ``/Contents`` of the same size."""
    stamp = _last_timestamp(data)
    raw = stamp.pkcs7_content
    token = raw[: _tlv(raw, 0)[2]]
    signature = stamp.signer_info["signature"].native
    value = algos.DSASignature.load(signature)
    twin = algos.DSASignature({"r": value["r"].native, "s": N - value["s"].native}).dump()
    old = der(OCTET_STRING, signature)
    assert token.count(old) == 1
    new_token = _replace_nested(token, 0, token.index(old), old, der(OCTET_STRING, twin))
    first, start = _gap(stamp)
    digits = new_token.hex().upper().encode("ascii")
    assert len(digits) <= start - first - 2
    return data[:first] + b"<" + digits.ljust(start - first - 2, b"0") + b">" + data[start:]


def _literal(content: bytes, size: int) -> bytes:
    """``content`` as a PDF literal string of exactly ``size`` characters, delimiters
    included: raw bytes where they can stand, octal escapes elsewhere (brackets, back-slash,
    line ends, zero, digits, the letters a-f), and as many escapes as it takes to reach the
    size."""
    plain = set(range(1, 256)) - set(b"()\\\r\n0123456789abcdef")
    pieces: list[bytes] = []
    for byte in content:
        if byte == 0:
            pieces.append(b"\\0")  # never followed by a digit: digits are escaped
        elif byte in plain:
            pieces.append(bytes((byte,)))
        else:
            pieces.append(b"\\%03o" % byte)
    short = size - 2 - sum(map(len, pieces))
    assert short >= 0
    for i in range(len(pieces)):  # plain → octal (+3), then \0 → \000 (+2), \00 (+1)
        if short >= 3 and len(pieces[i]) == 1:
            pieces[i], short = b"\\%03o" % content[i], short - 3
    for i in reversed(range(len(pieces))):
        if short and pieces[i] == b"\\0":
            grow = min(short, 2)
            pieces[i], short = b"\\" + b"0" * (1 + grow), short - grow
    assert short == 0
    return b"(" + b"".join(pieces) + b")"


def literal_contents(data: bytes) -> bytes:
    """The file with its last document timestamp's ``/Contents`` written as a literal string
    of the same bytes, in exactly the space the hex string took: every offset, the byte
    ranges and what a reader decodes stay as they were."""
    stamp = _last_timestamp(data)
    first, start = _gap(stamp)
    return data[:first] + _literal(stamp.pkcs7_content, start - first) + data[start:]


def spaced_contents(data: bytes) -> bytes:
    """The last hex digit of the last document timestamp's ``/Contents`` (a zero of the
    padding) replaced by a space: an odd number of digits, completed by a ``0`` when read."""
    start = _gap(_last_timestamp(data))[1]
    assert data[start - 2 : start] == b"0>"
    return data[: start - 2] + b" >" + data[start:]


_sealed: dict[tuple[Assembly, dt.datetime], bytes] = {}


def _seal(
    stampers: dict[Assembly, SealStamper],
    page_and_payload: tuple[bytes, str],
    at: dt.datetime,
    assembly: Assembly = Assembly.PARTS,
) -> bytes:
    key = (assembly, at)
    if key not in _sealed:
        page, payload = page_and_payload
        _sealed[key] = stampers[assembly].seal(page, payload=payload, at=at)
    return _sealed[key]


def _reasons(data: bytes, trust: TrustList) -> list[str | None]:
    """The reasons of the full PDF check."""
    checks, result = check_pdf(data, trust, at=CHECKED)
    reasons = [c.reason for c in checks if c.reason]
    assert (result is None) == bool(reasons)
    return reasons


def _containers(data: bytes) -> str | None:
    """The reason of the container checks (where the rules on second forms are made), or
    ``None``. The full check of a file sealed after this machine's clock cannot pass:
    pyHanko's long-term validation takes its proofs of existence at the clock's time, not at
    ``at`` (TRY_LATER). The refusals come before it, so they are tested through the full
    check; acceptance after the cut-over here, before it through both."""
    reader = PdfFileReader(BytesIO(data))
    (seal,) = reader.embedded_regular_signatures
    check = containers_intact(seal, list(reader.embedded_timestamp_signatures))
    return None if check is None else check.reason


@pytest.mark.parametrize("assembly", list(Assembly))
def test_genuine_files_verify(
    stampers: dict[Assembly, SealStamper],
    page_and_payload: tuple[bytes, str],
    issued_home: IssuedHome,
    assembly: Assembly,
) -> None:
    assert _reasons(_seal(stampers, page_and_payload, BEFORE, assembly), issued_home.trust) == []
    assert _containers(_seal(stampers, page_and_payload, AFTER, assembly)) is None


@pytest.mark.parametrize("assembly", list(Assembly))
def test_the_high_s_twin_of_the_last_timestamp_is_refused_after_the_cut_over(
    stampers: dict[Assembly, SealStamper],
    page_and_payload: tuple[bytes, str],
    issued_home: IssuedHome,
    assembly: Assembly,
) -> None:
    """Regression: a high-S value in the last document timestamp made a second file that
    still verified."""
    sealed = _seal(stampers, page_and_payload, AFTER, assembly)
    twin = high_s_twin(sealed)
    assert twin != sealed
    assert len(twin) == len(sealed)
    assert _reasons(twin, issued_home.trust) == ["signature_not_low_s"]
    record_attack(
        "pdf", f"last_timestamp_high_s_twin_{assembly.value}", "invalid", "signature_not_low_s"
    )


@pytest.mark.parametrize("assembly", list(Assembly))
def test_a_certificate_sealed_before_the_cut_over_verifies_in_either_form(
    stampers: dict[Assembly, SealStamper],
    page_and_payload: tuple[bytes, str],
    issued_home: IssuedHome,
    assembly: Assembly,
) -> None:
    """About half of the certificates in holders' hands have a high-S last timestamp: they
    keep verifying, and so does the twin of any of them."""
    twin = high_s_twin(_seal(stampers, page_and_payload, BEFORE, assembly))
    assert _reasons(twin, issued_home.trust) == []


@pytest.mark.parametrize(
    ("at", "refused"),
    [
        (LOW_S_REQUIRED_FROM - dt.timedelta(seconds=1), False),
        (LOW_S_REQUIRED_FROM, True),
        (AFTER, True),
    ],
    ids=["a-second-before", "at-the-cut-over", "after"],
)
def test_the_cut_over_is_judged_by_the_timestamps_own_time(
    stampers: dict[Assembly, SealStamper],
    page_and_payload: tuple[bytes, str],
    issued_home: IssuedHome,
    at: dt.datetime,
    refused: bool,
) -> None:
    twin = high_s_twin(_seal(stampers, page_and_payload, at))
    assert _containers(twin) == ("signature_not_low_s" if refused else None)
    if refused:
        assert _reasons(twin, issued_home.trust) == ["signature_not_low_s"]


@pytest.mark.parametrize("at", [BEFORE, AFTER], ids=["before", "after"])
@pytest.mark.parametrize("form", [literal_contents, spaced_contents])
def test_the_last_contents_must_be_hex_as_written(
    stampers: dict[Assembly, SealStamper],
    page_and_payload: tuple[bytes, str],
    issued_home: IssuedHome,
    at: dt.datetime,
    form: Any,
) -> None:
    """Regression: the last ``/Contents`` written as a literal string (or with a space in
    its hex digits) was read as the same token and the file still verified. No cecert
    version ever wrote another form, so it is refused whenever the file was sealed."""
    sealed = _seal(stampers, page_and_payload, at)
    forged = form(sealed)
    assert forged != sealed
    assert len(forged) == len(sealed)
    assert _last_timestamp(forged).pkcs7_content == _last_timestamp(sealed).pkcs7_content
    assert _reasons(forged, issued_home.trust) == ["pdf_timestamp_invalid"]
    record_attack("pdf", f"last_{form.__name__}", "invalid", "pdf_timestamp_invalid")
