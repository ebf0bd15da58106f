"""Training providers in the registry: a provider registered and approved by its bureau files
a class plan at least 30 days ahead, the authority of its sector (or a bureau) approves it,
and the roster uploaded after the class makes each attendee's record confirmed, with the
provider as its source; all or nothing, once, within scope, every change in the log."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

import pytest

from registry import CHINA_TZ, ImportRejected, RegistryError
from registry.idnumber import mod11_2_check
from registry.importing.rosters import load_roster, roster_from_items
from registry.model import Category, Confirmer, RecordStatus
from registry.portal import Actor, PortalRole, check_character
from registry.portal.classes import (
    ClassMode,
    PlanFields,
    PlanState,
    Roster,
    RosterLine,
    check_plan,
)
from registry.store import Registry
from tests.conftest import IssuedHome

AT = dt.datetime(2026, 3, 2, 10, 0, tzinfo=CHINA_TZ)
CODE = "52440106MJ0000000"
CODE += check_character(CODE)
OTHER = "52440104MJ0000001"
OTHER += check_character(OTHER)
SCHOOL = Actor("school", PortalRole.PROVIDER, CODE)
RIVAL = Actor("rival", PortalRole.PROVIDER, OTHER)
TIANHE = Actor("tianhe", PortalRole.BUREAU, "440106")
HEALTH = Actor("health", PortalRole.AUTHORITY, "health")
EDUCATION = Actor("education", PortalRole.AUTHORITY, "education")
ANHUI = Actor("anhui", PortalRole.BUREAU, "340000")
ZHANG = "440106198503120031"
WANG = "440104199001150021"


def fields(at: dt.datetime = AT, **changes: object) -> PlanFields:
    start = at.date() + dt.timedelta(days=40)
    values: dict[str, object] = {
        "sector": "health", "title": "急诊急救技能培训", "category": Category.PROFESSIONAL,
        "course_code": "GZWJ-2026-017", "minutes": 16 * 60, "start_date": start,
        "end_date": start + dt.timedelta(days=1), "mode": ClassMode.FACE_TO_FACE,
        "place": "广州市天河区中山大道西 8 号",
    } | changes  # fmt: skip
    return check_plan(at=at, **values)  # type: ignore[arg-type]


@pytest.fixture
def registry(fresh_home: IssuedHome) -> Registry:
    registry = Registry.open(fresh_home.home.registry_path)
    for actor, region in ((SCHOOL, "440106"), (RIVAL, "440104")):
        provider = registry.providers.register(actor, name=f"{actor.username} 培训中心",
                                               region=region, at=AT)  # fmt: skip
        bureau = Actor("gz", PortalRole.BUREAU, "440100")
        registry.providers.decide(bureau, actor.scope, version=provider.version, approve=True,
                                  reason=None, at=AT)  # fmt: skip
    return registry


def after_class(plan_fields: PlanFields) -> dt.datetime:
    return dt.datetime.combine(plan_fields.end_date, dt.time(18), tzinfo=CHINA_TZ)


def test_a_face_to_face_class_is_filed_30_days_ahead() -> None:
    with pytest.raises(RegistryError) as caught:
        fields(start_date=AT.date() + dt.timedelta(days=29),
               end_date=AT.date() + dt.timedelta(days=30))  # fmt: skip
    assert caught.value.reason == "bad_plan"
    assert "开班前至少 30 天" in str(caught.value)
    assert "2026-04-01" in str(caught.value)  # the earliest day it could start
    assert fields(start_date=AT.date() + dt.timedelta(days=30),
                  end_date=AT.date() + dt.timedelta(days=30)).minutes == 960  # fmt: skip
    online = fields(mode=ClassMode.ONLINE, place="", start_date=AT.date(), end_date=AT.date())
    assert online.mode is ClassMode.ONLINE  # an online class has no lead time
    for bad, where in (({"place": " "}, "place"), ({"minutes": 0}, "hours"),
                       ({"sector": "nowhere"}, "sector"), ({"title": ""}, "title")):  # fmt: skip
        with pytest.raises(RegistryError) as caught:
            fields(**bad)
        assert str(caught.value).startswith(where)


def test_a_plan_is_approved_by_its_sectors_authority_and_its_roster_confirms_records(
    registry: Registry,
) -> None:
    plan_fields = fields()
    plan = registry.class_plans.file(SCHOOL, plan_fields, token="t1", at=AT)
    assert plan.state is PlanState.PENDING
    assert registry.class_plans.file(SCHOOL, plan_fields, token="t1", at=AT).id == plan.id
    for outsider in (EDUCATION, ANHUI, RIVAL):
        with pytest.raises(RegistryError) as caught:
            registry.class_plans.decide(outsider, plan.id, version=1, approve=True, reason=None,
                                        at=AT)  # fmt: skip
        assert caught.value.reason == "forbidden"
    approved = registry.class_plans.decide(HEALTH, plan.id, version=1, approve=True,
                                           reason=None, at=AT)  # fmt: skip
    assert (approved.state, approved.confirmed_by) == (
        PlanState.APPROVED,
        Confirmer.INDUSTRY_AUTHORITY,
    )
    lines = [RosterLine(2, ZHANG, "张伟", 16 * 60, Decimal(92))]
    engineer = Roster("名单.csv", (*lines, RosterLine(3, WANG, "王𠈌", 8 * 60, None)))
    with pytest.raises(RegistryError) as caught:
        registry.rosters.accept(
            SCHOOL, plan.id, Roster("名单.csv", tuple(lines)), default_policy="gd-2010", at=AT
        )
    assert caught.value.reason == "class_not_ended"
    ended = after_class(plan_fields)
    with pytest.raises(RegistryError) as caught:
        registry.rosters.accept(
            RIVAL, plan.id, Roster("名单.csv", tuple(lines)), default_policy="gd-2010", at=ended
        )
    assert caught.value.reason == "forbidden"
    with pytest.raises(ImportRejected) as rejected:  # 王𠈌 is an engineer: not health's
        registry.rosters.accept(SCHOOL, plan.id, engineer, default_policy="gd-2010", at=ended)
    assert [line for line, _ in rejected.value.problems] == [3]
    assert "不属于本计划所属的行业" in rejected.value.problems[0][1]
    closed = registry.rosters.accept(
        SCHOOL, plan.id, Roster("名单.csv", tuple(lines)), default_policy="gd-2010", at=ended
    )
    assert (closed.state, closed.roster_count) == (PlanState.CLOSED, 1)
    (record,) = [
        a for a in registry.activities(ZHANG, year=2026) if a.course_code == "GZWJ-2026-017"
    ]
    assert (record.status, record.confirmed_by, record.provider) == (
        RecordStatus.CONFIRMED, Confirmer.INDUSTRY_AUTHORITY, "school 培训中心",
    )  # fmt: skip
    assert (record.minutes, record.kind, record.score) == (960, "face_to_face", Decimal(92))
    again = registry.rosters.accept(
        SCHOOL, plan.id, Roster("名单.csv", tuple(lines)), default_policy="gd-2010", at=ended
    )
    assert again.version == closed.version  # the same roster again does nothing
    with pytest.raises(RegistryError) as caught:
        registry.rosters.accept(
            SCHOOL,
            plan.id,
            Roster("名单.csv", (RosterLine(2, ZHANG, "张伟", 480, None),)),
            default_policy="gd-2010",
            at=ended,
        )
    assert caught.value.reason == "roster_filed"
    assert [e.name for e in registry.rosters.entries(HEALTH, plan.id)] == ["张伟"]
    with pytest.raises(RegistryError):
        registry.rosters.entries(EDUCATION, plan.id)
    kinds = [k for (k,) in registry._connection.conn.execute(
        "SELECT kind FROM events WHERE subject = ? ORDER BY seq", (f"class_plans:{plan.id}",)
    )]  # fmt: skip
    assert kinds == ["class_plan_file", "class_plan_decide", "class_roster"]
    assert not [p for p in registry.audit().problems if p.kind != "log_unsigned"]


def test_a_bureau_approves_and_its_records_are_the_bureaus(registry: Registry) -> None:
    plan_fields = fields(sector="engineering")
    plan = registry.class_plans.file(SCHOOL, plan_fields, token="t2", at=AT)
    assert registry.class_plans.plans(HEALTH).total == 0
    assert registry.class_plans.plans(Actor("eng", PortalRole.AUTHORITY, "engineering")).total == 1
    assert registry.class_plans.plans(ANHUI).total == 0
    assert [p.id for p in registry.class_plans.plans(TIANHE).items] == [plan.id]
    registry.class_plans.decide(TIANHE, plan.id, version=1, approve=True, reason=None, at=AT)
    roster = Roster("api", (RosterLine(2, WANG, "王𠈌", 60, None),))
    registry.rosters.accept(
        SCHOOL, plan.id, roster, default_policy="gd-2010", at=after_class(plan_fields)
    )
    (record,) = [
        a for a in registry.activities(WANG, year=2026) if a.course_code == "GZWJ-2026-017"
    ]
    assert record.confirmed_by is Confirmer.HR_BUREAU


def test_a_bad_roster_names_every_bad_row_and_stores_nothing(registry: Registry) -> None:
    plan_fields = fields()
    plan = registry.class_plans.file(SCHOOL, plan_fields, token="t3", at=AT)
    registry.class_plans.decide(HEALTH, plan.id, version=1, approve=True, reason=None, at=AT)
    nobody = "11010119900307002" + "X"
    lines = [
        RosterLine(2, ZHANG, "张伟", 60, None),
        RosterLine(3, WANG, "王五", 60, None),
        RosterLine(4, ZHANG[:-1] + "9", "某人", 60, None),
        RosterLine(5, nobody, "李四", 20 * 60, None),
    ]
    read_badly = ((6, "学时：须大于 0"),)
    before = registry._connection.conn.execute("SELECT count(*) FROM activities").fetchone()[0]
    roster = Roster("名单.xlsx", tuple(lines), read_badly)
    with pytest.raises(ImportRejected) as caught:
        registry.rosters.accept(
            SCHOOL, plan.id, roster, default_policy="gd-2010", at=after_class(plan_fields)
        )
    assert [line for line, _ in caught.value.problems] == [3, 4, 5, 6]
    assert "身份证号与姓名不匹配" in caught.value.problems[0][1]
    wrong_name, unknown = caught.value.problems[0][1], caught.value.problems[2][1]
    assert unknown.startswith(wrong_name)  # a known person and nobody look the same
    assert "学时超过本班的 16 学时" in caught.value.problems[2][1]
    after = registry._connection.conn.execute("SELECT count(*) FROM activities").fetchone()[0]
    assert after == before
    assert registry.class_plans.plan(SCHOOL, plan.id).state is PlanState.APPROVED


def test_a_roster_file_is_read_by_english_or_chinese_columns(tmp_path: Path) -> None:
    good = tmp_path / "名单.csv"
    good.write_text(f"身份证号,姓名,学时,成绩\n{ZHANG},张伟,16,92\n{WANG.lower()},王𠈌,7.5,\n",
                    encoding="utf-8-sig")  # fmt: skip
    read = load_roster(good, today=AT.date())
    assert read.problems == ()
    assert [(x.line, x.minutes, x.score) for x in read.lines] == [
        (2, 960, Decimal(92)), (3, 450, None),
    ]  # fmt: skip
    bad = tmp_path / "bad.csv"
    bad.write_text(f"id_number,name,hours\n{ZHANG},张伟,0\n{ZHANG},张伟,2\n12345,某,x\n{WANG},,3\n",
                   encoding="utf-8")  # fmt: skip
    problems = dict(load_roster(bad, today=AT.date()).problems)
    assert "缺席者不列入名单" in problems[2]
    assert 3 not in problems  # row 2 was bad: row 3 repeats nothing kept
    assert "身份证号" in problems[4]
    assert "学时须为数字" in problems[4]
    assert "姓名：未填写" in problems[5]
    header = tmp_path / "header.csv"
    header.write_text("身份证,姓名\n", encoding="utf-8")
    with pytest.raises(RegistryError) as caught:
        load_roster(header, today=AT.date())
    assert caught.value.reason == "bad_header"
    assert "未知列 身份证" in str(caught.value)
    assert "缺少列 身份证号、学时" in str(caught.value)
    read = roster_from_items([{"id_number": ZHANG, "name": "张伟", "hours": 2, "extra": 1},
                              {"id_number": ZHANG, "name": "张伟", "hours": True}],
                             today=AT.date())  # fmt: skip
    assert [line for line, _ in read.problems] == [1, 2]
    assert "未知字段 extra" in read.problems[0][1]


def test_only_an_approved_provider_files_and_tokens_open_only_their_own(
    registry: Registry,
) -> None:
    newcomer = Actor("new", PortalRole.PROVIDER, "52440106MJ00000029")
    registry.providers.register(newcomer, name="新机构", region="440106", at=AT)
    with pytest.raises(RegistryError) as caught:
        registry.class_plans.file(newcomer, fields(), token="n1", at=AT)
    assert caught.value.reason == "provider_not_approved"
    listed, token = registry.providers.make_token(SCHOOL, label="教务系统", at=AT)
    assert token.startswith("cecert_pt_")
    assert registry.providers.by_token(token) == Actor(
        f"token:{listed.id}", PortalRole.PROVIDER, CODE
    )
    stored = json.dumps(
        registry._connection.conn.execute("SELECT * FROM provider_tokens").fetchall()
    )
    assert token not in stored
    with pytest.raises(RegistryError):
        registry.providers.revoke_token(RIVAL, listed.id, at=AT)
    registry.providers.revoke_token(SCHOOL, listed.id, at=AT)
    with pytest.raises(RegistryError) as caught:
        registry.providers.by_token(token)
    assert caught.value.reason == "bad_token"
    with pytest.raises(RegistryError):
        registry.providers.by_token("cecert_pt_guess")


def test_a_person_on_a_roster_and_enrolled_can_have_the_id_number_corrected(
    registry: Registry,
) -> None:
    """The correction moved the records and the certificate but not the portal's rows that
    name the person: a roster entry (or an enrolment, a declaration) made it fail."""
    plan_fields = fields(sector="engineering")
    plan = registry.class_plans.file(SCHOOL, plan_fields, token="t9", at=AT)
    registry.class_plans.decide(TIANHE, plan.id, version=1, approve=True, reason=None, at=AT)
    roster = Roster("名单.csv", (RosterLine(2, WANG, "王𠈌", 60, None),))
    registry.rosters.accept(
        SCHOOL, plan.id, roster, default_policy="gd-2010", at=after_class(plan_fields)
    )
    code = "91440104MA59B0000" + check_character("91440104MA59B0000")
    metro = Actor("metro", PortalRole.EMPLOYER, code)
    made = registry.registrations.register_employer(metro, name="地铁", region="440104", at=AT)
    registry.registrations.decide_employer(Actor("gz", PortalRole.BUREAU, "440100"), code,
                                           version=made.version, approve=True, reason=None,
                                           at=AT)  # fmt: skip
    person = registry.person(WANG)
    assert person is not None
    wang = Actor("wang", PortalRole.PROFESSIONAL, WANG)
    registry.registrations.register_person(wang, person, credit_code=code, at=AT)
    corrected = "44010419900115003" + mod11_2_check("44010419900115003")
    registry.correct_person(WANG, new_id=corrected, at=after_class(plan_fields), note="户籍更正")
    (entry,) = registry.rosters.entries(TIANHE, plan.id)
    assert entry.id_number == corrected
    records = registry.activities(corrected, year=2026)
    assert [r.course_code for r in records if r.course_code == "GZWJ-2026-017"]
    assert registry.registrations.enrolment(metro, corrected).credit_code == code
    assert registry.registrations.enrolment(metro, corrected).credit_code == code
    assert not [p for p in registry.audit().problems if p.kind != "log_unsigned"]


def test_a_roster_is_refused_where_the_rules_want_another_confirmer(registry: Registry) -> None:
    """The plan's approver confirmed every attendee whatever the rules said: a public class
    approved by the health authority, or a professional one of health approved by a bureau,
    made records the hours engine counts as nothing (gd-2010: public records need the
    bureau, health's professional ones their authority)."""
    public = fields(category=Category.PUBLIC)
    plan = registry.class_plans.file(SCHOOL, public, token="c1", at=AT)
    with pytest.raises(RegistryError) as caught:
        registry.class_plans.decide(HEALTH, plan.id, version=1, approve=True, reason=None, at=AT)
    assert caught.value.reason == "wrong_approver"
    professional = fields()
    plan = registry.class_plans.file(SCHOOL, professional, token="c2", at=AT)
    registry.class_plans.decide(TIANHE, plan.id, version=1, approve=True, reason=None, at=AT)
    roster = Roster("名单.csv", (RosterLine(2, ZHANG, "张伟", 60, None),))
    with pytest.raises(ImportRejected) as caught_rows:
        registry.rosters.accept(SCHOOL, plan.id, roster, at=after_class(professional),
                                default_policy="gd-2010")  # fmt: skip
    (problem,) = caught_rows.value.problems
    assert "须由行业主管部门认定" in problem[1]
    assert registry.activities(ZHANG, year=2026) == []
