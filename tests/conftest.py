"""Shared fixtures: a real home with keys, a registry file and issued certificates."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException, WebDriverException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.remote.webelement import WebElement

from keys import TrustList, parse_trust_list
from keys.private import open_key_ring
from registry.home import BureauConfig, Home
from registry.importing import load_activities, load_people
from registry.store import DocumentRecord, Registry
from signer import Issuer, init_home
from signer.status.checkpoints import publish_checkpoint, write_checkpoint
from tests.support.panelhome import PanelHome, make_panel_home
from tests.support.paths import ROOT
from verifier import RegistryStatus, Verifier

DEMO = ROOT / "demo"
PASSPHRASE = b"test passphrase, not a secret"
AT = dt.datetime(2026, 3, 2, 9, 30, tzinfo=dt.UTC)
"""Frozen time: keys are made and certificates issued at AT; checks run at LATER."""
LATER = AT + dt.timedelta(days=30)
CHROMIUM = shutil.which("chromium")
CHROMEDRIVER = shutil.which("chromedriver")
needs_browser = pytest.mark.skipif(
    not (CHROMIUM and CHROMEDRIVER) and os.environ.get("CI") != "true",
    reason="needs Debian chromium and chromium-driver (scripts/bootstrap --test)",
)
"""Mark for tests that drive a real browser (the ``browser`` fixture)."""
CONFIG = BureauConfig(
    bureau="广州市人力资源和社会保障局",
    region="440100",
    province="广东省人力资源和社会保障厅",
    default_policy="gd-2010",
)


@dataclass(frozen=True)
class IssuedHome:
    home: Home
    documents: tuple[DocumentRecord, ...]
    skipped_names: tuple[str, ...]

    def pdf(self, document: DocumentRecord) -> Path:
        """Where this home keeps the document's PDF."""
        return (
            self.home.certificates_dir
            / str(document.year)
            / (f"{document.number}-{document.edition}.pdf")
        )

    @property
    def trust(self) -> TrustList:
        return parse_trust_list(self.home.trust_list_path.read_bytes())


def make_home(root: Path) -> IssuedHome:
    home = Home(root)
    init_home(home, config=CONFIG, passphrase=PASSPHRASE, at=AT)
    ring = open_key_ring(home.keys_dir, passphrase=PASSPHRASE)
    with Registry.open(home.registry_path) as registry:
        registry.import_people(
            load_people(DEMO / "people.csv", today=AT.date()), source="people.csv", at=AT
        )
        registry.import_activities(
            load_activities(DEMO / "activities.csv", today=AT.date()),
            source="activities.csv",
            at=AT,
        )
        issuer = Issuer(registry=registry, ring=ring, config=CONFIG, out_dir=home.certificates_dir)
        report = issuer.issue(year=2025, at=AT)
        # As `cecert issue` does: every change ends with a signed checkpoint of the log.
        publish_checkpoint(home, write_checkpoint(registry, ring, CONFIG, at=AT))
    return IssuedHome(home, report.issued, tuple(s.name for s in report.skipped))


@pytest.fixture(scope="session")
def issued_home(tmp_path_factory: pytest.TempPathFactory) -> IssuedHome:
    """One home, issued once per test session. Tests must not modify it: copy it first."""
    return make_home(tmp_path_factory.mktemp("home") / "home")


@pytest.fixture(scope="session")
def panel_home(tmp_path_factory: pytest.TempPathFactory) -> PanelHome:
    """The panel check's acceptance scenario (tests/support/panelhome.py). Tests must not
    modify it."""
    return make_panel_home(tmp_path_factory.mktemp("panel") / "home")


@pytest.fixture
def fresh_home(tmp_path: Path, issued_home: IssuedHome) -> IssuedHome:
    """A private copy of the issued home that a test may change."""
    target = tmp_path / "home"
    shutil.copytree(issued_home.home.root, target)
    return IssuedHome(Home(target), issued_home.documents, issued_home.skipped_names)


@contextmanager
def serving(home: Path, *extra: str) -> Iterator[str]:
    """Run `cecert serve` for ``home`` on a free loopback port; yield its base URL."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if not k.startswith("CECERT_")}
    command = [sys.executable, "-m", "cecert", "serve", "--home", str(home), "--port", str(port)]
    process = subprocess.Popen(
        [*command, *extra], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(150):
            try:
                urllib.request.urlopen(base + "/", timeout=1).close()
                break
            except OSError:
                time.sleep(0.1)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture
def verifier(issued_home: IssuedHome) -> Iterator[Verifier]:
    registry = Registry.open(issued_home.home.registry_path, read_only=True)
    yield Verifier(issued_home.trust, status=RegistryStatus(registry))
    registry.close()


@contextmanager
def chromium(user_data_dir: Path, *extra_flags: str) -> Iterator[webdriver.Chrome]:
    """Headless Debian Chromium with a fresh profile in ``user_data_dir``, quiet on the
    network (this machine's network is closed), plus ``extra_flags``."""
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--window-size=1000,1400",
        "--lang=zh-CN",
        f"--user-data-dir={user_data_dir}",
        *extra_flags,
    ):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(executable_path=str(CHROMEDRIVER)), options=options)
    try:
        yield driver
    finally:
        driver.quit()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Print how many attacks the attack suites tried and how many were rejected."""
    from tests.support.attacklog import summary

    lines = summary()
    if lines:
        terminalreporter.section("attack suites")
        for line in lines:
            terminalreporter.write_line(line)


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[webdriver.Chrome]:
    """Headless Debian Chromium, one per test module. Use with :data:`needs_browser`."""
    with chromium(tmp_path_factory.mktemp("chromium")) as driver:
        yield driver


def page_replaced(element: WebElement) -> Callable[[webdriver.Chrome], bool]:
    """A wait condition: the page holding ``element`` has been replaced by another.

    Selenium's ``staleness_of`` only counts a stale-element error as "gone"; while Chromium
    swaps the documents, the same question can instead fail with "Node with given id does not
    belong to the document", which means the same. Any other error is raised."""

    def replaced(_: webdriver.Chrome) -> bool:
        try:
            element.is_enabled()
        except StaleElementReferenceException:
            return True
        except WebDriverException as exc:
            if "does not belong to the document" in str(exc):
                return True
            raise
        return False

    return replaced
