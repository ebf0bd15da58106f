"""The scanning page ``/scan`` in a real Chromium: its asynchronous API, and waiting until
the page's verifier is ready."""

from __future__ import annotations

from typing import Any

from selenium import webdriver
from selenium.webdriver.support.ui import WebDriverWait

ASYNC = "const done = arguments[arguments.length - 1];"


def run_async(browser: webdriver.Chrome, script: str, *args: Any) -> Any:
    browser.set_script_timeout(60)
    return browser.execute_async_script(ASYNC + script, *args)


def wait_page(browser: webdriver.Chrome) -> None:
    WebDriverWait(browser, 20).until(lambda d: d.execute_script("return !!(window.cecertScan)"))
    assert run_async(browser, "window.cecertScan.ready.then(done, e => done(String(e)));") is True
