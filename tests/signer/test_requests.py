"""The portal's issuance requests, taken where the keys are: `cecert issue --requests` issues
each approved application's year or says why not, closes it, and signs; `--follow` keeps
doing so as requests come, keeps the portal's events signed, and stops cleanly."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from click.testing import CliRunner

from cecert.cli import cli
from keys.private import open_key_ring
from registry import TitleLevel
from registry.idnumber import mask_id_number, mod11_2_check
from registry.model import Activity, Category, Person, RecordStatus
from registry.portal import Actor, ApplicationState, PortalRole, check_character, check_proof
from registry.portal.values import Application
from registry.store import Registry
from signer import Issuer, take_requests
from tests.conftest import PASSPHRASE, IssuedHome
from tests.support.cli import run

ENV = {"CECERT_PASSPHRASE": PASSPHRASE.decode()}
YEAR = 2025
CODE = "91440106MA59R0000"
EMPLOYER = Actor("hospital", PortalRole.EMPLOYER, CODE + check_character(CODE))
CLINIC = "91440106MA59T0000"
BUREAU = Actor("tianhe", PortalRole.BUREAU, "440106")
CITY = Actor("guangzhou", PortalRole.BUREAU, "440100")
HEALTH = Actor("health", PortalRole.AUTHORITY, "health")
REVIEWERS = (EMPLOYER, HEALTH, CITY)
"""Who looks at a declared record, in order (the rules route each record after the employer)."""
ZHANG = "440106198503120031"
"""张伟 of the demo: he holds the 2025 certificate already."""
MET = {Category.PUBLIC: 30 * 60, Category.PROFESSIONAL: 60 * 60, Category.ELECTIVE: 12 * 60}
SHORT = {Category.PUBLIC: 10 * 60}


def person(body: str, name: str) -> Person:
    return Person(body + mod11_2_check(body), name, "", "卫生", TitleLevel.INTERMEDIATE,
                  dt.date(2016, 7, 1), body[:6])  # fmt: skip


HUANG = person("44010619900101003", "黄蓉")
GUO = person("44010619910202004", "郭靖")
YANG = person("44010619920303005", "杨康")


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def as_person(id_number: str) -> Actor:
    return Actor(id_number, PortalRole.PROFESSIONAL, id_number)


def open_portal(registry: Registry) -> None:
    """The employer registers and the bureau approves it."""
    made = registry.registrations.register_employer(EMPLOYER, name="广州市第二人民医院",
                                                    region="440106", at=now())  # fmt: skip
    registry.registrations.decide_employer(
        BUREAU, made.credit_code, version=made.version, approve=True, reason=None, at=now()
    )


def enrol(registry: Registry, who: Person, hours: dict[Category, int], policy: str) -> None:
    """``who`` registers with the employer (approved), declares ``hours`` of ``YEAR`` and every
    reviewer the rules name confirms them."""
    me = as_person(who.id_number)
    enrolment = registry.registrations.register_person(
        me, who, credit_code=EMPLOYER.scope, at=now()
    )
    registry.registrations.decide_person(
        EMPLOYER, who.id_number, version=enrolment.version, approve=True, reason=None, at=now()
    )
    for index, (category, minutes) in enumerate(hours.items()):
        record = Activity(
            id_number=who.id_number, year=YEAR, category=category, kind="online_course",
            title=f"{category.label_zh}课程", course_code="", minutes=minutes,
            start_date=dt.date(YEAR, 5, 1), end_date=dt.date(YEAR, 5, 2),
            provider="广东省继续教育平台", score=None, role=None, status=RecordStatus.DECLARED,
        )  # fmt: skip
        proof = check_proof(b"%PDF-1.7\n% a proof\n", "证书.pdf")
        registry.declarations.declare(
            me, record, proofs=[proof], token=f"{who.id_number}-{index}", at=now()
        )
    for reviewer in REVIEWERS:
        queue = registry.declarations.queue(reviewer)
        if queue.items:
            registry.declarations.decide(
                reviewer, {d.id: d.version for d in queue.items}, approve=True, reason=None,
                default_policy=policy, at=now(),
            )  # fmt: skip
    assert all(a.status is RecordStatus.CONFIRMED for a in registry.activities(who.id_number))


def apply(registry: Registry, id_number: str) -> int:
    """The person applies for ``YEAR``; the employer and the bureau approve: a request."""
    applied = registry.applications.apply(
        as_person(id_number), year=YEAR, token=id_number, at=now()
    )
    (employer,) = registry.applications.decide(
        EMPLOYER, {applied.id: applied.version}, approve=True, reason=None, at=now()
    )
    (bureau,) = registry.applications.decide(
        CITY, {applied.id: employer.version}, approve=True, reason=None, at=now()
    )
    assert bureau.state is ApplicationState.APPROVED
    return applied.id


def application(home: IssuedHome, ident: int) -> Application:
    with Registry.open(home.home.registry_path, read_only=True) as registry:
        return registry.applications.application(CITY, ident)


def signed_to(home: IssuedHome) -> tuple[int, int]:
    """(the largest tree size a stored checkpoint covers, the log's size)."""
    with Registry.open(home.home.registry_path, read_only=True) as registry:
        covered = max((size for size, _text in registry.checkpoints()), default=0)
        return covered, registry.log_size()


def wait_for(condition: Callable[[], bool], what: str, seconds: float = 30.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def test_requests_are_issued_refused_or_closed_with_the_certificate_held(
    fresh_home: IssuedHome,
) -> None:
    home = fresh_home.home
    policy = home.config().default_policy
    with Registry.open(home.registry_path) as registry:
        open_portal(registry)
        enrol(registry, HUANG, MET, policy)
        enrol(registry, GUO, SHORT, policy)  # the portal let him apply; the signer judges
        zhang = registry.person(ZHANG)
        assert zhang is not None
        enrol(registry, zhang, {}, policy)
        met, short, held = (apply(registry, p) for p in (HUANG.id_number, GUO.id_number, ZHANG))

    result = run("issue", "--requests", env=ENV, home=home.root)
    assert result.returncode == 0, result.stderr
    lines = [line for line in result.stdout.splitlines() if line.startswith("申请 ")]
    assert [line.split("：")[0] for line in lines] == [
        f"申请 {met}",
        f"申请 {short}",
        f"申请 {held}",
    ]

    issued = application(fresh_home, met)
    assert issued.state is ApplicationState.ISSUED
    assert issued.edition == 1
    with Registry.open(home.registry_path, read_only=True) as registry:
        document = registry.current_document(HUANG.id_number, issuer="440100", year=YEAR)
        assert document is not None
        assert document.number == issued.number
        assert Path(document.pdf_path).is_file()
        assert registry.applications.requests() == []
    assert lines[0].startswith(f"申请 {met}：已签发 {document.number} 第1版（黄蓉，2025年度）")

    refused = application(fresh_home, short)
    assert refused.state is ApplicationState.REFUSED
    assert refused.number is None
    assert refused.reason is not None
    assert "学时" in refused.reason
    assert "差" in refused.reason
    assert lines[1].startswith(f"申请 {short}：未签发（郭靖，2025年度）：")
    assert "（not_met）" in lines[1]

    (before,) = [d for d in fresh_home.documents if d.id_number == ZHANG]
    closed = application(fresh_home, held)
    assert closed.state is ApplicationState.ISSUED
    assert (closed.number, closed.edition) == (before.number, before.edition)
    assert f"已持有 {before.number} 第{before.edition}版" in lines[2]

    assert "登记状态已发布" in result.stdout
    assert "办结申请 3 件：签发 2 件（其中此前已签发 1 件），未签发 1 件" in result.stdout
    audited = run("registry", "audit", home=home.root)
    assert audited.returncode == 0, audited.stdout + audited.stderr

    size = signed_to(fresh_home)
    pdfs = sorted((home.certificates_dir / str(YEAR)).iterdir())
    again = CliRunner().invoke(
        cli, ["issue", "--home", str(home.root), "--requests", "--workers", "1"], env=ENV
    )
    assert again.exit_code == 0, again.output
    assert "没有待签发的申请或窗口业务 (no requests or counter actions waiting)" in again.output
    assert not [line for line in again.output.splitlines() if line.startswith("申请 ")]
    assert signed_to(fresh_home) == size
    assert sorted((home.certificates_dir / str(YEAR)).iterdir()) == pdfs


def test_requests_take_no_year_and_follow_needs_requests(fresh_home: IssuedHome) -> None:
    root = str(fresh_home.home.root)
    for args, said in (
        (("--requests", "--year", "2025"), "不能与 --year、--policy、--person 同用"),
        (("--follow", "--year", "2025"), "--follow 须与 --requests 同用"),
        ((), "缺少选项 --year"),
    ):
        result = CliRunner().invoke(cli, ["issue", "--home", root, *args], env=ENV)
        assert result.exit_code == 2, result.output
        assert said in result.output


def test_requests_whose_skips_look_alike_are_each_refused_with_their_own_reason(
    fresh_home: IssuedHome,
) -> None:
    """A skip names its person by masked ID number and name: two requests that share both are
    judged one by one, and each person reads their own figures."""
    home = fresh_home.home
    policy = home.config().default_policy
    first, second = person("44010619930404006", "王芳"), person("44010319930402006", "王芳")
    assert mask_id_number(first.id_number) == mask_id_number(second.id_number)
    with Registry.open(home.registry_path) as registry:
        open_portal(registry)
        enrol(registry, first, {Category.PUBLIC: 10 * 60}, policy)
        enrol(registry, second, {Category.PUBLIC: 5 * 60}, policy)
        idents = [apply(registry, who.id_number) for who in (first, second)]
        ring = open_key_ring(home.keys_dir, passphrase=PASSPHRASE)
        issuer = Issuer(
            registry=registry, ring=ring, config=home.config(), out_dir=home.certificates_dir
        )
        taken = take_requests(registry, issuer, at=now())
        assert take_requests(registry, issuer, at=now()) == []
    assert [outcome.request.id for outcome in taken] == idents
    assert [(outcome.issued, outcome.reason) for outcome in taken] == [(False, "not_met")] * 2
    for ident, hours in zip(idents, (10, 5), strict=True):
        refused = application(fresh_home, ident)
        assert refused.state is ApplicationState.REFUSED
        assert refused.reason is not None
        assert refused.reason.startswith(f"公需科目完成{hours}学时")


def test_follow_takes_new_requests_signs_the_portal_s_events_and_stops_on_sigterm(
    fresh_home: IssuedHome, tmp_path: Path
) -> None:
    home = fresh_home.home
    policy = home.config().default_policy
    with Registry.open(home.registry_path) as registry:
        open_portal(registry)
        enrol(registry, YANG, MET, policy)
    out = tmp_path / "follow.out"
    environment = {k: v for k, v in os.environ.items() if not k.startswith("CECERT_")}
    command = [sys.executable, "-m", "cecert", "issue", "--requests", "--follow",
               "--interval", "0.2", "--workers", "1", "--home", str(home.root)]  # fmt: skip
    with out.open("w", encoding="utf-8") as stdout:
        follower = subprocess.Popen(
            command, env={**environment, **ENV}, stdout=stdout, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )  # fmt: skip
    try:
        # At start it signs the events the portal wrote before (the log_unsigned tail).
        wait_for(lambda: "持续办理签发申请" in out.read_text("utf-8"), "the follower to start")
        wait_for(lambda: len(set(signed_to(fresh_home))) == 1, "the portal's events signed")

        with Registry.open(home.registry_path) as registry:
            ident = apply(registry, YANG.id_number)
        wait_for(
            lambda: application(fresh_home, ident).state is ApplicationState.ISSUED,
            "the request to be issued",
        )
        wait_for(lambda: len(set(signed_to(fresh_home))) == 1, "the issuance signed")
        issued = application(fresh_home, ident)
        assert f"申请 {ident}：已签发 {issued.number} 第1版（杨康，2025年度）" in out.read_text(
            "utf-8"
        )

        with Registry.open(home.registry_path) as registry:  # the portal alone, no request
            clinic = Actor("clinic", PortalRole.EMPLOYER, CLINIC + check_character(CLINIC))
            registry.registrations.register_employer(clinic, name="诊所", region="440106", at=now())
            grown = registry.log_size()
        wait_for(lambda: signed_to(fresh_home) == (grown, grown), "the new events signed")
        audited = run("registry", "audit", home=home.root)
        assert audited.returncode == 0, audited.stdout + audited.stderr
    finally:
        follower.send_signal(signal.SIGTERM)
        status = follower.wait(timeout=30)
    output = out.read_text("utf-8")
    assert status == 0, output
    assert "Traceback" not in output
    assert output.rstrip().endswith("已停止办理签发申请 (stopped following requests)")
