"""What every cecert web application stands on (``webcore``), apart from the verifier: the
roles and their scopes, the accounts file's schema versions, the login page of an application
that brings none of its own, and a command line that loads no web framework.

The verifier's use of it (login, sessions, CSRF, the audit log, the gate) is tested in
``tests/web/test_accounts.py`` and ``tests/web/test_panel_web.py``.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from werkzeug.security import generate_password_hash

from registry.portal import PortalRole
from webcore import (
    MAX_SCOPE,
    AccountStore,
    Role,
    WebError,
    auth,
    ensure_secret_key,
    limits,
)
from webcore.accounts_schema import SCHEMA_VERSION

PASSWORD = "test password, not a secret"
AT = dt.datetime(2026, 3, 2, 9, 30, tzinfo=dt.UTC)
CREDIT_CODE = "91440101MA5CXXXX0X"


@pytest.fixture
def store(tmp_path: Path) -> AccountStore:
    return AccountStore.create(tmp_path / "instance")


# --- roles and scopes -------------------------------------------------------------------


def test_every_role_has_its_chinese_name() -> None:
    assert {role.value: role.label_zh for role in Role} == {
        "panel": "评审委员会",
        "employer": "用人单位",
        "professional": "专业技术人员",
        "authority": "行业主管部门",
        "bureau": "人社局",
        "provider": "施教机构",
    }


def test_the_portal_s_roles_are_accounts_roles_of_the_same_names() -> None:
    """The registry names who acts in the portal (:class:`PortalRole`); each is a role an
    account can have, with the same code and Chinese name."""
    for portal_role in PortalRole:
        role = Role(portal_role.value)
        assert role.label_zh == portal_role.label_zh


def test_an_account_keeps_what_it_speaks_for(store: AccountStore) -> None:
    added = store.add("acme", PASSWORD, Role.EMPLOYER, at=AT, scope=CREDIT_CODE)
    assert added.scope == CREDIT_CODE
    store.add("board", PASSWORD, Role.PANEL, at=AT)
    store.add("gz", PASSWORD, Role.BUREAU, at=AT, scope="440100")
    store.add("health", PASSWORD, Role.AUTHORITY, at=AT, scope="卫生健康")
    store.add("li", PASSWORD, Role.PROFESSIONAL, at=AT, scope="11010519491231002X")
    assert [(a.username, a.role, a.scope) for a in store.accounts()] == [
        ("acme", Role.EMPLOYER, CREDIT_CODE),
        ("board", Role.PANEL, None),
        ("gz", Role.BUREAU, "440100"),
        ("health", Role.AUTHORITY, "卫生健康"),
        ("li", Role.PROFESSIONAL, "11010519491231002X"),
    ]
    account = store.authenticate("acme", PASSWORD)
    assert account is not None
    assert account == added
    session = store.start_session(account, at=AT)
    assert store.session_account(session, at=AT) == added
    board = store.account("board")
    assert board is not None
    assert board.scope is None


@pytest.mark.parametrize("scope", ["", "   ", "a\tb", "line\nbreak", "x" * (MAX_SCOPE + 1)])
def test_a_scope_that_would_break_a_listing_is_refused(store: AccountStore, scope: str) -> None:
    with pytest.raises(WebError) as caught:
        store.add("acme", PASSWORD, Role.EMPLOYER, at=AT, scope=scope)
    assert caught.value.reason == "bad_scope"
    assert store.accounts() == []


# --- the accounts file's versions -------------------------------------------------------


SECOND_SCHEMA = """
CREATE TABLE accounts (
    username TEXT PRIMARY KEY, role TEXT NOT NULL, password_hash TEXT NOT NULL,
    created_at TEXT NOT NULL, password_changed_at TEXT NOT NULL
);
CREATE TABLE sessions (
    id TEXT PRIMARY KEY,
    username TEXT NOT NULL REFERENCES accounts(username) ON DELETE CASCADE,
    created_at TEXT NOT NULL, expires_at TEXT NOT NULL
);
CREATE TABLE lookups (
    id INTEGER PRIMARY KEY, at TEXT NOT NULL, username TEXT NOT NULL, role TEXT NOT NULL,
    action TEXT NOT NULL, id_number_hmac TEXT, certificates INTEGER NOT NULL,
    report_digest TEXT
);
CREATE INDEX lookups_by_report_digest ON lookups (report_digest)
    WHERE report_digest IS NOT NULL;
PRAGMA user_version = 1;
"""
"""The accounts file as schema version 1 wrote it: report digests, no scopes."""


def test_a_version_1_file_gains_scopes_and_keeps_its_rows(tmp_path: Path) -> None:
    instance = tmp_path / "instance"
    instance.mkdir(mode=0o700)
    path = instance / "accounts.sqlite"
    at = "2025-03-01T02:00:00+00:00"
    with contextlib.closing(sqlite3.connect(path)) as db, db:
        db.executescript(SECOND_SCHEMA)
        db.execute(
            "INSERT INTO accounts VALUES ('board', 'panel', ?, ?, ?)",
            (generate_password_hash(PASSWORD, method="scrypt"), at, at),
        )
        db.execute(
            "INSERT INTO lookups (at, username, role, action, id_number_hmac, certificates,"
            " report_digest) VALUES (?, 'board', 'panel', 'report', NULL, 2, ?)",
            (at, "ab" * 32),
        )
    path.chmod(0o600)
    store = AccountStore.open(instance)
    assert store is not None
    with contextlib.closing(sqlite3.connect(path)) as db:
        assert db.execute("PRAGMA user_version").fetchone() == (SCHEMA_VERSION,) == (2,)
        columns = [row[1] for row in db.execute("PRAGMA table_info(accounts)")]
        assert columns[-1] == "scope"
    (board,) = store.accounts()
    assert (board.username, board.role, board.scope) == ("board", Role.PANEL, None)
    assert store.authenticate("board", PASSWORD) == board
    (lookup,) = store.lookups(report_digest="ab" * 32)
    assert (lookup.username, lookup.certificates) == ("board", 2)
    store.add("acme", PASSWORD, Role.EMPLOYER, at=AT, scope=CREDIT_CODE)
    assert [a.scope for a in store.accounts()] == [CREDIT_CODE, None]
    AccountStore.open(instance)  # opened again: nothing left to do
    with contextlib.closing(sqlite3.connect(path)) as db:
        assert db.execute("PRAGMA user_version").fetchone() == (SCHEMA_VERSION,)


def test_a_new_file_is_of_the_current_version(store: AccountStore) -> None:
    with contextlib.closing(sqlite3.connect(store.path)) as db:
        assert db.execute("PRAGMA user_version").fetchone() == (SCHEMA_VERSION,)


# --- an application with no login page of its own ---------------------------------------


BASE = """<!doctype html><html lang="zh-CN"><head><title>{% block title %}{% endblock %} · portal
</title></head><body><main>{% block content %}{% endblock %}</main></body></html>"""


def test_an_app_without_its_own_login_page_gets_webcore_s(tmp_path: Path) -> None:
    """The portal's case: its own ``base.html``, webcore's login page and account bar."""
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "base.html").write_text(BASE)
    (templates / "home.html").write_text(
        '{% extends "base.html" %}{% block content %}'
        '{% include "webcore/account_bar.html" %}{% endblock %}'
    )
    instance = tmp_path / "instance"
    AccountStore.create(instance).add("gz", PASSWORD, Role.BUREAU, at=AT, scope="440100")
    ensure_secret_key(instance)
    app = Flask("portal_test", template_folder=str(templates), instance_path=str(instance))
    app.config["TESTING"] = True
    auth.init_app(app, {}, home="home")
    limits.init_app(app, from_instance=True)
    gate = auth.require_account(Role.BUREAU)

    @app.get("/home")
    def home() -> object:
        from flask import render_template

        return gate() or render_template("home.html")

    client = app.test_client()
    assert client.get("/home").headers["Location"] == "/login?next=/home"
    page = client.get("/login").get_data(as_text=True)
    assert "<title>登录 · portal" in page
    assert 'action="/login"' in page
    assert "职称评审核查" not in page  # the verifier's words stay the verifier's
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert token is not None
    form = {"csrf_token": token.group(1), "username": "gz", "password": PASSWORD}
    assert client.post("/login", data=form).headers["Location"] == "/home"
    bar = client.get("/home").get_data(as_text=True)
    assert '<strong class="username">gz</strong>（人社局）' in bar
    assert 'action="/logout"' in bar
    again = client.get("/login").get_data(as_text=True)
    assert '已登录：gz。<a href="/home">继续' in again


# --- the command line -------------------------------------------------------------------


def test_the_command_line_loads_no_web_framework() -> None:
    code = (
        "import sys\n"
        "import cecert.cli, webcore\n"
        "from webcore import Role, WebError\n"
        "loaded = {m.split('.')[0] for m in sys.modules} & {'flask', 'werkzeug', 'gunicorn'}\n"
        "assert not loaded, loaded\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_a_session_lookup_runs_one_query_not_the_schema(
    store: AccountStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every page asks whose session it is: the schema script and the migration check ran
    on each of those connections (≈ 0.5 ms a request); they run once per store."""
    account = store.add("zhang", PASSWORD, Role.EMPLOYER, at=AT, scope=CREDIT_CODE)
    session = store.start_session(account, at=AT)
    seen: list[str] = []
    real = sqlite3.connect

    def traced(*args: Any, **kwargs: Any) -> sqlite3.Connection:
        connection = real(*args, **kwargs)
        connection.set_trace_callback(seen.append)
        return connection

    monkeypatch.setattr(sqlite3, "connect", traced)
    assert store.session_account(session, at=AT) == account
    assert not [s for s in seen if "CREATE" in s or "user_version" in s], seen
    assert len([s for s in seen if s.startswith("SELECT")]) <= 2, seen
