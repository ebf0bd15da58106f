"""The counter's actions done by the signer: a real issuer, real PDFs and the registry they
change; the clerk's action closed with what was made, or with why it could not be."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from keys.private import open_key_ring
from registry import RegistryError
from registry.documents import DocumentStatus
from registry.model import Category, RevocationReason
from registry.payload import decode_payload
from registry.portal import Actor, PortalRole, check_proof
from registry.portal.counter import CounterKind, CounterState
from registry.store import Registry
from registry.store.records import activity_row
from signer import Issuer, ReissueReason, take_counter_actions
from tests.conftest import PASSPHRASE, IssuedHome
from tests.support.bureaus import GUANGDE_HOLDER, make_guangde_bureau
from tests.support.cli import run

CLERK_A = Actor("clerk-a", PortalRole.BUREAU, "440000")
CLERK_B = Actor("clerk-b", PortalRole.BUREAU, "440000")


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def issuer_of(home: IssuedHome, registry: Registry) -> Issuer:
    ring = open_key_ring(home.home.keys_dir, passphrase=PASSPHRASE)
    return Issuer(
        registry=registry, ring=ring, config=home.home.config(),
        out_dir=home.home.certificates_dir,
    )  # fmt: skip


def test_a_lost_certificate_is_reissued_under_its_number(fresh_home: IssuedHome) -> None:
    lost = fresh_home.documents[0]
    with Registry.open(fresh_home.home.registry_path) as registry:
        asked = registry.counter.request(
            CLERK_A, kind=CounterKind.REISSUE, number=lost.number, reason="lost",
            note="本人到窗口申请", token="desk-1", at=now(),
        )  # fmt: skip
        taken = take_counter_actions(registry, issuer_of(fresh_home, registry), at=now())
        assert take_counter_actions(registry, issuer_of(fresh_home, registry), at=now()) == []
        history = registry.history(lost.number)
        closed = registry.counter.action(CLERK_A, asked.id)
    assert [t.done for t in taken] == [True]
    made = taken[0].documents[0]
    assert (made.number, made.edition) == (lost.number, lost.edition + 1)
    assert (closed.state, closed.outcome) == (CounterState.DONE, f"{lost.number}/{made.edition}")
    old = next(d for d in history if d.edition == lost.edition)
    assert old.status is DocumentStatus.SUPERSEDED
    assert Path(made.pdf_path).is_file()


def test_a_revocation_is_done_only_after_the_second_clerk(fresh_home: IssuedHome) -> None:
    target = fresh_home.documents[1]
    with Registry.open(fresh_home.home.registry_path) as registry:
        issuer = issuer_of(fresh_home, registry)
        asked = registry.counter.request(
            CLERK_A, kind=CounterKind.REVOKE, number=target.number, reason="fraud",
            note="稽查通知 2026-17 号", token="desk-r", at=now(),
        )  # fmt: skip
        assert take_counter_actions(registry, issuer, at=now()) == []
        assert registry.document(target.number, target.edition).status is DocumentStatus.CURRENT
        registry.counter.approve(CLERK_B, asked.id, version=asked.version, at=now())
        taken = take_counter_actions(registry, issuer, at=now())
        revoked = registry.document(target.number, target.edition)
    assert [t.done for t in taken] == [True]
    assert revoked is not None
    assert (revoked.status, revoked.status_reason) == (DocumentStatus.REVOKED, "fraud")


def test_an_action_that_cannot_be_done_is_closed_with_why(fresh_home: IssuedHome) -> None:
    """A renewal of a number revoked after it was asked (the counter refuses to ask on a
    revoked number, but a revocation may land before the signer takes the action): failed,
    with the issuer's reason, and nothing made."""
    target = fresh_home.documents[2]
    with Registry.open(fresh_home.home.registry_path) as registry:
        issuer = issuer_of(fresh_home, registry)
        asked = registry.counter.request(
            CLERK_A, kind=CounterKind.RENEW, number=target.number, token="desk-n", at=now()
        )
        registry.revoke(target.number, reason=RevocationReason.FRAUD, note="先行撤销", at=now())
        taken = take_counter_actions(registry, issuer, at=now())
        closed = registry.counter.action(CLERK_A, asked.id)
        editions = [d.edition for d in registry.history(target.number)]
    assert [(t.done, t.documents) for t in taken] == [(False, ())]
    assert closed.state is CounterState.FAILED
    assert closed.outcome == taken[0].reason
    assert closed.detail
    assert editions == [target.edition]


def test_cecert_issue_requests_does_the_counters_actions(fresh_home: IssuedHome) -> None:
    """The signer's one command takes the counter's queue too, prints a line for each and
    signs a checkpoint over the change; the audit stays consistent."""
    lost = fresh_home.documents[0]
    with Registry.open(fresh_home.home.registry_path) as registry:
        registry.counter.request(
            CLERK_A, kind=CounterKind.REISSUE, number=lost.number, reason="damaged",
            note="证书损毁", token="desk-cli", at=now(),
        )  # fmt: skip
    env = {"CECERT_PASSPHRASE": PASSPHRASE.decode()}
    result = run("issue", "--requests", "--workers", "1", env=env, home=fresh_home.home.root)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"（补办 {lost.number}）：已办结，第{lost.edition + 1}版" in result.stdout
    assert "办结窗口业务 1 件：办理 1 件，未能办理 0 件" in result.stdout
    audited = run("registry", "audit", home=fresh_home.home.root)
    assert audited.returncode == 0, audited.stdout + audited.stderr


def test_a_reissue_at_the_counter_carries_what_was_proven_again(tmp_path: Path) -> None:
    """Guangde carries professional hours on a reissue only when proven again (notice 003
    四(三)): without re-proof the counter's reissue fails with the issuer's reason; with the
    records the holder proved again at the counter, the new edition carries them."""
    guangde = make_guangde_bureau(tmp_path / "home")
    clerk = Actor("guangde", PortalRole.BUREAU, "341882")
    registry = guangde.registry
    number = guangde.original.number
    try:
        bare = registry.counter.request(
            clerk, kind=CounterKind.REISSUE, number=number, reason="lost", token="g1", at=now()
        )
        (failed,) = take_counter_actions(registry, guangde.issuer, at=now())
        assert (failed.done, failed.reason) == (False, "reissue_falls_short")
        assert "专业科目0学时" in (registry.counter.action(clerk, bare.id).detail or "")
        professional = [
            activity_row(a)["fingerprint"]
            for a in registry.activities(GUANGDE_HOLDER)
            if a.category is Category.PROFESSIONAL
        ]
        proof = check_proof(b"%PDF-1.7\n% the original certificate\n", "结业证书.pdf")
        with pytest.raises(RegistryError) as caught:
            registry.counter.request(
                clerk, kind=CounterKind.REISSUE, number=number, reason="lost", token="g2",
                at=now(), reproven=["0" * 64],
            )  # fmt: skip
        assert caught.value.reason == "bad_counter_action"
        asked = registry.counter.request(
            clerk, kind=CounterKind.REISSUE, number=number, reason="lost", token="g3",
            at=now(), reproven=professional, proofs=[proof],
        )  # fmt: skip
        assert set(asked.reproven) == set(professional)
        assert asked.proofs == (proof,)
        (done,) = take_counter_actions(registry, guangde.issuer, at=now())
    finally:
        registry.close()
    assert done.done, done.detail
    claims = decode_payload(done.documents[0].payload).claims
    assert claims.hours == (1800, 3600, 0, 5400)


def test_an_action_the_signer_stopped_in_is_closed_as_interrupted_not_done_twice(
    fresh_home: IssuedHome,
) -> None:
    """The signer marks an action taken before it does it. One left taken (the signer died
    between doing it and closing it) is closed failed, ``interrupted``, for the clerk to
    check the history: never done a second time, so no extra edition is made."""
    lost = fresh_home.documents[0]
    with Registry.open(fresh_home.home.registry_path) as registry:
        issuer = issuer_of(fresh_home, registry)
        asked = registry.counter.request(
            CLERK_A, kind=CounterKind.REISSUE, number=lost.number, reason="lost",
            token="desk-crash", at=now(),
        )  # fmt: skip
        taken = registry.counter_queue.take(asked.id, at=now())
        assert taken is not None
        assert taken.state is CounterState.TAKING
        issuer.reissue(lost.number, reason=ReissueReason.LOST, at=now())  # then it died
        editions = len(registry.history(lost.number))
        later = now() + dt.timedelta(minutes=11)
        (closed,) = take_counter_actions(registry, issuer, at=later)
        assert (closed.done, closed.reason) == (False, "interrupted")
        assert len(registry.history(lost.number)) == editions
        action = registry.counter.action(CLERK_A, asked.id)
    assert action.state is CounterState.FAILED
    assert action.detail is not None
    assert "证书历史" in action.detail
