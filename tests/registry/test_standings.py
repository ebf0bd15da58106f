"""The year at a glance in the registry: a refresh judges everyone's year with the engine
issuance uses, the sums by employer, series and level add up to the area's totals, the people
short come most-missing first, each area sees only its own, and the figures say when the
registry has changed since."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re

import pytest

from registry import CHINA_TZ, RegistryError
from registry.places import covers
from registry.portal import Actor, PortalRole, check_character
from registry.portal.standing import judge_year
from registry.store import Registry
from tests.conftest import IssuedHome
from tests.support.sql import traced

AT = dt.datetime(2026, 3, 2, 10, 0, tzinfo=CHINA_TZ)
YEAR = 2025
POLICY = "gd-2010"
PROVINCE = Actor("gd", PortalRole.BUREAU, "440000")
TIANHE = Actor("tianhe", PortalRole.BUREAU, "440106")


@pytest.fixture
def registry(fresh_home: IssuedHome) -> Registry:
    registry = Registry.open(fresh_home.home.registry_path)
    assert registry.standings.refresh(YEAR, default_policy=POLICY, at=AT) == len(
        list(registry.people())
    )
    return registry


def expected(registry: Registry, area: str) -> list[tuple[str, int, bool]]:
    """Each person of ``area`` judged one by one: (id, missing, met)."""
    found = []
    for person in registry.people():
        if covers(area, person.region):
            judged = judge_year(person, registry.activities(person.id_number, year=YEAR),
                                year=YEAR, default_policy=POLICY)  # fmt: skip
            if judged.problem is None:
                found.append((person.id_number, judged.missing, judged.met))
    return found


def test_the_sums_are_the_engines_judgement_person_by_person(registry: Registry) -> None:
    for actor in (PROVINCE, TIANHE):
        people = expected(registry, actor.scope)
        totals = registry.standings.totals(actor, YEAR)
        assert totals.judged == len(people)
        assert totals.met == sum(met for _, _, met in people)
        assert totals.missing == sum(missing for _, missing, _ in people)
        assert 0 < totals.met < totals.judged or actor is TIANHE
        for by in ("employer", "series", "title_level"):
            groups = registry.standings.groups(actor, YEAR, by=by)
            assert sum(g.people for g in groups) == totals.people
            assert sum(g.met for g in groups) == totals.met
        short = registry.standings.short(actor, YEAR, limit=50)
        wanted = sorted(((m, i) for i, m, met in people if m > 0), reverse=True)
        assert [(p.missing, p.id_number) for p in short] == wanted
    assert registry.standings.totals(Actor("anhui", PortalRole.BUREAU, "340000"), YEAR).people == 0


def test_an_employer_sees_its_staff_and_no_one_else(registry: Registry) -> None:
    code = "12440100455350001" + check_character("12440100455350001")
    employer = Actor("hospital", PortalRole.EMPLOYER, code)
    assert registry.standings.totals(employer, YEAR).people == 0  # nobody enrolled yet
    made = registry.registrations.register_employer(employer, name="医院", region="440106", at=AT)
    registry.registrations.decide_employer(TIANHE, code, version=made.version, approve=True,
                                           reason=None, at=AT)  # fmt: skip
    zhang = "440106198503120031"
    person = registry.person(zhang)
    assert person is not None
    me = Actor("zhang", PortalRole.PROFESSIONAL, zhang)
    enrolment = registry.registrations.register_person(me, person, credit_code=code, at=AT)
    registry.registrations.decide_person(employer, zhang, version=enrolment.version,
                                         approve=True, reason=None, at=AT)  # fmt: skip
    assert registry.standings.freshness(YEAR).stale  # type: ignore[union-attr]
    registry.standings.refresh(YEAR, default_policy=POLICY, at=AT)
    fresh = registry.standings.freshness(YEAR)
    assert fresh is not None
    assert not fresh.stale
    assert registry.standings.totals(employer, YEAR).people == 1
    with pytest.raises(RegistryError) as caught:
        registry.standings.totals(Actor("health", PortalRole.AUTHORITY, "health"), YEAR)
    assert caught.value.reason == "forbidden"
    with pytest.raises(RegistryError) as caught:
        registry.standings.groups(PROVINCE, YEAR, by="name")
    assert caught.value.reason == "bad_grouping"
    assert registry.standings.freshness(2019) is None


def test_the_pages_reads_follow_their_indexes(registry: Registry) -> None:
    """An employer's sums were read by the year's primary key, every group of the province
    (no statistics in SQLite to tell it better), unless told which index to use."""
    employer = Actor("hospital", PortalRole.EMPLOYER, "12440100455350001X")
    conn = registry._connection.conn
    with traced(conn) as statements:
        for who in (employer, PROVINCE, TIANHE):
            registry.standings.totals(who, YEAR)
            registry.standings.groups(who, YEAR, by="employer")
            registry.standings.short(who, YEAR)
    reads = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    assert len(reads) >= 9
    for sql in reads:
        plan = " | ".join(row[3] for row in conn.execute(f"EXPLAIN QUERY PLAN {sql}"))
        assert not re.search(r"(^|\| )SCAN ", plan), (sql, plan)
        if re.search(r"credit_code = '[0-9A-Z]", sql):  # an employer's own figures
            assert "year_groups_employer" in plan or "year_standings_employer" in plan, plan


def test_a_registered_employer_is_one_group_however_its_staff_spell_it(
    registry: Registry,
) -> None:
    """Grouped by the text each person's record gives, one employer showed once per
    spelling (市一医院, 广州市第一人民医院) and a person who moved under the old name."""
    code = "12440100455350001" + check_character("12440100455350001")
    employer = Actor("hospital", PortalRole.EMPLOYER, code)
    made = registry.registrations.register_employer(employer, name="广州市第一人民医院",
                                                    region="440106", at=AT)  # fmt: skip
    registry.registrations.decide_employer(TIANHE, code, version=made.version, approve=True,
                                           reason=None, at=AT)  # fmt: skip
    for id_number, spelling in (("440106198503120031", "市一医院"),
                                ("440111198812080046", "华南理工大学")):  # fmt: skip
        person = registry.person(id_number)
        assert person is not None
        me = Actor("p", PortalRole.PROFESSIONAL, id_number)
        registry.import_people([(2, dataclasses.replace(person, employer=spelling))],
                               source="p.csv", at=AT)  # fmt: skip
        enrolment = registry.registrations.register_person(
            me, dataclasses.replace(person, employer=spelling), credit_code=code, at=AT
        )
        registry.registrations.decide_person(employer, id_number, version=enrolment.version,
                                             approve=True, reason=None, at=AT)  # fmt: skip
    registry.standings.refresh(YEAR, default_policy=POLICY, at=AT)
    groups = registry.standings.groups(PROVINCE, YEAR, by="employer")
    ours = [g for g in groups if g.key[0] == code]
    assert len(ours) == 1
    assert ours[0].key[1] == "广州市第一人民医院"
    assert ours[0].people == 2
