"""The portal's public and professional pages through the Flask test client, on a real home
and registry: an employer and a professional register; the professional declares records with
real proof files, and what is wrong is refused field by field with nothing stored. Approvals
go through the registry's API, as the reviewers' pages make them."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import encode_multipart

from registry.portal import MAX_PROOF_BYTES, Actor, Approval, PortalRole
from tests.conftest import IssuedHome
from tests.support.portal import (
    CODE,
    NEWBIE,
    NOW,
    PDF,
    ZHANG,
    Portal,
    approved_employer,
    declarations,
    enrolled,
    make_portal,
    png,
    professional_form,
    record_form,
    register_employer,
    upload,
)
from webcore import Role


@pytest.fixture
def portal(fresh_home: IssuedHome, tmp_path: Path) -> Portal:
    return make_portal(fresh_home, tmp_path)


# -- registering ------------------------------------------------------------------------------


def test_an_employer_registers_and_nothing_is_stored_while_a_field_is_wrong(
    portal: Portal,
) -> None:
    browser = portal.client()
    home = browser.get("/")
    assert "/register/employer" in home
    assert "/register/professional" in home
    assert "/login" in home
    bad = browser.post(
        "/register/employer",
        {"name": "", "credit_code": CODE[:-1] + "0", "region": "44", "username": "Bad Name",
         "password": "short", "password2": "other"},
        status=400,
    )  # fmt: skip
    page = bad.get_data(as_text=True)
    for field in ("name", "credit_code", "region", "username", "password", "password2"):
        assert f'id="{field}-error"' in page, field
    assert "校验位不符" in page
    assert portal.accounts().accounts() == []
    with portal.registry() as registry:
        assert registry.registrations.employers(approved_only=False) == []
    done = register_employer(browser)
    assert done.headers["Location"] == "/registered?who=employer"
    assert "待人社局审核" in browser.get("/registered?who=employer")
    account = portal.accounts().account("hospital")
    assert account is not None
    assert (account.role, account.scope) == (Role.EMPLOYER, CODE)
    with portal.registry() as registry:
        assert registry.registrations.employer(CODE).state is Approval.PENDING
    again = register_employer(browser, username="hospital2", bad="1")
    assert "已注册" in again.get_data(as_text=True)
    taken = register_employer(browser, credit_code=CODE, username="hospital", bad="1")
    assert "该用户名已被使用" in taken.get_data(as_text=True)


def test_a_professional_registers_waits_for_the_employer_then_sees_the_year(
    portal: Portal,
) -> None:
    approved_employer(portal)
    browser = portal.client()
    assert "广州市第一人民医院" in browser.get("/register/professional")
    bad = browser.post(
        "/register/professional",
        professional_form(ZHANG[:-1] + "0", "张伟", "zhang", title_date="2030-01-01"),
        status=400,
    )
    page = bad.get_data(as_text=True)
    assert 'id="id_number-error"' in page
    assert 'id="title_date-error"' in page
    mismatch = browser.post(
        "/register/professional", professional_form(ZHANG, "张三", "zhang"), status=400
    )
    assert "姓名与登记库" in mismatch.get_data(as_text=True)
    assert portal.accounts().accounts() == [portal.accounts().account("hospital")]
    browser.post("/register/professional", professional_form(NEWBIE, "李新", "lixin"))
    assert "待用人单位审核" in browser.get("/registered?who=professional")
    browser.log_in("lixin")
    waiting = browser.get("/me")
    assert "待审核" in waiting
    assert "须经用人单位" in waiting
    employer = Actor("hospital", PortalRole.EMPLOYER, CODE)
    with portal.registry() as registry:
        made = registry.registrations.enrolment(employer, NEWBIE)
        registry.registrations.decide_person(
            employer, NEWBIE, version=made.version, approve=True, reason=None, at=NOW
        )
        person = registry.person(NEWBIE)
    assert person is not None
    assert (person.region, person.series) == ("440106", "卫生技术")
    year = browser.get("/me")
    assert "2025 年度：尚未完成学时要求" in year
    assert "还差什么" in year


# -- declaring --------------------------------------------------------------------------------


def test_a_record_is_declared_with_a_pdf_and_a_png(portal: Portal) -> None:
    approved_employer(portal)
    browser = enrolled(portal, ZHANG, "张伟", "zhang")
    form = record_form(browser)
    form["proofs"] = [(upload(PDF), "结业证书.pdf"), (upload(png()), "photo.png")]
    response = browser.post("/me/declare", form)
    assert response.headers["Location"] == "/me?year=2025"
    page = browser.get("/me?year=2025")
    assert "已提交，待单位初审" in page
    assert "结业证书.pdf" in page
    [declared] = declarations(portal, ZHANG)
    assert declared.record.minutes == 150
    assert {p.media_type.value for p in declared.proofs} == {"application/pdf", "image/png"}


def test_a_double_submit_declares_once(portal: Portal) -> None:
    approved_employer(portal)
    browser = enrolled(portal, ZHANG, "张伟", "zhang")
    form = record_form(browser)
    for _ in range(2):
        browser.post("/me/declare", form | {"proofs": [(upload(PDF), "a.pdf")]})
    assert len(declarations(portal, ZHANG)) == 1


def test_wrong_files_are_refused_by_name_and_nothing_is_declared(portal: Portal) -> None:
    approved_employer(portal)
    browser = enrolled(portal, ZHANG, "张伟", "zhang")
    with portal.registry() as registry:
        events = registry.log_size()
    text = browser.post(
        "/me/declare",
        record_form(browser) | {"proofs": [(upload(b"just text\n"), "notes.pdf")]},
        status=400,
    ).get_data(as_text=True)
    assert "notes.pdf" in text
    assert "不是 PDF、JPEG 或 PNG" in text
    big = PDF + b"\0" * MAX_PROOF_BYTES
    # Encoded here: the test client's own encoder leaves a large body's temporary file open.
    boundary, body = encode_multipart(
        MultiDict(
            [("csrf_token", browser.csrf), *record_form(browser).items(),
             ("proofs", FileStorage(upload(big), "scan.pdf"))]
        )
    )  # fmt: skip
    too_large = browser.http.post(
        "/me/declare", data=body, content_type=f"multipart/form-data; boundary={boundary}"
    )
    assert too_large.status_code == 400
    text = too_large.get_data(as_text=True)
    assert "scan.pdf" in text
    assert "超过 10 MB" in text
    missing = browser.post("/me/declare", record_form(browser), status=400)
    assert "请上传至少一个证明材料" in missing.get_data(as_text=True)
    assert declarations(portal, ZHANG) == []
    with portal.registry() as registry:
        assert registry.log_size() == events


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"start_date": "2025-05-03", "end_date": "2025-05-01"}, "end_date", "不能早于开始日期"),
        ({"end_date": "2026-04-01"}, "end_date", "不能晚于今天"),
        ({"start_date": "2024-05-01", "end_date": "2024-05-02"}, "year", "计入年度须在"),
        ({"start_date": "2025-02-30"}, "start_date", "不是有效日期"),
        ({"hours": "", "days": ""}, "hours", "请填写学时"),
        ({"hours": "2", "days": "1"}, "hours", "只填一项"),
        ({"kind": "paper", "hours": ""}, "role", "请选择本人角色"),
    ],
)
def test_impossible_records_are_refused_field_by_field(
    portal: Portal, changes: dict[str, str], field: str, words: str
) -> None:
    approved_employer(portal)
    browser = enrolled(portal, ZHANG, "张伟", "zhang")
    form = record_form(browser, **changes) | {"proofs": [(upload(PDF), "a.pdf")]}
    page = browser.post("/me/declare", form, status=400).get_data(as_text=True)
    error = re.search(rf'id="{field}-error">([^<]*)<', page)
    assert error, page
    assert words in error.group(1)
    assert declarations(portal, ZHANG) == []


def test_a_day_counts_six_hours(portal: Portal) -> None:
    approved_employer(portal)
    browser = enrolled(portal, ZHANG, "张伟", "zhang")
    form = record_form(browser, kind="conference", hours="", days="1.5")
    browser.post("/me/declare", form | {"proofs": [(upload(PDF), "a.pdf")]})
    [declared] = declarations(portal, ZHANG)
    assert declared.record.minutes == 9 * 60


def test_a_returned_record_is_corrected_resubmitted_and_withdrawn(portal: Portal) -> None:
    approved_employer(portal)
    browser = enrolled(portal, ZHANG, "张伟", "zhang")
    browser.post("/me/declare", record_form(browser) | {"proofs": [(upload(PDF), "a.pdf")]})
    [declared] = declarations(portal, ZHANG)
    browser.get(f"/me/declarations/{declared.id}/edit", status=302)  # not returned: nothing to edit
    hospital = Actor("hospital", PortalRole.EMPLOYER, CODE)
    with portal.registry() as registry:
        registry.declarations.decide(
            hospital, {declared.id: declared.version}, approve=False, reason="学时与证明不符",
            default_policy="gd-2010", at=NOW,
        )  # fmt: skip
    year = browser.get("/me?year=2025")
    assert "退回理由：学时与证明不符" in year
    form = browser.get(f"/me/declarations/{declared.id}/edit")
    assert 'value="2.5"' in form
    assert "公需科目：数字经济" in form
    version = re.search(r'name="version" value="(\d+)"', form)
    assert version
    fields = record_form(browser, hours="2") | {"version": version.group(1)}
    fields.pop("token")
    for _ in range(2):  # a double-clicked resubmit changes it once
        browser.post(
            f"/me/declarations/{declared.id}/edit", fields | {"proofs": [(upload(png()), "b.png")]}
        )
    [again] = declarations(portal, ZHANG)
    assert (again.state.value, again.record.minutes, len(again.proofs)) == ("declared", 120, 2)
    browser.post(f"/me/declarations/{declared.id}/withdraw", {"version": str(again.version)})
    [withdrawn] = declarations(portal, ZHANG)
    assert withdrawn.state.value == "withdrawn"
    assert "已撤回" in browser.get("/me?year=2025")
