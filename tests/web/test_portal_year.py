"""The professional's year page, proofs, applications and certificates through the Flask
test client, on a real home and registry (张伟's 2025 is met and issued there)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from registry.portal import Actor, PortalRole
from tests.conftest import IssuedHome
from tests.support.portal import (
    PDF,
    TOKEN,
    WANG,
    ZHANG,
    Portal,
    approved_employer,
    declarations,
    enrolled,
    make_portal,
    record_form,
    upload,
)


@pytest.fixture
def portal(fresh_home: IssuedHome, tmp_path: Path) -> Portal:
    return make_portal(fresh_home, tmp_path)


# -- the year, proofs, applying, certificates ----------------------------------------------------


def test_the_year_page_explains_the_rules_result(portal: Portal) -> None:
    approved_employer(portal)
    browser = enrolled(portal, ZHANG, "张伟", "zhang")
    page = browser.get("/me")
    assert "2025 年度：已完成学时要求" in page
    assert "公需科目" in page
    assert "每条记录如何计入" in page
    assert "gd-2010" in page
    assert "申请 2025 年度证书" in page
    earlier = browser.get("/me?year=2024")
    assert "2024 年度：" in earlier
    assert "申请 2024 年度证书" not in earlier
    browser.get("/me?year=1800", status=404)


def test_proofs_are_attachments_for_their_owner_only(portal: Portal) -> None:
    approved_employer(portal)
    zhang = enrolled(portal, ZHANG, "张伟", "zhang")
    zhang.post("/me/declare", record_form(zhang) | {"proofs": [(upload(PDF), "证书.pdf")]})
    [declared] = declarations(portal, ZHANG)
    path = f"/proofs/{declared.id}/{declared.proofs[0].sha256}"
    response = zhang.http.get(path)
    assert response.status_code == 200
    assert response.data == PDF
    assert response.headers["Content-Type"] == "application/pdf"
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Content-Security-Policy"] == "sandbox"
    wang = enrolled(portal, WANG, "王𠈌", "wang")
    assert wang.http.get(path).status_code == 403
    assert portal.client().http.get(path).status_code == 302  # to the login page


def test_applying_when_met_and_refused_when_not(portal: Portal) -> None:
    approved_employer(portal)
    browser = enrolled(portal, ZHANG, "张伟", "zhang")
    page = browser.get("/me?year=2025")
    token = TOKEN.search(page)
    assert token
    applied = browser.post("/me/apply", {"year": "2025", "token": token.group(1)})
    assert applied.headers["Location"] == "/me/applications"
    applications = browser.get("/me/applications")
    assert "已提交，待单位审核" in applications
    assert "撤回 2025 年度的申请" in applications
    browser.post("/me/apply", {"year": "2025", "token": token.group(1)})  # the same token
    again = browser.post("/me/apply", {"year": "2025", "token": "x" * 20}, status=400)
    assert 'data-reason="already_applied"' in again.get_data(as_text=True)
    short = browser.post("/me/apply", {"year": "2024", "token": "y" * 20}, status=400)
    text = short.get_data(as_text=True)
    assert "hours_not_met" in text or "not_in_force" in text
    with portal.registry() as registry:
        mine = registry.applications.of_person(Actor("z", PortalRole.PROFESSIONAL, ZHANG), ZHANG)
    assert len(mine) == 1
    withdrawn = re.search(r'name="version" value="(\d+)"', applications)
    assert withdrawn
    browser.post(f"/me/applications/{mine[0].id}/withdraw", {"version": withdrawn.group(1)})
    assert "已撤回" in browser.get("/me/applications")


def test_certificates_are_downloaded_by_their_holder(portal: Portal) -> None:
    approved_employer(portal)
    zhang = enrolled(portal, ZHANG, "张伟", "zhang")
    [document] = [d for d in portal.home.documents if d.id_number == ZHANG]
    page = zhang.get("/me/certificates")
    link = f"/me/certificates/{document.number}/{document.edition}.pdf"
    assert link in page
    response = zhang.http.get(link)
    assert response.status_code == 200
    assert response.data.startswith(b"%PDF")
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    wang = enrolled(portal, WANG, "王𠈌", "wang")
    assert wang.http.get(link).status_code == 404
