"""The bureau's counter in the registry: what a clerk asks, the second clerk's approval where
the damage is greatest, one action per form and per number, scope, events and the audit."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from registry import CHINA_TZ, RegistryError
from registry.model import RevocationReason
from registry.portal import Actor, PortalRole
from registry.portal.counter import (
    REISSUE_REASONS,
    CounterKind,
    CounterState,
    needs_second,
)
from registry.store import DocumentRecord, Registry
from signer.issuance.carry_over import ReissueReason
from tests.conftest import IssuedHome

AT = dt.datetime(2026, 3, 2, 10, 0, tzinfo=CHINA_TZ)
CLERK_A = Actor("clerk-a", PortalRole.BUREAU, "440000")
CLERK_B = Actor("clerk-b", PortalRole.BUREAU, "440000")
ELSEWHERE = Actor("anhui", PortalRole.BUREAU, "340000")


@pytest.fixture
def registry(fresh_home: IssuedHome) -> Registry:
    return Registry.open(fresh_home.home.registry_path)


@pytest.fixture
def document(fresh_home: IssuedHome) -> DocumentRecord:
    return fresh_home.documents[0]


def test_the_reissue_reasons_are_the_signers() -> None:
    assert set(REISSUE_REASONS) == {r.value for r in ReissueReason}


@pytest.mark.parametrize(
    ("kind", "name", "id_number", "second"),
    [
        (CounterKind.REVOKE, None, None, True),
        (CounterKind.CORRECT, "张伟", None, True),
        (CounterKind.CORRECT, None, "440106198503120031", True),
        (CounterKind.CORRECT, None, None, False),
        (CounterKind.REISSUE, None, None, False),
        (CounterKind.RENEW, None, None, False),
    ],
)
def test_what_needs_a_second_clerk(
    kind: CounterKind, name: str | None, id_number: str | None, second: bool
) -> None:
    assert needs_second(kind, name=name, id_number=id_number) is second


def test_a_reissue_is_queued_at_once_and_asked_once(
    registry: Registry, document: DocumentRecord
) -> None:
    asked = registry.counter.request(
        CLERK_A, kind=CounterKind.REISSUE, number=document.number, reason="lost",
        note="本人遗失", token="form-1", at=AT,
    )  # fmt: skip
    again = registry.counter.request(
        CLERK_A, kind=CounterKind.REISSUE, number=document.number, reason="lost",
        note="本人遗失", token="form-1", at=AT,
    )  # fmt: skip
    assert again == asked
    assert (asked.state, asked.second, asked.requested_by) == (
        CounterState.QUEUED,
        False,
        "clerk-a",
    )
    assert [a.id for a in registry.counter_queue.queued(limit=10)] == [asked.id]
    with pytest.raises(RegistryError) as caught:
        registry.counter.request(
            CLERK_B, kind=CounterKind.RENEW, number=document.number, token="form-2", at=AT
        )
    assert caught.value.reason == "counter_open"


def test_a_revocation_waits_for_another_clerk(registry: Registry, document: DocumentRecord) -> None:
    asked = registry.counter.request(
        CLERK_A, kind=CounterKind.REVOKE, number=document.number, reason="fraud",
        note="稽查通知 2026-17 号", token="form-r", at=AT,
    )  # fmt: skip
    assert asked.state is CounterState.AWAITING_SECOND
    assert registry.counter_queue.queued(limit=10) == []
    with pytest.raises(RegistryError) as caught:
        registry.counter.approve(CLERK_A, asked.id, version=asked.version, at=AT)
    assert caught.value.reason == "same_clerk"
    with pytest.raises(RegistryError) as caught:
        registry.counter.approve(ELSEWHERE, asked.id, version=asked.version, at=AT)
    assert caught.value.reason == "forbidden"
    approved = registry.counter.approve(CLERK_B, asked.id, version=asked.version, at=AT)
    assert (approved.state, approved.approved_by) == (CounterState.QUEUED, "clerk-b")
    with pytest.raises(RegistryError) as caught:  # a second approval of the same version
        registry.counter.approve(CLERK_B, asked.id, version=asked.version, at=AT)
    assert caught.value.reason == "changed"
    events = [
        (kind, json.loads(data)["by"], json.loads(data).get("requested_by"))
        for kind, data in registry._connection.conn.execute(
            "SELECT kind, data FROM events WHERE subject = ? ORDER BY seq",
            (f"counter_actions:{asked.id}",),
        )
    ]
    assert events == [
        ("counter_request", "clerk-a", None),
        ("counter_approve", "clerk-b", "clerk-a"),
    ]  # then the signer's counter_take and counter_close
    closed = registry.counter_queue.close(asked.id, done=True, outcome="x/2", detail=None, at=AT)
    assert closed is False
    assert registry.counter_queue.take(asked.id, at=AT) is not None  # the signer takes it first
    assert registry.counter_queue.take(asked.id, at=AT) is None
    assert registry.counter_queue.close(asked.id, done=True, outcome="x/2", detail=None, at=AT)
    assert not registry.counter_queue.close(asked.id, done=True, outcome="x/2", detail=None, at=AT)
    assert not [p for p in registry.audit().problems if p.kind != "log_unsigned"]


def test_a_refusal_says_why_and_a_withdrawal_is_the_askers(
    registry: Registry, document: DocumentRecord
) -> None:
    asked = registry.counter.request(
        CLERK_A, kind=CounterKind.CORRECT, number=document.number, name="张卫",
        note="户籍更名", token="form-c", at=AT,
    )  # fmt: skip
    assert asked.second
    assert asked.name == "张卫"
    with pytest.raises(RegistryError) as caught:
        registry.counter.refuse(CLERK_B, asked.id, version=asked.version, reason=" ", at=AT)
    assert caught.value.reason == "reason_required"
    refused = registry.counter.refuse(
        CLERK_B, asked.id, version=asked.version, reason="缺少户籍证明", at=AT
    )
    assert (refused.state, refused.detail) == (CounterState.REFUSED, "缺少户籍证明")
    again = registry.counter.request(
        CLERK_A, kind=CounterKind.CORRECT, number=document.number, name="张卫",
        note="户籍更名，附证明", token="form-c2", at=AT,
    )  # fmt: skip
    with pytest.raises(RegistryError) as caught:
        registry.counter.withdraw(CLERK_B, again.id, version=again.version, at=AT)
    assert caught.value.reason == "forbidden"
    withdrawn = registry.counter.withdraw(CLERK_A, again.id, version=again.version, at=AT)
    assert withdrawn.state is CounterState.WITHDRAWN


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"kind": CounterKind.REISSUE, "reason": "stolen"}, "reason"),
        ({"kind": CounterKind.REVOKE, "reason": "fraud", "note": ""}, "note"),
        ({"kind": CounterKind.REVOKE, "reason": "because"}, "reason"),
        ({"kind": CounterKind.CORRECT, "note": ""}, "note"),
    ],
)
def test_a_bad_action_names_its_field_and_stores_nothing(
    registry: Registry, document: DocumentRecord, changes: dict[str, object], field: str
) -> None:
    asked: dict[str, object] = {"reason": "", "note": "说明", **changes}
    with pytest.raises(RegistryError) as caught:
        registry.counter.request(
            CLERK_A,
            number=document.number,
            token="bad",
            at=AT,
            **asked,  # type: ignore[arg-type]
        )
    assert caught.value.reason == "bad_counter_action"
    assert caught.value.message.startswith(field)
    assert registry.counter.of_number(CLERK_A, document.number) == []


def test_a_clerk_of_another_region_cannot_ask(registry: Registry, document: DocumentRecord) -> None:
    with pytest.raises(RegistryError) as caught:
        registry.counter.request(
            ELSEWHERE, kind=CounterKind.RENEW, number=document.number, token="t", at=AT
        )
    assert caught.value.reason == "forbidden"
    professional = Actor("someone", PortalRole.PROFESSIONAL, document.id_number)
    with pytest.raises(RegistryError):
        registry.counter.request(
            professional, kind=CounterKind.RENEW, number=document.number, token="t", at=AT
        )
    assert registry.counter.of_number(CLERK_A, document.number) == []


def test_a_list_of_revocations_is_all_or_nothing_and_approved_at_once(
    registry: Registry, fresh_home: IssuedHome
) -> None:
    numbers = sorted({d.number for d in fresh_home.documents})[:3]
    with pytest.raises(RegistryError) as caught:
        registry.counter.request_revocations(
            CLERK_A, [*numbers, "4401-NOT-A-NUMBER", numbers[0]], reason="fraud",
            note="稽查名单", token="list-1", at=AT,
        )  # fmt: skip
    assert caught.value.reason == "bad_list"
    assert "第 4 个" in caught.value.message
    assert "第 5 个" in caught.value.message
    assert all(registry.counter.of_number(CLERK_A, n) == [] for n in numbers)
    asked = registry.counter.request_revocations(
        CLERK_A, numbers, reason="fraud", note="稽查名单", token="list-2", at=AT
    )
    assert {a.state for a in asked} == {CounterState.AWAITING_SECOND}
    assert registry.counter.awaiting_second(CLERK_B).total == 3
    with pytest.raises(RegistryError) as caught:
        registry.counter.approve_batch(CLERK_A, "list-2", at=AT)
    assert caught.value.reason == "same_clerk"
    approved = registry.counter.approve_batch(CLERK_B, "list-2", at=AT)
    assert {a.state for a in approved} == {CounterState.QUEUED}
    assert len(registry.counter_queue.queued(limit=10)) == 3


def test_the_counter_finds_a_holder_by_number_id_number_masked_id_or_name(
    registry: Registry, document: DocumentRecord
) -> None:
    person = registry.person(document.id_number)
    assert person is not None
    masked = document.id_number[:6] + "*" * 8 + document.id_number[-4:]
    for query, name in (
        (document.number, ""),
        (document.id_number, ""),
        (masked, person.name),
        (person.name, ""),
    ):
        found = registry.counter.find(CLERK_A, query, name=name)
        assert (person.id_number, document.number) in [
            (h.person.id_number, h.number) for h in found
        ], query
    assert registry.counter.find(ELSEWHERE, document.number) == []
    with pytest.raises(RegistryError) as caught:
        registry.counter.find(CLERK_A, masked)
    assert caught.value.reason == "bad_query"
    with pytest.raises(RegistryError) as caught:
        registry.counter.find(CLERK_A, "12ab")
    assert caught.value.reason == "bad_query"


def test_an_absent_number_and_another_regions_look_the_same(
    registry: Registry, document: DocumentRecord
) -> None:
    """A list pasted at the counter must not tell which numbers of other regions exist."""
    absent = "440100000099990"
    from registry.numbering import mod11_2

    absent = absent[:-1] + mod11_2(absent[:-1])
    answers = []
    for number in (document.number, absent):
        with pytest.raises(RegistryError) as caught:
            registry.counter.request(
                ELSEWHERE, kind=CounterKind.RENEW, number=number, token=f"t-{number}", at=AT
            )
        answers.append(caught.value.reason)
        with pytest.raises(RegistryError) as listed:
            registry.counter.request_revocations(
                ELSEWHERE, [number], reason="fraud", note="名单", token=f"l-{number}", at=AT
            )
        answers.append(listed.value.message.replace(number, "N"))
    assert answers[0] == answers[2] == "forbidden"
    assert answers[1] == answers[3]


def test_a_form_without_a_token_is_refused_and_a_token_keeps_its_kind(
    registry: Registry, document: DocumentRecord
) -> None:
    with pytest.raises(RegistryError) as caught:
        registry.counter.request(
            CLERK_A, kind=CounterKind.RENEW, number=document.number, token="", at=AT
        )
    assert caught.value.reason == "bad_token"
    registry.counter.request(
        CLERK_A, kind=CounterKind.RENEW, number=document.number, token="form-k1", at=AT
    )
    with pytest.raises(RegistryError) as caught:
        registry.counter.request(
            CLERK_A, kind=CounterKind.REISSUE, number=document.number, reason="lost",
            token="form-k1", at=AT,
        )  # fmt: skip
    assert caught.value.reason == "bad_token"


def test_a_list_approved_twice_is_changed_not_forbidden(
    registry: Registry, fresh_home: IssuedHome
) -> None:
    numbers = sorted({d.number for d in fresh_home.documents})[:2]
    registry.counter.request_revocations(
        CLERK_A, numbers, reason="fraud", note="名单", token="list-twice", at=AT
    )
    registry.counter.approve_batch(CLERK_B, "list-twice", at=AT)
    with pytest.raises(RegistryError) as caught:
        registry.counter.approve_batch(CLERK_B, "list-twice", at=AT)
    assert caught.value.reason == "changed"
    with pytest.raises(RegistryError) as caught:
        registry.counter.approve_batch(ELSEWHERE, "list-twice", at=AT)
    assert caught.value.reason == "forbidden"


def test_a_revoked_number_takes_no_counter_action(
    registry: Registry, document: DocumentRecord
) -> None:
    registry.revoke(document.number, reason=RevocationReason.FRAUD, note="稽查", at=AT)
    for kind in (CounterKind.REISSUE, CounterKind.RENEW, CounterKind.CORRECT):
        with pytest.raises(RegistryError) as caught:
            registry.counter.request(
                CLERK_A, kind=kind, number=document.number, reason="lost", note="户籍更名",
                token=f"form-{kind.value}", at=AT,
            )  # fmt: skip
        assert caught.value.reason == "number_revoked"
        assert "撤销不可恢复" in str(caught.value)
    with pytest.raises(RegistryError) as caught:
        registry.counter.request_revocations(
            CLERK_A, [document.number], reason="fraud", note="稽查", token="list-1", at=AT
        )
    assert caught.value.reason == "bad_list"
    assert "撤销不可恢复" in str(caught.value)
    assert registry.counter.of_number(CLERK_A, document.number) == []
