"""What every page a person reads must be, checked in a real Chromium: it fits the screen (no
horizontal scrolling), it shows no machine word (reason code, check name) outside its
collapsed technical section, and axe-core finds nothing serious or critical against WCAG 2.1
A/AA. Screenshots go to the test's folder and, when ``$CECERT_SCREENSHOTS`` names a folder,
there too; the main pages' also to ``$CECERT_DOCS_SCREENSHOTS`` (:func:`document`).
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from PIL import Image
from selenium import webdriver

from tests.support.paths import VENDOR
from verifier.explanations import CHECKS_ZH, REASONS_ZH

AXE = VENDOR / "axe-core" / "axe.min.js"
SCREENS = {"phone": (360, 740), "desk": (1280, 800)}
"""The two screens every page is looked at on: a small phone and a desk."""

MACHINE_WORD = re.compile(
    r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b"  # reason codes: pdf_signature_invalid
    r"|\b(?:input|image|pdf|payload|registry)\.[a-z_]+\b"  # check names: pdf.recorded
)
KNOWN_WORDS = frozenset(REASONS_ZH) | frozenset(CHECKS_ZH)

_OUTSIDE_TECHNICAL = """
const clone = document.body.cloneNode(true);
clone.querySelectorAll('.technical, script, template, noscript').forEach((e) => e.remove());
return clone.textContent;
"""

_AXE_RUN = """
const done = arguments[arguments.length - 1];
axe.run(document, {
  runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']},
  resultTypes: ['violations'],
}).then(
  (r) => done(r.violations.map((v) => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 5).map((n) => n.target.join(' ') + ' :: ' + n.failureSummary),
  }))),
  (e) => done([{id: 'axe-error', impact: 'critical', help: String(e), nodes: []}]),
);
"""


def axe_source() -> str:
    return AXE.read_text("utf-8")


def axe_sha256() -> str:
    return hashlib.sha256(AXE.read_bytes()).hexdigest()


@contextmanager
def screen(browser: webdriver.Chrome, name: str) -> Iterator[tuple[int, int]]:
    """Emulate ``name``'s screen (a phone: mobile, so the page's viewport meta counts)."""
    width, height = SCREENS[name]
    browser.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": name == "phone"},
    )
    try:
        yield width, height
    finally:
        browser.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})


def keep(browser: webdriver.Chrome, folder: Path, name: str) -> Path:
    """Save a screenshot of the viewport as ``name.png``."""
    path = folder / f"{name}.png"
    browser.save_screenshot(str(path))
    wanted = os.environ.get("CECERT_SCREENSHOTS")
    if wanted:
        Path(wanted).mkdir(parents=True, exist_ok=True)
        shutil.copy(path, Path(wanted) / path.name)
    return path


def overflow(browser: webdriver.Chrome) -> int:
    """How many pixels the page is wider than the screen (0: no horizontal scrolling)."""
    width: int = browser.execute_script(
        "return Math.max(document.documentElement.scrollWidth, document.body.scrollWidth)"
        " - window.innerWidth"
    )
    return max(width, 0)


def machine_words(browser: webdriver.Chrome) -> set[str]:
    """Reason codes and check names a reader sees outside the technical section."""
    text: str = browser.execute_script(_OUTSIDE_TECHNICAL)
    found = set(MACHINE_WORD.findall(text))
    found |= {word for word in KNOWN_WORDS if word in text}
    return found


def axe_findings(browser: webdriver.Chrome) -> list[dict[str, Any]]:
    """axe-core's serious and critical WCAG 2.1 A/AA findings on the page as it is."""
    if not browser.execute_script("return typeof window.axe === 'object'"):
        browser.execute_script(axe_source())
    browser.set_script_timeout(60)
    found: list[dict[str, Any]] = browser.execute_async_script(_AXE_RUN)
    return [f for f in found if f["impact"] in ("serious", "critical")]


def document(path: Path) -> None:
    """Copy a screenshot into ``$CECERT_DOCS_SCREENSHOTS`` (``docs/screenshots`` to refresh
    the documentation's), as a 256-colour PNG: a third of the size, the same to the eye."""
    wanted = os.environ.get("CECERT_DOCS_SCREENSHOTS")
    if not wanted:
        return
    Path(wanted).mkdir(parents=True, exist_ok=True)
    with Image.open(path) as image:
        small = image.convert("RGB").quantize(colors=256, method=Image.Quantize.MEDIANCUT)
        small.save(Path(wanted) / path.name, optimize=True)


def check_page(
    browser: webdriver.Chrome,
    folder: Path,
    name: str,
    screen_name: str,
    *,
    documented: bool = False,
) -> None:
    """Screenshot the page, then require it to fit, speak Chinese and pass axe-core.
    ``documented``: one of the screenshots the documentation shows (:func:`document`)."""
    shot = keep(browser, folder, f"{name}-{SCREENS[screen_name][0]}")
    if documented:
        document(shot)
    problems = []
    extra = overflow(browser)
    if extra:
        problems.append(f"{extra} px wider than the {screen_name} screen")
    words = machine_words(browser)
    if words:
        problems.append(f"machine words outside the technical section: {sorted(words)}")
    findings = axe_findings(browser)
    if findings:
        problems.append(f"axe-core: {findings}")
    assert not problems, f"{name} on the {screen_name}: {problems}"
