"""Both answers at a glance, at phone width: "is it genuine?" and "are the hours enough?".

A Guangde reissue made without the professional proofs (notice 003 四(三)) is genuine and
current but states too few hours: the result page and the offline scan page must say
"有效" and "学时未达标" side by side, never "无效". A Guangdong certificate says "学时达标".
Screenshots at 360 px are saved in the test's folder (and in ``$CECERT_SCREENSHOTS`` when set).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from keys.private import open_key_ring
from registry.store import DocumentRecord, Registry
from signer import ReissueReason
from signer.status.snapshots import export_snapshot
from tests.conftest import PASSPHRASE, IssuedHome, needs_browser, page_replaced, serving
from tests.support.bureaus import CHANGED, make_guangde_bureau
from tests.support.pagecheck import keep, overflow

pytestmark = needs_browser
PHONE = (360, 800)


def fits_the_phone(browser: webdriver.Chrome) -> None:
    width = overflow(browser)
    assert width == 0, f"the page is {width} px wider than the {PHONE[0]} px screen"


@pytest.fixture(scope="module")
def short_reissue(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[Path, DocumentRecord]]:
    """A Guangde home whose 2020 certificate was reissued without the proofs, and a
    snapshot of it as of now."""
    root = tmp_path_factory.mktemp("guangde")
    bureau = make_guangde_bureau(root / "home")
    reissued = bureau.issuer.reissue(
        bureau.original.number, reason=ReissueReason.LOST, accept_shortfall=True, at=CHANGED
    )
    bureau.registry.close()
    home = bureau.home
    ring = open_key_ring(home.keys_dir, passphrase=PASSPHRASE)
    with Registry.open(home.registry_path, read_only=True) as registry:
        data = export_snapshot(registry, ring, home.config(), at=dt.datetime.now(dt.UTC))
    (root / "status.cecs").write_bytes(data)
    return home.root, reissued


@pytest.fixture
def phone(browser: webdriver.Chrome) -> Iterator[webdriver.Chrome]:
    browser.set_window_size(*PHONE)
    yield browser
    browser.set_window_size(1000, 1400)


def upload(browser: webdriver.Chrome, base: str, pdf: Path) -> str:
    browser.get(base + "/")
    browser.find_element(By.NAME, "file").send_keys(str(pdf))
    form = browser.find_element(By.TAG_NAME, "form")
    browser.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    WebDriverWait(browser, 20).until(page_replaced(form))
    WebDriverWait(browser, 20).until(lambda d: d.find_elements(By.CSS_SELECTOR, ".hours h2"))
    text: str = browser.find_element(By.TAG_NAME, "main").text
    return text


def test_the_result_page_shows_genuine_and_short_hours_apart(
    phone: webdriver.Chrome,
    short_reissue: tuple[Path, DocumentRecord],
    issued_home: IssuedHome,
    tmp_path: Path,
) -> None:
    home, reissued = short_reissue
    with serving(home, "--workers", "1") as base:
        page = upload(phone, base, Path(reissued.pdf_path))
        verdict = phone.find_element(By.CSS_SELECTOR, ".verdict h2").text
        hours = phone.find_element(By.CSS_SELECTOR, ".hours h2").text
        keep(phone, tmp_path, "result-360-genuine-hours-short")
        fits_the_phone(phone)
    assert "验证结果：有效" in verdict
    assert "无效" not in verdict
    assert hours == "学时判定：未达标"
    assert "专业科目0学时，要求60学时" in page
    assert "不表示证书是伪造的" in page
    with serving(issued_home.home.root, "--workers", "1") as base:
        upload(phone, base, issued_home.pdf(issued_home.documents[0]))
        assert phone.find_element(By.CSS_SELECTOR, ".hours h2").text == "学时判定：达标"
        keep(phone, tmp_path, "result-360-genuine-hours-met")
        fits_the_phone(phone)


def test_the_scan_page_shows_genuine_and_short_hours_apart(
    phone: webdriver.Chrome, short_reissue: tuple[Path, DocumentRecord], tmp_path: Path
) -> None:
    home, reissued = short_reissue
    snapshot = home.parent / "status.cecs"
    with serving(home, "--workers", "1", "--snapshot", str(snapshot)) as base:
        phone.get(base + "/scan")
        WebDriverWait(phone, 20).until(
            lambda d: "登记状态截至" in d.find_element(By.ID, "data").text
        )
        phone.find_element(By.ID, "qr").send_keys(reissued.payload)
        phone.find_element(By.CSS_SELECTOR, "#paste button[type=submit]").click()
        WebDriverWait(phone, 20).until(
            lambda d: d.find_elements(By.CSS_SELECTOR, "#result .hours h2")
        )
        verdict = phone.find_element(By.CSS_SELECTOR, "#result .verdict h2").text
        hours = phone.find_element(By.CSS_SELECTOR, "#result .hours h2").text
        result = phone.find_element(By.ID, "result").text
        keep(phone, tmp_path, "scan-360-genuine-hours-short")
        fits_the_phone(phone)
    assert verdict.startswith("验证结果：有效")
    assert hours == "学时判定：未达标"
    assert "专业科目0学时，要求60学时" in result
