"""The year at a glance in a real Chromium, on a 360 px phone and looked at on a 1280 px desk,
against a real `cecert portal serve`, after a real `cecert portal stats`: the city bureau's
figures, chart and people furthest short, downloaded as CSV and Excel with the browser's own
session; the employer's page for its staff.

Every page is screenshotted (``portal-<width>-glance-<step>.png``, also into
``$CECERT_SCREENSHOTS``), must not scroll sideways and must give axe-core no WCAG 2.1 A/AA
violation.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import urllib.request
from pathlib import Path

from openpyxl import load_workbook
from selenium.webdriver.common.by import By

from registry import Home
from tests.conftest import IssuedHome, needs_browser
from tests.support.cli import run
from tests.support.portal import PASSWORD
from tests.support.portal_browser import Journey, demo_seed, portal_serving

pytestmark = needs_browser


def fetch(j: Journey, url: str) -> bytes:
    request = urllib.request.Request(url, headers={"Cookie": j.cookies()})
    with urllib.request.urlopen(request, timeout=30) as response:
        assert response.headers["Content-Disposition"].startswith("attachment")
        data: bytes = response.read()
    return data


def test_the_bureau_and_the_employer_see_the_year_and_download_it(
    fresh_home: IssuedHome, journey: Journey, tmp_path: Path
) -> None:
    j = journey
    home = fresh_home.home.root
    assert demo_seed()(Home(home), PASSWORD, at=dt.datetime.now(dt.UTC))
    made = run("portal", "stats", "--year", "2025", home=home)
    assert made.returncode == 0, made.stderr
    assert "2025 年度统计已更新" in made.stdout
    log = tmp_path / "portal.log"
    with portal_serving(home, log) as portal:
        j.log_in(portal, "guangzhou")
        j.press_text("年度统计")
        j.choose("year", "2025")
        j.press_text("查看")
        main = j.main()
        assert "完成情况" in main
        assert "差得最多的人员" in main
        assert j.browser.find_elements(By.CSS_SELECTOR, "svg.chart rect.chart-bar")
        j.look("glance-01-bureau")
        link = j.browser.find_element(By.LINK_TEXT, "下载 CSV").get_attribute("href")
        assert link is not None
        rows = list(csv.reader(io.StringIO(fetch(j, link).decode("utf-8-sig"))))
        assert rows[0][0] == "单位"
        assert len(rows) > 1
        excel = j.browser.find_element(By.LINK_TEXT, "下载 Excel").get_attribute("href")
        assert excel is not None
        sheet = load_workbook(io.BytesIO(fetch(j, excel))).active
        assert sheet["A1"].value == "单位"
        j.log_out()

        j.log_in(portal, "hospital")
        j.press_text("年度统计")
        j.choose("year", "2025")
        j.choose("by", "series")
        j.press_text("查看")
        assert "按职称系列统计" in j.main()
        j.look("glance-02-employer")
        j.log_out()
    assert "Traceback" not in log.read_text("utf-8"), log.read_text("utf-8")
    findings = "\n".join(str(f) for f in j.findings)
    assert not j.findings, f"{len(j.findings)} accessibility or layout findings:\n" + findings
