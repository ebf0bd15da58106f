"""Every input the fuzzers found (``fuzz/regressions/<target>/``), and every seed of their
corpora, run through the same target functions without a fuzzing engine.

A target function raises only when the code under test broke its contract (an exception
other than our own errors escaped, or a verdict contradicts its checks): each file here is a
named regression asset for a crash that was fixed (``fuzz/README.md``).
"""

from __future__ import annotations

import gc
import tracemalloc
from pathlib import Path

import pytest

from fuzz import payload, pdf
from tests.support.paths import ROOT
from verifier import Verdict

FUZZ = ROOT / "fuzz"


def inputs(kind: str, target: str) -> list[Path]:
    folder = FUZZ / kind / target
    return sorted(p for p in folder.iterdir() if p.is_file() and not p.name.startswith("."))


REGRESSIONS = [
    (target, path) for target in ("payload", "pdf") for path in inputs("regressions", target)
]


@pytest.mark.parametrize(
    ("target", "path"), REGRESSIONS, ids=[f"{t}/{p.name}" for t, p in REGRESSIONS]
)
def test_regression(target: str, path: Path) -> None:
    """A crasher no longer crashes: the target returns, and the verdict is ``invalid``."""
    data = path.read_bytes()
    if target == "payload":
        reports = payload.check(data)
        assert all(r.verdict is Verdict.INVALID for r in reports)
    else:
        report = pdf.check(data)
        assert report.verdict is Verdict.INVALID
        assert report.reasons


def test_payload_decoding_keeps_no_memory() -> None:
    """Refused payloads leave nothing behind: cbor2's C decoder leaked ~700 bytes per text
    string that is not UTF-8 (``invalid-utf8-text-leak``), so a stream of such QR texts
    would grow a verifier's memory without bound. 5000 refusals may keep < 256 KiB."""
    data = (FUZZ / "regressions" / "payload" / "invalid-utf8-text-leak").read_bytes()
    for _ in range(200):  # warm caches first
        payload.check(data)
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for _ in range(5000):
            payload.check(data)
        gc.collect()
        grown = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert grown < 256 * 1024, f"{grown} bytes kept after 5000 refused payloads"


def test_payload_seeds_reach_the_checks_after_the_signature() -> None:
    """The corpus is worth fuzzing from: its genuine payloads pass every payload check under
    the target's trust list (so mutations start deep), its malformed ones fail."""
    verdicts = {
        p.name: payload.check(p.read_bytes())[0].verdict for p in inputs("corpus", "payload")
    }
    assert verdicts["vector-valid"] is Verdict.INDETERMINATE
    assert verdicts["issued-0"] is Verdict.INDETERMINATE
    assert verdicts["vector-tampered"] is Verdict.INVALID
    assert verdicts["vector-malformed_cbor"] is Verdict.INVALID


@pytest.mark.parametrize("path", inputs("corpus", "pdf"), ids=lambda p: p.name)
def test_pdf_seed(path: Path) -> None:
    """Genuine seed PDFs pass every PDF check under the target's trust list and time (only
    the status is unknown: the target has no registry); damaged seeds are invalid."""
    report = pdf.check(path.read_bytes())
    if path.name.startswith("genuine-"):
        assert report.verdict is Verdict.INDETERMINATE
        assert report.reasons == ("status_not_checked",)
    else:
        assert report.verdict is Verdict.INVALID
