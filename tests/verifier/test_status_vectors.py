"""The status vectors (``tests/vectors/status-vectors.json``) through the Python verifier.

Static files generated once by ``tests/vectors/make_status_vectors.py``: a root-signed trust
list (version 2), a signed status snapshot and QR texts, with the verdict and reasons every
verifier must reach at a fixed time. ``tests/web/test_browser_offline.py`` runs the same cases
through the in-page verifier of ``/scan``; both must agree with the expected results.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from keys import KeysError, parse_trust_list
from tests.support.paths import VECTORS_DIR
from tests.support.status_vectors import VECTORS, utc, vector_snapshot, vector_trust
from verifier import CheckStatus, Verifier, VerifierError
from verifier.snapshot import load_snapshot

CASES: list[dict[str, Any]] = VECTORS["cases"]
REQUIRED = {
    "valid",
    "tampered",
    "wrong_key",
    "expired_key",
    "revoked_key",
    "superseded",
    "revoked",
    "bad_prefix",
    "bad_base45",
    "truncated",
    "malformed_cbor",
    "wrong_alg",
}
PAYLOAD_CHECKS = ("payload.format", "payload.signature", "payload.key_validity")


def test_the_required_cases_are_published() -> None:
    names = [case["name"] for case in CASES]
    assert set(names) >= REQUIRED
    assert len(names) == len(set(names)), "vector names must be unique"
    verdicts = {case["expected_verdict"] for case in CASES}
    assert verdicts == {"valid", "invalid", "indeterminate"}


def test_every_payload_vector_is_a_status_vector() -> None:
    payload = json.loads((VECTORS_DIR / "payload-vectors.json").read_text("utf-8"))
    texts = {case["text"] for case in CASES}
    assert {case["text"] for case in payload["cases"]} <= texts


def test_the_trust_list_and_snapshot_are_signed() -> None:
    trust = vector_trust()
    assert trust.signed_by == VECTORS["root_sha256"]
    snapshot = vector_snapshot(trust)
    assert snapshot.as_of == utc(VECTORS["snapshot_as_of"])
    revoked = [key for key in trust.qr_keys if key.revoked_from is not None]
    assert len(revoked) == 1


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_status_vector(case: dict[str, Any]) -> None:
    trust = vector_trust()
    verifier = Verifier(trust, status=vector_snapshot(trust))
    at = utc(case.get("verification_time", VECTORS["verification_time"]))

    report = verifier.verify_text(case["text"], at=at)

    assert report.verdict.value == case["expected_verdict"]
    assert list(report.reasons) == case["expected_reasons"]
    first = next((c for c in report.checks if c.status is not CheckStatus.PASSED), None)
    if case["expected_check"] is None:
        assert first is None
    else:
        assert first is not None
        assert (first.name, first.reason) == (case["expected_check"], case["expected_reason"])
    if first is not None and first.name in PAYLOAD_CHECKS:
        assert report.claims is None, "unauthenticated claims must never reach a report"
        assert report.hours is None, "unauthenticated hours are never judged"
    else:
        assert report.claims is not None
    # The second judgement, apart from the verdict: do the stated hours meet the policy?
    hours = report.to_json()["hours"]
    assert (hours and hours["status"]) == case["expected_hours"]
    assert (hours and hours["reason"]) == case["expected_hours_reason"]
    assert report.snapshot is not None
    assert report.snapshot.as_of == utc(VECTORS["snapshot_as_of"])


def test_a_changed_snapshot_is_refused() -> None:
    trust = vector_trust()
    data = bytearray((VECTORS_DIR / VECTORS["snapshot"]).read_bytes())
    data[-70] ^= 1  # the last byte of the body, under the signature
    with pytest.raises(VerifierError) as caught:
        load_snapshot(bytes(data), trust)
    assert caught.value.reason in {"snapshot_signature", "bad_snapshot"}


def test_the_trust_list_is_pinned() -> None:
    data = (VECTORS_DIR / VECTORS["trust_list"]).read_bytes()
    with pytest.raises(KeysError) as caught:
        parse_trust_list(data, pin="00" * 32)
    assert caught.value.reason == "trust_list_pin"
