"""Fixtures of the web tests: the portal's browser journey."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from selenium import webdriver

from tests.support.portal_browser import Journey, phone_journey


@pytest.fixture
def journey(browser: webdriver.Chrome, tmp_path: Path) -> Iterator[Journey]:
    """A browser acting on a phone and looking at each page at 360 and 1280 px, from a
    clean slate of cookies (screenshots in ``tmp_path/shots``)."""
    with phone_journey(browser, tmp_path / "shots") as walk:
        yield walk
