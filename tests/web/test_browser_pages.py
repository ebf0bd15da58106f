"""Every page a person reads, on a 360×740 phone and a 1280×800 desk, in a real Chromium:
the upload page, the result page for each kind of answer (valid, invalid, could not verify,
revoked, superseded, hours not met), the scanning page, the login page, the panel and its
report. Each must fit the screen without horizontal scrolling, show no reason code or check
name outside its collapsed technical section, and give axe-core no serious or critical
WCAG 2.1 A/AA finding (tests/support/pagecheck.py). The documentation's screenshots are made here:

    CECERT_DOCS_SCREENSHOTS=docs/screenshots bash scripts/test tests/web/test_browser_pages.py
"""

from __future__ import annotations

import datetime as dt
import hashlib
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from PIL import Image
from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

from keys.private import open_key_ring
from registry.home import Home
from registry.model import RevocationReason
from registry.store import DocumentRecord, Registry
from signer import Issuer, ReissueReason
from signer.status.publication import publish_status
from tests.conftest import CONFIG, PASSPHRASE, IssuedHome, needs_browser, page_replaced, serving
from tests.support.browser import wait_page
from tests.support.bureaus import CHANGED, make_guangde_bureau
from tests.support.logins import PASSWORD, make_instance
from tests.support.pagecheck import AXE, SCREENS, axe_sha256, check_page, screen
from tests.support.payloads import tampered_text

pytestmark = needs_browser
NOW = dt.datetime.now(dt.UTC)


@dataclass(frozen=True)
class Site:
    """A bureau's server with one certificate of each status, and a Guangde one whose
    reissue states too few hours."""

    base: str
    guangde: str
    valid: DocumentRecord
    superseded: DocumentRecord
    revoked: DocumentRecord
    short: DocumentRecord
    folder: Path


def _pdf(home: Home, document: DocumentRecord) -> Path:
    return home.certificates_dir / str(document.year) / f"{document.number}-{document.edition}.pdf"


@pytest.fixture(scope="module")
def site(issued_home: IssuedHome, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    folder = tmp_path_factory.mktemp("pages")
    home = Home(folder / "home")
    shutil.copytree(issued_home.home.root, home.root)
    make_instance(home.root / "instance")
    valid, superseded, revoked = issued_home.documents[:3]
    ring = open_key_ring(home.keys_dir, passphrase=PASSPHRASE)
    with Registry.open(home.registry_path) as registry:
        issuer = Issuer(registry=registry, ring=ring, config=CONFIG, out_dir=home.certificates_dir)
        issuer.reissue(superseded.number, reason=ReissueReason.LOST, at=NOW)
        registry.revoke(
            revoked.number, reason=RevocationReason.ISSUED_IN_ERROR, note="误发", at=NOW
        )
        publish_status(home, registry, ring, at=NOW)
    bureau = make_guangde_bureau(folder / "guangde")
    short = bureau.issuer.reissue(
        bureau.original.number, reason=ReissueReason.LOST, accept_shortfall=True, at=CHANGED
    )
    bureau.registry.close()
    with (
        serving(home.root, "--workers", "1") as base,
        serving(bureau.home.root, "--workers", "1") as guangde,
    ):
        yield Site(base, guangde, valid, superseded, revoked, short, folder)


@pytest.fixture(params=sorted(SCREENS))
def on(request: pytest.FixtureRequest, browser: webdriver.Chrome) -> Iterator[str]:
    """Each test runs on each screen; yields the screen's name."""
    name: str = request.param
    with screen(browser, name):
        yield name


def submit(browser: webdriver.Chrome, css: str = "main", form_css: str = "main form") -> None:
    form = browser.find_element(By.CSS_SELECTOR, form_css)
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    WebDriverWait(browser, 30).until(page_replaced(form))
    WebDriverWait(browser, 30).until(lambda d: d.find_elements(By.CSS_SELECTOR, css))


def verify_upload(browser: webdriver.Chrome, base: str, path: Path) -> str:
    browser.get(base + "/")
    browser.find_element(By.ID, "file").send_keys(str(path))
    submit(browser, ".verdict h2")
    return str(browser.find_element(By.CSS_SELECTOR, ".verdict").text)


def verify_text(browser: webdriver.Chrome, base: str, text: str) -> str:
    browser.get(base + "/")
    browser.execute_script("document.getElementById('qr').value = arguments[0]", text)
    submit(browser, ".verdict h2")
    return str(browser.find_element(By.CSS_SELECTOR, ".verdict").text)


def test_the_vendored_axe_core_is_the_recorded_one() -> None:
    readme = (AXE.parent / "README.md").read_text("utf-8")
    assert axe_sha256() in readme
    assert (AXE.parent / "LICENSE").read_text("utf-8").lstrip().startswith("Mozilla Public")
    assert hashlib.sha256(AXE.read_bytes()).hexdigest() == axe_sha256()


def test_the_upload_page_and_an_empty_submission(
    site: Site, browser: webdriver.Chrome, on: str
) -> None:
    browser.get(site.base + "/")
    check_page(browser, site.folder, "upload", on, documented=True)
    submit(browser, ".error")
    error = browser.find_element(By.CSS_SELECTOR, ".error").text
    assert "请上传证书 PDF 或二维码图片，或粘贴二维码内容" in error
    check_page(browser, site.folder, "upload-empty", on)


def test_a_valid_certificate(site: Site, browser: webdriver.Chrome, on: str) -> None:
    verdict = verify_upload(browser, site.base, _pdf(_home(site), site.valid))
    assert "验证结果：有效" in verdict
    assert "证书真实有效 · 学时达标" in verdict
    main = browser.find_element(By.TAG_NAME, "main").text
    assert "广州市人力资源和社会保障局" in main  # the bureau's name, not only its code
    assert "广东省专业技术人员继续教育年度学时要求" in main  # the policy's title
    assert "北京时间" in main
    check_page(browser, site.folder, "result-valid", on, documented=True)


def test_an_altered_code_is_invalid(site: Site, browser: webdriver.Chrome, on: str) -> None:
    verdict = verify_text(browser, site.base, tampered_text(site.valid.payload))
    assert "验证结果：无效" in verdict
    # Not colour alone: a cross in a square frame, and the word.
    icon = browser.find_element(By.CSS_SELECTOR, ".verdict-invalid svg.verdict-icon")
    assert len(icon.find_elements(By.TAG_NAME, "line")) == 2
    assert site.valid.number not in browser.find_element(By.TAG_NAME, "main").text
    check_page(browser, site.folder, "result-invalid", on, documented=True)


def test_a_photo_without_a_code_could_not_be_verified(
    site: Site, browser: webdriver.Chrome, on: str
) -> None:
    photo = site.folder / "blurred.png"
    Image.new("RGB", (640, 480), (200, 190, 180)).save(photo)
    verdict = verify_upload(browser, site.base, photo)
    assert "验证结果：无法核验" in verdict
    assert "无效" not in verdict
    main = browser.find_element(By.TAG_NAME, "main").text
    assert "图片中没有可识别的二维码" in main
    assert "请上传证书 PDF 或清晰的二维码照片" in main
    check_page(browser, site.folder, "result-could-not-verify", on, documented=True)


def test_a_revoked_certificate(site: Site, browser: webdriver.Chrome, on: str) -> None:
    verdict = verify_text(browser, site.base, site.revoked.payload)
    assert "验证结果：无效" in verdict
    assert "证书无效：证书已撤销" in verdict
    main = browser.find_element(By.TAG_NAME, "main").text
    assert "误发" in main
    check_page(browser, site.folder, "result-revoked", on, documented=True)


def test_a_superseded_edition(site: Site, browser: webdriver.Chrome, on: str) -> None:
    verdict = verify_upload(browser, site.base, _pdf(_home(site), site.superseded))
    assert "证书无效：已被新版本取代" in verdict
    main = browser.find_element(By.TAG_NAME, "main").text
    assert "已被第2版取代" in main
    check_page(browser, site.folder, "result-superseded", on, documented=True)


def test_genuine_but_hours_not_met(site: Site, browser: webdriver.Chrome, on: str) -> None:
    verdict = verify_upload(browser, site.guangde, Path(site.short.pdf_path))
    assert "证书真实有效 · 学时未达标" in verdict
    hours = browser.find_element(By.CSS_SELECTOR, ".hours").text
    assert "专业科目0学时，要求60学时" in hours
    check_page(browser, site.folder, "result-hours-not-met", on, documented=True)


def test_the_scanning_page(site: Site, browser: webdriver.Chrome, on: str) -> None:
    browser.get(site.base + "/scan")
    wait_page(browser)
    WebDriverWait(browser, 20).until(lambda d: "登记状态截至" in d.find_element(By.ID, "data").text)
    check_page(browser, site.folder, "scan", on)
    browser.execute_script(
        "document.getElementById('qr').value = arguments[0]", site.revoked.payload
    )
    browser.find_element(By.CSS_SELECTOR, "#paste button[type=submit]").click()
    WebDriverWait(browser, 20).until(
        lambda d: d.find_elements(By.CSS_SELECTOR, "#result .verdict h2")
    )
    result = browser.find_element(By.ID, "result").text
    assert "证书无效：证书已撤销" in result
    assert "登记状态截至" in result
    check_page(browser, site.folder, "scan-revoked", on, documented=True)


def test_a_failed_login_keeps_the_user_name(site: Site, browser: webdriver.Chrome, on: str) -> None:
    browser.delete_all_cookies()
    browser.get(site.base + "/login")
    browser.find_element(By.ID, "username").send_keys("panel")
    browser.find_element(By.ID, "password").send_keys("not the password")
    submit(browser, ".error")
    assert browser.find_element(By.ID, "username").get_attribute("value") == "panel"
    assert browser.find_element(By.ID, "password").get_attribute("value") == ""
    assert "请重新输入密码" in browser.find_element(By.CSS_SELECTOR, ".error").text
    check_page(browser, site.folder, "login-failed", on)


def log_in(browser: webdriver.Chrome, base: str) -> None:
    browser.delete_all_cookies()
    browser.get(base + "/login")
    browser.find_element(By.ID, "username").send_keys("panel")
    browser.find_element(By.ID, "password").send_keys(PASSWORD)
    submit(browser, "main")


def test_the_panel_and_its_report(site: Site, browser: webdriver.Chrome, on: str) -> None:
    log_in(browser, site.base)
    browser.get(site.base + "/panel")
    check_page(browser, site.folder, "panel", on, documented=True)
    browser.execute_script("document.getElementById('qr').value = arguments[0]", site.valid.payload)
    Select(browser.find_element(By.ID, "level")).select_by_value("intermediate")
    Select(browser.find_element(By.ID, "rule")).select_by_value("shaoguan-2019")
    submit(browser, "[role=alert]", "form.panel-form")
    problems = browser.find_element(By.CSS_SELECTOR, "[role=alert]").text
    assert "请填写取得现职称时间" in problems  # the field it names, and what to do
    check_page(browser, site.folder, "panel-problems", on)
    assert browser.find_element(By.ID, "qr").get_attribute("value") == site.valid.payload
    browser.execute_script("document.getElementById('title_date').value = '2021-07-01'")
    submit(browser, ".panel-report", "form.panel-form")
    text = browser.find_element(By.TAG_NAME, "main").text
    assert "报告摘要" in text
    assert "北京时间" in text
    check_page(browser, site.folder, "panel-report", on, documented=True)


def _home(site: Site) -> Home:
    return Home(site.folder / "home")
