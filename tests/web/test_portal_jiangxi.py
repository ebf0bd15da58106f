"""Jiangxi's one person, one certificate, one card over HTTP: the employer prints a staff
member's registration card and the year's summary form (real PDFs, read back as text); the
bureau verifies the batch once (验证专用章) and both forms then say so; another province's
bureau may not, and another province's employer is told the forms are not its own."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from registry import TitleLevel
from registry.idnumber import mod11_2_check
from registry.model import Activity, Category, Confirmer, Person, RecordStatus
from registry.portal import Actor, PortalRole, check_character
from tests.conftest import IssuedHome
from tests.support.pages import pdftotext
from tests.support.portal import NOW, PASSWORD, TOKEN, Client, Portal, make_portal
from webcore import Role

CODE = "12360100MB0000000"
CODE += check_character(CODE)
LIU = "36010219880203041"
LIU += mod11_2_check(LIU)
CSRF_FIELD = "csrf_token"


@pytest.fixture
def portal(fresh_home: IssuedHome, tmp_path: Path) -> Portal:
    made = make_portal(fresh_home, tmp_path)
    accounts = made.accounts()
    accounts.add("nanchang", PASSWORD, Role.BUREAU, at=NOW, scope="360100")
    accounts.add("tianhe", PASSWORD, Role.BUREAU, at=NOW, scope="440106")
    accounts.add("hospital-jx", PASSWORD, Role.EMPLOYER, at=NOW, scope=CODE)
    person = Person(LIU, "刘晓燕", "南昌市第一医院", "卫生技术", TitleLevel.INTERMEDIATE,
                    dt.date(2015, 7, 1), "360102")  # fmt: skip
    record = Activity(LIU, 2025, Category.PROFESSIONAL, "face_to_face", "临床护理新进展", "JX-17",
                      24 * 60, dt.date(2025, 5, 6), dt.date(2025, 5, 8), "江西省继续教育基地",
                      Decimal(88), None, RecordStatus.CONFIRMED, Confirmer.BASE)  # fmt: skip
    employer = Actor("hospital-jx", PortalRole.EMPLOYER, CODE)
    with made.registry() as registry:
        registry.import_people([(2, person)], source="people.csv", at=NOW)
        registry.import_activities([(2, record)], source="activities.csv", at=NOW)
        org = registry.registrations.register_employer(
            employer, name="南昌市第一医院", region="360102", at=NOW
        )
        registry.registrations.decide_employer(Actor("nanchang", PortalRole.BUREAU, "360100"),
                                               CODE, version=org.version, approve=True,
                                               reason=None, at=NOW)  # fmt: skip
        me = Actor("liu", PortalRole.PROFESSIONAL, LIU)
        enrolment = registry.registrations.register_person(me, person, credit_code=CODE, at=NOW)
        registry.registrations.decide_person(employer, LIU, version=enrolment.version,
                                             approve=True, reason=None, at=NOW)  # fmt: skip
    return made


def pdf_text(browser: Client, path: str, tmp_path: Path) -> str:
    response = browser.http.get(path)
    assert response.status_code == 200, response.status_code
    assert response.mimetype == "application/pdf"
    file = tmp_path / "form.pdf"
    file.write_bytes(response.get_data())
    return "".join(pdftotext(file).split())


def test_the_card_and_the_summary_form_and_the_bureaus_verification(
    portal: Portal, tmp_path: Path
) -> None:
    employer = portal.client()
    employer.log_in("hospital-jx")
    page = employer.get("/jiangxi/?year=2025")
    assert "刘晓燕的继续教育登记卡" in page
    card = pdf_text(employer, f"/jiangxi/cards/{LIU}.pdf", tmp_path)
    assert "江西省专业技术人员继续教育登记卡" in card
    assert "刘晓燕" in card
    assert "临床护理新进展" in card
    assert "继续教育基地" in card  # who stamped it (notice 004 §10)
    summary = pdf_text(employer, f"/jiangxi/summaries/{CODE}/2025.pdf", tmp_path)
    assert "专业技术人员继续教育情况登记汇总表" in summary
    assert "（待验证）" in summary
    bureau = portal.client()
    bureau.log_in("nanchang")
    page = bureau.get("/jiangxi/?year=2025")
    token = page.split('name="token" value="', 1)[1].split('"', 1)[0]
    form = {"credit_code": CODE, "year": "2025", "token": token}
    bureau.post("/jiangxi/verify", form)
    assert "已验证 1 人的 2025 年度" in bureau.get("/jiangxi/?year=2025")
    bureau.post("/jiangxi/verify", form)  # a double click: the same batch, nothing more
    again = dict(form, token=token + "-again")
    bureau.post("/jiangxi/verify", again)
    assert "没有待验证的人员" in bureau.get("/jiangxi/?year=2025")
    summary = pdf_text(employer, f"/jiangxi/summaries/{CODE}/2025.pdf", tmp_path)
    assert "已验证（验证专用章）" in summary
    card = pdf_text(employer, f"/jiangxi/cards/{LIU}.pdf", tmp_path)
    assert "人社局验证（验证专用章）" in card
    with portal.registry() as registry:
        assert len(registry.verifications.of_employer(CODE)) == 1
        assert not [p for p in registry.audit().problems if p.kind != "log_unsigned"]


def test_other_provinces_neither_verify_nor_print(portal: Portal) -> None:
    tianhe = portal.client()
    tianhe.log_in("tianhe")
    assert "本地区不适用" in tianhe.get("/jiangxi/")
    token = TOKEN.search(tianhe.get("/jiangxi/"))
    assert token is None  # no form to verify with
    tianhe.post("/jiangxi/verify", {"credit_code": CODE, "year": "2025", "token": "x"}, 403)
    assert tianhe.http.get(f"/jiangxi/summaries/{CODE}/2025.pdf").status_code == 403
    assert tianhe.http.get(f"/jiangxi/cards/{LIU}.pdf").status_code == 403
