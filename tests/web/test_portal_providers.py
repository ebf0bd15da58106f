"""Training providers over HTTP: a provider registers and its bureau approves it; it files a
class plan that the health authority approves; after the class its roster is uploaded as a
CSV (a bad one refused whole, every bad row named) and the attendee finds the record
confirmed in their year; the JSON API does the same by token, and nothing else opens it."""

from __future__ import annotations

import datetime as dt
import io
import json
from typing import Any

import pytest
from openpyxl import Workbook

from registry import CHINA_TZ
from registry.portal import check_character
from registry.portal.classes import PlanState
from tests.conftest import IssuedHome
from tests.support.portal import (
    NOW,
    PASSWORD,
    TOKEN,
    WANG,
    ZHANG,
    Client,
    Portal,
    approved_employer,
    enrolled,
    make_portal,
)
from webcore import Role

SCHOOL = "52440106MJ0000000"
SCHOOL += check_character(SCHOOL)
RIVAL = "52440104MJ0000001"
RIVAL += check_character(RIVAL)
START = NOW.date() + dt.timedelta(days=35)
AFTER = dt.datetime.combine(START + dt.timedelta(days=2), dt.time(9), tzinfo=CHINA_TZ)


@pytest.fixture
def portal(fresh_home: IssuedHome, tmp_path: Any) -> Portal:
    made = make_portal(fresh_home, tmp_path)
    accounts = made.accounts()
    accounts.add("tianhe", PASSWORD, Role.BUREAU, at=NOW, scope="440106")
    accounts.add("haizhu", PASSWORD, Role.BUREAU, at=NOW, scope="440105")
    accounts.add("health", PASSWORD, Role.AUTHORITY, at=NOW, scope="health")
    accounts.add("education", PASSWORD, Role.AUTHORITY, at=NOW, scope="education")
    return made


def logged_in(portal: Portal, username: str) -> Client:
    browser = portal.client()
    browser.log_in(username)
    return browser


def approved_provider(portal: Portal, code: str = SCHOOL, username: str = "school") -> Client:
    """A provider registered through the page and approved by 天河区's bureau there."""
    form = {"name": f"{username} 职业培训学校", "credit_code": code, "region": "440106",
            "username": username, "password": PASSWORD, "password2": PASSWORD}  # fmt: skip
    portal.client().post("/register/provider", form)
    tianhe = logged_in(portal, "tianhe")
    assert f"{username} 职业培训学校" in tianhe.get("/review/providers")
    tianhe.post("/review/providers/decide",
                {"credit_code": code, "version": "1", "decision": "approve"})  # fmt: skip
    return logged_in(portal, username)


def plan_form(browser: Client, **changes: str) -> dict[str, str]:
    token = TOKEN.search(browser.get("/provider/plans/new"))
    assert token is not None
    return {
        "token": token.group(1), "title": "急诊急救技能培训", "course_code": "GZWJ-2026-017",
        "sector": "health", "category": "professional", "mode": "face_to_face",
        "place": "广州市天河区中山大道西 8 号", "hours": "16", "start_date": START.isoformat(),
        "end_date": (START + dt.timedelta(days=1)).isoformat(),
    } | changes  # fmt: skip


def filed_and_approved(portal: Portal, school: Client) -> int:
    response = school.post("/provider/plans/new", plan_form(school))
    ident = int(response.headers["Location"].rsplit("/", 1)[1])
    health = logged_in(portal, "health")
    assert "急诊急救技能培训" in health.get("/review/plans/")
    health.post(f"/review/plans/{ident}", {"version": "1", "decision": "approve"})
    return ident


def upload_roster(browser: Client, ident: int, name: str, data: bytes, status: int) -> str:
    response = browser.http.post(
        f"/provider/plans/{ident}",
        data={"csrf_token": browser.csrf, "roster": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )
    assert response.status_code == status, response.get_data(as_text=True)
    return str(response.get_data(as_text=True))


def test_a_class_filed_approved_and_its_roster_confirms_the_attendees_hours(
    portal: Portal,
) -> None:
    school = approved_provider(portal)
    early = school.post("/provider/plans/new",
                        plan_form(school, start_date=NOW.date().isoformat(),
                                  end_date=NOW.date().isoformat()), status=400)  # fmt: skip
    assert "开班前至少 30 天" in early.get_data(as_text=True)
    ident = filed_and_approved(portal, school)
    page = school.get(f"/provider/plans/{ident}")
    assert "已备案" in page
    assert 'name="roster"' not in page  # the class has not ended
    portal.app.config["CLOCK"] = lambda: AFTER
    school.get(f"/provider/plans/{ident}")
    bad = f"身份证号,姓名,学时\n{ZHANG},张伟,16\n{WANG},王五,8\n{ZHANG},张伟,2\n".encode()
    page = upload_roster(school, ident, "名单.csv", bad, 400)
    assert "2 行有误，未保存任何内容" in page
    assert "第 3 行：身份证号与姓名不匹配，或此人尚未在系统中登记" in page
    assert "第 4 行：身份证号与第 2 行重复" in page
    with portal.registry() as registry:
        assert registry.class_plans.plan(_actor(SCHOOL), ident).state is PlanState.APPROVED
    sheet = Workbook()
    sheet.active.append(["身份证号", "姓名", "学时", "成绩"])
    sheet.active.append([ZHANG, "张伟", 16, 92])
    data = io.BytesIO()
    sheet.save(data)
    upload_roster(school, ident, "名单.xlsx", data.getvalue(), 302)
    page = school.get(f"/provider/plans/{ident}")
    assert "参训人员名单（1 人，学时已认定）" in page
    assert ZHANG not in page  # ID numbers are shown masked
    assert "名单已上传，学时已认定" in logged_in(portal, "health").get(f"/review/plans/{ident}")
    approved_employer(portal)
    zhang = enrolled(portal, ZHANG, "张伟", "zhangwei")
    year = zhang.get("/me?year=2026")
    assert "急诊急救技能培训" in year
    assert "school 职业培训学校" in year


def test_reviewers_and_providers_see_only_their_own(portal: Portal) -> None:
    school = approved_provider(portal)
    rival = approved_provider(portal, RIVAL, "rival")
    response = school.post("/provider/plans/new", plan_form(school))
    ident = int(response.headers["Location"].rsplit("/", 1)[1])
    rival.get(f"/provider/plans/{ident}", status=403)
    assert "急诊急救技能培训" not in rival.get("/provider/")
    education = logged_in(portal, "education")
    education.get(f"/review/plans/{ident}", status=403)
    education.post(f"/review/plans/{ident}", {"version": "1", "decision": "approve"}, status=403)
    haizhu = logged_in(portal, "haizhu")
    haizhu.get(f"/review/plans/{ident}", status=403)
    assert "急诊急救技能培训" not in haizhu.get("/review/plans/?all=1")
    refused = logged_in(portal, "tianhe")
    page = refused.post(f"/review/plans/{ident}", {"version": "1", "decision": "refuse"}, 400)
    assert "不予通过时须填写理由" in page.get_data(as_text=True)
    reason = "课程内容与专业不符"
    refused.post(f"/review/plans/{ident}", {"version": "1", "decision": "refuse", "reason": reason})
    assert "课程内容与专业不符" in school.get(f"/provider/plans/{ident}")


def _actor(code: str) -> Any:
    from registry.portal import Actor, PortalRole

    return Actor("test", PortalRole.PROVIDER, code)


def api(portal: Portal, method: str, path: str, token: str | None, body: Any = None) -> Any:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = portal.app.test_client().open(
        f"/api/v1{path}", method=method, headers=headers,
        data=None if body is None else json.dumps(body), content_type="application/json",
    )  # fmt: skip
    return response


def make_token(browser: Client) -> str:
    page = browser.post("/provider/tokens", {"label": "教务系统"}, status=200)
    text = page.get_data(as_text=True)
    start = text.index("cecert_pt_")
    return text[start : text.index("<", start)]


def test_the_api_files_a_plan_and_sends_its_roster_by_token_only(portal: Portal) -> None:
    school = approved_provider(portal)
    token = make_token(school)
    assert "cecert_pt_" not in school.get("/provider/tokens")  # shown once
    assert api(portal, "GET", "/plans", None).status_code == 401
    assert school.http.get("/api/v1/plans").status_code == 401  # a session opens nothing
    body = {
        "token": "sis-17", "sector": "health", "title": "院感防控专题", "category": "professional",
        "course_code": "GZYG-2026-3", "hours": 8, "start_date": START.isoformat(),
        "end_date": START.isoformat(), "mode": "face_to_face", "place": "天河区体育西路 1 号",
    }  # fmt: skip
    filed = api(portal, "POST", "/plans", token, body)
    assert filed.status_code == 201, filed.get_json()
    ident = filed.get_json()["id"]
    assert api(portal, "POST", "/plans", token, body).get_json()["id"] == ident  # once
    late = api(portal, "POST", "/plans", token, body | {"token": "x", "start_date": "2026-03-20"})
    assert (late.status_code, late.get_json()["reason"]) == (400, "bad_plan")
    logged_in(portal, "health").post(f"/review/plans/{ident}",
                                     {"version": "1", "decision": "approve"})  # fmt: skip
    rows = [{"id_number": ZHANG, "name": "张伟", "hours": 8, "score": 95}]
    early = api(portal, "POST", f"/plans/{ident}/roster", token, {"rows": rows})
    assert (early.status_code, early.get_json()["reason"]) == (409, "class_not_ended")
    portal.app.config["CLOCK"] = lambda: AFTER
    bad = api(portal, "POST", f"/plans/{ident}/roster", token,
              {"rows": [*rows, {"id_number": WANG, "name": "王𠈌", "hours": 9}]})  # fmt: skip
    assert bad.status_code == 422
    assert [p["row"] for p in bad.get_json()["problems"]] == [2]
    done = api(portal, "POST", f"/plans/{ident}/roster", token, {"rows": rows})
    assert (done.status_code, done.get_json()["accepted"]) == (200, 1)
    again = api(portal, "POST", f"/plans/{ident}/roster", token, {"rows": rows})
    assert again.status_code == 200  # a retried upload answers as the first did
    got = api(portal, "GET", f"/plans/{ident}", token).get_json()
    assert got["state"] == "closed"
    assert got["roster"][0]["id_number"] == ZHANG
    rival = approved_provider(portal, RIVAL, "rival")
    other = make_token(rival)
    assert api(portal, "GET", f"/plans/{ident}", other).status_code == 404
    assert api(portal, "GET", "/plans", other).get_json()["total"] == 0
    school.post("/provider/tokens/1/revoke", {})
    refused = api(portal, "GET", "/plans", token)
    assert (refused.status_code, refused.get_json()["reason"]) == (401, "bad_token")
    assert api(portal, "GET", "/nowhere", other).get_json()["reason"] == "not_found"
    assert api(portal, "GET", "/openapi.json", None).get_json()["openapi"] == "3.0.3"


def test_the_api_refuses_what_it_cannot_take_and_takes_fractions(portal: Portal) -> None:
    """A deeply nested body answered 500; a title with control or bidi characters was filed
    into every attendee's record; 7.5 hours as a JSON number was refused; an over-long form
    token read as an invalid bearer token (401)."""
    school = approved_provider(portal)
    token = make_token(school)
    nested = portal.app.test_client().post(
        "/api/v1/plans", data="[" * 100_000, content_type="application/json",
        headers={"Authorization": f"Bearer {token}"},
    )  # fmt: skip
    assert (nested.status_code, nested.get_json()["reason"]) == (400, "bad_json")
    body = {
        "token": "sis-1", "sector": "health", "title": "急救\u202e技能\x00",
        "category": "professional", "course_code": "X-1", "hours": 7.5,
        "start_date": START.isoformat(), "end_date": START.isoformat(), "mode": "face_to_face",
        "place": "天河",
    }  # fmt: skip
    bad = api(portal, "POST", "/plans", token, body)
    assert (bad.status_code, bad.get_json()["reason"]) == (400, "bad_plan")
    assert bad.get_json()["message"].startswith("title")
    long_token = api(portal, "POST", "/plans", token, body | {"title": "急救", "token": "t" * 101})
    assert (long_token.status_code, long_token.get_json()["reason"]) == (400, "bad_form_token")
    filed = api(portal, "POST", "/plans", token, body | {"title": "急救技能"})
    assert filed.status_code == 201
    assert filed.get_json()["hours"] == 7.5
    ident = filed.get_json()["id"]
    logged_in(portal, "health").post(f"/review/plans/{ident}",
                                     {"version": "1", "decision": "approve"})  # fmt: skip
    portal.app.config["CLOCK"] = lambda: AFTER
    rows = {"rows": [{"id_number": ZHANG, "name": "张伟", "hours": 7.5, "score": 95.5}]}
    done = api(portal, "POST", f"/plans/{ident}/roster", token, rows)
    assert done.status_code == 200, done.get_json()
    roster = api(portal, "GET", f"/plans/{ident}", token).get_json()["roster"]
    assert (roster[0]["hours"], roster[0]["score"]) == (7.5, "95.5")
