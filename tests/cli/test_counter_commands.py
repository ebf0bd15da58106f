"""``cecert counter``: the counter from a terminal, the same store calls as the portal's
pages: a clerk asks, another approves, the signer does it; a clerk cannot approve their own."""

from __future__ import annotations

import re
from pathlib import Path

from registry.documents import DocumentStatus
from registry.store import Registry
from tests.conftest import PASSPHRASE, IssuedHome
from tests.support.cli import run
from tests.support.portal_browser import add_account

ENV = {"CECERT_PASSPHRASE": PASSPHRASE.decode()}


def test_a_revocation_from_the_terminal_needs_a_second_clerk(fresh_home: IssuedHome) -> None:
    home = fresh_home.home.root
    target = fresh_home.documents[0]
    add_account(home, "clerk-a", "bureau", "440100")
    add_account(home, "clerk-b", "bureau", "440000")
    asked = run(
        "counter", "ask", "revoke", target.number, "--clerk", "clerk-a", "--reason", "fraud",
        "--note", "稽查通知 2026-17 号", home=home,
    )  # fmt: skip
    assert asked.returncode == 0, asked.stderr
    assert "等待另一名工作人员复核" in asked.stdout
    ident = re.search(r"窗口业务 (\d+)", asked.stdout)
    assert ident is not None
    waiting = run("counter", "waiting", "--clerk", "clerk-b", home=home)
    assert f"撤销 {target.number}" in waiting.stdout
    own = run("counter", "approve", ident[1], "--version", "1", "--clerk", "clerk-a", home=home)
    assert own.returncode != 0
    assert "same_clerk" in own.stderr or "另一名工作人员" in own.stderr
    approved = run(
        "counter", "approve", ident[1], "--version", "1", "--clerk", "clerk-b", home=home
    )
    assert approved.returncode == 0, approved.stderr
    done = run("issue", "--requests", env=ENV, home=home)
    assert done.returncode == 0, done.stderr
    assert f"（撤销 {target.number}）：已办结" in done.stdout
    with Registry.open(fresh_home.home.registry_path) as registry:
        revoked = registry.document(target.number, target.edition)
    assert revoked is not None
    assert revoked.status is DocumentStatus.REVOKED


def test_an_unknown_clerk_or_another_role_is_refused(fresh_home: IssuedHome) -> None:
    home = fresh_home.home.root
    target = fresh_home.documents[0]
    add_account(home, "health", "authority", "health")
    for clerk, reason in (("nobody", "no_such_account"), ("health", "not_a_clerk")):
        answer = run("counter", "ask", "renew", target.number, "--clerk", clerk, home=home)
        assert answer.returncode != 0
        assert reason in answer.stderr or clerk in answer.stderr
    with Registry.open(fresh_home.home.registry_path, read_only=True) as registry:
        assert registry.counter_queue.queued(limit=5) == []


def test_find_withdraw_and_a_list_approved_at_once_from_the_terminal(
    fresh_home: IssuedHome, tmp_path: Path
) -> None:
    home = fresh_home.home.root
    add_account(home, "clerk-a", "bureau", "440100")
    add_account(home, "clerk-b", "bureau", "440000")
    zhang = next(d for d in fresh_home.documents if d.id_number == "440106198503120031")
    found = run(
        "counter", "find", "440106********0031", "--name", "张伟", "--clerk", "clerk-a", home=home
    )
    assert found.returncode == 0, found.stderr
    assert f"证书编号 {zhang.number}" in found.stdout
    assert "440106198503120031" not in found.stdout
    asked = run(
        "counter", "ask", "revoke", zhang.number, "--clerk", "clerk-a", "--reason", "fraud",
        "--note", "误报", home=home,
    )  # fmt: skip
    ident = re.search(r"窗口业务 (\d+)", asked.stdout)
    assert ident is not None
    withdrawn = run(
        "counter", "withdraw", ident[1], "--version", "1", "--clerk", "clerk-a", home=home
    )
    assert withdrawn.returncode == 0, withdrawn.stderr
    assert "已撤回" in withdrawn.stdout
    numbers = sorted({d.number for d in fresh_home.documents})[:2]
    listing = tmp_path / "名单.csv"
    listing.write_text("证书编号\n" + "\n".join(numbers) + "\n", "utf-8")
    listed = run(
        "counter", "revoke-list", str(listing), "--clerk", "clerk-a", "--reason", "弄虚作假",
        "--note", "稽查名单", home=home,
    )  # fmt: skip
    assert listed.returncode == 0, listed.stderr
    batch = re.search(r"batch (\S+)\)", listed.stdout)
    assert batch is not None
    approved = run("counter", "approve-list", batch[1], "--clerk", "clerk-b", home=home)
    assert approved.returncode == 0, approved.stderr
    assert "已同意撤销名单中的 2 个证书" in approved.stdout
