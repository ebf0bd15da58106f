"""The bureau's counter over HTTP: a clerk finds a holder, asks for a reissue that the signer
then does, and asks for a revocation that waits for a second clerk; a clerk cannot approve
their own; another region's clerk sees nothing; bad input is named and stores nothing."""

from __future__ import annotations

import datetime as dt
import io
import re
from pathlib import Path

import pytest

from keys.private import open_key_ring
from registry.documents import DocumentStatus
from registry.model import RevocationReason
from registry.portal import Actor, PortalRole
from registry.portal.counter import CounterState
from signer import Issuer, take_counter_actions
from tests.conftest import PASSPHRASE, IssuedHome
from tests.support.portal import PASSWORD, TOKEN, ZHANG, Client, Portal, make_portal
from webcore import Role

AT = dt.datetime(2026, 3, 2, 10, 0, tzinfo=dt.UTC)
CLERK_A = Actor("clerk-a", PortalRole.BUREAU, "440100")


@pytest.fixture
def portal(fresh_home: IssuedHome, tmp_path: Path) -> Portal:
    made = make_portal(fresh_home, tmp_path)
    accounts = made.accounts()
    for username, scope in (("clerk-a", "440100"), ("clerk-b", "440106"), ("anhui", "340000")):
        accounts.add(username, PASSWORD, Role.BUREAU, at=AT, scope=scope)
    return made


def clerk(portal: Portal, username: str) -> Client:
    browser = portal.client()
    browser.log_in(username)
    return browser


def zhang_number(portal: Portal) -> str:
    return next(d.number for d in portal.home.documents if d.id_number == ZHANG)


def ask(browser: Client, number: str, status: int = 302, **fields: str) -> str:
    page = browser.get(f"/counter/certificates/{number}")
    token = TOKEN.search(page)
    assert token is not None
    response = browser.post(
        f"/counter/certificates/{number}", {"token": token.group(1), **fields}, status=status
    )
    return str(response.get_data(as_text=True))


def test_a_lost_certificate_is_found_reissued_and_printed(portal: Portal) -> None:
    number = zhang_number(portal)
    a = clerk(portal, "clerk-a")
    masked = ZHANG[:6] + "********" + ZHANG[-4:]
    found = a.get(f"/counter/?q={masked}&name=张伟")
    assert f'href="/counter/certificates/{number}"' in found
    assert ZHANG not in found  # masked, as printed
    ask(a, number, kind="reissue", reason="lost", note="本人到窗口申请")
    page = a.get(f"/counter/certificates/{number}")
    assert "已受理补办" in page
    assert "已受理，等待签发" in page
    with portal.registry() as registry:
        ring = open_key_ring(portal.home.home.keys_dir, passphrase=PASSPHRASE)
        issuer = Issuer(
            registry=registry, ring=ring, config=portal.home.home.config(),
            out_dir=portal.home.home.certificates_dir,
        )  # fmt: skip
        (done,) = take_counter_actions(registry, issuer, at=AT)
    edition = done.documents[0].edition
    page = a.get(f"/counter/certificates/{number}")
    assert "已办结" in page
    assert "已被新版取代" in page
    printed = a.http.get(f"/counter/certificates/{number}/{edition}.pdf")
    assert printed.status_code == 200
    assert printed.data.startswith(b"%PDF")
    assert printed.headers["Content-Disposition"].startswith("attachment")


def test_a_revocation_waits_for_a_second_clerk(portal: Portal) -> None:
    number = zhang_number(portal)
    a, b = clerk(portal, "clerk-a"), clerk(portal, "clerk-b")
    ask(a, number, kind="revoke", reason="fraud", note="稽查通知 2026-17 号")
    own = a.get("/counter/second")
    assert "这是您提交的业务" in own
    assert 'value="approve"' not in own
    assert 'value="withdraw"' in own
    with portal.registry() as registry:
        (asked,) = registry.counter.of_number(CLERK_A, number)
    assert asked.state is CounterState.AWAITING_SECOND
    a.post(f"/counter/second/{asked.id}", {"decision": "approve", "version": "1"}, status=409)
    queue = b.get("/counter/second")
    assert f"撤销 {number}" in queue
    b.post(f"/counter/second/{asked.id}", {"decision": "approve", "version": "1"})
    with portal.registry() as registry:
        (queued,) = registry.counter_queue.queued(limit=5)
        assert queued.approved_by == "clerk-b"
        assert registry.document(number, 1).status is DocumentStatus.CURRENT  # the signer's


def test_a_revoked_certificate_says_so_and_offers_no_form(portal: Portal) -> None:
    number = zhang_number(portal)
    with portal.registry() as registry:
        registry.revoke(number, reason=RevocationReason.FRAUD, note="稽查", at=AT)
    page = clerk(portal, "clerk-a").get(f"/counter/certificates/{number}")
    assert "此证书编号已撤销" in page
    assert 'id="ask-title"' not in page
    assert 'name="token"' not in page


def test_another_regions_clerk_sees_and_does_nothing(portal: Portal) -> None:
    number = zhang_number(portal)
    anhui = clerk(portal, "anhui")
    page = anhui.get(f"/counter/?q={number}")
    assert "本辖区没有找到" in page
    anhui.get(f"/counter/certificates/{number}", status=403)
    assert anhui.http.get(f"/counter/certificates/{number}/1.pdf").status_code == 403


def test_a_bad_form_is_named_and_stores_nothing(portal: Portal) -> None:
    number = zhang_number(portal)
    a = clerk(portal, "clerk-a")
    page = ask(a, number, status=400, kind="revoke", reason="fraud", note="")
    assert "撤销须写明依据" in page
    assert 'id="note-error"' in page
    page = ask(a, number, status=400, kind="correct", note="户籍更名", id="440106198503120032")
    assert 'id="id-error"' in page
    with portal.registry() as registry:
        assert registry.counter.of_number(CLERK_A, number) == []
    page = a.get("/counter/?q=12ab", status=400)
    assert "请输入证书编号、身份证号或姓名" in page


def test_the_clerk_who_asked_may_withdraw_and_no_one_else(portal: Portal) -> None:
    number = zhang_number(portal)
    a, b = clerk(portal, "clerk-a"), clerk(portal, "clerk-b")
    ask(a, number, kind="revoke", reason="fraud", note="误报")
    with portal.registry() as registry:
        (asked,) = registry.counter.of_number(CLERK_A, number)
    b.post(f"/counter/second/{asked.id}", {"decision": "withdraw", "version": "1"}, status=403)
    a.post(f"/counter/second/{asked.id}", {"decision": "withdraw", "version": "1"})
    with portal.registry() as registry:
        (withdrawn,) = registry.counter.of_number(CLERK_A, number)
    assert withdrawn.state is CounterState.WITHDRAWN


def test_a_double_submit_asks_once(portal: Portal) -> None:
    number = zhang_number(portal)
    a = clerk(portal, "clerk-a")
    page = a.get(f"/counter/certificates/{number}")
    token = TOKEN.search(page)
    assert token is not None
    form = {"token": token.group(1), "kind": "renew"}
    a.post(f"/counter/certificates/{number}", form)
    a.post(f"/counter/certificates/{number}", form)
    with portal.registry() as registry:
        assert len(registry.counter.of_number(CLERK_A, number)) == 1


def test_a_list_of_revocations_is_refused_whole_with_every_bad_line(portal: Portal) -> None:
    number = zhang_number(portal)
    a = clerk(portal, "clerk-a")
    page = a.get("/counter/revocations")
    token = re.search(r'name="token" value="([^"]+)"', page)
    assert token is not None
    response = a.post(
        "/counter/revocations",
        {"token": token.group(1), "numbers": f"证书编号\n{number}\n440100-bad\n",
         "reason": "fraud", "note": "稽查名单"},
        status=400,
    )  # fmt: skip
    text = response.get_data(as_text=True)
    assert "第 2 个" in text
    assert "整份名单未受理" in text
    with portal.registry() as registry:
        assert registry.counter.of_number(CLERK_A, number) == []


def test_a_reissue_names_the_records_proven_again_with_their_files(portal: Portal) -> None:
    number = zhang_number(portal)
    a = clerk(portal, "clerk-a")
    page = a.get(f"/counter/certificates/{number}")
    fingerprints = re.findall(r'name="reproven" value="([0-9a-f]{64})"', page)
    assert fingerprints, "the holder's records of the year are offered"
    token = TOKEN.search(page)
    assert token is not None
    scan = b"%PDF-1.7\n% the original training certificate\n"
    wrong = a.post(
        f"/counter/certificates/{number}",
        {"token": token.group(1), "kind": "reissue", "reason": "lost",
         "reproven": fingerprints[:1], "proofs": [(io.BytesIO(b"MZ not a pdf"), "证明.pdf")]},
        status=400,
    )  # fmt: skip
    assert 'id="proofs-error"' in wrong.get_data(as_text=True)
    with portal.registry() as registry:
        assert registry.counter.of_number(CLERK_A, number) == []
    a.post(
        f"/counter/certificates/{number}",
        {"token": token.group(1), "kind": "reissue", "reason": "lost",
         "reproven": fingerprints[:1], "proofs": [(io.BytesIO(scan), "结业证书.pdf")]},
    )  # fmt: skip
    with portal.registry() as registry:
        (asked,) = registry.counter.of_number(CLERK_A, number)
    assert asked.reproven == tuple(fingerprints[:1])
    assert [p.filename for p in asked.proofs] == ["结业证书.pdf"]
    stored = portal.home.home.proofs_dir
    assert any(path.read_bytes() == scan for path in stored.rglob("*") if path.is_file())


def test_a_version_or_page_of_other_digits_is_a_400_not_a_500(portal: Portal) -> None:
    a = clerk(portal, "clerk-a")
    a.post("/counter/second/1", {"decision": "approve", "version": "²"}, status=400)
    assert a.http.get("/counter/second?after=²").status_code == 200


def test_a_number_in_a_path_past_sqlites_integers_is_a_404_not_a_500(portal: Portal) -> None:
    a = clerk(portal, "clerk-a")
    huge = str(2**63)
    number = zhang_number(portal)
    assert a.http.get(f"/counter/certificates/{number}/{huge}.pdf").status_code == 404
    assert a.http.get(f"/proofs/{huge}/{'0' * 64}").status_code == 404
    a.post(f"/counter/second/{huge}", {"decision": "approve", "version": "1"}, status=404)
    assert a.http.get(f"/review/plans/{huge}").status_code == 404
