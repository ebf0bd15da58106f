"""The verifier page in a real browser (headless Chromium): upload, paste, read the verdict."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait

from tests.conftest import IssuedHome, needs_browser, page_replaced, serving

pytestmark = needs_browser


@pytest.fixture(scope="module")
def server(issued_home: IssuedHome) -> Iterator[str]:
    with serving(issued_home.home.root, "--workers", "1") as base:
        yield base


def submit_and_wait(browser: webdriver.Chrome, css: str) -> WebElement:
    """Submit the form and wait for the next page to show ``css`` (the old page is gone)."""
    form = browser.find_element(By.TAG_NAME, "form")
    browser.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    WebDriverWait(browser, 15).until(page_replaced(form))
    element: WebElement = WebDriverWait(browser, 15).until(
        expected_conditions.presence_of_element_located((By.CSS_SELECTOR, css))
    )
    return element


def test_upload_a_pdf_and_see_valid(
    server: str, browser: webdriver.Chrome, issued_home: IssuedHome, tmp_path: Path
) -> None:
    document = issued_home.documents[1]
    browser.get(server + "/")
    assert "继续教育证书验证" in browser.title
    browser.find_element(By.NAME, "file").send_keys(str(issued_home.pdf(document)))
    verdict = submit_and_wait(browser, ".verdict h2").text
    assert "有效" in verdict
    assert document.number in browser.find_element(By.TAG_NAME, "main").text
    browser.save_screenshot(str(tmp_path / "valid.png"))


def test_paste_garbage_and_see_invalid_with_reason(server: str, browser: webdriver.Chrome) -> None:
    browser.get(server + "/")
    browser.find_element(By.NAME, "qr").send_keys("CEC1:not a real code")
    assert "无效" in submit_and_wait(browser, ".verdict h2").text
    main = browser.find_element(By.TAG_NAME, "main")
    assert "二维码内容已损坏" in main.text  # the reason in Chinese, at a glance
    assert "bad_base45" not in main.text  # the code only in the collapsed details
    technical = browser.find_element(By.CSS_SELECTOR, "details.technical")
    technical.find_element(By.TAG_NAME, "summary").click()
    assert "bad_base45" in technical.text


def test_empty_submission_explains_itself(server: str, browser: webdriver.Chrome) -> None:
    browser.get(server + "/")
    assert "请上传证书" in submit_and_wait(browser, ".error").text
