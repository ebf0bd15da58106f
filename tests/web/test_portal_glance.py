"""The year at a glance over HTTP: nothing before the figures are made; then the bureau's
region and the employer's staff, each table downloaded as CSV and Excel with any cell that a
spreadsheet would run as a formula written as text; other roles are refused."""

from __future__ import annotations

import csv
import dataclasses
import io
from pathlib import Path

import pytest
from openpyxl import load_workbook

from portal.web.exports import safe_cell, xlsx_cell
from registry.portal import Actor, PortalRole
from registry.store import Registry
from tests.conftest import IssuedHome
from tests.support.portal import (
    NOW,
    PASSWORD,
    ZHANG,
    Portal,
    approved_employer,
    enrolled,
    make_portal,
    register_employer,
)
from webcore import Role

YEAR = 2025
FORMULA = '=HYPERLINK("http://evil.example","点击")'


@pytest.fixture
def portal(fresh_home: IssuedHome, tmp_path: Path) -> Portal:
    made = make_portal(fresh_home, tmp_path)
    accounts = made.accounts()
    accounts.add("tianhe", PASSWORD, Role.BUREAU, at=NOW, scope="440106")
    accounts.add("gd", PASSWORD, Role.BUREAU, at=NOW, scope="440000")
    accounts.add("health", PASSWORD, Role.AUTHORITY, at=NOW, scope="health")
    return made


def refresh(portal: Portal) -> None:
    with portal.registry() as registry:
        registry.standings.refresh(YEAR, default_policy="gd-2010", at=NOW)


def test_safe_cell_writes_formulas_as_text() -> None:
    for text in ("=1+1", "+1", "-1", "@SUM(A1)", "\t=1", "\r=1"):
        assert safe_cell(text) == "'" + text
    assert safe_cell(" =1") == "' =1"  # after leading spaces
    assert safe_cell("＝1+1") == "'＝1+1"  # a full-width sign is read as the ASCII one
    assert safe_cell("张伟") == "张伟"
    assert xlsx_cell("=1") == "'=1"  # the library would write it as a formula
    assert xlsx_cell("-某") == "-某"  # text in .xlsx is never run: no stray apostrophe
    assert safe_cell(-3) == -3  # a number stays a number
    assert safe_cell(None) is None


def test_the_bureau_reads_its_region_and_downloads_it(portal: Portal) -> None:
    with portal.registry() as registry:
        person = registry.person(ZHANG)
        assert person is not None
        registry.import_people([(2, dataclasses.replace(person, employer=FORMULA))],
                               source="更正.csv", at=NOW)  # fmt: skip
    gd = portal.client()
    gd.log_in("gd")
    assert "年度尚未统计" in gd.get(f"/glance/?year={YEAR}")
    refresh(portal)
    page = gd.get(f"/glance/?year={YEAR}&by=employer")
    assert "完成情况" in page
    assert "<svg" in page
    with portal.registry() as registry:
        totals = registry.standings.totals(Actor("gd", PortalRole.BUREAU, "440000"), YEAR)
    assert f"<dd>{totals.people}</dd>" in page
    response = gd.http.get(f"/glance/groups.csv?year={YEAR}&by=employer")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment")
    text = response.get_data().decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][:3] == ["单位", "人数", "已核算"]
    assert sum(int(r[1]) for r in rows[1:]) == totals.people
    poisoned = [r for r in rows if FORMULA in r[0]]
    assert poisoned
    assert poisoned[0][0].startswith("'=")
    book = load_workbook(io.BytesIO(gd.http.get(f"/glance/groups.xlsx?year={YEAR}").get_data()))
    cells = [c for row in book.active.iter_rows() for c in row if FORMULA in str(c.value)]
    assert cells
    assert all(c.data_type == "s" and str(c.value).startswith("'=") for c in cells)
    short = gd.http.get(f"/glance/short.csv?year={YEAR}").get_data().decode("utf-8-sig")
    assert short.splitlines()[0].startswith("姓名,单位")
    assert gd.http.get("/glance/?year=20x5").status_code == 400
    assert gd.http.get("/glance/?by=name").status_code == 400
    assert gd.http.get("/glance/nothing.csv").status_code == 404


def test_an_employer_the_bureau_has_not_approved_sees_no_figures(portal: Portal) -> None:
    register_employer(portal.client())
    hospital = portal.client()
    hospital.log_in("hospital")
    response = hospital.http.get(f"/glance/?year={YEAR}")
    assert (response.status_code, response.headers["Location"]) == (302, "/employer/")
    assert hospital.http.get(f"/glance/short.csv?year={YEAR}").status_code == 302


def test_an_employer_reads_its_staff_and_other_roles_are_refused(portal: Portal) -> None:
    approved_employer(portal)
    zhang = enrolled(portal, ZHANG, "张伟", "zhangwei")
    refresh(portal)
    hospital = portal.client()
    hospital.log_in("hospital")
    page = hospital.get(f"/glance/?year={YEAR}&by=series")
    assert "<dd>1</dd>" in page  # 张伟 alone
    assert "卫生技术" in page
    assert zhang.http.get("/glance/").status_code == 403
    health = portal.client()
    health.log_in("health")
    assert health.http.get("/glance/").status_code == 403
    with Registry.open(portal.home.home.registry_path) as registry:
        assert (
            registry.standings.totals(Actor("hospital", PortalRole.EMPLOYER, "x"), YEAR).people == 0
        )
