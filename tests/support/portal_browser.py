"""The portal in a real Chromium: `cecert portal serve` as a real process on a free loopback
port, its accounts made with `cecert accounts add`, and a :class:`Journey` that walks its
pages as a person does (typing, choosing, attaching files, pressing the buttons) and looks at
each page on the way: a screenshot, no horizontal scrolling, and axe-core's WCAG 2.1 A/AA
findings, every one kept (rule, impact, element, page) for the test to report at the end.
"""

from __future__ import annotations

import base64
import importlib.util
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.ui import Select, WebDriverWait

from tests.conftest import page_replaced
from tests.support.cli import run
from tests.support.pagecheck import SCREENS, axe_source
from tests.support.portal import PASSWORD

OVERFLOW_TOLERANCE = 1
"""Pixels a page may be wider than the screen (sub-pixel rounding), no more."""

_AXE_ALL = """
const done = arguments[arguments.length - 1];
axe.run(document, {
  runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']},
  resultTypes: ['violations'],
}).then(
  (r) => done(r.violations.map((v) => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 8).map((n) => ({
      target: n.target.join(' '), html: n.html.slice(0, 160), summary: n.failureSummary,
    })),
  }))),
  (e) => done([{id: 'axe-error', impact: 'critical', help: String(e), nodes: []}]),
);
"""


def add_account(home: Path, username: str, role: str, scope: str) -> None:
    """``cecert accounts add USERNAME --role ROLE --scope SCOPE`` with the test's password
    (``$CECERT_ACCOUNT_PASSWORD``): a bureau's or an authority's portal account."""
    made = run(
        "accounts", "add", username, "--role", role, "--scope", scope,
        env={"CECERT_ACCOUNT_PASSWORD": PASSWORD}, home=home,
    )  # fmt: skip
    assert made.returncode == 0, made.stderr


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


@contextmanager
def portal_serving(home: Path, log: Path) -> Iterator[str]:
    """Run `cecert portal serve` for ``home`` (accounts in ``<home>/portal``) on a free
    loopback port, its errors written to ``log``; yield its base URL. The rate limits are
    raised: one client address logs in a dozen times in a journey."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("CECERT_")}
    command = [
        sys.executable, "-m", "cecert", "portal", "serve", "--home", str(home),
        "--port", str(port), "--workers", "1",
        "--rate-limit-login", "1000/minute", "--rate-limit-register", "1000/hour",
    ]  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    with log.open("wb") as errors:
        process = subprocess.Popen(
            command, env=env, stdout=subprocess.DEVNULL, stderr=errors, stdin=subprocess.DEVNULL
        )
        try:
            for _ in range(200):
                try:
                    urllib.request.urlopen(base + "/", timeout=1).close()
                    break
                except OSError:
                    if process.poll() is not None:
                        break
                    time.sleep(0.1)
            else:
                raise AssertionError(f"the portal did not answer: {log.read_text('utf-8')}")
            assert process.poll() is None, log.read_text("utf-8")
            yield base
        finally:
            process.terminate()
            process.wait(timeout=10)


@dataclass(frozen=True)
class Finding:
    """One thing a page must not have: an axe-core violation or horizontal scrolling."""

    step: str
    width: int
    url: str
    rule: str
    impact: str
    detail: str

    def __str__(self) -> str:
        return (
            f"[{self.step} at {self.width} px] {self.url}: {self.rule} ({self.impact}) "
            f"{self.detail}"
        )


@dataclass
class Journey:
    """One person's browser on the portal: it acts at the first of ``screens`` (a phone) and
    looks at each page at every one of them (:data:`tests.support.pagecheck.SCREENS`)."""

    browser: webdriver.Chrome
    folder: Path
    screens: tuple[str, ...] = ("phone", "desk")
    findings: list[Finding] = field(default_factory=list)
    looked: list[str] = field(default_factory=list)
    shots: list[Path] = field(default_factory=list)
    axe_seconds: float = 0.0

    def emulate(self, name: str) -> int:
        """Show the page on screen ``name`` (a phone: mobile, so the viewport meta counts);
        return its width."""
        width, height = SCREENS[name]
        self.browser.execute_cdp_cmd(
            "Emulation.setDeviceMetricsOverride",
            {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": name == "phone"},
        )
        return width

    # -- looking at a page ----------------------------------------------------------------

    def look(self, step: str) -> None:
        """At every screen: screenshot the whole page as ``portal-<width>-<step>.png`` (also into
        ``$CECERT_SCREENSHOTS``), then keep what is wrong with it: wider than the screen, or
        any axe-core WCAG 2.1 A/AA violation. Back at the first screen afterwards."""
        self.wait_ready()
        self.looked.append(step)
        for name in self.screens:
            self._look_at(step, self.emulate(name))
        self.emulate(self.screens[0])

    def _look_at(self, step: str, width: int) -> None:
        url = str(self.browser.current_url)
        self.shots.append(self.keep(f"portal-{width}-{step}", width))
        scroll_width: int = self.browser.execute_script(
            "return document.documentElement.scrollWidth"
        )
        if scroll_width > width + OVERFLOW_TOLERANCE:
            wide = self.browser.execute_script(_WIDEST)
            detail = f"scrollWidth {scroll_width} px on a {width} px screen; past the edge: {wide}"
            self.findings.append(Finding(step, width, url, "horizontal-overflow", "layout", detail))
        started = time.monotonic()
        for violation in self.axe():
            rule, impact = violation["id"], str(violation["impact"])
            for node in violation["nodes"] or [{"target": "", "html": "", "summary": ""}]:
                detail = (
                    f"{violation['help']} — {node['target']} {node['html']} — {node['summary']}"
                )
                self.findings.append(
                    Finding(step, width, url, rule, impact, detail.replace("\n", " "))
                )
        self.axe_seconds += time.monotonic() - started

    def keep(self, name: str, width: int) -> Path:
        """Save a screenshot of the whole page, not only the screen, as ``name.png`` (and a
        copy in ``$CECERT_SCREENSHOTS`` when set)."""
        height = self.browser.execute_script(
            "return Math.max(document.documentElement.scrollHeight, window.innerHeight)"
        )
        shot = self.browser.execute_cdp_cmd(
            "Page.captureScreenshot",
            {
                "format": "png",
                "captureBeyondViewport": True,
                "clip": {"x": 0, "y": 0, "width": width, "height": height, "scale": 1},
            },
        )
        path = self.folder / f"{name}.png"
        path.write_bytes(base64.b64decode(shot["data"]))
        wanted = os.environ.get("CECERT_SCREENSHOTS")
        if wanted:
            Path(wanted).mkdir(parents=True, exist_ok=True)
            shutil.copy(path, Path(wanted) / path.name)
        return path

    def axe(self) -> list[dict[str, Any]]:
        """axe-core's WCAG 2.1 A/AA violations on the page as it is, of every impact."""
        if not self.browser.execute_script("return typeof window.axe === 'object'"):
            self.browser.execute_script(axe_source())
        self.browser.set_script_timeout(60)
        found: list[dict[str, Any]] = self.browser.execute_async_script(_AXE_ALL)
        return found

    def wait_ready(self) -> None:
        WebDriverWait(self.browser, 30).until(
            lambda d: d.execute_script("return document.readyState") == "complete"
        )

    # -- moving ---------------------------------------------------------------------------

    def open(self, url: str) -> None:
        self.browser.get(url)
        self.wait_ready()

    def press(self, button: WebElement) -> None:
        """Press a button (or follow a link) that loads another page; wait for it."""
        self.browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", button)
        button.click()
        WebDriverWait(self.browser, 30).until(page_replaced(button))
        self.wait_ready()

    def press_text(self, text: str, scope: str = "main") -> None:
        """Press the button or link in ``scope`` whose visible text is ``text``."""
        self.press(self.by_text(text, scope))

    def by_text(self, text: str, scope: str = "main") -> WebElement:
        area = self.browser.find_element(By.CSS_SELECTOR, scope)
        for element in area.find_elements(By.CSS_SELECTOR, "button, a"):
            if element.text.strip() == text:
                return element
        raise AssertionError(f"no button or link “{text}” on {self.browser.current_url}")

    # -- typing ---------------------------------------------------------------------------

    def type(self, ident: str, text: str) -> None:
        element = self.browser.find_element(By.ID, ident)
        element.clear()
        element.send_keys(text)

    def choose(self, ident: str, value: str) -> None:
        """Choose the option of value ``value`` (or, an option without one, of that text)."""
        select = Select(self.browser.find_element(By.ID, ident))
        if any(o.get_dom_attribute("value") == value for o in select.options):
            select.select_by_value(value)
        else:
            select.select_by_visible_text(value)

    def date(self, ident: str, value: str) -> None:
        """A date field: Chromium's picker types in the locale's order, so set the value."""
        self.browser.execute_script(
            "document.getElementById(arguments[0]).value = arguments[1]", ident, value
        )

    def pick(self, ident: str) -> None:
        """Choose a radio button (it loads nothing)."""
        button = self.browser.find_element(By.ID, ident)
        self.browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", button)
        button.click()
        assert button.is_selected()

    def attach(self, ident: str, *paths: Path) -> None:
        self.browser.find_element(By.ID, ident).send_keys("\n".join(str(p) for p in paths))

    def tick(self, title: str | None = None) -> None:
        """Tick the queue's box of the item titled ``title`` (containing it), or every box."""
        items = self.browser.find_elements(By.CSS_SELECTOR, "main ul.items > li")
        ticked = 0
        for item in items:
            if (
                title is not None
                and title not in item.find_element(By.CLASS_NAME, "item-title").text
            ):
                continue
            box = item.find_element(By.CSS_SELECTOR, "input[type=checkbox]")
            self.browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", box)
            if not box.is_selected():
                box.click()
            assert box.is_selected()
            ticked += 1
        assert ticked, f"nothing to tick ({title}) on {self.browser.current_url}"

    # -- accounts -------------------------------------------------------------------------

    def log_in(self, base: str, username: str, *, step: str | None = None) -> None:
        """Log in on the login page (``step``: look at it first) and land on the account's
        first page."""
        self.open(base + "/login")
        if step:
            self.look(step)
        self.type("username", username)
        self.type("password", PASSWORD)
        self.press(self.browser.find_element(By.CSS_SELECTOR, "form.login-form button"))
        assert username in self.browser.find_element(By.CSS_SELECTOR, "header .username").text

    def log_out(self) -> None:
        """The header's 退出登录 button."""
        self.press(self.browser.find_element(By.CSS_SELECTOR, "form.logout button"))
        assert not self.browser.find_elements(By.CSS_SELECTOR, "form.logout")

    # -- reading --------------------------------------------------------------------------

    def main(self) -> str:
        return str(self.browser.find_element(By.TAG_NAME, "main").text)

    def flash(self) -> str:
        return " ".join(e.text for e in self.browser.find_elements(By.CSS_SELECTOR, ".flash"))

    def cookies(self) -> str:
        """The browser's cookies for this site, as a ``Cookie`` header."""
        return "; ".join(f"{c['name']}={c['value']}" for c in self.browser.get_cookies())


_WIDEST = """
const width = document.documentElement.clientWidth;
const wide = [];
for (const e of document.querySelectorAll('body *')) {
  const box = e.getBoundingClientRect();
  const right = box.left + Math.max(box.width, e.scrollWidth);
  if (right > width + 1 && box.width > 0) {
    const classes = typeof e.className === 'string' && e.className
      ? '.' + e.className.split(' ').join('.') : '';
    const name = e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + classes;
    wide.push(name + ' (right edge ' + Math.round(right) + ')');
  }
}
return wide.slice(0, 8).join(', ');
"""


def demo_seed() -> Any:
    """The demo's own seeding (``demo/portal_seed.py``): its accounts, employer and provider."""
    path = Path(__file__).resolve().parents[2] / "demo" / "portal_seed.py"
    spec = importlib.util.spec_from_file_location("portal_seed", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.seed


__all__ = ["Finding", "Journey", "add_account", "demo_seed", "portal_serving"]


@contextmanager
def phone_journey(browser: webdriver.Chrome, folder: Path) -> Iterator[Journey]:
    """The browser, from a clean slate of cookies, acting on a phone and looking at each page
    on the phone and on the desk (screenshots in ``folder``)."""
    browser.delete_all_cookies()
    folder.mkdir(exist_ok=True)
    walk = Journey(browser, folder, screens=("phone", "desk"))
    walk.emulate("phone")
    try:
        yield walk
    finally:
        browser.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
