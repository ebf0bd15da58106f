"""Role isolation, the portal's acceptance test: one portal on a real home copy and its real
registry file, holding two approved employers of different districts (天河 440106 and
越秀 440104) and one still waiting for its bureau, their staff (approved and pending) with
declared records carrying proof files (distinct bytes), a record confirmed, one at the
industry authority, returned ones, applications in several states, and the certificates the
home issued. Every account — each professional, each employer, the health authority, an
authority of a sector nobody here belongs to, the two district bureaus and the city's, two
approved training providers of different districts (with class plans, one closed with its
roster) and one still waiting — and
nobody at all then:

* opens every route of the app (``app.url_map``), each path variable replaced by every real
  declaration and application id, proof digest, certificate number and edition of every
  party, and by garbage: nothing in a body or a header names a person, a masked or full ID
  number, a proof's digest, file name or bytes, a certificate number, or an employer's name
  or credit code outside what the account may see (:func:`sees_person`,
  :func:`sees_employer`: the store's rule, ``registry/store/scope.py``, written out); a
  proof or certificate is served only to whom it belongs, always as an attachment;
* posts every form with another party's ids (decisions on records, applications, staff and
  employers; withdrawing, editing, declaring and applying with another person's rows or
  tokens; bulk decisions mixing its own row with another's): each is refused with 403 (409
  only where the store may say ``changed`` for a row the account does see, at another
  stage), and neither the event log nor any portal row moves.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import re
import sqlite3
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from werkzeug.test import TestResponse

from registry import CHINA_TZ, TitleLevel, mask_id_number
from registry.idnumber import mod11_2_check
from registry.model import Category, Person
from registry.places import covers
from registry.portal import Actor, PortalRole, check_character
from registry.portal.classes import ClassMode, Roster, RosterLine, check_plan
from registry.portal.counter import CounterKind
from registry.store import Registry
from tests.conftest import IssuedHome
from tests.support.portal import PASSWORD, Client, Portal, make_portal, record_form
from webcore import Role, accounts

AT = dt.datetime(2026, 3, 1, 9, 0, tzinfo=CHINA_TZ)
"""When the accounts are made; the app's clock (and every decision) reads ``NOW``."""
NOW = dt.datetime(2026, 3, 2, 10, 0, tzinfo=CHINA_TZ)
POLICY = "gd-2010"
YEAR = 2025


@dataclass(frozen=True)
class Firm:
    """An employer of the portal, or (``role``) a training provider."""

    username: str
    credit_code: str
    name: str
    region: str
    approved: bool
    role: PortalRole = PortalRole.EMPLOYER

    @property
    def actor(self) -> Actor:
        return Actor(self.username, self.role, self.credit_code)


@dataclass(frozen=True)
class Member:
    """A professional of the portal: who they are, their account, their employer."""

    username: str
    id_number: str
    name: str
    firm: Firm
    approved: bool

    @property
    def actor(self) -> Actor:
        return Actor(self.username, PortalRole.PROFESSIONAL, self.id_number)


def _code(base: str) -> str:
    return base + check_character(base)


def _id(body: str) -> str:
    return body + mod11_2_check(body)


HOSPITAL = Firm("hospital", _code("91440106MA59A0000"), "广州市第一人民医院", "440106", True)
METRO = Firm("metro", _code("91440104MA59B0000"), "广州地铁集团有限公司", "440104", True)
NEWCO = Firm("newco", _code("91440104MA59C0000"), "越秀新创科技有限公司", "440104", False)
FIRMS = (HOSPITAL, METRO, NEWCO)
ZHANG = Member("zhang", "440106198503120031", "张伟", HOSPITAL, True)
"""Imported: 卫生 (health), 440106; 2025 issued in the shared home."""
WANG = Member("wang", "440104199001150021", "王𠈌", METRO, True)
"""Imported: 工程, 440104; 2025 issued in the shared home."""
SUN = Member("sun", _id("44010419880808062"), "孙晓梅", METRO, True)
"""New: 卫生技术 (health) in 越秀 — the health authority's, not 天河's."""
QIAN = Member("qian", _id("44010619920315074"), "钱立新", HOSPITAL, False)
"""New: registered with the hospital, waiting for its approval."""
MEMBERS = (ZHANG, WANG, SUN, QIAN)
REVIEWERS = (
    Actor("health", PortalRole.AUTHORITY, "health"),
    Actor("education", PortalRole.AUTHORITY, "education"),
    Actor("tianhe", PortalRole.BUREAU, "440106"),
    Actor("yuexiu", PortalRole.BUREAU, "440104"),
    Actor("guangzhou", PortalRole.BUREAU, "440100"),
)
TIANHE, YUEXIU = REVIEWERS[2], REVIEWERS[3]
PROVIDER = PortalRole.PROVIDER
SCHOOL = Firm("school", _code("52440106MJ0000000"), "天河职业培训学校", "440106", True, PROVIDER)
RIVAL = Firm("rival", _code("52440104MJ0000001"), "越秀继续教育基地", "440104", True, PROVIDER)
FRESH = Firm("fresh", _code("52440104MJ0000002"), "越秀新办培训中心", "440104", False, PROVIDER)
SCHOOLS = (SCHOOL, RIVAL, FRESH)
ACCOUNTS: tuple[Actor, ...] = (
    *(m.actor for m in MEMBERS),
    *(f.actor for f in FIRMS),
    *REVIEWERS,
    *(s.actor for s in SCHOOLS),
)
PLANS = (
    (SCHOOL, "health", "面授：急诊急救技能（天河学校）", "closed"),
    (SCHOOL, "education", "面授：课堂教学设计（天河学校）", "pending"),
    (RIVAL, "engineering", "面授：BIM 建模实务（越秀基地）", "pending"),
)
"""Class plans: provider, sector, title (a marker no other row has), the state it is left in;
the closed one's roster holds 张伟 (天河) and 孙晓梅 (越秀)."""
ANONYMOUS = Actor("", PortalRole.PROFESSIONAL, "")
"""Nobody logged in (its scope matches no row)."""
DIRECTORY = "/register/professional"
"""The one page that lists employers to anyone: the approved ones a professional picks from
when registering (their names and credit codes are public by design)."""


# -- the world ----------------------------------------------------------------------------------


@dataclass
class Rows:
    """The registry's portal rows, read straight from the file (not through the store whose
    checks are under test)."""

    people: dict[str, dict[str, Any]]
    employers: dict[str, dict[str, Any]]
    enrolments: dict[str, dict[str, Any]]
    declarations: dict[int, dict[str, Any]]
    proofs: list[dict[str, Any]]
    applications: dict[int, dict[str, Any]]
    documents: list[dict[str, Any]]
    counter: dict[int, dict[str, Any]]
    providers: dict[str, dict[str, Any]]
    plans: dict[int, dict[str, Any]]
    roster: list[dict[str, Any]]
    tokens: dict[int, dict[str, Any]]


def _select(conn: sqlite3.Connection, sql: str) -> list[dict[str, Any]]:
    cursor = conn.execute(sql)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def read_rows(path: Path) -> Rows:
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
        return Rows(
            people={r["id_number"]: r for r in _select(conn, "SELECT * FROM people")},
            employers={r["credit_code"]: r for r in _select(conn, "SELECT * FROM employers")},
            enrolments={r["id_number"]: r for r in _select(conn, "SELECT * FROM enrolments")},
            declarations={r["id"]: r for r in _select(conn, "SELECT * FROM declarations")},
            proofs=_select(conn, "SELECT * FROM proofs ORDER BY rowid"),
            applications={r["id"]: r for r in _select(conn, "SELECT * FROM applications")},
            documents=_select(
                conn,
                "SELECT d.number, d.edition, c.id_number FROM documents d"
                " JOIN certificates c ON c.number = d.number ORDER BY d.number, d.edition",
            ),
            counter={r["id"]: r for r in _select(conn, "SELECT * FROM counter_actions")},
            providers={r["credit_code"]: r for r in _select(conn, "SELECT * FROM providers")},
            plans={r["id"]: r for r in _select(conn, "SELECT * FROM class_plans")},
            roster=_select(conn, "SELECT * FROM roster_entries"),
            tokens={r["id"]: r for r in _select(conn, "SELECT * FROM provider_tokens")},
        )


SNAPSHOT_TABLES = (
    "people", "activities", "employers", "enrolments", "declarations", "proofs",
    "applications", "certificates", "documents", "counter_actions", "providers", "class_plans",
    "roster_entries", "provider_tokens",
)  # fmt: skip


def snapshot(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of the tables a forged request could touch, and the event log's length."""
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
        tables = {
            t: conn.execute(f"SELECT * FROM {t} ORDER BY rowid").fetchall() for t in SNAPSHOT_TABLES
        }
        tables["events"] = conn.execute("SELECT count(*) FROM events").fetchall()
    return tables


def proof_pdf(tag: str) -> bytes:
    """A small PDF whose bytes (and digest) are this record's alone."""
    return (
        f"%PDF-1.4\n% proof {tag} {hashlib.sha256(tag.encode()).hexdigest()[:16]}\n"
        "1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"
    ).encode()


@dataclass(frozen=True)
class Declared:
    """A record to declare through the page: its tag names its proof file."""

    member: Member
    tag: str
    category: str
    title: str


DECLARED = (
    Declared(ZHANG, "z-confirmed", "public", "公需课：数字经济（张）"),
    Declared(ZHANG, "z-authority", "professional", "专业课：急诊进展（张）"),
    Declared(ZHANG, "z-returned", "public", "公需课：安全生产（张）"),
    Declared(ZHANG, "z-declared", "public", "公需课：法治素养（张）"),
    Declared(ZHANG, "z-bureau", "public", "公需课：工匠精神（张）"),
    Declared(WANG, "w-declared", "public", "公需课：数字经济（王）"),
    Declared(WANG, "w-bureau", "public", "公需课：工匠精神（王）"),
    Declared(WANG, "w-returned", "public", "公需课：安全生产（王）"),
    Declared(SUN, "s-authority", "professional", "专业课：护理质量（孙）"),
    Declared(SUN, "s-declared", "public", "公需课：数字经济（孙）"),
)


def proof_name(tag: str) -> str:
    return f"proof-{tag}-{hashlib.sha256(tag.encode()).hexdigest()[:8]}.pdf"


@dataclass
class World:
    portal: Portal
    path: Path
    declared: dict[str, int]
    """Tag → declaration id."""
    applications: dict[str, int]
    browsers: dict[str, Client] = field(default_factory=dict)


def _person(reg: Registry, member: Member) -> Person:
    known = reg.person(member.id_number)
    if known is not None:
        return known
    region = member.firm.region
    return Person(
        member.id_number, member.name, member.firm.name, "卫生技术", TitleLevel.INTERMEDIATE,
        dt.date(2016, 7, 1), region,
    )  # fmt: skip


def _decide(reg: Registry, who: Actor, ident: int, *, approve: bool = True) -> None:
    version = reg.declarations.declaration(who, ident).version
    reg.declarations.decide(
        who, {ident: version}, approve=approve, reason=None if approve else "请补充盖章的证明",
        default_policy=POLICY, at=NOW,
    )  # fmt: skip


def _apply(reg: Registry, member: Member, year: int, token: str) -> int:
    return reg.applications.apply(member.actor, year=year, token=token, at=NOW).id


def _pass_application(reg: Registry, who: Actor, ident: int) -> None:
    version = reg.applications.application(who, ident).version
    reg.applications.decide(who, {ident: version}, approve=True, reason=None, at=NOW)


def build_world(portal: Portal) -> World:
    path = portal.home.home.registry_path
    store = portal.accounts()
    for actor in ACCOUNTS:
        store.add(actor.username, PASSWORD, Role(actor.role.value), at=AT, scope=actor.scope)
    with Registry.open(path) as reg:
        for firm in FIRMS:
            made = reg.registrations.register_employer(
                firm.actor, name=firm.name, region=firm.region, at=NOW
            )
            if firm.approved:
                bureau = TIANHE if firm.region == TIANHE.scope else YUEXIU
                reg.registrations.decide_employer(
                    bureau, firm.credit_code, version=made.version, approve=True, reason=None,
                    at=NOW,
                )  # fmt: skip
        for member in MEMBERS:
            enrolment = reg.registrations.register_person(
                member.actor, _person(reg, member), credit_code=member.firm.credit_code, at=NOW
            )
            if member.approved:
                reg.registrations.decide_person(
                    member.firm.actor, member.id_number, version=enrolment.version,
                    approve=True, reason=None, at=NOW,
                )  # fmt: skip
    world = World(portal, path, {}, {})
    for member in MEMBERS:
        if member.approved:
            world.browsers[member.username] = browser = portal.client()
            browser.log_in(member.username)
    for record in DECLARED:
        browser = world.browsers[record.member.username]
        form = record_form(browser, category=record.category, title=record.title)
        form["proofs"] = [(io.BytesIO(proof_pdf(record.tag)), proof_name(record.tag))]
        browser.post("/me/declare", form)
    rows = read_rows(path)
    titles = {r["title"]: ident for ident, r in rows.declarations.items()}
    world.declared = {d.tag: titles[d.title] for d in DECLARED}
    d = world.declared
    with Registry.open(path) as reg:
        for tag in ("z-confirmed", "z-authority", "z-bureau"):
            _decide(reg, HOSPITAL.actor, d[tag])
        _decide(reg, HOSPITAL.actor, d["z-returned"], approve=False)
        _decide(reg, TIANHE, d["z-confirmed"])
        for tag in ("w-bureau", "s-authority"):
            _decide(reg, METRO.actor, d[tag])
        _decide(reg, METRO.actor, d["w-returned"], approve=False)
        # Applications: 张伟's waits for the hospital, 王𠈌's for the bureau, 孙晓梅's 2024
        # one was approved and refused by the signer.
        world.applications["zhang"] = _apply(reg, ZHANG, YEAR, "apply-zhang-2025-token")
        world.applications["wang"] = ident = _apply(reg, WANG, YEAR, "apply-wang-2025-token")
        _pass_application(reg, METRO.actor, ident)
        world.applications["sun"] = ident = _apply(reg, SUN, 2024, "apply-sun-2024-token-x")
        _pass_application(reg, METRO.actor, ident)
        _pass_application(reg, YUEXIU, ident)
        reg.applications.close(
            ident, number=None, edition=None, reason="2024 年度学时不足，不予签发。", at=NOW
        )
        _schools(reg)
        reg.standings.refresh(YEAR, default_policy=POLICY, at=NOW)  # the year at a glance
        # The counter: 天河 asks to revoke 张伟's certificate; it waits for a second clerk.
        number = next(r["number"] for r in rows.documents if r["id_number"] == ZHANG.id_number)
        reg.counter.request(
            TIANHE, kind=CounterKind.REVOKE, number=number, reason="fraud",
            note="稽查通知 2026-17 号", token="counter-revoke-zhang", at=NOW,
        )  # fmt: skip
    return world


def _schools(reg: Registry) -> None:
    """The providers: two approved (天河, 越秀) and one waiting; their plans (one closed with
    its roster, two waiting) and one API token each of the approved."""
    for school in SCHOOLS:
        made = reg.providers.register(school.actor, name=school.name, region=school.region,
                                      at=NOW)  # fmt: skip
        if school.approved:
            bureau = TIANHE if school.region == TIANHE.scope else YUEXIU
            reg.providers.decide(bureau, school.credit_code, version=made.version,
                                 approve=True, reason=None, at=NOW)  # fmt: skip
            reg.providers.make_token(school.actor, label="教务系统", at=NOW)
    start = NOW.date() + dt.timedelta(days=40)
    for index, (school, sector, title, state) in enumerate(PLANS):
        fields = check_plan(
            sector=sector, title=title, category=Category.PROFESSIONAL,
            course_code=f"PLAN-{index}", minutes=8 * 60, start_date=start, end_date=start,
            mode=ClassMode.FACE_TO_FACE, place="广州", at=NOW,
        )  # fmt: skip
        plan = reg.class_plans.file(school.actor, fields, token=f"plan-{index}", at=NOW)
        if state == "closed":
            reg.class_plans.decide(REVIEWERS[0], plan.id, version=plan.version, approve=True,
                                   reason=None, at=NOW)  # fmt: skip
            lines = (RosterLine(2, ZHANG.id_number, ZHANG.name, 480, None),
                     RosterLine(3, SUN.id_number, SUN.name, 240, None))  # fmt: skip
            after = dt.datetime.combine(start, dt.time(18), tzinfo=CHINA_TZ)
            reg.rosters.accept(
                school.actor, plan.id, Roster("名单.csv", lines), default_policy="gd-2010", at=after
            )


# -- who may see what (the store's rule, written out) --------------------------------------------


def sees_person(actor: Actor, id_number: str, rows: Rows) -> bool:
    """Whether ``actor`` may see ``id_number`` anywhere, as the store decides: a
    professional themself; an employer its registered staff (any state) and the people of
    rows carrying its credit code; an authority the people with a declaration of its
    sector; a bureau the people whose region it covers."""
    if actor is ANONYMOUS:
        return False
    if any(
        entry["id_number"] == id_number and sees_plan(actor, rows.plans[entry["plan"]], rows)
        for entry in rows.roster
    ) and actor.role in {PortalRole.PROVIDER, PortalRole.AUTHORITY, PortalRole.BUREAU}:
        return True  # on a roster the actor sees (its provider's, its sector's, its area's)
    if actor.role is PortalRole.PROVIDER:
        return False
    if actor.role is PortalRole.PROFESSIONAL:
        return actor.scope == id_number
    if actor.role is PortalRole.EMPLOYER:
        enrolment = rows.enrolments.get(id_number)
        rows_codes = {r["credit_code"] for r in rows.declarations.values()
                      if r["id_number"] == id_number}  # fmt: skip
        rows_codes |= {r["credit_code"] for r in rows.applications.values()
                       if r["id_number"] == id_number}  # fmt: skip
        if enrolment is not None:
            rows_codes.add(enrolment["credit_code"])
        return actor.scope in rows_codes
    if actor.role is PortalRole.AUTHORITY:
        return any(
            r["id_number"] == id_number and sees_declaration(actor, r)
            for r in rows.declarations.values()
        )
    return covers(actor.scope, rows.people[id_number]["region"])


def sees_employer(actor: Actor, credit_code: str, rows: Rows) -> bool:
    """Its own; a professional's employer; a bureau's employers of its region; and the
    employer named on any row of a person the actor sees."""
    if actor is ANONYMOUS:
        return False
    if actor.scope == credit_code:
        return True
    if actor.role is PortalRole.BUREAU and covers(
        actor.scope, rows.employers[credit_code]["region"]
    ):
        return True
    named = [
        *rows.declarations.values(), *rows.applications.values(), *rows.enrolments.values(),
    ]  # fmt: skip
    return any(
        r["credit_code"] == credit_code and sees_person(actor, r["id_number"], rows) for r in named
    )


def sees_plan(actor: Actor, row: dict[str, Any], rows: Rows) -> bool:
    """A class plan: its provider, the authority of its sector, a bureau covering its
    provider; and, once its roster is in, the people on it and their employers (their
    records name the class)."""
    if actor is ANONYMOUS:
        return False
    if actor.role is PortalRole.PROVIDER:
        return bool(actor.scope == row["provider"])
    if actor.role is PortalRole.AUTHORITY:
        return bool(actor.scope == row["sector"])
    if actor.role is PortalRole.BUREAU:
        return covers(actor.scope, row["region"])
    attendees = {e["id_number"] for e in rows.roster if e["plan"] == row["id"]}
    if actor.role is PortalRole.PROFESSIONAL:
        return actor.scope in attendees
    return any(
        (enrolment := rows.enrolments.get(person)) is not None
        and enrolment["credit_code"] == actor.scope
        for person in attendees
    )


def sees_declaration(actor: Actor, row: dict[str, Any]) -> bool:
    """Whose proofs may be downloaded: the person, their employer of the record, the
    authority of the record's sector, a bureau covering the record's region."""
    if actor is ANONYMOUS:
        return False
    if actor.role is PortalRole.PROFESSIONAL:
        return bool(actor.scope == row["id_number"])
    if actor.role is PortalRole.EMPLOYER:
        return bool(actor.scope == row["credit_code"])
    if actor.role is PortalRole.AUTHORITY:  # its sector's records that reach it
        reaches = row.get("stage") == "authority" or row.get("confirmed_by") == (
            "industry_authority"
        )
        return bool(actor.scope == row["sector"]) and reaches
    return covers(actor.scope, row["region"])


@dataclass(frozen=True)
class Secret:
    text: str
    what: str
    person: str | None = None
    employer: str | None = None
    plan: int | None = None


def secrets_of(rows: Rows) -> list[Secret]:
    """Every string that names a party: people (name, ID number, masked ID, certificate
    numbers, their proofs' digests, file names and bytes) and employers (name, code)."""
    found: list[Secret] = []
    for id_number, person in rows.people.items():
        for text, what in ((person["name"], "name"), (id_number, "ID number"),
                           (mask_id_number(id_number), "masked ID")):  # fmt: skip
            found.append(Secret(text, what, person=id_number))
    for document in rows.documents:
        found.append(Secret(document["number"], "certificate number", document["id_number"]))
    for proof in rows.proofs:
        owner = rows.declarations[proof["declaration"]]["id_number"]
        found.append(Secret(proof["sha256"], "proof digest", person=owner))
        found.append(Secret(proof["filename"], "proof file name", person=owner))
    for record in DECLARED:
        # The marker inside the proof's bytes: a proof served to the wrong account.
        marker = proof_pdf(record.tag).decode().split("\n")[1]
        found.append(Secret(marker, "proof bytes", person=record.member.id_number))
    for code, employer in rows.employers.items():
        found.append(Secret(code, "credit code", employer=code))
        found.append(Secret(employer["name"], "employer name", employer=code))
    for ident, plan in rows.plans.items():
        found.append(Secret(plan["title"], "class plan title", plan=ident))
    return found


def hidden_from(actor: Actor, rows: Rows, secrets: list[Secret]) -> list[Secret]:
    """The secrets ``actor`` must never read."""
    return [
        s
        for s in secrets
        if (s.person is not None and not sees_person(actor, s.person, rows))
        or (s.employer is not None and not sees_employer(actor, s.employer, rows))
        or (s.plan is not None and not sees_plan(actor, rows.plans[s.plan], rows))
    ]


def readable(response: TestResponse) -> bytes:
    """Body and headers as bytes (a download is not text), with percent-encoded header
    values (file names) decoded too."""
    headers = str(response.headers)
    return response.get_data() + (headers + urllib.parse.unquote(headers)).encode()


class Scanner:
    """Which party strings a response holds, the request's own path (echoed in a login
    redirect's ``next``) taken out first; each distinct response is scanned once (most are
    the same refusal page)."""

    def __init__(self, secrets: list[Secret]) -> None:
        self.needles = sorted({s.text for s in secrets})
        self.memo: dict[bytes, frozenset[str]] = {}

    def __call__(self, response: TestResponse, path: str) -> frozenset[str]:
        text = readable(response)
        for echo in (urllib.parse.quote(path, safe=""), urllib.parse.quote(path), path):
            text = text.replace(echo.encode(), b"")
        key = hashlib.sha256(text).digest()
        if key not in self.memo:
            self.memo[key] = frozenset(n for n in self.needles if n.encode() in text)
        return self.memo[key]


def leaked(found: frozenset[str], path: str, hidden: list[Secret], rows: Rows) -> list[str]:
    """The hidden secrets among those ``found`` in a response to ``path``."""
    return [
        f"{secret.what} {secret.text!r}"
        for secret in hidden
        if secret.text in found
        and not (
            path == DIRECTORY
            and secret.employer is not None
            and rows.employers[secret.employer]["state"] == "approved"
        )
    ]


# -- the crawl -----------------------------------------------------------------------------------


GARBAGE = {
    "declaration": ("0", "999999", "-1", "x"),
    "ident": ("0", "999999", "-1", "x"),
    "sha256": ("0" * 64, "g" * 64, "ABCDEF", "..%2F..%2Fcecert.json"),
    "number": ("NOPE0000000001", "0" * 41, "..%2Fkeys", "%00"),
    "edition": ("0", "999", "x"),
    "plan_id": ("0", "999999", "x", str(2**63)),
    "table": ("nothing", "..%2Fgroups"),
    "id_number": ("110101199003077777", "x", "..%2Fkeys"),
    "credit_code": ("91110000MA00X0000X", "x"),
    "year": ("1900", "9999"),
    "kind": ("pdf", "CSV"),
}
"""Values no row has, each tried in each place a variable is."""


def real_values(rows: Rows) -> dict[str, tuple[str, ...]]:
    """Every real value of each path variable, of every party."""
    return {
        "declaration": tuple(map(str, sorted(rows.declarations))),
        "ident": tuple(
            map(str, sorted({*rows.declarations, *rows.applications, *rows.plans, *rows.tokens}))
        ),
        "plan_id": tuple(map(str, sorted(rows.plans))),
        "table": ("groups", "short"),
        "id_number": tuple(sorted(rows.people)),
        "credit_code": tuple(sorted(rows.employers)),
        "year": (str(YEAR),),
        "kind": ("csv", "xlsx"),
        "sha256": tuple(sorted({p["sha256"] for p in rows.proofs})),
        "number": tuple(sorted({d["number"] for d in rows.documents})),
        "edition": tuple(map(str, sorted({d["edition"] for d in rows.documents}))),
    }


def crawl_paths(portal: Portal, rows: Rows) -> list[str]:
    """Every route of the app: with every combination of real values of its variables (a
    proof's digest under every declaration, every certificate number with every edition),
    and each garbage value in each place; the role's pages also with the year this world
    speaks of."""
    app = portal.app
    real = real_values(rows)
    paths: set[str] = {"/no-such-page"}
    variable = re.compile(r"<(?:[^:<>]+:)?([^<>]+)>")
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            static = Path(app.static_folder or "")
            paths |= {f"/static/{p.relative_to(static)}" for p in static.rglob("*") if p.is_file()}
            continue
        names = variable.findall(rule.rule)
        unknown = set(names) - set(real)
        assert not unknown, f"{rule.rule}: no values for {unknown} (a new route: add them)"
        combinations: list[dict[str, str]] = [{}]
        for name in names:
            combinations = [c | {name: v} for c in combinations for v in real[name]]
        first = combinations[0]
        for name in names:
            combinations += [first | {name: v} for v in GARBAGE[name]]
        paths |= {_fill(variable, rule.rule, values) for values in combinations}
        if not names and rule.rule.startswith(
            ("/me", "/employer", "/review", "/provider", "/glance", "/jiangxi")
        ):
            paths.add(f"{rule.rule}?year={YEAR}&after=0")
    return sorted(paths)


def _fill(variable: re.Pattern[str], rule: str, values: dict[str, str]) -> str:
    def value(match: re.Match[str]) -> str:
        return values[match.group(1)]

    return variable.sub(value, rule)


def _is_download(path: str) -> bool:
    return path.startswith("/proofs/") or path.endswith(".pdf")


def _login_redirect(response: TestResponse) -> bool:
    return response.status_code == 302 and response.headers["Location"].startswith("/login")


def expected_download(actor: Actor, path: str, rows: Rows) -> bool:
    """Whether ``path`` (a proof or a certificate) is ``actor``'s to download."""
    if actor is ANONYMOUS:
        return False
    proof = re.fullmatch(r"/proofs/(\d+)/([0-9a-f]{64})", path)
    if proof:
        ident, sha = int(proof.group(1)), proof.group(2)
        row = rows.declarations.get(ident)
        real = any(p["declaration"] == ident and p["sha256"] == sha for p in rows.proofs)
        return real and row is not None and sees_declaration(actor, row)
    counter = re.fullmatch(r"/counter/certificates/([^/]+)/(\d+)\.pdf", path)
    if counter:
        number, edition = counter.groups()
        holder = next(
            (d["id_number"] for d in rows.documents
             if d["number"] == number and str(d["edition"]) == edition),
            None,
        )  # fmt: skip
        return (
            holder is not None
            and actor.role is PortalRole.BUREAU
            and covers(actor.scope, rows.people[holder]["region"])
        )
    certificate = re.fullmatch(r"/(me|employer)/certificates/([^/]+)/(\d+)\.pdf", path)
    if certificate:
        where, number, edition = certificate.groups()
        holder = next(
            (d["id_number"] for d in rows.documents
             if d["number"] == number and str(d["edition"]) == edition),
            None,
        )  # fmt: skip
        if holder is None:
            return False
        if where == "me":
            return (
                actor.role is PortalRole.PROFESSIONAL
                and actor.scope == holder
                and (rows.enrolments[holder]["state"] == "approved")
            )
        enrolment = rows.enrolments.get(holder)
        return (
            actor.role is PortalRole.EMPLOYER
            and enrolment is not None
            and enrolment["credit_code"] == actor.scope
            and enrolment["state"] == "approved"
            and rows.employers[actor.scope]["state"] == "approved"
        )
    return False


def check_download(actor: Actor, path: str, response: TestResponse, rows: Rows) -> list[str]:
    """A file is served (anything but a page) exactly when it is the account's, and then
    as an attachment that nothing may render or keep: what is wrong, if anything."""
    served = response.status_code == 200 and response.mimetype != "text/html"
    expected = expected_download(actor, path, rows)
    if served != expected:
        verb = "served" if served else "refused"
        return [f"{verb} ({response.status_code} {response.mimetype}), expected the opposite"]
    headers = response.headers
    if served and not (
        headers.get("Content-Disposition", "").startswith("attachment")
        and headers.get("X-Content-Type-Options") == "nosniff"
        and headers.get("Content-Security-Policy") == "sandbox"
        and "no-store" in headers.get("Cache-Control", "")
    ):
        return [f"served without the attachment headers: {dict(headers)}"]
    return []


# -- forged posts --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Forgery:
    path: str
    data: dict[str, Any]
    own_row: bool
    """The row is within the account's scope (at a stage it cannot act on): the store may
    answer ``changed`` (409) instead of ``forbidden``."""
    endpoint: str


_STAGE_OF = {PortalRole.EMPLOYER: "employer", PortalRole.AUTHORITY: "authority",
             PortalRole.BUREAU: "bureau"}  # fmt: skip
_APPLICATION_WAITS = {PortalRole.EMPLOYER: "submitted", PortalRole.BUREAU: "employer_approved"}
_RECORD_ROUTES = {"employer.decide_records": ({PortalRole.EMPLOYER}, "/employer/records/decide"),
                  "reviewers.decide_records": ({PortalRole.AUTHORITY, PortalRole.BUREAU},
                                               "/review/records/decide")}  # fmt: skip
_APPLICATION_ROUTES = {
    "employer.decide_applications": ({PortalRole.EMPLOYER}, "/employer/applications/decide"),
    "reviewers.decide_applications": ({PortalRole.BUREAU}, "/review/applications/decide"),
}
NOT_FORGED = {
    "auth.login", "auth.logout", "public.register_employer", "public.register_professional",
    "public.register_provider", "provider.new_plan", "provider.tokens",
}  # fmt: skip
"""POST routes that take no other party's id: logging in and out, registering, a provider
filing its own plan or making its own token."""


def _full_record(title: str) -> dict[str, str]:
    return {
        "year": str(YEAR), "category": "public", "kind": "online_course", "title": title,
        "provider": "广东省专业技术人员继续教育平台", "course_code": "", "start_date": "2025-05-01",
        "end_date": "2025-05-03", "hours": "2.5", "days": "", "score": "90", "role": "",
    }  # fmt: skip


def forgeries(actor: Actor, rows: Rows) -> Iterator[Forgery]:
    """Every POST form of the app, filled with each row the account may not act on (and a
    row that does not exist); a row it could rightly act on is left alone (acting would
    change it), except in a bulk decision together with another party's row."""
    professional = actor.role is PortalRole.PROFESSIONAL and actor is not ANONYMOUS
    for ident, row in sorted(rows.declarations.items()):
        mine = professional and row["id_number"] == actor.scope
        if not mine:
            version = str(row["version"])
            yield Forgery(f"/me/declarations/{ident}/withdraw", {"version": version}, False,
                          "professional.withdraw")  # fmt: skip
            yield Forgery(
                f"/me/declarations/{ident}/edit",
                {"version": version, **_full_record("改过的记录"),
                 "proofs": [(io.BytesIO(proof_pdf(f"edit-{ident}")), "edit.pdf")]},
                False, "professional.edit",
            )  # fmt: skip
            yield Forgery(
                "/me/declare",
                {"token": row["token"], **_full_record("借用他人表单令牌"),
                 "proofs": [(io.BytesIO(proof_pdf(f"token-{ident}")), "token.pdf")]},
                False, "professional.declare",
            )  # fmt: skip
        for endpoint, (roles, path) in _RECORD_ROUTES.items():
            in_scope = actor.role in roles and sees_declaration(actor, row)
            if in_scope and row["stage"] == _STAGE_OF[actor.role]:
                continue  # its own to decide
            for decision in ("approve", "return") if actor.role in roles else ("approve",):
                data = {"item": [f"{ident}:{row['version']}"], "decision": decision,
                        "reason": "伪造的决定"}  # fmt: skip
                yield Forgery(path, data, in_scope, endpoint)
    for ident, row in sorted(rows.applications.items()):
        mine = professional and row["id_number"] == actor.scope
        if not mine:
            yield Forgery(f"/me/applications/{ident}/withdraw", {"version": str(row["version"])},
                          False, "professional.withdraw_application")  # fmt: skip
            yield Forgery("/me/apply", {"year": str(YEAR), "token": row["token"]}, False,
                          "professional.apply")  # fmt: skip
        for endpoint, (roles, path) in _APPLICATION_ROUTES.items():
            in_scope = (
                actor.role in roles
                and actor.role is not PortalRole.AUTHORITY
                and sees_declaration(actor, row | {"sector": None})
            )
            if in_scope and row["state"] == _APPLICATION_WAITS[actor.role]:
                continue
            for decision in ("approve", "return") if actor.role in roles else ("approve",):
                data = {"item": [f"{ident}:{row['version']}"], "decision": decision,
                        "reason": "伪造的决定"}  # fmt: skip
                yield Forgery(path, data, in_scope, endpoint)
    for id_number, row in sorted(rows.enrolments.items()):
        in_scope = actor.role is PortalRole.EMPLOYER and row["credit_code"] == actor.scope
        if in_scope and row["state"] == "pending":
            continue
        employer = actor.role is PortalRole.EMPLOYER
        for decision in ("approve", "refuse") if employer else ("approve",):
            data = {"id_number": id_number, "version": str(row["version"]),
                    "decision": decision, "reason": "伪造的决定"}  # fmt: skip
            yield Forgery("/employer/staff/decide", data, in_scope, "employer.decide_staff")
    for code, row in sorted(rows.employers.items()):
        in_scope = actor.role is PortalRole.BUREAU and covers(actor.scope, row["region"])
        if in_scope and row["state"] == "pending":
            continue
        bureau = actor.role is PortalRole.BUREAU
        for decision in ("approve", "refuse") if bureau else ("approve",):
            data = {"credit_code": code, "version": str(row["version"]),
                    "decision": decision, "reason": "伪造的决定"}  # fmt: skip
            yield Forgery("/review/employers/decide", data, in_scope, "reviewers.decide_employer")
    # Rows that do not exist.
    for endpoint, (_, path) in {**_RECORD_ROUTES, **_APPLICATION_ROUTES}.items():
        yield Forgery(path, {"item": ["999999:1"], "decision": "approve"}, False, endpoint)
    yield Forgery("/me/declarations/999999/withdraw", {"version": "1"}, False,
                  "professional.withdraw")  # fmt: skip
    yield Forgery("/me/applications/999999/withdraw", {"version": "1"}, False,
                  "professional.withdraw_application")  # fmt: skip
    yield Forgery("/employer/staff/decide",
                  {"id_number": "110101199003077777", "version": "1", "decision": "approve"},
                  False, "employer.decide_staff")  # fmt: skip
    yield Forgery("/review/employers/decide",
                  {"credit_code": _code("91110000MA00X0000"), "version": "1",
                   "decision": "approve"}, False, "reviewers.decide_employer")  # fmt: skip
    yield from _counter(actor, rows)
    yield from _bulk(actor, rows)
    yield from _classes(actor, rows)


def _classes(actor: Actor, rows: Rows) -> Iterator[Forgery]:
    """The providers' forms and the plans' decisions: another provider's roster, withdrawal
    and token; a plan outside the reviewer's sector or area (or decided already); a
    provider's registration of another area; the API's writes, which no session opens."""
    provider = actor.role is PortalRole.PROVIDER and actor is not ANONYMOUS
    for ident, plan in sorted(rows.plans.items()):
        own = provider and plan["provider"] == actor.scope
        if not own:
            roster = [(io.BytesIO(f"身份证号,姓名,学时\n{ZHANG.id_number},张伟,1\n".encode()),
                       "名单.csv")]  # fmt: skip
            yield Forgery(f"/provider/plans/{ident}", {"roster": roster}, False, "provider.plan")
            yield Forgery(f"/provider/plans/{ident}/withdraw", {"version": str(plan["version"])},
                          False, "provider.withdraw")  # fmt: skip
        in_scope = sees_plan(actor, plan, rows) and actor.role in {
            PortalRole.AUTHORITY, PortalRole.BUREAU,
        }  # fmt: skip
        if in_scope and plan["state"] == "pending":
            continue  # its own to decide
        for decision in ("approve", "refuse"):
            data = {"version": str(plan["version"]), "decision": decision, "reason": "伪造"}
            yield Forgery(f"/review/plans/{ident}", data, in_scope, "class_review.plan")
        rows_json = {"rows": f'[{{"id_number": "{ZHANG.id_number}", "name": "张伟", "hours": 1}}]'}
        yield Forgery(f"/api/v1/plans/{ident}/roster", rows_json, False, "api.roster")
    for ident, token in sorted(rows.tokens.items()):
        if provider and token["provider"] == actor.scope:
            continue
        yield Forgery(f"/provider/tokens/{ident}/revoke", {}, False, "provider.revoke_token")
    for code, row in sorted(rows.providers.items()):
        in_scope = actor.role is PortalRole.BUREAU and covers(actor.scope, row["region"])
        if in_scope and row["state"] == "pending":
            continue
        data = {"credit_code": code, "version": str(row["version"]), "decision": "approve"}
        yield Forgery("/review/providers/decide", data, in_scope, "reviewers.decide_provider")
    plan = {"token": "forged", "sector": "health", "title": "伪造", "category": "professional",
            "course_code": "X", "hours": 8, "start_date": "2026-06-01",
            "end_date": "2026-06-01", "mode": "online"}  # fmt: skip
    yield Forgery("/api/v1/plans", plan, False, "api.file_plan")
    for code, row in sorted(rows.employers.items()):
        in_scope = (
            actor.role is PortalRole.BUREAU
            and covers(actor.scope, row["region"])
            and row["state"] == "approved"
        )
        data = {"credit_code": code, "year": str(YEAR), "token": f"forged-{code}"}
        yield Forgery("/jiangxi/verify", data, in_scope, "jiangxi.verify")


def _counter(actor: Actor, rows: Rows) -> Iterator[Forgery]:
    """The counter's forms: asking on a certificate of another region, approving or
    refusing another region's action (or one's own), a list of other regions' numbers."""
    bureau = actor.role is PortalRole.BUREAU
    numbers = sorted({d["number"]: d["id_number"] for d in rows.documents}.items())
    for number, holder in numbers:
        if bureau and covers(actor.scope, rows.people[holder]["region"]):
            continue  # its own to ask
        data = {"token": f"forged-{number}", "kind": "revoke", "reason": "fraud",
                "note": "伪造"}  # fmt: skip
        yield Forgery(f"/counter/certificates/{number}", data, False, "counter.certificate")
    theirs = [n for n, holder in numbers
              if not (bureau and covers(actor.scope, rows.people[holder]["region"]))]  # fmt: skip
    if theirs:
        data = {"token": "forged-list", "numbers": "\n".join(theirs), "reason": "fraud",
                "note": "伪造"}  # fmt: skip
        yield Forgery("/counter/revocations", data, False, "counter.revocations")
    for ident, row in sorted(rows.counter.items()):
        in_scope = bureau and covers(actor.scope, row["region"])
        if in_scope and row["requested_by"] != actor.username:
            continue  # a second clerk's to decide
        mine = in_scope and row["requested_by"] == actor.username
        for decision in ("approve", "refuse", "approve_batch", *(() if mine else ("withdraw",))):
            data = {"decision": decision, "version": str(row["version"]), "reason": "伪造"}
            yield Forgery(f"/counter/second/{ident}", data, in_scope, "counter.decide")
    yield Forgery("/counter/second/999999", {"decision": "approve", "version": "1"}, False,
                  "counter.decide")  # fmt: skip


def _bulk(actor: Actor, rows: Rows) -> Iterator[Forgery]:
    """A bulk decision naming first a row the account may decide, then another party's:
    all or nothing, so nothing at all may change."""
    if actor is ANONYMOUS or actor.role not in _STAGE_OF:
        return
    stage = _STAGE_OF[actor.role]
    records = sorted(rows.declarations.items())
    own = [(i, r) for i, r in records if sees_declaration(actor, r) and r["stage"] == stage]
    other = [(i, r) for i, r in records if not sees_declaration(actor, r)]
    route = next(p for _, (roles, p) in _RECORD_ROUTES.items() if actor.role in roles)
    endpoint = next(e for e, (roles, _) in _RECORD_ROUTES.items() if actor.role in roles)
    for (mine, my_row), (theirs, their_row) in ((a, b) for a in own for b in other):
        items = [f"{mine}:{my_row['version']}", f"{theirs}:{their_row['version']}"]
        yield Forgery(route, {"item": items, "decision": "approve"}, False, endpoint)
    waits = _APPLICATION_WAITS.get(actor.role)
    if waits is None:
        return
    applications = sorted(rows.applications.items())
    mine_apps = [
        (i, r)
        for i, r in applications
        if sees_declaration(actor, r | {"sector": None}) and r["state"] == waits
    ]
    other_apps = [(i, r) for i, r in applications
                  if not sees_declaration(actor, r | {"sector": None})]  # fmt: skip
    path = (
        "/employer/applications/decide"
        if actor.role is PortalRole.EMPLOYER
        else ("/review/applications/decide")
    )
    endpoint = ("employer" if actor.role is PortalRole.EMPLOYER else "reviewers") + (
        ".decide_applications"
    )
    for (mine, my_row), (theirs, their_row) in ((a, b) for a in mine_apps for b in other_apps):
        items = [f"{mine}:{my_row['version']}", f"{theirs}:{their_row['version']}"]
        yield Forgery(path, {"item": items, "decision": "approve"}, False, endpoint)


def expected_statuses(actor: Actor, forgery: Forgery) -> set[int]:
    """403, or 409 where the store may say ``changed`` of a row the account does see. Two
    gates answer before any row is read, as ``docs/portal.md`` says: nobody logged in is
    sent to the login page, and an employer its bureau has not approved is sent back to
    its landing page for every page but that one."""
    if forgery.endpoint.startswith("api."):
        return {401}  # a session opens nothing of the API, only a provider's token
    if actor is ANONYMOUS:
        return {302}
    if (
        actor.role is PortalRole.PROVIDER
        and forgery.path.startswith("/provider/")
        and actor.scope == FRESH.credit_code
    ):
        return {302}  # not approved yet: sent to its landing page
    if forgery.endpoint == "professional.apply" and actor.scope == SUN.id_number:
        # 孙晓梅 has no hours for the year: the page judges the rules before the store
        # reads the token (400 hours_not_met); nothing is read of the token's owner.
        return {400}
    if (
        actor.role is PortalRole.EMPLOYER
        and forgery.path.startswith("/employer/")
        and (actor.scope == NEWCO.credit_code)
    ):
        return {302}
    if forgery.endpoint == "jiangxi.verify" and forgery.own_row:
        return {302}  # its own region's employer, not in Jiangxi: said so, nothing stored
    if forgery.endpoint == "counter.revocations" and actor.role is PortalRole.BUREAU:
        return {400}  # every line named as not the bureau's to revoke; nothing stored
    return {403, 409} if forgery.own_row else {403}


SIGHTINGS = {
    "zhang": {ZHANG.name, proof_name("z-declared"), proof_name("z-confirmed")},
    "qian": {HOSPITAL.name},
    "hospital": {HOSPITAL.credit_code, ZHANG.name, QIAN.id_number, proof_name("z-declared")},
    "metro": {WANG.name, SUN.name, proof_name("s-declared"), proof_name("w-declared")},
    "newco": {NEWCO.name},
    "health": {
        ZHANG.name,
        SUN.name,
        proof_name("z-authority"),
        proof_name("s-authority"),
        PLANS[0][2],
    },
    "tianhe": {ZHANG.name, proof_name("z-bureau"), SUN.name},
    "yuexiu": {WANG.name, proof_name("w-bureau"), NEWCO.credit_code, NEWCO.name},
    "guangzhou": {proof_name("z-bureau"), proof_name("w-bureau"), NEWCO.name, PLANS[2][2]},
    "school": {PLANS[0][2], PLANS[1][2], ZHANG.name, SUN.name},
    "rival": {PLANS[2][2]},
}
"""Positive controls: strings each account's own pages show (so the leak check, which
looks for the same strings, is not blind)."""


# -- the test ------------------------------------------------------------------------------------


@pytest.fixture
def world(
    fresh_home: IssuedHome, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[World]:
    # Fifteen accounts logging in: cheaper scrypt parameters than production's (the same
    # method and checks; only the cost differs), or the hashing alone would take 8 s.
    monkeypatch.setattr(accounts, "PASSWORD_METHOD", "scrypt:1024:8:1")
    yield build_world(make_portal(fresh_home, tmp_path))
    accounts._dummy_hash.cache_clear()  # never computed at the cheap cost for later tests


def _session(world: World, actor: Actor) -> Client:
    browser = world.portal.client()
    if actor is ANONYMOUS:
        browser.get("/login")
    else:
        browser.log_in(actor.username)
    return browser


def test_the_world_is_what_the_isolation_test_assumes(world: World) -> None:
    rows = read_rows(world.path)
    d = world.declared
    states = {tag: (rows.declarations[i]["state"], rows.declarations[i]["stage"])
              for tag, i in d.items()}  # fmt: skip
    assert states == {
        "z-confirmed": ("confirmed", "done"),
        "z-authority": ("reviewed", "authority"),
        "z-returned": ("returned", "person"),
        "z-declared": ("declared", "employer"),
        "z-bureau": ("reviewed", "bureau"),
        "w-declared": ("declared", "employer"),
        "w-bureau": ("reviewed", "bureau"),
        "w-returned": ("returned", "person"),
        "s-authority": ("reviewed", "authority"),
        "s-declared": ("declared", "employer"),
    }
    sectors = {rows.declarations[d[t]]["sector"] for t in ("z-authority", "s-authority")}
    assert sectors == {"health"}
    assert rows.declarations[d["w-bureau"]]["sector"] != "health"
    assert {rows.declarations[i]["region"] for i in d.values()} == {"440106", "440104"}
    assert len({p["sha256"] for p in rows.proofs}) == len(DECLARED)
    assert {r["state"] for r in rows.applications.values()} == {
        "submitted", "employer_approved", "refused",
    }  # fmt: skip
    assert {e["state"] for e in rows.employers.values()} == {"approved", "pending"}
    holders = {doc["id_number"] for doc in rows.documents}
    assert {ZHANG.id_number, WANG.id_number} <= holders
    # The spec of who sees whom, on the parties the brief names.
    health, education, tianhe, yuexiu, guangzhou = REVIEWERS
    assert sees_person(health, ZHANG.id_number, rows)
    assert sees_person(health, SUN.id_number, rows)
    assert not sees_person(health, WANG.id_number, rows)
    assert not sees_person(health, QIAN.id_number, rows)  # health, but nothing declared
    assert not sees_person(tianhe, WANG.id_number, rows)
    assert not sees_person(yuexiu, ZHANG.id_number, rows)
    assert not sees_person(HOSPITAL.actor, WANG.id_number, rows)
    assert not sees_person(ZHANG.actor, WANG.id_number, rows)
    assert sees_person(guangzhou, SUN.id_number, rows)
    assert not any(sees_person(education, p, rows) for p in rows.people)


def test_role_isolation_every_account_every_route_every_forged_post(world: World) -> None:
    path = world.path
    rows = read_rows(path)
    secrets = secrets_of(rows)
    scan = Scanner(secrets)
    paths = crawl_paths(world.portal, rows)
    post_endpoints = {
        rule.endpoint
        for rule in world.portal.app.url_map.iter_rules()
        if "POST" in (rule.methods or ())
    }
    with Registry.open(path) as reg:
        events = reg.log_size()
    before = snapshot(path)
    gets = posts = 0
    forged_endpoints: set[str] = set()
    refused: dict[int, int] = {}
    findings: list[str] = []
    seen: dict[str, set[str]] = {}
    for actor in (ANONYMOUS, *ACCOUNTS):
        who = actor.username or "anonymous"
        browser = _session(world, actor)
        hidden = hidden_from(actor, rows, secrets)
        seen[who] = set()
        for target in paths:
            response = browser.http.get(target)
            gets += 1
            assert response.status_code < 500, (who, target, response.status_code)
            strings = scan(response, target)
            seen[who] |= strings
            found = leaked(strings, target, hidden, rows)
            if found:
                findings.append(f"GET {target} as {who} ({response.status_code}): {found}")
            if _is_download(target):
                for problem in check_download(actor, target, response, rows):
                    findings.append(f"GET {target} as {who}: {problem}")
            if actor is not ANONYMOUS and response.status_code == 302:
                # Still logged in: no page may end the session or send a reviewer astray.
                assert not _login_redirect(response), (who, target)
            response.close()
        browser.get("/")  # the session's CSRF token, however the crawl left it
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as watch:
            for forgery in forgeries(actor, rows):
                count = watch.execute("SELECT count(*) FROM events").fetchone()[0]
                response = browser.http.post(
                    forgery.path, data={"csrf_token": browser.csrf, **_fresh(forgery.data)}
                )
                posts += 1
                forged_endpoints.add(forgery.endpoint)
                status = response.status_code
                refused[status] = refused.get(status, 0) + 1
                label = f"POST {forgery.path} {_brief(forgery.data)} as {who}"
                if status not in expected_statuses(actor, forgery):
                    findings.append(f"{label}: answered {status}")
                elif status == 302:
                    where = response.headers["Location"]
                    landing = "/provider/" if actor.role is PortalRole.PROVIDER else "/employer/"
                    if forgery.endpoint == "jiangxi.verify":
                        landing = "/jiangxi/"
                    wanted = "/login" if actor is ANONYMOUS else landing
                    if not where.startswith(wanted):
                        findings.append(f"{label}: sent to {where}, not to {wanted}")
                # What the form itself sent is no news to its sender (a list of numbers
                # refused line by line is shown again to be corrected): not a leak.
                sent = " ".join(str(v) for v in forgery.data.values())
                unsent = [secret for secret in hidden if secret.text not in sent]
                found = leaked(scan(response, forgery.path), forgery.path, unsent, rows)
                if found:
                    findings.append(f"{label} ({status}): {found}")
                after = watch.execute("SELECT count(*) FROM events").fetchone()[0]
                if after != count:
                    findings.append(f"{label}: the event log grew by {after - count}")
                response.close()
    assert forged_endpoints == post_endpoints - NOT_FORGED, "a POST route is not forged"
    # The check is live: what each account may see, its pages do show.
    for who, texts in SIGHTINGS.items():
        assert texts <= seen[who], (who, texts - seen[who])
    assert not findings, f"{len(findings)} findings:\n" + "\n".join(findings[:60])
    assert snapshot(path) == before
    with Registry.open(path) as reg:
        assert reg.log_size() == events
    sessions = len(ACCOUNTS) + 1
    print(
        f"portal isolation: {gets} GETs ({len(paths)} paths × {sessions} accounts incl. "
        f"anonymous), {posts} forged POSTs ({len(forged_endpoints)} routes), answered "
        + ", ".join(f"{n}×{s}" for s, n in sorted(refused.items()))
        + "; nothing leaked, nothing changed"
    )


def _fresh(data: dict[str, Any]) -> dict[str, Any]:
    """The form with its files re-readable (a test client reads each file once)."""
    fresh = dict(data)
    for key in ("proofs", "roster"):
        if key in fresh:
            fresh[key] = [(io.BytesIO(f.getvalue()), name) for f, name in fresh[key]]
    return fresh


def _brief(data: dict[str, Any]) -> str:
    keep = ("item", "id_number", "credit_code", "token", "version", "decision")
    return " ".join(f"{k}={data[k]}" for k in keep if k in data)


def test_proofs_go_only_to_their_owner_and_the_reviewers_in_scope(world: World) -> None:
    """The table of who may download each proof, written out for the parties named."""
    rows = read_rows(world.path)
    d = world.declared
    by_tag = {tag: next(p for p in rows.proofs if p["declaration"] == ident)
              for tag, ident in d.items()}  # fmt: skip
    browsers = {a.username: _session(world, a) for a in ACCOUNTS}
    allowed = {
        "z-authority": {"zhang", "hospital", "health", "tianhe", "guangzhou"},
        # The authority sees its sector's records only once they reach it: not the proof
        # of a record the employer has not looked at yet.
        "z-declared": {"zhang", "hospital", "tianhe", "guangzhou"},
        "w-bureau": {"wang", "metro", "yuexiu", "guangzhou"},
        "s-authority": {"sun", "metro", "health", "yuexiu", "guangzhou"},
        "w-returned": {"wang", "metro", "yuexiu", "guangzhou"},
    }
    for tag, readers in allowed.items():
        proof = by_tag[tag]
        target = f"/proofs/{proof['declaration']}/{proof['sha256']}"
        for username, browser in browsers.items():
            response = browser.http.get(target)
            if username in readers:
                assert response.status_code == 200, (tag, username)
                assert response.data == proof_pdf(tag)
                assert response.headers["Content-Disposition"].startswith("attachment")
                assert proof_name(tag) in response.headers["Content-Disposition"]
            else:
                assert response.status_code == 403, (tag, username, response.status_code)
                assert proof_pdf(tag) not in response.data
        assert _login_redirect(world.portal.client().http.get(target))
