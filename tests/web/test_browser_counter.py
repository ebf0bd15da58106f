"""The bureau's counter in a real Chromium, on a 360 px phone and looked at on a 1280 px desk,
against real servers (`cecert portal serve`, `cecert issue --requests`, `cecert serve`).

A holder has lost their certificate: the city clerk finds them by the masked ID number and
name, asks for a reissue, the signer makes the new edition, the clerk prints it, and the
public verifier then reports the lost edition as superseded. Then an investigation: the city
clerk asks to revoke the certificate; it waits, and the clerk cannot approve it themself;
the district clerk approves; the signer revokes it; the certificate page says so.

Every page is screenshotted (``portal-<width>-counter-<step>.png``, also into
``$CECERT_SCREENSHOTS``), must not scroll sideways and must give axe-core no WCAG 2.1 A/AA
violation.
"""

from __future__ import annotations

import urllib.request
from pathlib import Path

from selenium.webdriver.common.by import By

from tests.conftest import PASSPHRASE, IssuedHome, needs_browser, serving
from tests.support.cli import run
from tests.support.portal import ZHANG
from tests.support.portal_browser import Journey, add_account, portal_serving

pytestmark = needs_browser

CITY, DISTRICT = "guangzhou", "tianhe"
ENV = {"CECERT_PASSPHRASE": PASSPHRASE.decode()}


def test_the_counter_reissues_a_lost_certificate_and_revokes_with_two_clerks(
    fresh_home: IssuedHome, journey: Journey, tmp_path: Path
) -> None:
    j = journey
    home = fresh_home.home.root
    lost = next(d for d in fresh_home.documents if d.id_number == ZHANG)
    add_account(home, CITY, "bureau", "440100")
    add_account(home, DISTRICT, "bureau", "440106")
    log = tmp_path / "portal.log"
    with portal_serving(home, log) as portal:
        # The lost certificate: found by the masked ID number and the name.
        j.log_in(portal, CITY)
        j.press_text("窗口业务")
        j.look("counter-01-search")
        j.type("q", ZHANG[:6] + "********" + ZHANG[-4:])
        j.type("name", "张伟")
        j.press_text("查找")
        assert f"证书编号 {lost.number}" in j.main()
        j.look("counter-02-found")
        j.press_text(f"张伟（证书编号 {lost.number}）")
        j.look("counter-03-certificate")
        j.pick("kind-reissue")
        j.choose("reason", "lost")
        j.type("note", "本人持身份证到窗口申请补办")
        j.press_text("提交")
        assert "已受理补办" in j.flash()
        j.look("counter-04-reissue-asked")

        done = run("issue", "--requests", env=ENV, home=home)
        assert done.returncode == 0, done.stderr
        assert f"（补办 {lost.number}）：已办结，第{lost.edition + 1}版" in done.stdout

        j.open(f"{portal}/counter/certificates/{lost.number}")
        assert "已办结" in j.main()
        assert "已被新版取代" in j.main()
        j.look("counter-05-reissued")
        href = f"{portal}/counter/certificates/{lost.number}/{lost.edition + 1}.pdf"
        request = urllib.request.Request(href, headers={"Cookie": j.cookies()})
        with urllib.request.urlopen(request, timeout=30) as response:
            assert response.headers["Content-Type"] == "application/pdf"
            printed = response.read()
        assert printed.startswith(b"%PDF-")

        # The investigation: a revocation waits for a second clerk.
        j.pick("kind-revoke")
        j.choose("reason", "fraud")
        j.type("note", "稽查通知 2026-17 号")
        j.press_text("提交")
        assert "须由另一名工作人员复核" in j.flash()
        j.press_text("返回窗口业务")
        j.press_text("查看等待复核的业务（1 件）")
        assert "这是您提交的业务" in j.main()
        j.look("counter-06-own-waits")
        j.log_out()

        j.log_in(portal, DISTRICT)
        j.open(f"{portal}/counter/second")
        assert f"撤销 {lost.number}" in j.main()
        j.look("counter-07-second-clerk")
        j.press(j.browser.find_element(By.CSS_SELECTOR, "button[value='approve']"))
        assert "已同意" in j.flash()
        j.look("counter-08-approved")

        revoked = run("issue", "--requests", env=ENV, home=home)
        assert revoked.returncode == 0, revoked.stderr
        assert f"（撤销 {lost.number}）：已办结" in revoked.stdout
        j.open(f"{portal}/counter/certificates/{lost.number}")
        assert "已撤销" in j.main()
        j.look("counter-09-revoked")
        j.log_out()
    assert "Traceback" not in log.read_text("utf-8"), log.read_text("utf-8")

    # The lost edition on the public verifier: superseded, never silently valid.
    with serving(home, "--workers", "1") as verifier:
        j.open(verifier + "/")
        j.attach("file", fresh_home.pdf(lost))
        form = j.browser.find_element(By.CSS_SELECTOR, "main form")
        j.press(form.find_element(By.CSS_SELECTOR, "button[type=submit]"))
        verdict = j.browser.find_element(By.CSS_SELECTOR, ".verdict").text
        assert "已被新版本取代" in verdict, verdict
        j.look("counter-10-old-edition-superseded")

    findings = "\n".join(str(f) for f in j.findings)
    assert not j.findings, f"{len(j.findings)} accessibility or layout findings:\n" + findings
