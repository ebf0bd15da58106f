"""Renewal, reissue, correction and revocation: editions of one number, and what verifiers
see of the editions they replace."""

from __future__ import annotations

import json
import sqlite3
import subprocess
from pathlib import Path

import pytest

from registry.errors import RegistryError
from registry.home import CHINA_TZ
from registry.model import (
    Activity,
    Category,
    DocumentKind,
    DocumentStatus,
    RevocationReason,
    SupersessionReason,
)
from registry.numbering import format_number, mod11_2
from registry.payload import decode_payload
from registry.store import DocumentRecord, Registry
from registry.store.audit import audit
from signer import IssuanceError, ReissueReason
from tests.conftest import LATER, PASSPHRASE
from tests.support.bureaus import CHANGED, HOLDER, Bureau, bureau
from tests.support.cli import assert_clean_failure, run
from verifier import VerificationReport
from verifier.web import create_app

__all__ = ["bureau"]  # the fixture, used by name

NEW_ID = "44010619850312005" + mod11_2("44010619850312005")
CHANGED_ON = CHANGED.astimezone(CHINA_TZ).date().isoformat()


def status_detail(report: VerificationReport) -> str:
    return next(c.detail for c in report.checks if c.name == "registry.status")


def hours(document: DocumentRecord) -> tuple[int, int, int, int]:
    return decode_payload(document.payload).claims.hours


def professional_records(registry: Registry, id_number: str = HOLDER) -> list[Activity]:
    return [
        a for a in registry.activities(id_number, year=2025) if a.category is Category.PROFESSIONAL
    ]


# --- renewal and reissue ------------------------------------------------------------------


def test_renewal_keeps_the_number_and_supersedes_the_old_edition(bureau: Bureau) -> None:
    old = bureau.original
    new = bureau.issuer.renew(old.number, at=CHANGED)

    assert (new.number, new.edition, new.kind) == (old.number, 2, DocumentKind.RENEWAL)
    assert new.issue_reason is SupersessionReason.RENEWAL
    assert hours(new) == hours(old) == (1200, 2760, 720, 4680)
    replaced = bureau.registry.document(old.number, old.edition)
    assert replaced is not None
    assert replaced.status is DocumentStatus.SUPERSEDED
    assert (replaced.superseded_by, replaced.status_reason) == (2, "renewal")
    assert [d.edition for d in bureau.registry.history(old.number)] == [1, 2]

    for report in (bureau.verify_pdf(old), bureau.verify_qr(old)):
        assert report.verdict.value == "invalid"
        assert report.reasons == ("superseded",)
        detail = status_detail(report)
        assert f"{old.number} edition 1 was superseded by edition 2 on {CHANGED_ON}" in detail
        assert "(续办: renewal)" in detail
    for report in (bureau.verify_pdf(new), bureau.verify_qr(new)):
        assert report.verdict.value == "valid", report.to_json()


def test_renewal_of_a_year_without_a_current_document_is_refused(bureau: Bureau) -> None:
    with pytest.raises(IssuanceError) as caught:
        bureau.issuer.renew(bureau.original.number, year=2024, at=CHANGED)
    assert caught.value.reason == "nothing_to_replace"
    with pytest.raises(IssuanceError) as unknown:
        bureau.issuer.renew(format_number("440100", 99999999), at=CHANGED)
    assert unknown.value.reason == "no_such_document"
    with pytest.raises(RegistryError) as mistyped:
        bureau.issuer.renew("440100999999999", at=CHANGED)
    assert mistyped.value.reason == "bad_number"


def test_a_guangdong_reissue_carries_the_confirmed_records_as_recorded(bureau: Bureau) -> None:
    """gd-2010 has no re-proof clause (the Guangde rule, 003 四(三), stays in Guangde): a lost
    electronic certificate is reissued with every hour it stated, and verifies as genuine with
    its hours met."""
    old = bureau.original
    plan = bureau.issuer.plan_reissue(old.number, reason=ReissueReason.LOST)
    assert not plan.falls_short
    assert plan.rule is None
    new = bureau.issuer.reissue(old.number, reason=ReissueReason.LOST, at=CHANGED)

    assert (new.number, new.edition, new.kind) == (old.number, 2, DocumentKind.REISSUE)
    assert new.issue_reason is SupersessionReason.REISSUE_LOST
    assert hours(new) == hours(old) == (1200, 2760, 720, 4680)
    assert new.carried == "补办（遗失补办）：学时按原证书第1版结转"
    page = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", new.pdf_path, "-"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    assert "第2版（补办）" in page
    assert "学时按原证书第1版结转" in page

    old_report = bureau.verify_qr(old)
    assert old_report.reasons == ("superseded",)
    assert f"superseded by edition 2 on {CHANGED_ON} (遗失补办: reissue_lost)" in status_detail(
        old_report
    )
    for report in (bureau.verify_pdf(new), bureau.verify_qr(new)):
        assert report.verdict.value == "valid", report.to_json()
        assert report.hours is not None
        assert report.hours.status.value == "met", report.to_json()


def test_a_reproven_record_is_ignored_where_the_policy_asks_for_none(bureau: Bureau) -> None:
    old = bureau.original
    (first, *_rest) = professional_records(bureau.registry)
    new = bureau.issuer.reissue(
        old.number, reason=ReissueReason.DAMAGED, reproven=[first], at=CHANGED
    )
    assert hours(new) == hours(old)
    assert new.carried == "补办（损毁补办）：学时按原证书第1版结转"


# --- revocation ---------------------------------------------------------------------------


def test_revoked_document_verifies_as_revoked_with_reason_and_note(bureau: Bureau) -> None:
    old = bureau.original
    note = "经核查，继续教育记录系伪造"
    revoked = bureau.registry.revoke(
        old.number, reason=RevocationReason.FRAUD, note=note, at=CHANGED
    )
    assert (revoked.status, revoked.status_reason, revoked.status_note) == (
        DocumentStatus.REVOKED,
        "fraud",
        note,
    )
    for report in (bureau.verify_pdf(old), bureau.verify_qr(old)):
        assert report.verdict.value == "invalid"
        assert report.reasons == ("revoked",)
        assert status_detail(report) == (
            f"{old.number} edition 1 was revoked on {CHANGED_ON}: fraud (弄虚作假) — {note}"
        )

    with pytest.raises(RegistryError) as again:
        bureau.registry.revoke(old.number, reason=RevocationReason.WITHDRAWN, note="", at=LATER)
    assert again.value.reason == "already_revoked"
    with pytest.raises(IssuanceError) as renewed:
        bureau.issuer.renew(old.number, at=LATER)
    assert renewed.value.reason == "number_revoked"


def test_revocation_is_final_even_behind_cecerts_back(bureau: Bureau) -> None:
    old = bureau.original
    bureau.registry.revoke(old.number, reason=RevocationReason.ALTERED, note="涂改", at=CHANGED)
    conn = sqlite3.connect(bureau.home.home.registry_path)
    try:
        with pytest.raises(sqlite3.DatabaseError, match="a revoked document cannot change"):
            conn.execute(
                "UPDATE documents SET status = 'current' WHERE number = ? AND edition = 1",
                (old.number,),
            )
    finally:
        conn.close()
    assert bureau.verify_qr(old).reasons == ("revoked",)


# --- corrections --------------------------------------------------------------------------


def test_correcting_the_name_issues_a_correction_edition(bureau: Bureau) -> None:
    old = bureau.original
    (new,) = bureau.issuer.correct(
        old.number, name="张玮", reason_text="姓名录入错误，依户口簿更正", at=CHANGED
    )

    claims = decode_payload(new.payload).claims
    assert (new.edition, new.kind, claims.name) == (2, DocumentKind.CORRECTION, "张玮")
    assert claims.matches_id_number(HOLDER)
    assert hours(new) == hours(old)
    assert new.carried == "更正姓名：姓名录入错误，依户口簿更正"
    replaced = bureau.registry.document(old.number, 1)
    assert replaced is not None
    assert (replaced.status, replaced.status_reason, replaced.status_note) == (
        DocumentStatus.SUPERSEDED,
        "correction",
        "姓名录入错误，依户口簿更正",
    )
    person = bureau.registry.person(HOLDER)
    assert person is not None
    assert person.name == "张玮"
    (event,) = bureau.registry.db.query(
        "SELECT * FROM events WHERE kind = 'correct_person' ORDER BY seq"
    )
    data = json.loads(event["data"])
    assert data["fields"] == ["name"]
    assert data["note"] == "姓名录入错误，依户口簿更正"
    assert f"people:{HOLDER}" in data["rows"]
    assert bureau.verify_pdf(new).verdict.value == "valid"
    assert bureau.verify_pdf(old).reasons == ("superseded",)
    assert audit(bureau.registry._conn).ok

    with pytest.raises(IssuanceError) as again:
        bureau.issuer.correct(old.number, reason_text="再次更正", at=CHANGED)
    assert again.value.reason == "nothing_to_correct"


def test_correcting_the_id_number_moves_records_and_certificate(bureau: Bureau) -> None:
    old = bureau.original
    records = len(bureau.registry.activities(HOLDER))
    (new,) = bureau.issuer.correct(
        old.number, id_number=NEW_ID, reason_text="身份证号录入错误", at=CHANGED
    )

    assert bureau.registry.person(HOLDER) is None
    assert bureau.registry.activities(HOLDER) == []
    assert len(bureau.registry.activities(NEW_ID)) == records
    assert {d.id_number for d in bureau.registry.history(old.number)} == {NEW_ID}
    claims = decode_payload(new.payload).claims
    assert claims.matches_id_number(NEW_ID)
    assert not claims.matches_id_number(HOLDER)
    assert claims.masked_id.endswith(NEW_ID[-4:])
    assert new.carried == "更正身份证号：身份证号录入错误"
    assert bureau.registry.documents(id_number=NEW_ID)[0].status is DocumentStatus.SUPERSEDED
    assert bureau.verify_qr(new).verdict.value == "valid"
    report = audit(bureau.registry._conn)
    assert report.ok, report.problems
    (event,) = bureau.registry.db.query("SELECT data FROM events WHERE kind = 'correct_person'")
    data = json.loads(event["data"])
    assert f"people:{HOLDER}" in data["removed"]
    assert len(data["removed"]) == 1 + records


def test_an_id_number_already_in_the_registry_is_refused_whole(bureau: Bureau) -> None:
    other = next(d.id_number for d in bureau.home.documents if d.id_number != HOLDER)
    with pytest.raises(RegistryError) as caught:
        bureau.issuer.correct(
            bureau.original.number, id_number=other, name="张玮", reason_text="x", at=CHANGED
        )
    assert caught.value.reason == "id_number_taken"
    person = bureau.registry.person(HOLDER)
    assert person is not None
    assert person.name == "张伟", "the name was not changed either"
    with pytest.raises(RegistryError) as bad:
        bureau.issuer.correct(
            bureau.original.number, id_number=HOLDER[:-1] + "0", reason_text="x", at=CHANGED
        )
    assert bad.value.reason == "bad_id_number"
    with pytest.raises(IssuanceError) as no_reason:
        bureau.issuer.correct(bureau.original.number, name="张玮", reason_text=" ", at=CHANGED)
    assert no_reason.value.reason == "reason_required"


# --- the web verifier ----------------------------------------------------------------------


def test_result_page_of_an_old_edition_shows_the_history(bureau: Bureau) -> None:
    old = bureau.original
    bureau.issuer.reissue(old.number, reason=ReissueReason.LOST, at=CHANGED)
    home = bureau.home.home
    app = create_app(
        {
            "TESTING": True,
            "TRUST_LIST": str(home.trust_list_path),
            "REGISTRY": str(home.registry_path),
        }
    )
    page = app.test_client().post("/", data={"qr": old.payload}).get_data(as_text=True)
    assert "证书版次记录" in page
    assert "已被第2版取代" in page
    assert "遗失补办" in page
    assert "第 1 版（本证书）" in page
    assert "补办" in page
    assert CHANGED_ON in page

    offline = create_app({"TESTING": True, "TRUST_LIST": str(home.trust_list_path)})
    page = offline.test_client().post("/", data={"qr": old.payload}).get_data(as_text=True)
    assert "无法显示该证书编号的版次记录" in page
    assert "已被第2版取代" not in page


# --- the command line, as real processes ---------------------------------------------------


def test_lifecycle_commands(bureau: Bureau, tmp_path: Path) -> None:
    home = bureau.home.home.root
    bureau.registry.close()
    env = {"CECERT_PASSPHRASE": PASSPHRASE.decode()}
    number = bureau.original.number

    listed = run("history", number, "--json", home=home)
    assert listed.returncode == 0, listed.stderr
    assert [e["edition"] for e in json.loads(listed.stdout)["editions"]] == [1]

    renewed = run("renew", number, env=env, home=home)
    assert renewed.returncode == 0, renewed.stderr
    assert f"已签发 {number} 第2版（续办，2025年度）：" in renewed.stdout
    assert "(issued edition 2, renewal)" in renewed.stdout

    reissued = run("reissue", number, "--reason", "遗失", env=env, home=home)  # 遗失 = lost
    assert reissued.returncode == 0, reissued.stderr
    assert f"已签发 {number} 第3版（补办，2025年度）：" in reissued.stdout
    assert "补办（遗失补办）：学时按原证书第2版结转" in reissued.stdout

    out_dir = tmp_path / "out"
    corrected = run(
        "correct", number, "--name", "张玮", "--reason", "姓名有误", "--out", str(out_dir),
        env=env, home=home,
    )  # fmt: skip
    assert corrected.returncode == 0, corrected.stderr
    assert (out_dir / "2025" / f"{number}-4.pdf").is_file()

    unsigned = run("revoke", number, "--reason", "withdrawn", home=home)
    assert_clean_failure(unsigned, "no_passphrase")  # asked first: nothing changed
    assert run("history", number, "--json", home=home).stdout.count('"revoked"') == 0
    revoked = run(
        "revoke", number, "--reason", "withdrawn", "--note", "单位申请撤回", env=env, home=home
    )
    assert revoked.returncode == 0, revoked.stderr
    assert "登记状态已发布" in revoked.stdout
    assert f"已撤销 {number} 第4版：发证机关撤回 (revoked edition 4: withdrawn)" in revoked.stdout
    assert_clean_failure(
        run("revoke", number, "--edition", "4", "--reason", "fraud", env=env, home=home),
        "already_revoked",
    )
    assert run("revoke", number, "--reason", "forged", env=env, home=home).returncode == 2

    listed = run("history", number, "--json", home=home)
    editions = json.loads(listed.stdout)["editions"]
    assert [(e["edition"], e["kind"], e["status"]) for e in editions] == [
        (1, "original", "superseded"),
        (2, "renewal", "superseded"),
        (3, "reissue", "superseded"),
        (4, "correction", "revoked"),
    ]
    assert editions[3]["note"] == "单位申请撤回"
    text = run("history", number, home=home)
    assert "已被第2版取代" in text.stdout
    assert "已撤销" in text.stdout
    lines = text.stdout.splitlines()
    assert lines[0].startswith("第1版  2025年度  首次颁发  ")
    fourth = next(line for line in lines if line.startswith("第4版"))
    assert "已撤销（" in fourth
    assert "发证机关撤回）：单位申请撤回" in fourth
    assert fourth.endswith("(withdrawn)]")

    audited = run("registry", "audit", home=home)
    assert audited.returncode == 0, audited.stdout + audited.stderr
    checkpoints = sqlite3.connect(bureau.home.home.registry_path)
    try:
        # The issued home's, then one per change: renewal, reissue, correction, revocation.
        assert checkpoints.execute("SELECT COUNT(*) FROM checkpoints").fetchone()[0] == 5
    finally:
        checkpoints.close()

    assert_clean_failure(run("renew", number, env=env, home=home), "number_revoked")
    assert_clean_failure(run("renew", number, home=home), "no_passphrase")
    mistyped = run("history", "440100999999999", home=home)
    assert_clean_failure(mistyped, "bad_number")
    assert "校验位应为 X，可能输错了" in mistyped.stderr
    unknown = format_number("440100", 99999999)
    assert_clean_failure(run("history", unknown, home=home), "no_such_document")
    not_held = run("revoke", unknown, "--reason", "fraud", env=env, home=home)
    assert_clean_failure(not_held, "no_such_document")
    assert f"登记系统中没有证书编号 {unknown}" in not_held.stderr
    assert "None" not in not_held.stderr
