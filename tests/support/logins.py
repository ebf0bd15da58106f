"""Accounts for tests: an instance folder with a panel and an employer account, and a Flask
test client that logs in the way a browser does (the login page's CSRF token, then the
session's token in every POST)."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from webcore import AccountStore, Role, ensure_secret_key

PASSWORD = "test password, not a secret"
ACCOUNTS = (("panel", Role.PANEL), ("employer", Role.EMPLOYER))
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def make_instance(folder: Path) -> Path:
    """An instance folder with the secret key and the accounts ``panel`` and ``employer``
    (password :data:`PASSWORD`)."""
    store = AccountStore.create(folder)
    for username, role in ACCOUNTS:
        store.add(username, PASSWORD, role, at=dt.datetime.now(dt.UTC))
    ensure_secret_key(folder)
    return folder


def csrf_of(page: str) -> str:
    """The CSRF token of a page's first form."""
    match = _CSRF.search(page)
    assert match, "the page has no CSRF token"
    return match.group(1)


class LoginClient(FlaskClient):
    """A test client that adds its session's CSRF token to every POST with form data that
    does not give one (set ``app.test_client_class`` to it)."""

    csrf = ""

    def post(self, *args: Any, **kwargs: Any) -> TestResponse:
        data = kwargs.get("data")
        if self.csrf and isinstance(data, dict):
            kwargs["data"] = {"csrf_token": self.csrf, **data}
        return super().post(*args, **kwargs)


def log_in(client: FlaskClient, username: str = "panel", password: str = PASSWORD) -> TestResponse:
    """Log in through the login page; on success a :class:`LoginClient` learns its new token."""
    token = csrf_of(client.get("/login").get_data(as_text=True))
    response = client.post(
        "/login", data={"csrf_token": token, "username": username, "password": password}
    )
    if response.status_code == 302 and isinstance(client, LoginClient):
        client.csrf = csrf_of(client.get("/panel").get_data(as_text=True))
    return response
