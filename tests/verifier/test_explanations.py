"""Every check and every reason a reader can meet has Chinese words (verifier.explanations):
no verdict falls back to "其他核查项目" or "未列出的原因" for something cecert itself says."""

from __future__ import annotations

import ast
import datetime as dt
import re

import pytest

from tests.support.docs import callee_name, doc, literal_strings
from tests.support.paths import ROOT
from verifier import Verifier
from verifier.explanations import (
    CHECKS_ZH,
    NO_CERTIFICATE,
    REASONS_ZH,
    UNLISTED_ZH,
    next_step_zh,
    reason_zh,
    time_ago_zh,
)


def _made_checks() -> tuple[set[str], set[str]]:
    """Check names and reason codes written in ``Check.failed``/``Check.unknown`` calls."""
    names: set[str] = set()
    reasons: set[str] = set()
    for path in (ROOT / "verifier").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.Call) and callee_name(node).startswith("Check."):
                names.update(literal_strings(node.args[0]) if node.args else [])
                if callee_name(node) in ("Check.failed", "Check.unknown") and len(node.args) > 1:
                    reasons.update(literal_strings(node.args[1]))
    return names, reasons


def _documented_verification_reasons() -> set[str]:
    """The reason column of errors.md's table of verification checks."""
    text = doc("errors.md")
    table = text[text.index("## Verification checks and their reasons") :]
    table = table[: table.index("\n## ")]
    found: set[str] = set()
    for line in table.splitlines():
        cells = line.split("|")
        if len(cells) > 4:
            found.update(re.findall(r"`([a-z][a-z0-9_]*)`", cells[3]))
    return found


def test_every_check_a_verifier_makes_has_chinese_words() -> None:
    names, _ = _made_checks()
    assert "pdf.coverage" in names
    assert not names - set(CHECKS_ZH), sorted(names - set(CHECKS_ZH))


def test_every_verification_reason_has_chinese_words() -> None:
    _, made = _made_checks()
    documented = _documented_verification_reasons()
    assert "pdf_modified" in documented
    assert "no_qr_in_image" in made
    missing = (made | documented) - set(REASONS_ZH)
    assert not missing, f"reasons without Chinese words: {sorted(missing)}"


@pytest.mark.parametrize("reason", sorted(REASONS_ZH))
def test_the_words_are_chinese_and_say_what_it_means(reason: str) -> None:
    what, meaning = REASONS_ZH[reason]
    for text in (what, meaning):
        assert re.match(r"[\u4e00-\u9fff“]", text), f"{reason}: {text!r} does not start in Chinese"
        assert reason not in text, f"{reason}: the code itself is shown to the reader"
    assert meaning.endswith(("。", "）")), f"{reason}: {meaning!r} is not a sentence"


def test_an_unknown_code_is_said_in_chinese_too() -> None:
    assert reason_zh("a_code_from_the_future") == UNLISTED_ZH
    assert reason_zh(None) == ("", "")


def test_no_certificate_found_tells_what_to_give_instead() -> None:
    for reason in NO_CERTIFICATE:
        assert "请上传证书 PDF 或清晰的二维码照片" in next_step_zh("indeterminate", (reason,))
    stale = next_step_zh("indeterminate", ("snapshot_too_old",))
    assert "请上传" not in stale
    assert "不代表证书是伪造的" in stale


def test_a_mistake_is_never_a_forgery(verifier: Verifier) -> None:
    """Each way of giving no certificate: "could not verify", in Chinese, with what to do."""
    at = dt.datetime(2026, 4, 1, tzinfo=dt.UTC)
    for given in (b"PK\x03\x04 a zip file \xff\xfe", b"hello world", b"https://example.org/x"):
        report = verifier.verify_bytes(given, at=at)
        told = report.to_json()["zh"]
        assert report.verdict.value == "indeterminate", given
        assert told["verdict"] == "无法核验"
        assert told["summary"].startswith("无法核验：")
        assert "请上传证书 PDF 或清晰的二维码照片" in told["next_step"]


@pytest.mark.parametrize(
    ("seconds", "said"),
    [(-5, "晚于核验时间"), (0, "刚刚"), (59, "刚刚"), (60, "1 分钟前"), (7200, "2 小时前"),
     (86400 * 3, "3 天前")],
)  # fmt: skip
def test_ages_in_chinese(seconds: int, said: str) -> None:
    assert time_ago_zh(seconds) == said
