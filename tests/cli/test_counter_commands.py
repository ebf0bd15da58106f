"""``cecert counter``: the counter from a terminal, the same store calls as the portal's
pages: a clerk asks, another approves, the signer does it; a clerk cannot approve their own."""

from __future__ import annotations

import re

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
        assert registry.counter.queued(limit=5) == []
