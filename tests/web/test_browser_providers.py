"""A training provider's class in a real Chromium, on a 360 px phone and looked at on a 1280 px
desk, against a real `cecert portal serve` on a real registry.

The provider files a class plan (a face-to-face one too soon is refused, naming the earliest
day; an online one running today is filed); the health authority approves it; the provider
uploads a roster with a bad row (refused whole, the row named), then the right one; the
attendee finds the hours confirmed in the year, the provider named; the provider makes an API
token and the API lists the plan with its roster.

Every page is screenshotted (``portal-<width>-provider-<step>.png``, also into
``$CECERT_SCREENSHOTS``), must not scroll sideways and must give axe-core no WCAG 2.1 A/AA
violation.
"""

from __future__ import annotations

import datetime as dt
import json
import urllib.request
from pathlib import Path

from selenium.webdriver.common.by import By

from registry import CHINA_TZ, Home
from tests.conftest import IssuedHome, needs_browser
from tests.support.portal import PASSWORD, ZHANG
from tests.support.portal_browser import Journey, demo_seed, portal_serving

pytestmark = needs_browser


def test_a_class_is_filed_approved_and_its_roster_confirms_the_attendees_hours(
    fresh_home: IssuedHome, journey: Journey, tmp_path: Path
) -> None:
    j = journey
    home = fresh_home.home.root
    assert demo_seed()(Home(home), PASSWORD, at=dt.datetime.now(dt.UTC))
    today = dt.datetime.now(CHINA_TZ).date()
    log = tmp_path / "portal.log"
    with portal_serving(home, log) as portal:
        j.log_in(portal, "peixun")
        j.look("provider-01-workbench")
        j.press_text("填报办班计划")
        j.type("title", "院感防控网络专题")
        j.type("course_code", "GZWS-WL-02")
        j.choose("sector", "health")
        j.type("place", "广州市天河区中山大道西 8 号")
        j.type("hours", "6")
        j.date("start_date", today.isoformat())
        j.date("end_date", today.isoformat())
        j.press_text("提交计划")
        assert "开班前至少 30 天" in j.main()  # face-to-face is chosen at first
        j.look("provider-02-too-soon")
        j.pick("mode-online")
        j.press_text("提交计划")
        assert "待行业主管部门或人社局审核" in j.flash()
        plan_url = str(j.browser.current_url)
        j.look("provider-03-filed")
        j.log_out()

        j.log_in(portal, "health")
        j.press_text("办班计划审核")
        j.look("provider-04-authority-queue")
        j.press_text("院感防控网络专题")
        j.press_text("通过并备案")
        assert "已通过并备案" in j.flash()
        j.look("provider-05-approved")
        j.log_out()

        j.log_in(portal, "peixun")
        j.open(plan_url)
        bad = tmp_path / "名单.csv"
        bad.write_text(f"身份证号,姓名,学时\n{ZHANG},张伟,6\n{ZHANG},张三,6\n", encoding="utf-8")
        j.attach("roster", bad)
        j.press_text("上传名单")
        assert "第 3 行" in j.main()
        j.look("provider-06-roster-refused")
        good = tmp_path / "名单-更正.csv"
        good.write_text(f"身份证号,姓名,学时,成绩\n{ZHANG},张伟,6,95\n", encoding="utf-8")
        j.attach("roster", good)
        j.press_text("上传名单")
        assert "1 名学员的学时已认定" in j.flash()
        assert "参训人员名单（1 人，学时已认定）" in j.main()
        j.look("provider-07-roster-in")

        j.press_text("返回工作台")
        j.press_text("接口令牌（教务系统对接）")
        j.type("label", "教务系统")
        j.press_text("生成令牌")
        token = j.browser.find_element(By.CSS_SELECTOR, "code.token").text
        j.look("provider-08-token")
        request = urllib.request.Request(
            f"{portal}/api/v1/plans?state=closed", headers={"Authorization": f"Bearer {token}"}
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            listed = json.load(response)
        assert [p["title"] for p in listed["plans"]] == ["院感防控网络专题"]
        j.log_out()

        j.log_in(portal, "zhangwei")
        j.open(f"{portal}/me?year={today.year}")
        main = j.main()
        assert "院感防控网络专题" in main
        assert "施教机构：广州市卫生职业培训中心" in main
        j.look("provider-09-attendee-year")
        j.log_out()
    assert "Traceback" not in log.read_text("utf-8"), log.read_text("utf-8")
    findings = "\n".join(str(f) for f in j.findings)
    assert not j.findings, f"{len(j.findings)} accessibility or layout findings:\n" + findings
