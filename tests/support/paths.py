"""Where things are: the checkout, and the data folders beside ``tests/conftest.py``."""

from __future__ import annotations

from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]
"""The ``tests/`` folder."""
ROOT = TESTS.parent
"""The checkout."""
DOCS = ROOT / "docs"
DATA = TESTS / "data"
GOLDEN = TESTS / "golden"
VECTORS_DIR = TESTS / "vectors"
VENDOR = TESTS / "vendor"
