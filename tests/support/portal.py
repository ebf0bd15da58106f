"""The portal for tests: the app on a private copy of the issued home, a browser that keeps
the session's CSRF token, and the steps every scenario starts with (an employer registered
and approved, a professional registered, approved and logged in, the declaration form)."""

from __future__ import annotations

import datetime as dt
import io
import re
import struct
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from portal.web import create_app
from registry import CHINA_TZ
from registry.idnumber import mod11_2_check
from registry.portal import Actor, PortalRole, check_character
from registry.store import Registry
from tests.conftest import IssuedHome
from webcore import AccountStore

NOW = dt.datetime(2026, 3, 2, 10, 0, tzinfo=CHINA_TZ)
"""The app's clock: the default year is 2025."""
CODE = "91440106MA59P0000" + check_character("91440106MA59P0000")
BUREAU = Actor("tianhe", PortalRole.BUREAU, "440106")
PASSWORD = "a long enough password"
ZHANG = "440106198503120031"
"""张伟 (卫生, 440106): imported, 2025 met and issued in the shared home."""
WANG = "440104199001150021"
"""王𠈌 (工程, 440104): imported."""
NEWBIE = "44010619900101123" + mod11_2_check("44010619900101123")
"""Nobody the registry knows yet."""
PDF = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
TOKEN = re.compile(r'name="token" value="([^"]+)"')


def png() -> bytes:
    """A real 1×1 PNG."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\x00\x00")
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


@dataclass
class Portal:
    app: Flask
    home: IssuedHome
    instance: Path

    def registry(self) -> Registry:
        return Registry.open(self.home.home.registry_path)

    def accounts(self) -> AccountStore:
        store = AccountStore.open(self.instance)
        assert store is not None
        return store

    def client(self) -> Client:
        return Client(self.app.test_client())


class Client:
    """A browser: pages as text, POSTs with the session's CSRF token."""

    def __init__(self, client: FlaskClient) -> None:
        self.http = client
        self.csrf = ""

    def get(self, path: str, status: int = 200) -> str:
        response = self.http.get(path)
        assert response.status_code == status, (path, response.status_code)
        page = response.get_data(as_text=True)
        found = CSRF.search(page)
        if found:
            self.csrf = found.group(1)
        return page

    def post(self, path: str, data: dict[str, Any], status: int = 302) -> Any:
        if not self.csrf:
            self.get("/login")
        response = self.http.post(path, data={"csrf_token": self.csrf, **data})
        assert response.status_code == status, (path, response.status_code, response.text)
        return response

    def log_in(self, username: str) -> None:
        self.get("/login")
        response = self.post("/login", {"username": username, "password": PASSWORD})
        assert response.headers["Location"] == "/start"
        self.csrf = ""
        self.get("/")  # the header's logout form: the new session's token
        assert self.csrf


def make_portal(fresh_home: IssuedHome, tmp_path: Path) -> Portal:
    """The portal app on a private copy of the issued home, with an empty accounts file."""
    instance = tmp_path / "instance"
    AccountStore.create(instance)
    app = create_app(
        {
            "HOME": str(fresh_home.home.root),
            "SECRET_KEY": "test secret, not a secret",
            "CLOCK": lambda: NOW,
            "RATE_LIMIT_REGISTER": "1000/minute",
            "RATE_LIMIT_LOGIN": "1000/minute",
        },
        instance_path=str(instance),
    )
    return Portal(app, fresh_home, instance)


def register_employer(browser: Client, **changes: str) -> Any:
    form = {
        "name": "广州市第一人民医院",
        "credit_code": CODE,
        "region": "440106",
        "username": "hospital",
        "password": PASSWORD,
        "password2": PASSWORD,
    } | changes
    return browser.post("/register/employer", form, status=400 if changes.get("bad") else 302)


def approved_employer(portal: Portal) -> None:
    register_employer(portal.client())
    with portal.registry() as registry:
        made = registry.registrations.employer(CODE)
        registry.registrations.decide_employer(
            BUREAU, CODE, version=made.version, approve=True, reason=None, at=NOW
        )


def professional_form(id_number: str, name: str, username: str, **changes: str) -> dict[str, str]:
    return {
        "id_number": id_number,
        "name": name,
        "employer": CODE,
        "series": "卫生技术",
        "level": "intermediate",
        "title_date": "2016-07-01",
        "region": "",
        "username": username,
        "password": PASSWORD,
        "password2": PASSWORD,
    } | changes


def enrolled(portal: Portal, id_number: str, name: str, username: str) -> Client:
    """A professional registered through the page, approved by the employer, logged in."""
    portal.client().post("/register/professional", professional_form(id_number, name, username))
    employer = Actor("hospital", PortalRole.EMPLOYER, CODE)
    with portal.registry() as registry:
        made = registry.registrations.enrolment(employer, id_number)
        registry.registrations.decide_person(
            employer, id_number, version=made.version, approve=True, reason=None, at=NOW
        )
    browser = portal.client()
    browser.log_in(username)
    return browser


def record_form(browser: Client, **changes: Any) -> dict[str, Any]:
    page = browser.get("/me/declare?year=2025")
    token = TOKEN.search(page)
    assert token
    return {
        "token": token.group(1),
        "year": "2025",
        "category": "public",
        "kind": "online_course",
        "title": "公需科目：数字经济",
        "provider": "广东省专业技术人员继续教育平台",
        "course_code": "",
        "start_date": "2025-05-01",
        "end_date": "2025-05-03",
        "hours": "2.5",
        "days": "",
        "score": "90",
        "role": "",
    } | changes


def declarations(portal: Portal, id_number: str) -> list[Any]:
    owner = Actor("x", PortalRole.PROFESSIONAL, id_number)
    with portal.registry() as registry:
        return registry.declarations.of_person(owner, id_number)


def upload(data: bytes) -> Any:
    """A file for a form's file field."""
    return io.BytesIO(data)
