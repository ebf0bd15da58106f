"""A PDF whose exact bytes the registry recorded is confirmed by that record
(``verifier.recorded``): the payload, hours and status are still checked, the seal is not
examined again; every other file, and a recorded one the record cannot settle, gets the
full check. Both paths must reach the same verdict and reasons for a recorded file."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Iterator

import pytest

from keys import TrustList
from registry.model import RevocationReason
from registry.store import Registry
from tests.conftest import AT, LATER, IssuedHome
from verifier import RegistryStatus, Verdict, VerificationReport, Verifier
from verifier.pdf import pdf_sha256
from verifier.recorded import SEAL_REVOCATION_MARGIN, recorded_document

CONFIRMED = (
    "pdf.recorded",
    "payload.format",
    "payload.signature",
    "payload.key_validity",
    "registry.status",
)


@pytest.fixture
def status(issued_home: IssuedHome) -> Iterator[RegistryStatus]:
    registry = Registry.open(issued_home.home.registry_path, read_only=True)
    yield RegistryStatus(registry)
    registry.close()


def _pdf(home: IssuedHome, index: int = 0) -> bytes:
    return home.pdf(home.documents[index]).read_bytes()


def _names(report: VerificationReport) -> tuple[str, ...]:
    return tuple(c.name for c in report.checks)


def _with_seals_revoked(trust: TrustList, revoked_from: dt.datetime) -> TrustList:
    seals = tuple(
        dataclasses.replace(s, revoked_from=revoked_from, revocation_reason="keyCompromise")
        for s in trust.trusted_seals
    )
    return dataclasses.replace(trust, trusted_seals=seals)


def test_a_recorded_file_is_confirmed_by_its_record(
    issued_home: IssuedHome, status: RegistryStatus
) -> None:
    document = issued_home.documents[0]
    report = Verifier(issued_home.trust, status=status).verify_pdf(_pdf(issued_home), at=LATER)
    assert report.verdict is Verdict.VALID, report.reasons
    assert _names(report) == CONFIRMED
    assert document.number in report.checks[0].detail
    assert report.claims is not None
    assert report.claims.number == document.number


def test_the_full_check_of_a_recorded_file_agrees(
    issued_home: IssuedHome, status: RegistryStatus
) -> None:
    verifier = Verifier(issued_home.trust, status=status)
    fast = verifier.verify_pdf(_pdf(issued_home, 1), at=LATER)
    full = verifier.verify_pdf(_pdf(issued_home, 1), at=LATER, by_record=False)
    assert full.verdict is fast.verdict is Verdict.VALID
    assert full.claims == fast.claims
    assert {"pdf.signature", "pdf.timestamps", "pdf.seal_time", "pdf.registered"} <= set(
        _names(full)
    )
    assert "pdf.recorded" not in _names(full)


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (lambda data: data + b"\n", "pdf_modified_after_timestamp"),
        (lambda data: data[:-200], "pdf_unreadable"),
        (lambda data: data.replace(b"/Contents <", b"/Contents <0", 1)[:-1], "pdf_unreadable"),
    ],
)
def test_any_other_bytes_get_the_full_check(
    issued_home: IssuedHome,
    status: RegistryStatus,
    change: Callable[[bytes], bytes],
    reason: str,
) -> None:
    data = change(_pdf(issued_home))
    report = Verifier(issued_home.trust, status=status).verify_pdf(data, at=LATER)
    assert report.verdict is Verdict.INVALID
    assert "pdf.recorded" not in _names(report)
    assert reason in report.reasons, report.reasons


def test_a_revoked_document_reports_its_status_on_both_paths(fresh_home: IssuedHome) -> None:
    document = fresh_home.documents[2]
    with Registry.open(fresh_home.home.registry_path) as registry:
        registry.revoke(
            document.number,
            reason=RevocationReason.WITHDRAWN,
            note="withdrawn in a test",
            at=AT + dt.timedelta(days=1),
        )
    with Registry.open(fresh_home.home.registry_path, read_only=True) as registry:
        verifier = Verifier(fresh_home.trust, status=RegistryStatus(registry))
        fast = verifier.verify_pdf(_pdf(fresh_home, 2), at=LATER)
        full = verifier.verify_pdf(_pdf(fresh_home, 2), at=LATER, by_record=False)
    assert _names(fast) == CONFIRMED
    assert fast.verdict is full.verdict is Verdict.INVALID
    assert fast.reasons == full.reasons == ("revoked",)


def test_a_seal_revoked_before_the_issue_sends_the_file_to_the_full_check(
    issued_home: IssuedHome, status: RegistryStatus
) -> None:
    trust = _with_seals_revoked(issued_home.trust, AT - dt.timedelta(hours=1))
    report = Verifier(trust, status=status).verify_pdf(_pdf(issued_home), at=LATER)
    assert "pdf.recorded" not in _names(report)
    assert report.reasons == ("seal_revoked",)


def test_a_seal_revoked_long_after_the_issue_still_confirms(
    issued_home: IssuedHome, status: RegistryStatus
) -> None:
    revoked = AT + SEAL_REVOCATION_MARGIN + dt.timedelta(days=1)
    trust = _with_seals_revoked(issued_home.trust, revoked)
    verifier = Verifier(trust, status=status)
    fast = verifier.verify_pdf(_pdf(issued_home), at=LATER)
    full = verifier.verify_pdf(_pdf(issued_home), at=LATER, by_record=False)
    assert _names(fast) == CONFIRMED
    assert fast.verdict is full.verdict is Verdict.VALID, full.reasons


def test_the_recorded_payload_is_judged_by_the_trust_list(
    issued_home: IssuedHome, status: RegistryStatus
) -> None:
    trust = dataclasses.replace(issued_home.trust, qr_keys=())
    verifier = Verifier(trust, status=status)
    fast = verifier.verify_pdf(_pdf(issued_home), at=LATER)
    full = verifier.verify_pdf(_pdf(issued_home), at=LATER, by_record=False)
    assert fast.verdict is full.verdict is Verdict.INVALID
    assert fast.reasons == full.reasons == ("unknown_kid",)
    assert fast.claims is None


def test_only_a_source_that_knows_files_settles_one(issued_home: IssuedHome) -> None:
    data = _pdf(issued_home)
    digest = pdf_sha256(data)
    assert recorded_document(data, digest, issued_home.trust, None) is None
    assert recorded_document(data, digest, issued_home.trust, object()) is None
    report = Verifier(issued_home.trust).verify_pdf(data, at=LATER)
    assert report.verdict is Verdict.INDETERMINATE
    assert report.reasons == ("status_not_checked",)
    assert "pdf.recorded" not in _names(report)
