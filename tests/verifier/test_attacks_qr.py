"""The QR attack suite: every way a candidate could forge, alter or replay a ``CEC1:`` code.

Each attack is a named test that builds the hostile input from cecert's own certificates and
keys, asserts the verifier's verdict and the reason of the first check that did not pass,
and then records the attempt (:func:`tests.support.attacklog.record_attack`), so the test run ends
with the count of attacks tried and rejected.

The world the attacks run in (:func:`world`): the shared issued home, copied; its QR key
rotated at ROTATED (so the trust list holds two keys); the retired key revoked from LEAKED on
(a stolen key); document 0 renewed (edition 1 superseded), document 1 revoked; a signed
status snapshot exported at SNAPSHOT. Verification runs at CHECKED with a registry, a
snapshot or the trust list alone.

Attacks that need a signature cecert's keys would never make (a duplicate map key, an
indefinite length, a date in the future) are signed here with the bureau's own active key:
they show that the *decoder* refuses them, whoever signed them.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import cbor2
import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from PIL import Image, ImageDraw, ImageFont

from keys import TrustList, parse_trust_list
from keys.private import open_key_ring, read_manifest
from keys.private.signing import Es256Signer
from keys.private.store import derive_key_password, read_private_key
from registry.home import CHINA_TZ, Home
from registry.model import RevocationReason
from registry.payload import PREFIX, Claims, decode_payload, encode_payload
from registry.payload.base45 import b45decode, b45encode
from registry.payload.cose import COSE_SIGN1_TAG, sig_structure
from registry.store import DocumentRecord, Registry
from registry.typesetting.fonts import FontSet
from signer import Issuer
from signer.document.qr_code import qr_matrix
from signer.home import revoke, rotate
from signer.status.snapshots import export_snapshot
from tests.conftest import AT, CONFIG, PASSPHRASE, IssuedHome
from tests.support.attacklog import record_attack
from verifier import RegistryStatus, Verdict, VerificationReport, Verifier, load_snapshot
from verifier.panel_evidence import Presented, gather_presented

LEAKED = AT + dt.timedelta(days=5)
"""The old QR key is revoked from here on (it was stolen)."""
ROTATED = AT + dt.timedelta(days=10)
RENEWED = AT + dt.timedelta(days=11)
SNAPSHOT = AT + dt.timedelta(days=19)
CHECKED = AT + dt.timedelta(days=20)


@dataclass(frozen=True)
class World:
    """Everything the attacks are made from and judged by."""

    home: Home
    trust: TrustList
    registry: Registry
    snapshot_verifier: Verifier
    active: Es256Signer
    """The bureau's active QR key (after the rotation)."""
    stolen: Es256Signer
    """The retired QR key, revoked from LEAKED: a thief has it."""
    attacker: Es256Signer
    """A key of the attacker's own, not in the trust list."""
    valid: DocumentRecord
    """A current document of holder A, signed by the old key before LEAKED."""
    other: DocumentRecord
    """A current document of another holder, B."""
    superseded: DocumentRecord
    revoked: DocumentRecord

    @property
    def verifier(self) -> Verifier:
        return Verifier(self.trust, status=RegistryStatus(self.registry))

    def pdf(self, document: DocumentRecord) -> bytes:
        return (
            self.home.certificates_dir / str(document.year) / f"{document.number}-"
            f"{document.edition}.pdf"
        ).read_bytes()


def _signer_of(home: Home, kid: str) -> Es256Signer:
    manifest = read_manifest(home.keys_dir)
    entry = next(q for q in manifest["qr"] if q["kid"] == kid)
    password = derive_key_password(PASSPHRASE, manifest["kdf"])
    return Es256Signer(read_private_key(home.keys_dir / entry["key"], password))


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory, issued_home: IssuedHome) -> Iterator[World]:
    import shutil

    root = tmp_path_factory.mktemp("qr-attacks") / "home"
    shutil.copytree(issued_home.home.root, root)
    home = Home(root)
    documents = issued_home.documents
    assert len({d.id_number for d in documents}) >= 4, "the demo must give four holders"
    old_kid = read_manifest(home.keys_dir)["active_qr"]
    rotate(home, passphrase=PASSPHRASE, at=ROTATED, seal=False, qr=True)
    revoke(
        home,
        passphrase=PASSPHRASE,
        key=old_kid,
        revoked_from=LEAKED,
        reason="key_compromise",
        at=RENEWED,
    )
    ring = open_key_ring(home.keys_dir, passphrase=PASSPHRASE)
    with Registry.open(home.registry_path) as registry:
        issuer = Issuer(registry=registry, ring=ring, config=CONFIG, out_dir=home.certificates_dir)
        issuer.renew(documents[0].number, at=RENEWED)
        registry.revoke(
            documents[1].number, reason=RevocationReason.FRAUD, note="记录系伪造", at=RENEWED
        )
        snapshot = export_snapshot(registry, ring, CONFIG, at=SNAPSHOT)
    trust = parse_trust_list(home.trust_list_path.read_bytes())
    registry = Registry.open(home.registry_path, read_only=True)
    try:
        yield World(
            home=home,
            trust=trust,
            registry=registry,
            snapshot_verifier=Verifier(trust, status=load_snapshot(snapshot, trust)),
            active=ring.qr,
            stolen=_signer_of(home, old_kid),
            attacker=Es256Signer(ec.generate_private_key(ec.SECP256R1())),
            valid=registry.history(documents[2].number)[0],
            other=registry.history(documents[3].number)[0],
            superseded=registry.history(documents[0].number)[0],
            revoked=registry.history(documents[1].number)[0],
        )
    finally:
        registry.close()


# --- building hostile messages -----------------------------------------------------------


def china_day(when: dt.datetime) -> dt.date:
    return when.astimezone(CHINA_TZ).date()


def claims_of(text: str) -> Claims:
    return decode_payload(text).claims


def cose_of(text: str) -> bytes:
    return b45decode(text.strip().removeprefix(PREFIX))


def as_text(cose: bytes) -> str:
    return PREFIX + b45encode(cose)


def sign1(protected: bytes, payload: bytes, signature: bytes, *, unprotected: Any = None) -> bytes:
    """A tagged COSE_Sign1 from its four items, as cecert writes one."""
    body = [protected, {} if unprotected is None else unprotected, payload, signature]
    return cbor2.dumps(cbor2.CBORTag(COSE_SIGN1_TAG, body))


def header(kid: bytes, alg: Any = -7) -> bytes:
    return cbor2.dumps({1: alg, 4: kid})


def signed(payload: bytes, signer: Es256Signer, *, protected: bytes | None = None) -> str:
    """``payload`` (raw claim bytes, however malformed) signed by ``signer`` as a QR text."""
    protected = header(signer.kid) if protected is None else protected
    signature = signer.sign(sig_structure(protected, payload))
    return as_text(sign1(protected, payload, signature))


def claim_map(world: World) -> dict[int, Any]:
    """The active key's claims for a fresh document (dated after the rotation) as a map."""
    claims = dataclasses.replace(claims_of(world.valid.payload), issued_on=china_day(RENEWED))
    raw: dict[int, Any] = cbor2.loads(claims.to_cbor())
    return raw


def with_claims(world: World, **changes: Any) -> Claims:
    return dataclasses.replace(claims_of(world.valid.payload), **changes)


def edited(text: str, **changes: Any) -> str:
    """The claims of ``text`` changed after signing: the original protected header and
    signature are kept."""
    message = decode_payload(text).message
    claims = dataclasses.replace(claims_of(text), **changes)
    return as_text(sign1(message.protected, claims.to_cbor(), message.signature))


def swap_items(text: str, index: int, value: Any) -> str:
    items = list(cbor2.loads(cose_of(text)).value)
    items[index] = value
    return as_text(cbor2.dumps(cbor2.CBORTag(COSE_SIGN1_TAG, items)))


# --- verdicts ----------------------------------------------------------------------------


def first_reason(report: VerificationReport) -> str | None:
    return report.reasons[0] if report.reasons else None


NO_CODE = frozenset({"bad_prefix", "unknown_input"})
"""Reasons that mean no certificate code was found: "could not verify"."""


def assert_rejected(
    suite_name: str, report: VerificationReport, reasons: str | frozenset[str]
) -> None:
    """The attack must be refused for one of ``reasons`` (the first reason), with no claim
    shown; then it is recorded. Refused is ``invalid``, or "could not verify"
    (``indeterminate``) when the text is no certificate code at all: a reader is told to
    scan the certificate's own code, never that it is genuine."""
    allowed = frozenset({reasons}) if isinstance(reasons, str) else reasons
    expected = Verdict.INDETERMINATE if first_reason(report) in NO_CODE else Verdict.INVALID
    assert report.verdict is expected, report.to_json()
    assert first_reason(report) in allowed, report.to_json()
    record_attack("qr", suite_name, report.verdict.value, first_reason(report))


# --- the genuine control -----------------------------------------------------------------


def test_genuine_codes_stay_valid(world: World) -> None:
    """The control: without it every attack below could pass by refusing everything."""
    for document in (world.valid, world.other):
        report = world.verifier.verify_text(document.payload, at=CHECKED)
        assert report.verdict is Verdict.VALID, report.to_json()
        report = world.snapshot_verifier.verify_text(document.payload, at=CHECKED)
        assert report.verdict is Verdict.VALID, report.to_json()
    # White space at both ends is stripped (QR readers add newlines), nothing else.
    padded = "\n\t " + world.valid.payload + " \r\n"
    assert world.verifier.verify_text(padded, at=CHECKED).verdict is Verdict.VALID
    renewal = world.registry.history(world.superseded.number)[-1]
    report = world.verifier.verify_text(renewal.payload, at=CHECKED)
    assert report.verdict is Verdict.VALID, report.to_json()


# --- bit flips ---------------------------------------------------------------------------

PAYLOAD_REASONS = frozenset(
    {"bad_prefix", "bad_base45", "bad_cbor", "bad_cose", "bad_claims", "payload_too_large"}
)
SIGNED_REASONS = frozenset({"bad_signature", "bad_cbor", "bad_claims"})
_REGIONS: dict[str, tuple[Callable[[bytes], tuple[int, int]], frozenset[str]]] = {
    # region → (its byte range in the COSE message, the reasons a flip there may give)
    "tag": (lambda m: (0, 2), frozenset({"bad_cbor", "bad_cose"})),
    "protected": (
        lambda m: (2, 16),
        frozenset({"bad_cbor", "bad_cose", "unknown_kid", "bad_signature"}),
    ),
    "unprotected": (lambda m: (16, 17), frozenset({"bad_cbor", "bad_cose"})),
    "claims": (lambda m: (17, len(m) - 66), SIGNED_REASONS | {"bad_cose"}),
    "signature": (
        lambda m: (len(m) - 66, len(m)),
        frozenset({"bad_signature", "bad_cbor", "bad_cose"}),
    ),
}
_BITS = (0, 3, 7)
BYTE_FLIPS = [
    (region, spot, bit)
    for region in _REGIONS
    for spot in ("first", "middle", "last")
    for bit in _BITS
]


@pytest.mark.parametrize(
    ("region", "spot", "bit"), BYTE_FLIPS, ids=[f"{r}-{s}-bit{b}" for r, s, b in BYTE_FLIPS]
)
def test_bit_flip_in_the_message(world: World, region: str, spot: str, bit: int) -> None:
    message = bytearray(cose_of(world.valid.payload))
    span, reasons = _REGIONS[region]
    start, end = span(bytes(message))
    offset = {"first": start, "middle": (start + end) // 2, "last": end - 1}[spot]
    message[offset] ^= 1 << bit
    report = world.verifier.verify_text(as_text(bytes(message)), at=CHECKED)
    assert_rejected(f"bitflip-{region}-{spot}-bit{bit}", report, reasons)


TEXT_FLIPS = [0, 2, 4, 5, 40, 100, 200, -2, -1]


@pytest.mark.parametrize("position", TEXT_FLIPS, ids=[f"char{p}" for p in TEXT_FLIPS])
def test_bit_flip_in_the_text(world: World, position: int) -> None:
    """A flipped bit in a character of the printed text: prefix, or any Base45 character
    (which may land on another Base45 character, so the message changes)."""
    text = list(world.valid.payload)
    index = position % len(text)
    text[index] = chr(ord(text[index]) ^ 1)
    report = world.verifier.verify_text("".join(text), at=CHECKED)
    reasons = frozenset({"bad_prefix"}) if index < len(PREFIX) else PAYLOAD_REASONS | SIGNED_REASONS
    assert_rejected(f"bitflip-text-char{position}", report, reasons | {"unknown_kid"})


# --- truncation --------------------------------------------------------------------------

CUTS = [0, 3, 5, 6, 7, 8, 20, 50, 100, 150, 200, 250, 300, -3, -2, -1]


@pytest.mark.parametrize("cut", CUTS, ids=[f"keep{c}" for c in CUTS])
def test_truncated_text(world: World, cut: int) -> None:
    text = world.valid.payload[:cut]
    report = world.verifier.verify_text(text, at=CHECKED)
    expected = "bad_prefix" if len(text.strip()) < len(PREFIX) else PAYLOAD_REASONS
    assert_rejected(f"truncated-text-keep{cut}", report, expected)


@pytest.mark.parametrize("lost", [1, 2, 33, 64, 65, 150], ids=lambda n: f"lost{n}bytes")
def test_truncated_message(world: World, lost: int) -> None:
    """The COSE bytes cut short, then Base45-encoded correctly: a valid text of a broken
    message."""
    message = cose_of(world.valid.payload)
    report = world.verifier.verify_text(as_text(message[:-lost]), at=CHECKED)
    assert_rejected(f"truncated-message-lost{lost}bytes", report, "bad_cbor")


# --- edited claims, forged and swapped keys ----------------------------------------------

EDITS: dict[str, dict[str, Any]] = {
    "hours_raised": {"hours": (6000, 6000, 6000, 18000)},
    "hours_above_policy": {"hours": (1080, 2700, 720, 9000)},
    "name_changed": {"name": "王五"},
    "number_changed": {"number": "440100000000028"},
    "edition_changed": {"edition": 7},
    "year_changed": {"year": 2024},
    "issue_date_changed": {"issued_on": dt.date(2026, 3, 1)},
    "unknown_policy_id": {"policy_id": "gd-2099"},
    "issuer_region_changed": {"issuer": "440300"},
    "id_digest_changed": {"id_digest": bytes(16)},
}


@pytest.mark.parametrize("name", EDITS)
def test_claims_changed_after_signing(world: World, name: str) -> None:
    report = world.verifier.verify_text(edited(world.valid.payload, **EDITS[name]), at=CHECKED)
    assert_rejected(f"edited-{name}", report, "bad_signature")


def test_claims_changed_and_re_signed_with_an_untrusted_key(world: World) -> None:
    claims = with_claims(world, hours=(6000, 6000, 6000, 18000))
    text = encode_payload(claims, kid=world.attacker.kid, sign=world.attacker.sign)
    report = world.verifier.verify_text(text, at=CHECKED)
    assert_rejected("resigned-untrusted-key", report, "unknown_kid")


@pytest.mark.parametrize("kid_of", ["active", "stolen"])
def test_re_signed_with_an_untrusted_key_under_a_trusted_kid(world: World, kid_of: str) -> None:
    """The forger writes a trusted kid in the header: the verifier checks with the trusted
    key of that kid, never with a key the message carries."""
    kid = getattr(world, kid_of).kid
    claims = with_claims(world, hours=(6000, 6000, 6000, 18000))
    text = encode_payload(claims, kid=kid, sign=world.attacker.sign)
    report = world.verifier.verify_text(text, at=CHECKED)
    assert_rejected(f"forged-kid-{kid_of}", report, "bad_signature")


def test_kid_swapped_for_another_trusted_kid(world: World) -> None:
    """A genuine message whose kid is replaced by the other trusted key's kid (the kid is in
    the signed protected header, and the other key did not sign it anyway)."""
    message = decode_payload(world.valid.payload).message
    assert message.kid == world.stolen.kid != world.active.kid
    swapped = sign1(header(world.active.kid), message.payload, message.signature)
    report = world.verifier.verify_text(as_text(swapped), at=CHECKED)
    assert_rejected("kid-swapped-trusted", report, "bad_signature")


def test_kid_moved_to_the_unprotected_header(world: World) -> None:
    message = decode_payload(world.valid.payload).message
    text = as_text(
        sign1(message.protected, message.payload, message.signature, unprotected={4: b"x"})
    )
    report = world.verifier.verify_text(text, at=CHECKED)
    assert_rejected("kid-in-unprotected-header", report, "bad_cose")


def test_signature_of_another_certificate(world: World) -> None:
    """B's signature under A's claims (a splice of two genuine codes)."""
    mine = decode_payload(world.valid.payload).message
    theirs = decode_payload(world.other.payload).message
    text = as_text(sign1(mine.protected, mine.payload, theirs.signature))
    report = world.verifier.verify_text(text, at=CHECKED)
    assert_rejected("signature-spliced-from-other", report, "bad_signature")


@pytest.mark.parametrize(
    ("name", "signature"),
    [("empty", b""), ("zero", bytes(64)), ("short", bytes(63) + b"\x01"), ("long", bytes(65))],
)
def test_signature_replaced(world: World, name: str, signature: bytes) -> None:
    text = swap_items(world.valid.payload, 3, signature)
    report = world.verifier.verify_text(text, at=CHECKED)
    assert_rejected(f"signature-{name}", report, "bad_signature")


def test_signature_r_s_swapped(world: World) -> None:
    signature = decode_payload(world.valid.payload).message.signature
    text = swap_items(world.valid.payload, 3, signature[32:] + signature[:32])
    report = world.verifier.verify_text(text, at=CHECKED)
    assert_rejected("signature-r-s-swapped", report, "bad_signature")


# --- stolen and misused trusted keys -----------------------------------------------------


def test_signed_with_the_revoked_key_after_its_revocation(world: World) -> None:
    """The thief signs with the stolen key, dated between LEAKED and the rotation (inside
    the key's window): refused because the key is revoked from LEAKED."""
    day = china_day(LEAKED + dt.timedelta(days=1))
    text = encode_payload(
        with_claims(world, issued_on=day), kid=world.stolen.kid, sign=world.stolen.sign
    )
    report = world.verifier.verify_text(text, at=CHECKED)
    assert_rejected("revoked-key-after-revocation", report, "key_revoked")


def test_signed_with_the_retired_key_after_the_rotation(world: World) -> None:
    day = china_day(ROTATED + dt.timedelta(days=2))
    text = encode_payload(
        with_claims(world, issued_on=day), kid=world.stolen.kid, sign=world.stolen.sign
    )
    report = world.verifier.verify_text(text, at=CHECKED)
    assert_rejected("retired-key-after-rotation", report, "key_not_valid_at_issue")


def test_backdated_before_the_active_key_existed(world: World) -> None:
    text = encode_payload(
        with_claims(world, issued_on=dt.date(2020, 1, 1)),
        kid=world.active.kid,
        sign=world.active.sign,
    )
    report = world.verifier.verify_text(text, at=CHECKED)
    assert_rejected("backdated-before-key", report, "key_not_valid_at_issue")


def test_issue_date_in_the_future(world: World) -> None:
    day = china_day(CHECKED + dt.timedelta(days=2))
    text = encode_payload(
        with_claims(world, issued_on=day), kid=world.active.kid, sign=world.active.sign
    )
    report = world.verifier.verify_text(text, at=CHECKED)
    assert_rejected("issue-date-in-future", report, "issued_in_future")


def test_trusted_key_signs_a_document_the_registry_never_issued(world: World) -> None:
    """A stolen *active* key: the signature and key pass, the registry and the snapshot do
    not know the document."""
    claims = with_claims(world, number="440100000000028", issued_on=china_day(ROTATED))
    text = encode_payload(claims, kid=world.active.kid, sign=world.active.sign)
    report = world.verifier.verify_text(text, at=CHECKED)
    assert_rejected("unregistered-by-active-key-registry", report, "not_in_registry")
    report = world.snapshot_verifier.verify_text(text, at=CHECKED)
    assert_rejected("unregistered-by-active-key-snapshot", report, "not_in_registry")


def test_trusted_key_signs_other_claims_for_a_registered_number(world: World) -> None:
    """Same number and edition as a real document, hours raised, signed with the active
    key: the registry holds another payload for it."""
    claims = with_claims(world, hours=(6000, 6000, 6000, 18000), issued_on=china_day(ROTATED))
    text = encode_payload(claims, kid=world.active.kid, sign=world.active.sign)
    report = world.verifier.verify_text(text, at=CHECKED)
    assert_rejected("registered-number-other-payload", report, "payload_mismatch")


def test_unknown_policy_id_under_a_trusted_signature(world: World) -> None:
    """The hours cannot be judged (``unknown_policy``) and the registry does not know the
    document: never valid."""
    claims = with_claims(world, policy_id="gd-2099", issued_on=china_day(ROTATED))
    text = encode_payload(claims, kid=world.active.kid, sign=world.active.sign)
    alone = Verifier(world.trust).verify_text(text, at=CHECKED)
    assert alone.verdict is Verdict.INDETERMINATE
    assert alone.hours is not None
    assert (alone.hours.status.value, alone.hours.reason) == ("unknown", "unknown_policy")
    report = world.verifier.verify_text(text, at=CHECKED)
    assert report.verdict is Verdict.INVALID
    # Same number and edition as a real document: the registry holds another payload.
    assert report.reasons == ("payload_mismatch",), report.to_json()
    assert report.hours is not None
    assert report.hours.reason == "unknown_policy"
    record_attack("qr", "unknown-policy-trusted-key", report.verdict.value, report.reasons[0])


# --- replays -----------------------------------------------------------------------------


@pytest.mark.parametrize("source", ["registry", "snapshot"])
@pytest.mark.parametrize("edition", ["superseded", "revoked"])
def test_replay_of_an_old_edition(world: World, source: str, edition: str) -> None:
    document: DocumentRecord = getattr(world, edition)
    verifier = world.verifier if source == "registry" else world.snapshot_verifier
    report = verifier.verify_text(document.payload, at=CHECKED)
    assert report.claims is not None  # authentic, but no longer current
    assert_rejected(f"replay-{edition}-{source}", report, edition)


@pytest.mark.parametrize("edition", ["superseded", "revoked"])
def test_replay_of_an_old_edition_pdf(world: World, edition: str) -> None:
    document: DocumentRecord = getattr(world, edition)
    report = world.verifier.verify_pdf(world.pdf(document), at=CHECKED)
    assert report.verdict is Verdict.INVALID, report.to_json()
    assert edition in report.reasons, report.to_json()
    record_attack("qr", f"replay-{edition}-pdf", report.verdict.value, edition)


# --- another person's code ---------------------------------------------------------------


def test_other_persons_payload_presented_with_a_pdf(world: World) -> None:
    """A presents a genuine PDF of A and B's code as a second certificate of hers. The PDF
    is judged by the payload sealed into it (/CECert), not by anything pasted; B's code is
    B's, and the panel refuses it as evidence for A."""
    pdf = world.verifier.verify_pdf(world.pdf(world.valid), at=CHECKED)
    assert pdf.verdict is Verdict.VALID, pdf.to_json()
    assert pdf.claims is not None
    assert pdf.claims.number == world.valid.number
    text = world.verifier.verify_text(world.other.payload, at=CHECKED)
    assert text.verdict is Verdict.VALID
    assert text.claims is not None
    assert text.claims.name != pdf.claims.name
    gathered = gather_presented(
        [Presented(pdf, "文件 a.pdf", "file a.pdf"), Presented(text, "第1条", "QR text 1")],
        id_number=world.valid.id_number,
    )
    assert [(e.number, e.edition) for e in gathered.evidence] == [(world.valid.number, 1)]
    assert any("not the candidate" in note for note in gathered.notes_en), gathered.notes_en
    # The panel's refusal is the verdict on this attack.
    record_attack("qr", "other-holder-payload-with-pdf", "invalid", "other_holder")


def _image_with_name_and_code(name: str, text: str) -> bytes:
    """A printed-looking slip: ``name`` in large characters beside the QR code of ``text``."""
    matrix = qr_matrix(text)
    module = 5
    side = (len(matrix) + 8) * module
    image = Image.new("L", (side + 700, side), 255)
    for y, row in enumerate(matrix):
        for x, dark in enumerate(row):
            if dark:
                left, top = (x + 4) * module, (y + 4) * module
                image.paste(0, (left, top, left + module, top + module))
    face = FontSet.discover().primary
    font = ImageFont.truetype(str(face.path), 64, index=face.subfont_index)
    ImageDraw.Draw(image).text((side + 40, side // 3), f"持证人：{name}", font=font, fill=0)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def test_other_persons_qr_code_printed_next_to_a_name(world: World) -> None:
    """An image of B's QR code printed next to A's name. The verifier reads the code and
    shows the holder its signed claims name (B), whatever is printed around it; the panel
    checking A refuses it."""
    a_name = claims_of(world.valid.payload).name
    b_name = claims_of(world.other.payload).name
    assert a_name != b_name
    report = world.verifier.verify_bytes(
        _image_with_name_and_code(a_name, world.other.payload), at=CHECKED
    )
    assert report.verdict is Verdict.VALID, report.to_json()
    assert report.claims is not None
    assert report.claims.name == b_name
    assert a_name not in str(report.to_json())
    gathered = gather_presented(
        [Presented(report, "文件 slip.png", "file slip.png")], id_number=world.valid.id_number
    )
    assert gathered.evidence == ()
    assert any("not the candidate" in note for note in gathered.notes_en)
    record_attack("qr", "other-holder-qr-beside-name", "invalid", "other_holder")


# --- malformed CBOR and COSE, signed by the bureau's own key --------------------------------


def _indefinite_map(mapping: dict[int, Any]) -> bytes:
    return b"\xbf" + b"".join(cbor2.dumps(k) + cbor2.dumps(v) for k, v in mapping.items()) + b"\xff"


def _depth_bomb(depth: int) -> bytes:
    return b"\x81" * depth + b"\x00"


MALFORMED_CLAIMS: dict[str, tuple[Callable[[World], bytes], str]] = {
    # name → (the claim bytes, signed by the active key; the reason)
    "indefinite-claims-map": (lambda w: _indefinite_map(claim_map(w)), "bad_cbor"),
    "indefinite-name-text": (
        lambda w: cbor2.dumps(claim_map(w)).replace(
            cbor2.dumps(claim_map(w)[5]),
            b"\x7f" + cbor2.dumps(claim_map(w)[5]) + b"\xff",
        ),
        "bad_cbor",
    ),
    "duplicate-key-name": (
        lambda w: b"\xae" + cbor2.dumps(claim_map(w))[1:] + b"\x05" + cbor2.dumps("王五"),
        "bad_cbor",
    ),
    "non-shortest-integer": (
        lambda w: cbor2.dumps(claim_map(w)).replace(b"\x02\x01", b"\x02\x18\x01", 1),
        "bad_cbor",
    ),
    "bignum-for-small-integer": (
        lambda w: cbor2.dumps(claim_map(w)).replace(b"\x02\x01", b"\x02\xc2\x41\x01", 1),
        "bad_cbor",
    ),
    "true-as-key-1": (
        lambda w: cbor2.dumps({(True if k == 1 else k): v for k, v in claim_map(w).items()}),
        "bad_claims",
    ),
    "float-as-key-1": (
        lambda w: cbor2.dumps({(1.0 if k == 1 else k): v for k, v in claim_map(w).items()}),
        "bad_claims",
    ),
    "text-keys": (
        lambda w: cbor2.dumps({str(k): v for k, v in claim_map(w).items()}),
        "bad_claims",
    ),
    "extra-claim-14": (lambda w: cbor2.dumps(claim_map(w) | {14: 1}), "bad_claims"),
    "missing-claim-8": (
        lambda w: cbor2.dumps({k: v for k, v in claim_map(w).items() if k != 8}),
        "bad_claims",
    ),
    "extra-hours-item": (lambda w: cbor2.dumps(claim_map(w) | {9: [1, 2, 3, 4, 5]}), "bad_claims"),
    "hours-as-floats": (
        lambda w: cbor2.dumps(claim_map(w) | {9: [60.0, 60.0, 60.0, 180.0]}),
        "bad_claims",
    ),
    "hours-negative": (lambda w: cbor2.dumps(claim_map(w) | {9: [-1, 0, 0, 0]}), "bad_claims"),
    "hours-huge": (lambda w: cbor2.dumps(claim_map(w) | {9: [0, 0, 0, 10**7]}), "bad_claims"),
    "edition-2-to-the-31": (lambda w: cbor2.dumps(claim_map(w) | {2: 2**31}), "bad_claims"),
    "year-bignum-2-to-the-80": (lambda w: cbor2.dumps(claim_map(w) | {4: 2**80}), "bad_claims"),
    "edition-negative": (lambda w: cbor2.dumps(claim_map(w) | {2: -1}), "bad_claims"),
    "edition-as-text": (lambda w: cbor2.dumps(claim_map(w) | {2: "1"}), "bad_claims"),
    "kind-as-true": (lambda w: cbor2.dumps(claim_map(w) | {3: True}), "bad_claims"),
    "kind-unknown": (lambda w: cbor2.dumps(claim_map(w) | {3: 4}), "bad_claims"),
    "level-unknown": (lambda w: cbor2.dumps(claim_map(w) | {13: 3}), "bad_claims"),
    "name-as-bytes": (lambda w: cbor2.dumps(claim_map(w) | {5: "张三".encode()}), "bad_claims"),
    "salt-as-text": (lambda w: cbor2.dumps(claim_map(w) | {7: "salt"}), "bad_claims"),
    "date-impossible": (lambda w: cbor2.dumps(claim_map(w) | {12: "2026-02-30"}), "bad_claims"),
    "date-as-tag-0": (
        lambda w: cbor2.dumps(
            claim_map(w) | {12: dt.datetime(2026, 3, 12, tzinfo=dt.UTC)},
            datetime_as_timestamp=False,
        ),
        "bad_claims",
    ),
    "decimal-fraction-huge-exponent": (
        lambda w: cbor2.dumps(claim_map(w)).replace(
            b"\x02\x01", b"\x02\xc4\x82\x3b\x7f\xff\xff\xff\xff\xff\xff\xff\x01", 1
        ),
        "bad_cbor",
    ),
    "bigfloat-huge-exponent": (
        lambda w: cbor2.dumps(claim_map(w)).replace(
            b"\x02\x01", b"\x02\xc5\x82\x1b\x7f\xff\xff\xff\xff\xff\xff\xff\x01", 1
        ),
        "bad_cbor",
    ),
    "claims-not-a-map": (lambda w: cbor2.dumps(list(claim_map(w).values())), "bad_claims"),
    "claims-depth-bomb": (lambda w: _depth_bomb(1200), "bad_cbor"),
    "claims-shared-reference-cycle": (lambda w: b"\xd8\x1c\x81\xd8\x1d\x00", "bad_cbor"),
    "claims-trailing-byte": (lambda w: cbor2.dumps(claim_map(w)) + b"\x00", "bad_cbor"),
    "claims-empty": (lambda w: b"", "bad_cbor"),
}


@pytest.mark.parametrize("name", MALFORMED_CLAIMS)
def test_malformed_claims_under_a_trusted_signature(world: World, name: str) -> None:
    build, reason = MALFORMED_CLAIMS[name]
    report = world.verifier.verify_text(signed(build(world), world.active), at=CHECKED)
    assert_rejected(f"malformed-claims-{name}", report, reason)


def _outer(world: World, parts: Callable[[bytes, bytes, bytes], bytes]) -> str:
    """A message assembled by hand from the active key's real protected header, claims and
    signature (so only the assembly is wrong)."""
    protected = header(world.active.kid)
    payload = cbor2.dumps(claim_map(world))
    signature = world.active.sign(sig_structure(protected, payload))
    return as_text(parts(protected, payload, signature))


def _b(item: bytes) -> bytes:
    return cbor2.dumps(item)


MALFORMED_COSE: dict[str, tuple[Callable[[World], str], str]] = {
    "untagged": (
        lambda w: _outer(w, lambda p, c, s: b"\x84" + _b(p) + b"\xa0" + _b(c) + _b(s)),
        "bad_cose",
    ),
    "tag-98-cose-sign": (
        lambda w: _outer(w, lambda p, c, s: b"\xd8\x62\x84" + _b(p) + b"\xa0" + _b(c) + _b(s)),
        "bad_cose",
    ),
    "tag-17-cose-mac0": (
        lambda w: _outer(w, lambda p, c, s: b"\xd1\x84" + _b(p) + b"\xa0" + _b(c) + _b(s)),
        "bad_cose",
    ),
    "tag-18-twice": (
        lambda w: _outer(w, lambda p, c, s: b"\xd2\xd2\x84" + _b(p) + b"\xa0" + _b(c) + _b(s)),
        "bad_cose",
    ),
    "self-describe-tag-55799": (
        lambda w: _outer(
            w, lambda p, c, s: b"\xd9\xd9\xf7\xd2\x84" + _b(p) + b"\xa0" + _b(c) + _b(s)
        ),
        "bad_cbor",
    ),
    "tag-18-in-two-bytes": (
        lambda w: _outer(w, lambda p, c, s: b"\xd8\x12\x84" + _b(p) + b"\xa0" + _b(c) + _b(s)),
        "bad_cbor",
    ),
    "indefinite-outer-array": (
        lambda w: _outer(
            w, lambda p, c, s: b"\xd2\x9f" + _b(p) + b"\xa0" + _b(c) + _b(s) + b"\xff"
        ),
        "bad_cbor",
    ),
    "indefinite-payload-bstr": (
        lambda w: _outer(
            w,
            lambda p, c, s: (
                b"\xd2\x84" + _b(p) + b"\xa0" + b"\x5f" + _b(c[:9]) + _b(c[9:]) + b"\xff" + _b(s)
            ),
        ),
        "bad_cbor",
    ),
    "signature-length-not-shortest": (
        lambda w: _outer(
            w, lambda p, c, s: b"\xd2\x84" + _b(p) + b"\xa0" + _b(c) + b"\x59\x00\x40" + s
        ),
        "bad_cbor",
    ),
    "unprotected-map-indefinite": (
        lambda w: _outer(w, lambda p, c, s: b"\xd2\x84" + _b(p) + b"\xbf\xff" + _b(c) + _b(s)),
        "bad_cbor",
    ),
    "five-items": (
        lambda w: _outer(
            w, lambda p, c, s: b"\xd2\x85" + _b(p) + b"\xa0" + _b(c) + _b(s) + b"\x00"
        ),
        "bad_cose",
    ),
    "three-items": (
        lambda w: _outer(w, lambda p, c, s: b"\xd2\x83" + _b(p) + b"\xa0" + _b(c)),
        "bad_cose",
    ),
    "protected-as-map": (
        lambda w: _outer(w, lambda p, c, s: b"\xd2\x84" + p + b"\xa0" + _b(c) + _b(s)),
        "bad_cose",
    ),
    "payload-as-map": (
        lambda w: _outer(w, lambda p, c, s: b"\xd2\x84" + _b(p) + b"\xa0" + c + _b(s)),
        "bad_cose",
    ),
    "signature-as-text": (
        lambda w: _outer(
            w, lambda p, c, s: b"\xd2\x84" + _b(p) + b"\xa0" + _b(c) + cbor2.dumps(s.hex())
        ),
        "bad_cose",
    ),
    "unprotected-not-empty": (
        lambda w: _outer(w, lambda p, c, s: b"\xd2\x84" + _b(p) + b"\xa1\x01\x26" + _b(c) + _b(s)),
        "bad_cose",
    ),
    "trailing-bytes": (
        lambda w: _outer(
            w, lambda p, c, s: b"\xd2\x84" + _b(p) + b"\xa0" + _b(c) + _b(s) + b"\x00"
        ),
        "bad_cbor",
    ),
    "outer-depth-bomb": (lambda w: as_text(b"\xd2" + _depth_bomb(1200)), "bad_cbor"),
    "empty-message": (lambda w: PREFIX, "bad_cbor"),
}


@pytest.mark.parametrize("name", MALFORMED_COSE)
def test_malformed_cose_message(world: World, name: str) -> None:
    build, reason = MALFORMED_COSE[name]
    report = world.verifier.verify_text(build(world), at=CHECKED)
    assert_rejected(f"malformed-cose-{name}", report, reason)


PROTECTED: dict[str, tuple[Callable[[bytes], bytes], str]] = {
    "alg-es384": (lambda kid: header(kid, -35), "bad_cose"),
    "alg-eddsa": (lambda kid: header(kid, -8), "bad_cose"),
    "alg-as-text": (lambda kid: header(kid, "ES256"), "bad_cose"),
    "alg-as-float": (lambda kid: header(kid, -7.0), "bad_cose"),
    "alg-missing": (lambda kid: cbor2.dumps({4: kid}), "bad_cose"),
    "kid-missing": (lambda kid: cbor2.dumps({1: -7}), "bad_cose"),
    "kid-empty": (lambda kid: header(b""), "bad_cose"),
    "kid-as-text": (lambda kid: cbor2.dumps({1: -7, 4: kid.hex()}), "bad_cose"),
    "extra-label-crit": (lambda kid: cbor2.dumps({1: -7, 4: kid, 2: [1]}), "bad_cose"),
    "true-as-label-1": (lambda kid: cbor2.dumps({True: -7, 4: kid}), "bad_cose"),
    "duplicate-alg": (
        lambda kid: b"\xa3\x01\x26\x04" + cbor2.dumps(kid) + b"\x01\x38\x22",
        "bad_cbor",
    ),
    "indefinite-map": (lambda kid: b"\xbf\x01\x26\x04" + cbor2.dumps(kid) + b"\xff", "bad_cbor"),
    "not-a-map": (lambda kid: cbor2.dumps([-7, kid]), "bad_cose"),
    "empty": (lambda kid: b"", "bad_cbor"),
}


@pytest.mark.parametrize("name", PROTECTED)
def test_malformed_protected_header_under_a_trusted_signature(world: World, name: str) -> None:
    build, reason = PROTECTED[name]
    payload = cbor2.dumps(claim_map(world))
    report = world.verifier.verify_text(
        signed(payload, world.active, protected=build(world.active.kid)), at=CHECKED
    )
    assert_rejected(f"malformed-protected-{name}", report, reason)


# --- size, prefix and Base45 -------------------------------------------------------------


def _oversize_signed(world: World) -> str:
    return signed(cbor2.dumps(claim_map(world) | {5: "张" * 700}), world.active)


def _lower_first_letter(text: str) -> str:
    index = next(i for i, ch in enumerate(text) if i >= len(PREFIX) and ch.isalpha())
    return text[:index] + text[index].lower() + text[index + 1 :]


TEXTS: dict[str, tuple[Callable[[str, World], str], str | frozenset[str]]] = {
    "oversize-text": (lambda t, w: PREFIX + "0" * 2796, "payload_too_large"),
    "oversize-signed-name": (lambda t, w: _oversize_signed(w), "payload_too_large"),
    "oversize-padding-inside": (lambda t, w: t + "0" * 2800, "payload_too_large"),
    "prefix-lowercase": (lambda t, w: "cec1:" + t[5:], "bad_prefix"),
    "prefix-cec2": (lambda t, w: "CEC2:" + t[5:], "bad_prefix"),
    "prefix-hc1": (lambda t, w: "HC1:" + t[5:], "bad_prefix"),
    "prefix-missing-colon": (lambda t, w: "CEC1" + t[5:], "bad_prefix"),
    "prefix-fullwidth-colon": (lambda t, w: "CEC1：" + t[5:], "bad_prefix"),
    "prefix-missing": (lambda t, w: t[5:], "bad_prefix"),
    "prefix-twice": (lambda t, w: PREFIX + t, frozenset({"bad_base45", "bad_cbor", "bad_cose"})),
    "leading-junk": (lambda t, w: "X" + t, "bad_prefix"),
    "inside-a-url": (lambda t, w: "https://verify.example/?q=" + t, "bad_prefix"),
    "trailing-junk-char": (lambda t, w: t + "!", "bad_base45"),
    "trailing-base45": (lambda t, w: t + "00", frozenset({"bad_base45", "bad_cbor"})),
    "two-codes-joined": (lambda t, w: t + "\n" + w.other.payload, "bad_base45"),
    "base45-lowercase-letter": (lambda t, w: _lower_first_letter(t), "bad_base45"),
    "base45-zero-width-space": (lambda t, w: t[:30] + "\u200b" + t[30:], "bad_base45"),
    "base45-hash-sign": (lambda t, w: t[:-3] + "#" + t[-2:], "bad_base45"),
    "base45-length-3k-plus-1": (lambda t, w: PREFIX + "0000", "bad_base45"),
    "base45-group-above-65535": (lambda t, w: PREFIX + "GGW", "bad_base45"),
    "base45-pair-above-255": (lambda t, w: PREFIX + "GG", "bad_base45"),
    "nul-byte": (lambda t, w: t[:40] + "\x00" + t[40:], "bad_base45"),
    "empty-text": (lambda t, w: "", "bad_prefix"),
}


@pytest.mark.parametrize("name", TEXTS)
def test_hostile_text(world: World, name: str) -> None:
    build, reason = TEXTS[name]
    text = build(world.valid.payload, world)
    report = world.verifier.verify_text(text, at=CHECKED)
    assert_rejected(f"text-{name}", report, reason)


@pytest.mark.parametrize("name", ["oversize-text", "prefix-cec2", "base45-lowercase-letter"])
def test_hostile_upload_bytes(world: World, name: str) -> None:
    """The same texts as an upload (``verify_bytes``, the web API's path)."""
    build, reason = TEXTS[name]
    report = world.verifier.verify_bytes(build(world.valid.payload, world).encode(), at=CHECKED)
    assert_rejected(f"upload-{name}", report, reason)


def test_non_ascii_upload_is_refused(world: World) -> None:
    data = ("CEC1：" + world.valid.payload[5:]).encode("utf-8")
    report = world.verifier.verify_bytes(data, at=CHECKED)
    assert_rejected("upload-non-ascii", report, "unknown_input")


def test_every_attack_above_left_no_claim_behind(world: World) -> None:
    """A refused payload never shows a claim: checked on a sample of each family."""
    samples = [
        edited(world.valid.payload, name="王五"),
        signed(_indefinite_map(claim_map(world)), world.active),
        encode_payload(with_claims(world), kid=world.attacker.kid, sign=world.attacker.sign),
    ]
    for text in samples:
        report = world.verifier.verify_text(text, at=CHECKED)
        assert report.claims is None
        assert report.to_json()["certificate"] is None
