"""Reissue (补办) carry-over is policy data: Guangde asks for the professional proofs again
(notice 003 四(三)), Guangdong does not (tests/signer/test_lifecycle.py). A Guangde reissue without
the proofs is refused until the clerk confirms, then verifies as genuine with its hours short.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from registry.model import Category, RecordStatus
from registry.payload import decode_payload
from registry.store import DocumentRecord
from signer import IssuanceError, ReissueReason
from tests.conftest import LATER, PASSPHRASE
from tests.support.bureaus import CHANGED, GUANGDE_RECORDS, GuangdeBureau, make_guangde_bureau
from tests.support.cli import assert_clean_failure, run
from verifier import HoursStatus, Verdict


@pytest.fixture
def guangde(tmp_path: Path) -> Iterator[GuangdeBureau]:
    bureau = make_guangde_bureau(tmp_path / "home")
    yield bureau
    bureau.registry.close()


def hours(document: DocumentRecord) -> tuple[int, int, int, int]:
    return decode_payload(document.payload).claims.hours


def test_without_the_proofs_the_clerk_is_told_what_the_reissue_would_state(
    guangde: GuangdeBureau,
) -> None:
    number = guangde.original.number
    plan = guangde.issuer.plan_reissue(number, reason=ReissueReason.LOST)
    assert plan.falls_short
    assert plan.rule is not None
    assert plan.rule.key == "ah-guangde-2020#reissue-reproof"
    assert (plan.summary.counted(Category.PROFESSIONAL), plan.summary.total_counted) == (0, 1800)
    with pytest.raises(IssuanceError) as refused:
        guangde.issuer.reissue(number, reason=ReissueReason.LOST, at=CHANGED)
    assert refused.value.reason == "reissue_falls_short"
    message = refused.value.message
    assert "补办后将载明：公需科目30学时，专业科目0学时，合计30学时" in message
    assert "专业科目0学时，低于要求的60学时" in message
    assert "003 四(三)" in message
    assert "--reproven" in message
    assert "--accept-shortfall" in message
    assert len(guangde.registry.history(number)) == 1, "nothing was issued"


def test_a_confirmed_short_reissue_is_genuine_with_its_hours_not_met(
    guangde: GuangdeBureau,
) -> None:
    number = guangde.original.number
    new = guangde.issuer.reissue(
        number, reason=ReissueReason.LOST, accept_shortfall=True, at=CHANGED
    )
    assert hours(new) == (1800, 0, 0, 1800)
    assert new.carried == (
        "补办（遗失补办）：公需学时按原证书第1版结转；"
        "专业科目学时仅计重新提供证明的0项记录（0学时）（003 四(三)）"
    )
    verifier = guangde.verifier()
    for report in (
        verifier.verify_pdf(Path(new.pdf_path).read_bytes(), at=LATER),
        verifier.verify_text(new.payload, at=LATER),
    ):
        assert report.verdict is Verdict.VALID, report.to_json()
        assert report.hours is not None
        assert report.hours.status is HoursStatus.NOT_MET
        body = report.to_json()
        assert body["verdict"] == "valid"
        assert body["hours"]["status"] == "not_met"
        assert [g["category"] for g in body["hours"]["shortfalls"]] == ["professional", "total"]
        assert body["hours"]["clause"] == "ah-guangde-2020#annual-task"
        assert "hours.policy" not in {c["name"] for c in body["checks"]}


def test_the_proofs_presented_again_restore_the_professional_hours(
    guangde: GuangdeBureau,
) -> None:
    number = guangde.original.number
    # The proof's own figures do not count: the registry's record does.
    proofs = [
        dataclasses.replace(r, minutes=1, status=RecordStatus.DECLARED) for r in GUANGDE_RECORDS[1:]
    ]
    one = guangde.issuer.plan_reissue(number, reason=ReissueReason.DAMAGED, reproven=proofs[:1])
    assert one.falls_short
    assert one.summary.counted(Category.PROFESSIONAL) == 36 * 60
    new = guangde.issuer.reissue(number, reason=ReissueReason.DAMAGED, reproven=proofs, at=CHANGED)
    assert hours(new) == hours(guangde.original) == (1800, 3600, 0, 5400)
    assert new.carried is not None
    assert "仅计重新提供证明的2项记录（60学时）" in new.carried
    report = guangde.verifier().verify_text(new.payload, at=LATER)
    assert report.verdict is Verdict.VALID
    assert report.hours is not None
    assert report.hours.status is HoursStatus.MET
    stranger = dataclasses.replace(GUANGDE_RECORDS[1], title="从未学过的课程")
    with pytest.raises(IssuanceError) as caught:
        guangde.issuer.reissue(number, reason=ReissueReason.LOST, reproven=[stranger], at=CHANGED)
    assert caught.value.reason == "reproven_not_found"


def test_the_reissue_command_warns_then_issues_when_confirmed(guangde: GuangdeBureau) -> None:
    guangde.registry.close()
    env = {"CECERT_PASSPHRASE": PASSPHRASE.decode()}
    number = guangde.original.number
    home = guangde.home.root
    refused = run("reissue", number, "--reason", "lost", env=env, home=home)
    assert_clean_failure(refused, "reissue_falls_short")
    assert "补办后将载明" in refused.stderr
    issued = run("reissue", number, "--reason", "lost", "--accept-shortfall", env=env, home=home)
    assert issued.returncode == 0, issued.stderr
    assert "专业科目学时仅计重新提供证明的0项记录" in issued.stdout
    pdf = home / "certificates" / "2020" / f"{number}-2.pdf"
    verified = run("verify", str(pdf), "--json", home=home)
    assert verified.returncode == 0, verified.stdout + verified.stderr
    body = json.loads(verified.stdout)
    assert (body["verdict"], body["hours"]["status"]) == ("valid", "not_met")
