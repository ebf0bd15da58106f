"""The portal's reviewers' pages through the Flask test client, on a real home and registry:
the employer (staff registrations, first reviews, applications, who is behind, certificates),
the industry authority and the bureau (confirmations, re-checks, employers, applications).

Every decision goes through the page's form with the session's CSRF token; what changed is
read back from the registry, and what must not change is held to the event log's size.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from flask import Flask, url_for
from flask.testing import FlaskClient

from portal.web import create_app
from registry import CHINA_TZ
from registry.model import Activity, Category, Confirmer, Person, RecordStatus
from registry.portal import (
    Actor,
    ApplicationState,
    Approval,
    PortalRole,
    Stage,
    check_character,
    check_proof,
)
from registry.store import Registry
from tests.conftest import IssuedHome
from tests.support.logins import PASSWORD, csrf_of
from webcore import AccountStore, Role

AT = dt.datetime(2026, 3, 1, 9, 0, tzinfo=CHINA_TZ)
"""When the setting-up happens; the app's clock reads :data:`NOW`."""
NOW = dt.datetime(2026, 3, 2, 10, 0, tzinfo=CHINA_TZ)
POLICY = "gd-2010"
CODE_A = "91440106MA59A0000" + check_character("91440106MA59A0000")
CODE_B = "91440104MA59B0000" + check_character("91440104MA59B0000")
CODE_C = "91440106MA59C0000" + check_character("91440106MA59C0000")
HOSPITAL = Actor("hospital", PortalRole.EMPLOYER, CODE_A)
METRO = Actor("metro", PortalRole.EMPLOYER, CODE_B)
NEWCO = Actor("newco", PortalRole.EMPLOYER, CODE_C)
GUANGZHOU = Actor("guangzhou", PortalRole.BUREAU, "440100")
SHAOGUAN = Actor("shaoguan", PortalRole.BUREAU, "440200")
HEALTH = Actor("health", PortalRole.AUTHORITY, "health")
ZHANG = "440106198503120031"
"""张伟, health series, 440106: enrolled with the hospital."""
WANG = "440104199001150021"
"""王𠈌, engineering, 440104: enrolled with the metro."""
LI = "440111198812080046"
"""李䶮: registered with the hospital, waiting for its approval."""
PDF = b"%PDF-1.7\n% a proof\n"


@dataclass(frozen=True)
class World:
    app: Flask
    registry_path: Path
    public: int
    """张伟's public record, waiting for the hospital."""
    professional: int
    """张伟's professional record, waiting for the hospital."""
    metro_record: int
    """王𠈌's record, waiting for the metro."""

    def registry(self) -> Registry:
        return Registry.open(self.registry_path)


def _record(id_number: str, category: Category, minutes: int, title: str) -> Activity:
    return Activity(
        id_number=id_number, year=2025, category=category, kind="online_course", title=title,
        course_code="", minutes=minutes, start_date=dt.date(2025, 5, 1),
        end_date=dt.date(2025, 5, 2), provider="广东省继续教育平台", score=None, role=None,
        status=RecordStatus.DECLARED,
    )  # fmt: skip


def _enrol(reg: Registry, person: Person | None, employer: Actor, *, approve: bool) -> None:
    assert person is not None
    me = Actor(f"p{person.id_number[-6:].lower()}", PortalRole.PROFESSIONAL, person.id_number)
    made = reg.registrations.register_person(me, person, credit_code=employer.scope, at=AT)
    if approve:
        reg.registrations.decide_person(
            employer, person.id_number, version=made.version, approve=True, reason=None, at=AT
        )


def _declare(reg: Registry, id_number: str, category: Category, title: str, token: str) -> int:
    me = Actor("someone", PortalRole.PROFESSIONAL, id_number)
    proof = check_proof(PDF, "证书.pdf")
    made = reg.declarations.declare(
        me, _record(id_number, category, 90, title), proofs=[proof], token=token, at=AT
    )
    return made.id


@pytest.fixture
def world(fresh_home: IssuedHome, tmp_path: Path) -> World:
    instance = tmp_path / "instance"
    store = AccountStore.create(instance)
    for actor in (HOSPITAL, METRO, NEWCO, GUANGZHOU, SHAOGUAN, HEALTH):
        store.add(actor.username, PASSWORD, Role(actor.role.value), at=AT, scope=actor.scope)
    path = fresh_home.home.registry_path
    with Registry.open(path) as reg:
        for employer, region in ((HOSPITAL, "440106"), (METRO, "440104")):
            made = reg.registrations.register_employer(
                employer, name=f"{employer.username}单位", region=region, at=AT
            )
            reg.registrations.decide_employer(
                GUANGZHOU, made.credit_code, version=made.version, approve=True, reason=None,
                at=AT,
            )  # fmt: skip
        reg.registrations.register_employer(NEWCO, name="新设单位", region="440106", at=AT)
        _enrol(reg, reg.person(ZHANG), HOSPITAL, approve=True)
        _enrol(reg, reg.person(WANG), METRO, approve=True)
        _enrol(reg, reg.person(LI), HOSPITAL, approve=False)
        public = _declare(reg, ZHANG, Category.PUBLIC, "公需课：数字素养", "t1")
        professional = _declare(reg, ZHANG, Category.PROFESSIONAL, "专业课：急救进展", "t2")
        metro_record = _declare(reg, WANG, Category.PUBLIC, "公需课：安全生产", "t3")
    app = create_app(
        {"TESTING": True, "HOME": str(fresh_home.home.root), "SECRET_KEY": "test secret",
         "CLOCK": lambda: NOW},
        instance_path=str(instance),
    )  # fmt: skip
    return World(app, path, public, professional, metro_record)


class Session:
    """A browser's session: logged in as one account, posting with its CSRF token."""

    def __init__(self, app: Flask, username: str, landing: str) -> None:
        self.client: FlaskClient = app.test_client()
        token = csrf_of(self.client.get("/login").get_data(as_text=True))
        answer = self.client.post(
            "/login", data={"csrf_token": token, "username": username, "password": PASSWORD}
        )
        assert answer.status_code == 302, answer.get_data(as_text=True)
        page = self.client.get(landing)
        assert page.status_code == 200, page.get_data(as_text=True)
        self.csrf = csrf_of(page.get_data(as_text=True))

    def get(self, path: str) -> tuple[int, str]:
        answer = self.client.get(path)
        return answer.status_code, answer.get_data(as_text=True)

    def post(self, path: str, **fields: str | list[str]) -> tuple[int, str, str]:
        answer = self.client.post(path, data={"csrf_token": self.csrf, **fields})
        return answer.status_code, answer.get_data(as_text=True), answer.headers.get("Location", "")


def _item(reg: Registry, who: Actor, ident: int) -> str:
    return f"{ident}:{reg.declarations.declaration(who, ident).version}"


def _decide(reg: Registry, who: Actor, *idents: int) -> None:
    versions = {i: reg.declarations.declaration(who, i).version for i in idents}
    reg.declarations.decide(who, versions, approve=True, reason=None, default_policy=POLICY, at=AT)


# -- the employer ----------------------------------------------------------------------------


def test_the_employer_approves_a_staff_registration(world: World) -> None:
    hospital = Session(world.app, "hospital", "/employer/")
    status, page = hospital.get("/employer/")
    assert "1 人待审核" in page
    assert "2 条待审核" in page
    status, page = hospital.get("/employer/staff")
    assert status == 200
    assert "李䶮" in page
    assert LI in page
    with world.registry() as reg:
        version = reg.registrations.enrolment(HOSPITAL, LI).version
    status, _, where = hospital.post(
        "/employer/staff/decide", id_number=LI, version=str(version), decision="approve"
    )
    assert status == 302
    assert where.endswith("/employer/staff")
    with world.registry() as reg:
        assert reg.registrations.enrolment(HOSPITAL, LI).state is Approval.APPROVED
    status, page = hospital.get("/employer/staff")
    assert "已通过李䶮的注册" in page
    assert "目前没有等待审核的职工注册" in page


def test_a_refusal_of_a_registration_needs_a_reason(world: World) -> None:
    hospital = Session(world.app, "hospital", "/employer/")
    with world.registry() as reg:
        version = reg.registrations.enrolment(HOSPITAL, LI).version
        events = reg.log_size()
    status, page, _ = hospital.post(
        "/employer/staff/decide", id_number=LI, version=str(version), decision="refuse",
        reason="  ",
    )  # fmt: skip
    assert status == 400
    assert "不予通过时请填写理由" in page
    assert 'aria-invalid="true"' in page
    with world.registry() as reg:
        assert reg.log_size() == events
        assert reg.registrations.enrolment(HOSPITAL, LI).state is Approval.PENDING


def test_the_employer_approves_two_records_at_once(world: World) -> None:
    hospital = Session(world.app, "hospital", "/employer/")
    status, page = hospital.get("/employer/records")
    assert status == 200
    for text in ("公需课：数字素养", "专业课：急救进展", "1.5 学时", "公需科目", "初审通过",
                 f"/proofs/{world.public}/"):  # fmt: skip
        assert text in page
    assert "公需课：安全生产" not in page  # the metro's
    with world.registry() as reg:
        items = [_item(reg, HOSPITAL, world.public), _item(reg, HOSPITAL, world.professional)]
    status, _, where = hospital.post("/employer/records/decide", item=items, decision="approve")
    assert status == 302
    assert where.endswith("/employer/records")
    with world.registry() as reg:
        stages = {
            i: reg.declarations.declaration(HOSPITAL, i).stage
            for i in (world.public, world.professional)
        }
    assert stages == {world.public: Stage.BUREAU, world.professional: Stage.AUTHORITY}
    status, page = hospital.get("/employer/records")
    assert "已通过 2 条记录" in page
    assert "目前没有等待您处理的学时记录" in page


def test_the_queue_filters_by_category_and_year(world: World) -> None:
    hospital = Session(world.app, "hospital", "/employer/")
    _, page = hospital.get("/employer/records?category=professional&year=2025")
    assert "专业课：急救进展" in page
    assert "公需课：数字素养" not in page
    _, page = hospital.get("/employer/records?year=2024")
    assert "没有符合筛选条件的待处理记录" in page
    status, _ = hospital.get("/employer/records?category=nonsense")
    assert status == 400


def test_a_return_without_a_reason_is_refused_in_chinese(world: World) -> None:
    hospital = Session(world.app, "hospital", "/employer/")
    with world.registry() as reg:
        item = _item(reg, HOSPITAL, world.public)
        events = reg.log_size()
    status, page, _ = hospital.post(
        "/employer/records/decide", item=[item], decision="return", reason=" "
    )
    assert status == 400
    assert "退回时请填写理由，本人将据此修改" in page
    assert f'value="{item}" checked' in page  # the choice is kept for the second try
    with world.registry() as reg:
        assert reg.log_size() == events
        assert reg.declarations.declaration(HOSPITAL, world.public).stage is Stage.EMPLOYER
    status, page, _ = hospital.post("/employer/records/decide", decision="approve")
    assert status == 400
    assert "请先勾选要处理的条目" in page


def test_a_stale_version_is_a_conflict_and_changes_nothing(world: World) -> None:
    hospital = Session(world.app, "hospital", "/employer/")
    with world.registry() as reg:
        stale = _item(reg, HOSPITAL, world.public)
        fresh = _item(reg, HOSPITAL, world.professional)
        reg.declarations.decide(
            HOSPITAL, {world.public: int(stale.split(":")[1])}, approve=False,
            reason="请补充证明", default_policy=POLICY, at=AT,
        )  # fmt: skip
        events = reg.log_size()
    status, page, _ = hospital.post(
        "/employer/records/decide", item=[fresh, stale], decision="approve"
    )
    assert status == 409
    assert "已被他人处理，请刷新" in page
    with world.registry() as reg:
        assert reg.log_size() == events
        assert reg.declarations.declaration(HOSPITAL, world.professional).stage is Stage.EMPLOYER


def test_an_employer_cannot_decide_another_employers_record(world: World) -> None:
    hospital = Session(world.app, "hospital", "/employer/")
    with world.registry() as reg:
        forged = _item(reg, METRO, world.metro_record)
        events = reg.log_size()
    status, page, _ = hospital.post("/employer/records/decide", item=[forged], decision="approve")
    assert status == 403
    assert 'data-reason="forbidden"' in page
    with world.registry() as reg:
        assert reg.log_size() == events
        assert reg.declarations.declaration(METRO, world.metro_record).stage is Stage.EMPLOYER


def test_a_pending_employer_is_told_to_wait_for_the_bureau(world: World) -> None:
    newco = Session(world.app, "newco", "/employer/")
    status, page = newco.get("/employer/")
    assert status == 200
    assert "等待所在地人社局审核" in page
    answer = newco.client.get("/employer/records")
    assert answer.status_code == 302
    assert answer.headers["Location"].endswith("/employer/")
    status, _, where = newco.post("/employer/records/decide", decision="approve")
    assert status == 302
    assert where.endswith("/employer/")


def test_the_employer_approves_an_application(world: World) -> None:
    with world.registry() as reg:
        me = Actor("zhang", PortalRole.PROFESSIONAL, ZHANG)
        applied = reg.applications.apply(me, year=2025, token="a1", at=AT)
    hospital = Session(world.app, "hospital", "/employer/")
    status, page = hospital.get("/employer/applications")
    assert status == 200
    assert "张伟：2025 年度证书" in page
    assert "学时已达标" in page
    status, _, _ = hospital.post(
        "/employer/applications/decide", item=[f"{applied.id}:{applied.version}"],
        decision="approve",
    )  # fmt: skip
    assert status == 302
    with world.registry() as reg:
        state = reg.applications.application(HOSPITAL, applied.id).state
    assert state is ApplicationState.EMPLOYER_APPROVED


def test_the_behind_list_names_who_is_short_and_by_how_much(world: World) -> None:
    hospital = Session(world.app, "hospital", "/employer/")
    status, page = hospital.get("/employer/behind?year=2026")
    assert status == 200
    assert "张伟" in page
    assert "还差" in page
    assert "学时" in page
    assert WANG not in page  # the metro's, masked or not
    status, page = hospital.get("/employer/behind?year=2025")  # issued for 2025: met
    assert status == 200
    assert "张伟" not in page
    assert "学时均已达标" in page


def test_the_employer_downloads_its_staffs_certificates_only(world: World) -> None:
    with world.registry() as reg:
        documents = reg.documents(id_number=ZHANG)
        theirs = reg.documents(id_number=WANG)
    assert documents
    assert theirs
    hospital = Session(world.app, "hospital", "/employer/")
    status, page = hospital.get("/employer/certificates")
    first = documents[0]
    href = f"/employer/certificates/{first.number}/{first.edition}.pdf"
    assert status == 200
    assert href in page
    answer = hospital.client.get(href)
    assert answer.status_code == 200
    assert answer.mimetype == "application/pdf"
    assert answer.headers["Content-Disposition"].startswith("attachment")
    assert answer.headers["X-Content-Type-Options"] == "nosniff"
    assert answer.data.startswith(b"%PDF-")
    other = theirs[0]
    answer = hospital.client.get(f"/employer/certificates/{other.number}/{other.edition}.pdf")
    assert answer.status_code == 403


# -- the industry authority and the bureau ------------------------------------------------------


def test_the_bureau_confirms_a_public_record(world: World) -> None:
    with world.registry() as reg:
        _decide(reg, HOSPITAL, world.public, world.professional)
        item = _item(reg, GUANGZHOU, world.public)
    bureau = Session(world.app, "guangzhou", "/review/")
    status, page = bureau.get("/review/records")
    assert status == 200
    assert "公需课：数字素养" in page
    assert "通过即认定" in page
    assert "专业课：急救进展" not in page  # the health authority's
    status, _, where = bureau.post("/review/records/decide", item=[item], decision="approve")
    assert status == 302
    assert where.endswith("/review/records")
    with world.registry() as reg:
        confirmed = [a for a in reg.activities(ZHANG, year=2025) if a.title == "公需课：数字素养"]
    assert [(a.status, a.confirmed_by) for a in confirmed] == [
        (RecordStatus.CONFIRMED, Confirmer.HR_BUREAU)
    ]


def test_the_health_authority_confirms_a_professional_record(world: World) -> None:
    with world.registry() as reg:
        _decide(reg, HOSPITAL, world.public, world.professional)
        item = _item(reg, HEALTH, world.professional)
    health = Session(world.app, "health", "/review/")
    status, page = health.get("/review/")
    assert status == 200
    assert "1 条待处理" in page
    assert "单位注册审核" not in page
    status, page = health.get("/review/records")
    assert "专业课：急救进展" in page
    assert "公需课：数字素养" not in page
    status, _, _ = health.post("/review/records/decide", item=[item], decision="approve")
    assert status == 302
    with world.registry() as reg:
        confirmed = [a for a in reg.activities(ZHANG, year=2025) if a.title == "专业课：急救进展"]
    assert [a.confirmed_by for a in confirmed] == [Confirmer.INDUSTRY_AUTHORITY]
    status, _ = health.get("/review/employers")
    assert status == 403


def test_a_bureau_of_another_region_sees_an_empty_queue(world: World) -> None:
    with world.registry() as reg:
        _decide(reg, HOSPITAL, world.public)
        item = _item(reg, GUANGZHOU, world.public)
        events = reg.log_size()
    other = Session(world.app, "shaoguan", "/review/")
    status, page = other.get("/review/records")
    assert status == 200
    assert "目前没有等待您处理的学时记录" in page
    assert "公需课：数字素养" not in page
    status, _, _ = other.post("/review/records/decide", item=[item], decision="approve")
    assert status == 403
    with world.registry() as reg:
        assert reg.log_size() == events


def test_the_bureau_approves_an_employer_and_an_application(world: World) -> None:
    with world.registry() as reg:
        me = Actor("zhang", PortalRole.PROFESSIONAL, ZHANG)
        applied = reg.applications.apply(me, year=2025, token="a1", at=AT)
        applied = reg.applications.decide(
            HOSPITAL, {applied.id: applied.version}, approve=True, reason=None, at=AT
        )[0]
        waiting = reg.registrations.employer(CODE_C)
    bureau = Session(world.app, "guangzhou", "/review/")
    status, page = bureau.get("/review/")
    assert "1 家待审核" in page
    assert "1 份待审核" in page
    status, page = bureau.get("/review/employers")
    assert status == 200
    assert "新设单位" in page
    assert CODE_C in page
    status, _, where = bureau.post(
        "/review/employers/decide", credit_code=CODE_C, version=str(waiting.version),
        decision="approve",
    )  # fmt: skip
    assert status == 302
    assert where.endswith("/review/employers")
    status, page = bureau.get("/review/applications")
    assert status == 200
    assert "张伟：2025 年度证书" in page
    status, _, _ = bureau.post(
        "/review/applications/decide", item=[f"{applied.id}:{applied.version}"],
        decision="approve",
    )  # fmt: skip
    assert status == 302
    with world.registry() as reg:
        assert reg.registrations.employer(CODE_C).state is Approval.APPROVED
        assert reg.applications.application(GUANGZHOU, applied.id).state is (
            ApplicationState.APPROVED
        )
    other = Session(world.app, "shaoguan", "/review/")
    _, page = other.get("/review/employers")
    assert "目前没有等待审核的单位注册" in page


def test_a_post_without_the_csrf_token_is_refused(world: World) -> None:
    hospital = Session(world.app, "hospital", "/employer/")
    with world.registry() as reg:
        item = _item(reg, HOSPITAL, world.public)
        events = reg.log_size()
    answer = hospital.client.post(
        "/employer/records/decide", data={"item": [item], "decision": "approve"}
    )
    assert answer.status_code == 400
    with world.registry() as reg:
        assert reg.log_size() == events


def test_the_review_pages_are_closed_to_other_roles(world: World) -> None:
    hospital = Session(world.app, "hospital", "/employer/")
    status, _ = hospital.get("/review/records")
    assert status == 403
    bureau = Session(world.app, "guangzhou", "/review/")
    status, _ = bureau.get("/employer/records")
    assert status == 403
    assert re.search(r"/login", world.app.test_client().get("/review/").headers["Location"])


def test_the_queue_pages_with_its_filters(world: World) -> None:
    with world.registry() as reg:
        for n in range(21):
            _declare(reg, ZHANG, Category.PUBLIC, f"公需课第{n:02d}讲", f"page{n}")
    hospital = Session(world.app, "hospital", "/employer/")
    status, page = hospital.get("/employer/records?category=public")
    assert status == 200
    assert "共 22 条，本页 20 条" in page
    assert "专业课：急救进展" not in page
    found = re.search(r'href="(/employer/records\?[^"]*after=\d+[^"]*)"', page)
    assert found is not None
    following = found.group(1).replace("&amp;", "&")
    assert "category=public" in following
    status, page = hospital.get(following)
    assert "本页 2 条" in page
    assert "公需课第20讲" in page
    assert "公需课：数字素养" not in page


def test_a_long_queue_says_more_than_its_count(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Past the count's cap the page and the landing page say 超过 N, not a wrong total."""
    from registry.store import queues

    monkeypatch.setattr(queues, "COUNT_CAP", 1)
    hospital = Session(world.app, "hospital", "/employer/")
    _, page = hospital.get("/employer/records")
    assert "超过 1 条" in page
    assert "共 1 条" not in page
    _, page = hospital.get("/employer/")
    assert "超过 1 条待审核" in page


def test_the_requests_of_a_thread_share_one_registry_connection(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each worker thread opens the registry once and keeps it, as the verifier keeps its
    read-only connections: opening and closing it on every request cost ≈ 1 ms of an
    ≈ 11 ms queue page (docs/performance.md). A proof link is the download route's."""
    opened: list[Path] = []
    real = Registry.open

    def counting(path: Path, **options: Any) -> Registry:
        opened.append(path)
        return real(path, **options)

    monkeypatch.setattr(Registry, "open", counting)
    hospital = Session(world.app, "hospital", "/employer/")
    for _ in range(3):
        status, page = hospital.get("/employer/records")
        assert status == 200
    assert opened == [world.registry_path]
    link = re.search(r'href="/proofs/(\d+)/([0-9a-f]{64})"', page)
    assert link is not None
    with world.app.test_request_context("/employer/records"):
        routed = url_for("downloads.proof", declaration=int(link[1]), sha256=link[2])
    assert routed == link[0][6:-1]


def test_a_record_of_a_year_that_has_ended_is_marked_overdue(world: World) -> None:
    """The year's end binds every reviewer's records of the year (deadlines.toml): on
    2026-03-02 a 2025 record still waiting is past it, with the clause's source."""
    hospital = Session(world.app, "hospital", "/employer/")
    _, page = hospital.get("/employer/records?year=2025")
    assert "已超期：年度学时须在当年年底前完成认定" in page
    assert "当年学习、当年验证" in page
    world.app.config["CLOCK"] = lambda: dt.datetime(2025, 12, 20, 9, 0, tzinfo=CHINA_TZ)
    _, page = Session(world.app, "hospital", "/employer/").get("/employer/records?year=2025")
    assert "已超期" not in page
