"""A running server follows the registry and the keys: a revocation made at the counter while
`cecert serve` runs reaches the phone's scanning page (已撤销, with the status's age) within
the documented delay, and is never shown as 有效 in between; a key rotation needs no restart
for new certificates to verify. Real commands, a real server, a real Chromium.
"""

from __future__ import annotations

import json
import shutil
import time
import urllib.request
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from registry.home import Home
from registry.store import Registry
from tests.conftest import PASSPHRASE, IssuedHome, needs_browser, serving
from tests.support.browser import wait_page
from tests.support.cli import run
from tests.support.pagecheck import keep, screen

pytestmark = needs_browser
ENV = {"CECERT_PASSPHRASE": PASSPHRASE.decode()}
REVOCATION_DELAY = 3.0
"""Seconds from the end of `cecert revoke` to the phone page showing 已撤销, at most
(docs/offline-page.md: the server looks at its files once a second; then one request)."""


@pytest.fixture
def home(issued_home: IssuedHome, tmp_path: Path) -> Home:
    """A copy of the issued home with its status published, as a bureau's server has it."""
    target = Home(tmp_path / "home")
    shutil.copytree(issued_home.home.root, target.root)
    published = run("snapshot", "publish", env=ENV, home=target.root)
    assert published.returncode == 0, published.stderr
    return target


def scan_text(browser: webdriver.Chrome, text: str) -> str:
    """Verify ``text`` on the scanning page already open; return the result's text."""
    browser.execute_script("document.getElementById('result').replaceChildren()")
    browser.execute_script("document.getElementById('qr').value = arguments[0]", text)
    browser.find_element(By.CSS_SELECTOR, "#paste button[type=submit]").click()
    WebDriverWait(browser, 20).until(
        lambda d: d.find_elements(By.CSS_SELECTOR, "#result .verdict h2, #result .error")
    )
    return str(browser.find_element(By.ID, "result").text)


def test_a_revocation_reaches_the_phone_while_the_server_runs(
    home: Home, issued_home: IssuedHome, browser: webdriver.Chrome, tmp_path: Path
) -> None:
    document = issued_home.documents[0]
    with screen(browser, "phone"), serving(home.root, "--workers", "2") as base:
        browser.get(base + "/scan")
        wait_page(browser)
        before = scan_text(browser, document.payload)
        assert "验证结果：有效" in before, before

        revoked = run(
            "revoke", document.number, "--reason", "issued_in_error", "--note", "误发",
            env=ENV, home=home.root,
        )  # fmt: skip
        ended = time.monotonic()
        assert revoked.returncode == 0, revoked.stderr
        answers = []
        while True:
            result = scan_text(browser, document.payload)
            answers.append(result.splitlines()[0] if result else "")
            assert "验证结果：有效" not in result, f"valid after the revocation: {answers}"
            if "证书已撤销" in result:
                break
            assert time.monotonic() - ended < REVOCATION_DELAY, answers
        took = time.monotonic() - ended
        keep(browser, tmp_path, "scan-after-revocation-360")
    assert took < REVOCATION_DELAY
    assert "登记状态截至" in result
    assert "（刚刚）" in result  # its age, at a glance
    print(f"revocation shown on the phone {took:.2f} s after the command ended: {answers}")

    # Offline now (the server is gone): the page keeps the status it fetched last.
    result = scan_text(browser, document.payload)
    assert "证书已撤销" in result


def _verify_api(base: str, pdf: Path) -> dict[str, object]:
    request = urllib.request.Request(
        base + "/api/v1/verify",
        data=pdf.read_bytes(),
        headers={"Content-Type": "application/pdf"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        answer: dict[str, object] = json.loads(response.read())
    return answer


def test_a_key_rotation_needs_no_restart(
    home: Home, issued_home: IssuedHome, browser: webdriver.Chrome
) -> None:
    document = issued_home.documents[1]
    with serving(home.root, "--workers", "1") as base:
        browser.get(base + "/scan")
        wait_page(browser)
        rotated = run("keys", "rotate", env=ENV, home=home.root)
        assert rotated.returncode == 0, rotated.stderr
        reissued = run("reissue", document.number, "--reason", "lost", env=ENV, home=home.root)
        assert reissued.returncode == 0, reissued.stderr
        with Registry.open(home.registry_path, read_only=True) as registry:
            new = registry.history(document.number)[-1]
        assert new.edition == 2
        pdf = home.certificates_dir / str(new.year) / f"{new.number}-{new.edition}.pdf"

        deadline = time.monotonic() + REVOCATION_DELAY
        while True:
            answer = _verify_api(base, pdf)
            if answer["verdict"] == "valid" or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        assert answer["verdict"] == "valid", answer
        result = scan_text(browser, new.payload)
        assert "验证结果：有效" in result, result
        old = scan_text(browser, document.payload)
        assert "已被新版本取代" in old, old
