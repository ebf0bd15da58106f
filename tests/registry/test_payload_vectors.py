"""Known-answer vectors for the CEC1 QR payload (``tests/vectors/payload-vectors.json``).

The vectors are static: they were generated once by ``tests/vectors/make_vectors.py`` and are
checked here against the real verifier at a fixed time, and the valid one against an
independent COSE implementation (pycose), so the format is standard COSE_Sign1, not ours.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any

import cbor2
import pytest
from pycose.keys.ec2 import EC2Key
from pycose.messages.sign1message import Sign1Message as PycoseSign1

from keys import PublicKey, QrKey, TrustList, kid_from_text
from registry.hours import get_policy
from registry.model import Category, CategoryHours, DocumentKind, DocumentStatus, HoursSummary
from registry.payload import PREFIX, Claims, decode_payload
from registry.payload.base45 import b45decode, b45encode
from registry.store import DocumentRecord
from tests.support.paths import VECTORS_DIR
from verifier import Check, CheckStatus, Verdict, Verifier
from verifier.payload import AuthenticPayload
from verifier.registry_status import registry_status_check
from verifier.report import SnapshotAge

VECTORS = json.loads((VECTORS_DIR / "payload-vectors.json").read_text("utf-8"))
CASES: list[dict[str, Any]] = VECTORS["cases"]
BY_NAME = {case["name"]: case for case in CASES}
AT = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
REQUIRED = {
    "valid",
    "tampered",
    "wrong_key",
    "bad_prefix",
    "bad_base45",
    "truncated",
    "malformed_cbor",
    "wrong_alg",
}


def utc(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))


def vector_trust_list() -> TrustList:
    """A trust list holding only the vectors' key (these tests target the payload path, so
    the list is built directly instead of through a root-signed file)."""
    key = VECTORS["trust_key"]
    qr_key = QrKey(
        kid=kid_from_text(key["kid"]),
        alg=key["alg"],
        public_key=PublicKey(key["public_key_pem"]),
        not_before=utc(key["not_before"]),
        not_after=utc(key["not_after"]),
    )
    return TrustList(
        issuer="cecert test vectors",
        issued_at=utc(key["not_before"]),
        roots=(),
        trusted_seals=(),
        timestamping=(),
        qr_keys=(qr_key,),
        signed_by="",
    )


class OneDocumentStatus:
    """A status source whose registry holds one document: the valid vector, current."""

    def __init__(self, text: str) -> None:
        claims = decode_payload(text).claims
        requirement = get_policy(claims.policy_id).requirement_for(claims.title_level, claims.year)
        summary = HoursSummary(
            policy_id=claims.policy_id,
            categories=tuple(
                CategoryHours(category, claims.hours_for(category), required)
                for category, required in requirement.minimums.items()
            ),
            total_counted=claims.hours[3],
            total_required=requirement.total,
        )
        self.record = DocumentRecord(
            number=claims.number,
            edition=claims.edition,
            kind=DocumentKind.ORIGINAL,
            year=claims.year,
            id_number=VECTORS["example_id_number"],
            issuer=claims.issuer,
            policy_id=claims.policy_id,
            summary=summary,
            payload=text,
            pdf_sha256="0" * 64,
            pdf_path="unused.pdf",
            status=DocumentStatus.CURRENT,
            issued_at=dt.datetime(2025, 3, 15, 10, tzinfo=dt.UTC),
        )

    def document(self, number: str, edition: int) -> DocumentRecord | None:
        if (number, edition) == (self.record.number, self.record.edition):
            return self.record
        return None

    def document_by_sha256(self, pdf_sha256: str) -> DocumentRecord | None:
        return None

    def history(self, number: str) -> list[DocumentRecord]:
        return [self.record] if number == self.record.number else []

    def status_check(self, payload: AuthenticPayload, *, at: dt.datetime) -> Check:
        return registry_status_check(
            payload, self.document(payload.claims.number, payload.claims.edition)
        )

    def pdf_check(self, claims: Claims, pdf_sha256: str) -> Check | None:
        return None

    def snapshot_age(self, at: dt.datetime) -> SnapshotAge | None:
        return None


def test_the_required_cases_are_published() -> None:
    assert set(BY_NAME) >= REQUIRED
    assert len(BY_NAME) == len(CASES), "vector names must be unique"
    assert VECTORS["verification_time"] == "2026-01-01T00:00:00Z"
    assert utc(VECTORS["verification_time"]) == AT


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_vector_with_the_trust_list_only(case: dict[str, Any]) -> None:
    report = Verifier(vector_trust_list()).verify_text(case["text"], at=AT)

    assert report.verdict.value == case["expected_verdict_without_status"]
    assert list(report.reasons) == case["expected_reasons_without_status"]
    if case["expected_verdict"] == "valid":
        assert report.claims is not None
        for check in report.checks:
            expected = (
                CheckStatus.UNKNOWN if check.name == "registry.status" else CheckStatus.PASSED
            )
            assert check.status is expected, check
        assert report.reasons == ("status_not_checked",)
    else:
        assert report.claims is None, "unauthenticated claims must never reach a report"
        failed = [c for c in report.checks if c.status is not CheckStatus.PASSED]
        assert failed[0].name == case["expected_check"]
        assert failed[0].reason == case["expected_reason"]


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_vector_with_a_registry_holding_the_valid_document(case: dict[str, Any]) -> None:
    status = OneDocumentStatus(BY_NAME["valid"]["text"])
    report = Verifier(vector_trust_list(), status=status).verify_text(case["text"], at=AT)

    assert report.verdict.value == case["expected_verdict"]
    if case["expected_verdict"] == "valid":
        assert report.verdict is Verdict.VALID
        assert report.reasons == ()
    else:
        assert report.reasons[0] == case["expected_reason"]


def test_valid_vector_verifies_with_pycose() -> None:
    """An independent COSE library accepts the valid vector: the format is standard."""
    case = BY_NAME["valid"]
    text: str = case["text"]
    assert text.startswith(PREFIX)
    cose = b45decode(text[len(PREFIX) :])

    message = PycoseSign1.decode(cose)
    message.key = EC2Key.from_pem_public_key(VECTORS["trust_key"]["public_key_pem"])

    assert message.verify_signature()
    assert message.payload == bytes.fromhex(case["claims_cbor_hex"])


@pytest.mark.parametrize("name", ["tampered", "wrong_key", "forged_kid"])
def test_pycose_refuses_the_bad_signature_vectors(name: str) -> None:
    cose = b45decode(BY_NAME[name]["text"][len(PREFIX) :])
    message = PycoseSign1.decode(cose)
    message.key = EC2Key.from_pem_public_key(VECTORS["trust_key"]["public_key_pem"])

    assert not message.verify_signature()


def test_valid_vector_known_answers() -> None:
    """Every intermediate value published for the valid vector is what the text contains."""
    case = BY_NAME["valid"]
    key = VECTORS["trust_key"]
    cose = b45decode(case["text"][len(PREFIX) :])
    assert cose.hex() == case["cose_hex"]
    assert b45encode(cose) == case["text"][len(PREFIX) :]

    outer = cbor2.loads(cose)
    assert outer.tag == 18
    protected, unprotected, payload, signature = outer.value
    assert protected.hex() == case["protected_hex"]
    assert cbor2.loads(protected) == {1: -7, 4: bytes.fromhex(key["kid_hex"])}
    assert dict(unprotected) == {}
    assert payload.hex() == case["claims_cbor_hex"]
    assert signature.hex() == case["signature_hex"]
    assert len(signature) == 64
    to_be_signed = cbor2.dumps(["Signature1", protected, b"", payload])
    assert to_be_signed.hex() == case["to_be_signed_hex"]

    public_key = PublicKey(key["public_key_pem"])
    assert hashlib.sha256(public_key.spki_der).digest()[:8].hex() == key["kid_hex"]
    assert kid_from_text(key["kid"]).hex() == key["kid_hex"]
    assert public_key.verify(signature, to_be_signed)

    claims = decode_payload(case["text"]).claims
    published = case["claims"]
    assert claims.number == published["1 number"]
    assert claims.kind.value == published["3 kind"]
    assert claims.name == published["5 name"]
    assert list(claims.hours) == published["9 hours (minutes)"]
    assert claims.hours_for(Category.PUBLIC) == 18 * 60
    assert claims.issued_on.isoformat() == published["12 issued_on"]
    assert claims.title_level.value == published["13 title_level"]
    assert cbor2.loads(payload)[13] == 1  # intermediate
    assert claims.id_salt.hex() == published["7 id_salt (hex)"]
    digest = hashlib.sha256(claims.id_salt + VECTORS["example_id_number"].encode()).digest()
    assert digest[:16].hex() == published["8 id_digest (hex)"]
    assert claims.matches_id_number(VECTORS["example_id_number"])
    assert not claims.matches_id_number("440106198507151249")


def test_key_window_and_issue_date_keep_the_vectors_valid() -> None:
    """The valid vector must not expire: its issue date lies in the key's window and before
    the fixed verification time, and nothing else in verification depends on the clock."""
    key = VECTORS["trust_key"]
    issued = dt.date.fromisoformat(BY_NAME["valid"]["claims"]["12 issued_on"])
    assert utc(key["not_before"]).date() <= issued <= utc(key["not_after"]).date()
    assert issued < AT.date()
