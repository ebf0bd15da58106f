"""The portal's state in the registry: registrations, declarations, reviews, confirmations,
applications, requests; who may act on what; versions and tokens; events and the audit."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from registry import CHINA_TZ, RegistryError, TitleLevel
from registry.hours import evaluate, get_policy
from registry.hours.subject import Subject
from registry.model import Activity, Category, Confirmer, Person, RecordStatus
from registry.portal import (
    Actor,
    ApplicationState,
    Approval,
    DeclarationState,
    PortalRole,
    Stage,
    check_proof,
)
from registry.store import Registry
from tests.support.sql import traced

AT = dt.datetime(2026, 3, 1, 9, 0, tzinfo=CHINA_TZ)
PDF = b"%PDF-1.7\n% a proof\n"
POLICY = "gd-2010"
CODE_A = "91440101MA59A0000C"
CODE_B = "91440104MA59B0000X"


def _code(first17: str) -> str:
    from registry.portal import check_character

    return first17 + check_character(first17)


EMPLOYER_A = Actor("hospital", PortalRole.EMPLOYER, _code("91440106MA59A0000"))
EMPLOYER_B = Actor("metro", PortalRole.EMPLOYER, _code("91440104MA59B0000"))
BUREAU = Actor("tianhe", PortalRole.BUREAU, "440106")
CITY = Actor("guangzhou", PortalRole.BUREAU, "440100")
OTHER_BUREAU = Actor("shaoguan", PortalRole.BUREAU, "440200")
HEALTH = Actor("health", PortalRole.AUTHORITY, "health")
EDUCATION = Actor("education", PortalRole.AUTHORITY, "education")
ZHANG = Person("440106198503120031", "张伟", "", "卫生", TitleLevel.INTERMEDIATE,
               dt.date(2016, 7, 1), "440106")  # fmt: skip
ME = Actor("zhangwei", PortalRole.PROFESSIONAL, ZHANG.id_number)


def record(category: Category, minutes: int, title: str = "课程") -> Activity:
    return Activity(
        id_number=ZHANG.id_number, year=2025, category=category, kind="online_course",
        title=title, course_code="", minutes=minutes, start_date=dt.date(2025, 5, 1),
        end_date=dt.date(2025, 5, 2), provider="广东省继续教育平台", score=None, role=None,
        status=RecordStatus.DECLARED,
    )  # fmt: skip


@pytest.fixture
def registry(tmp_path: Path) -> Registry:
    reg = Registry.create(tmp_path / "registry.sqlite")
    for employer, region in ((EMPLOYER_A, "440106"), (EMPLOYER_B, "440104")):
        made = reg.registrations.register_employer(
            employer, name=employer.username, region=region, at=AT
        )
        decider = BUREAU if region == "440106" else CITY
        reg.registrations.decide_employer(
            decider, made.credit_code, version=made.version, approve=True, reason=None, at=AT
        )
    enrolment = reg.registrations.register_person(ME, ZHANG, credit_code=EMPLOYER_A.scope, at=AT)
    reg.registrations.decide_person(
        EMPLOYER_A, ZHANG.id_number, version=enrolment.version, approve=True, reason=None, at=AT
    )
    return reg


def declare(reg: Registry, category: Category, minutes: int, token: str) -> int:
    proof = check_proof(PDF, "证书.pdf")
    return reg.declarations.declare(
        ME, record(category, minutes), proofs=[proof], token=token, at=AT
    ).id


def test_a_record_goes_from_the_person_through_the_employer_to_its_confirmer(
    registry: Registry,
) -> None:
    public = declare(registry, Category.PUBLIC, 30 * 60, "t1")
    professional = declare(registry, Category.PROFESSIONAL, 60 * 60, "t2")
    queue = registry.declarations.queue(EMPLOYER_A)
    assert [d.id for d in queue.items] == [public, professional]
    assert queue.total == 2
    assert registry.declarations.queue(EMPLOYER_B).total == 0
    versions = {d.id: d.version for d in queue.items}
    decided = registry.declarations.decide(
        EMPLOYER_A, versions, approve=True, reason=None, default_policy=POLICY, at=AT
    )
    stages = {d.id: d.stage for d in decided}
    # Health is governed by its industry authority for professional records (the rules say so).
    assert stages == {public: Stage.BUREAU, professional: Stage.AUTHORITY}
    assert registry.declarations.queue(EDUCATION).total == 0
    health = registry.declarations.queue(HEALTH)
    registry.declarations.decide(
        HEALTH, {d.id: d.version for d in health.items}, approve=True, reason=None,
        default_policy=POLICY, at=AT,
    )  # fmt: skip
    assert registry.declarations.queue(OTHER_BUREAU).total == 0
    city = registry.declarations.queue(CITY)
    assert [d.id for d in city.items] == [public]
    registry.declarations.decide(
        CITY, {public: city.items[0].version}, approve=True, reason=None,
        default_policy=POLICY, at=AT,
    )  # fmt: skip
    counted = registry.activities(ZHANG.id_number, year=2025)
    assert {(a.category, a.confirmed_by) for a in counted} == {
        (Category.PUBLIC, Confirmer.HR_BUREAU),
        (Category.PROFESSIONAL, Confirmer.INDUSTRY_AUTHORITY),
    }
    person = registry.person(ZHANG.id_number)
    assert person is not None
    result = evaluate(get_policy(POLICY), counted, year=2025, subject=Subject.of(person))
    assert result.summary.total_counted == 90 * 60
    assert not [p for p in registry.audit().problems if p.kind != "log_unsigned"]


def test_a_returned_record_is_corrected_and_resubmitted(registry: Registry) -> None:
    ident = declare(registry, Category.PUBLIC, 30 * 60, "t1")
    seen = registry.declarations.declaration(EMPLOYER_A, ident)
    with pytest.raises(RegistryError) as caught:
        registry.declarations.decide(
            EMPLOYER_A,
            {ident: seen.version},
            approve=False,
            reason="  ",
            default_policy=POLICY,
            at=AT,
        )
    assert caught.value.reason == "reason_required"
    registry.declarations.decide(
        EMPLOYER_A,
        {ident: seen.version},
        approve=False,
        reason="学时与证明不符",
        default_policy=POLICY,
        at=AT,
    )
    mine = registry.declarations.declaration(ME, ident)
    assert mine.state is DeclarationState.RETURNED
    assert mine.reason == "学时与证明不符"
    again = registry.declarations.resubmit(
        ME, ident, record(Category.PUBLIC, 20 * 60), version=mine.version, at=AT
    )
    assert again.state is DeclarationState.DECLARED
    assert again.record.minutes == 1200
    assert again.reason is None
    assert again.stage is Stage.EMPLOYER


def test_a_double_submit_declares_once_and_a_stale_decision_is_refused(registry: Registry) -> None:
    first = declare(registry, Category.PUBLIC, 30 * 60, "same")
    assert declare(registry, Category.PUBLIC, 30 * 60, "same") == first
    assert registry.declarations.queue(EMPLOYER_A).total == 1
    seen = registry.declarations.declaration(EMPLOYER_A, first)
    registry.declarations.decide(
        EMPLOYER_A, {first: seen.version}, approve=True, reason=None, default_policy=POLICY, at=AT
    )
    with pytest.raises(RegistryError) as caught:
        registry.declarations.decide(
            EMPLOYER_A,
            {first: seen.version},
            approve=False,
            reason="晚了",
            default_policy=POLICY,
            at=AT,
        )
    assert caught.value.reason == "changed"


def test_nobody_acts_outside_their_scope_and_nothing_changes(registry: Registry) -> None:
    ident = declare(registry, Category.PUBLIC, 30 * 60, "t1")
    seen = registry.declarations.declaration(ME, ident)
    events = registry.log_size()
    for actor in (
        EMPLOYER_B,
        OTHER_BUREAU,
        EDUCATION,
        Actor("x", PortalRole.PROFESSIONAL, "440104199001150021"),
    ):
        with pytest.raises(RegistryError) as caught:
            registry.declarations.declaration(actor, ident)
        assert caught.value.reason == "forbidden"
        with pytest.raises(RegistryError) as caught:
            registry.declarations.decide(
                actor,
                {ident: seen.version},
                approve=True,
                reason=None,
                default_policy=POLICY,
                at=AT,
            )
        assert caught.value.reason == "forbidden"
    assert registry.log_size() == events
    assert registry.declarations.declaration(ME, ident).version == seen.version


def test_an_application_becomes_a_request_and_cannot_be_withdrawn_once_approved(
    registry: Registry,
) -> None:
    applied = registry.applications.apply(ME, year=2025, token="a1", at=AT)
    assert registry.applications.apply(ME, year=2025, token="a1", at=AT).id == applied.id
    with pytest.raises(RegistryError) as caught:
        registry.applications.apply(ME, year=2025, token="a2", at=AT)
    assert caught.value.reason == "already_applied"
    with pytest.raises(RegistryError):
        registry.applications.decide(
            BUREAU, {applied.id: applied.version}, approve=True, reason=None, at=AT
        )
    employer = registry.applications.decide(
        EMPLOYER_A, {applied.id: applied.version}, approve=True, reason=None, at=AT
    )[0]
    assert employer.state is ApplicationState.EMPLOYER_APPROVED
    bureau = registry.applications.decide(
        BUREAU, {applied.id: employer.version}, approve=True, reason=None, at=AT
    )[0]
    assert bureau.state is ApplicationState.APPROVED
    assert [r.id for r in registry.applications.requests()] == [applied.id]
    with pytest.raises(RegistryError) as caught:
        registry.applications.withdraw(ME, applied.id, version=bureau.version, at=AT)
    assert caught.value.reason == "application_approved"
    registry.applications.close(applied.id, number="440106000000010", edition=1, reason=None, at=AT)
    assert registry.applications.application(ME, applied.id).state is ApplicationState.ISSUED
    assert registry.applications.requests() == []


def test_registrations_need_their_approvals(registry: Registry, tmp_path: Path) -> None:
    pending = registry.registrations.register_employer(
        Actor("new", PortalRole.EMPLOYER, _code("91440106MA59C0000")),
        name="新单位",
        region="440106",
        at=AT,
    )
    assert pending.state is Approval.PENDING
    assert [e.credit_code for e in registry.registrations.pending_employers(BUREAU).items] == [
        pending.credit_code
    ]
    assert registry.registrations.pending_employers(OTHER_BUREAU).total == 0
    with pytest.raises(RegistryError) as caught:
        registry.registrations.decide_employer(
            OTHER_BUREAU, pending.credit_code, version=1, approve=True, reason=None, at=AT
        )
    assert caught.value.reason == "forbidden"
    other = Person(
        "440104199001150021", "王一", "", "工程", TitleLevel.JUNIOR, dt.date(2019, 9, 1), "440104"
    )
    with pytest.raises(RegistryError) as caught:
        registry.registrations.register_person(
            Actor("w", PortalRole.PROFESSIONAL, other.id_number),
            other,
            credit_code=pending.credit_code,
            at=AT,
        )
    assert caught.value.reason == "unknown_employer"


def test_an_authority_sees_only_the_records_that_reach_it(registry: Registry) -> None:
    """Its sector's records once the employer passed them to it, or that it confirmed; not
    one the employer has not looked at, nor one the rules give to the bureau."""
    professional = declare(registry, Category.PROFESSIONAL, 60 * 60, "t1")
    public = declare(registry, Category.PUBLIC, 30 * 60, "t2")
    for ident in (professional, public):
        with pytest.raises(RegistryError) as caught:
            registry.declarations.declaration(HEALTH, ident)
        assert caught.value.reason == "forbidden"
    seen = registry.declarations.queue(EMPLOYER_A).items
    registry.declarations.decide(
        EMPLOYER_A, {d.id: d.version for d in seen}, approve=True, reason=None,
        default_policy=POLICY, at=AT,
    )  # fmt: skip
    assert registry.declarations.declaration(HEALTH, professional).stage is Stage.AUTHORITY
    with pytest.raises(RegistryError):
        registry.declarations.declaration(HEALTH, public)  # the bureau's to confirm
    assert [d.id for d in registry.declarations.of_person(HEALTH, ZHANG.id_number)] == [
        professional
    ]


def test_a_row_not_at_the_actors_stage_is_refused_as_not_theirs(registry: Registry) -> None:
    """The version the bureau names is current: nobody acted since; the record waits for
    the employer, so the bureau is refused (forbidden), not told it changed."""
    ident = declare(registry, Category.PUBLIC, 30 * 60, "t1")
    current = registry.declarations.declaration(CITY, ident)
    with pytest.raises(RegistryError) as caught:
        registry.declarations.decide(
            CITY, {ident: current.version}, approve=True, reason=None,
            default_policy=POLICY, at=AT,
        )  # fmt: skip
    assert caught.value.reason == "forbidden"
    applied = registry.applications.apply(ME, year=2025, token="a1", at=AT)
    with pytest.raises(RegistryError) as caught:
        registry.applications.decide(
            BUREAU, {applied.id: applied.version}, approve=True, reason=None, at=AT
        )
    assert caught.value.reason == "forbidden"


@pytest.mark.parametrize("bureau", [BUREAU, CITY, Actor("gd", PortalRole.BUREAU, "440000")])
def test_a_bureau_queue_is_read_in_index_order_without_sorting_its_area(
    registry: Registry, bureau: Actor
) -> None:
    """A district, city or province bureau's page reads its rows in id order from an index:
    sorting every waiting row of the area for each page made a city's page cost 0.3 s and a
    province's 0.9 s on 5,000,000 records (docs/performance.md)."""
    conn = registry._connection.conn
    with traced(conn) as statements:
        registry.declarations.queue(bureau)
        registry.applications.queue(bureau)
    reads = [s for s in statements if s.startswith("SELECT") and "ORDER BY" in s]
    assert len(reads) == 2
    for sql in reads:
        plan = " | ".join(row[3] for row in conn.execute(f"EXPLAIN QUERY PLAN {sql}"))
        assert "TEMP B-TREE" not in plan, plan
        assert "_queue" in plan, plan


def test_a_queue_counts_up_to_its_cap_and_says_so(
    registry: Registry, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A queue's total is counted up to ``COUNT_CAP`` and then marked as more: counting
    a whole province's waiting rows on every page grew with the registry (25 ms at
    2,000,000 records, docs/performance.md)."""
    from registry.store import queues

    for n in range(3):
        declare(registry, Category.PUBLIC, 30 * 60, f"cap{n}")
    monkeypatch.setattr(queues, "COUNT_CAP", 2)
    page = registry.declarations.queue(EMPLOYER_A, limit=1)
    assert (page.total, page.capped, len(page.items)) == (2, True, 1)
    monkeypatch.setattr(queues, "COUNT_CAP", 3)
    page = registry.declarations.queue(EMPLOYER_A, limit=1)
    assert (page.total, page.capped) == (3, False)


@pytest.mark.parametrize("bureau", [BUREAU, CITY, Actor("gd", PortalRole.BUREAU, "440000")])
def test_a_bureau_queue_counts_only_its_area_from_a_covering_index(
    registry: Registry, bureau: Actor
) -> None:
    """The count reads index entries of the bureau's own area, never a table row nor the
    waiting rows of other areas, and stops at the cap."""
    conn = registry._connection.conn
    with traced(conn) as statements:
        registry.declarations.queue(bureau)
        registry.applications.queue(bureau)
    counts = [s for s in statements if "count(*)" in s]
    assert len(counts) == 2
    for sql in counts:
        assert "LIMIT" in sql, sql
        plan = " | ".join(row[3] for row in conn.execute(f"EXPLAIN QUERY PLAN {sql}"))
        assert "COVERING INDEX" in plan, plan
        assert "region=?" in plan or "region>? AND region<?" in plan, plan


def test_a_page_and_a_year_read_their_proofs_in_one_query(registry: Registry) -> None:
    """A queue's page comes with every record's proofs, and neither it nor a person's
    year asks once per record: three statements (count, page, proofs) however long."""
    for n in range(4):
        declare(registry, Category.PUBLIC, 30 * 60, f"proofs{n}")
    conn = registry._connection.conn
    with traced(conn) as statements:
        page = registry.declarations.queue(EMPLOYER_A)
        queue_reads = len(statements)
        year = registry.declarations.of_person(ME, ZHANG.id_number, year=2025)
    assert len(page.items) == len(year) == 4
    assert all(d.proofs and d.proofs[0].filename == "证书.pdf" for d in (*page.items, *year))
    assert queue_reads == 3, statements
    assert len(statements) - queue_reads == 2, statements


def test_no_read_a_page_makes_scans_a_whole_table(registry: Registry) -> None:
    """Every read behind the portal's pages follows an index: a person's applications were
    read by scanning every application of the registry (≈ 1,400,000 at 10,000,000
    records), the only index on the person being the partial one of open applications."""
    declare(registry, Category.PUBLIC, 30 * 60, "scan1")
    registry.applications.apply(ME, year=2025, token="scan-a", at=AT)
    conn = registry._connection.conn
    with traced(conn) as statements:
        registry.declarations.of_person(ME, ZHANG.id_number, year=2025)
        registry.applications.of_person(ME, ZHANG.id_number)
        for who in (EMPLOYER_A, BUREAU, CITY, HEALTH):
            registry.declarations.queue(who)
        for who in (EMPLOYER_A, BUREAU, CITY):
            registry.applications.queue(who)
        registry.registrations.staff(EMPLOYER_A, state=Approval.APPROVED)
        registry.registrations.pending_employers(CITY)
    reads = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    assert len(reads) > 10
    for sql in reads:
        plan = " | ".join(row[3] for row in conn.execute(f"EXPLAIN QUERY PLAN {sql}"))
        assert not re.search(r"(^|\| )SCAN (?!\(subquery|CONSTANT)", plan), (sql, plan)
