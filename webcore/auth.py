"""Logging in and out (``/login``, ``/logout``), the session, CSRF tokens, and the gate in
front of the pages only accounts may use (``docs/accounts.md``), for every cecert web
application.

The session is Flask's signed cookie, holding only a CSRF token and, once logged in, a
server-side session id (:class:`webcore.accounts.AccountStore`): the cookie proves
nothing by itself once the session has ended on the server. Without a secret key (neither
``$CECERT_SECRET_KEY`` nor ``<instance>/secret_key``), login is disabled, the gated pages
say so, and the public pages work as before.

The login page is ``login.html`` when the application has one, else this package's
``webcore/login.html``; either extends the application's ``base.html``. An application's
``login.html`` extends ``webcore/login.html`` and fills its blocks: ``login_note`` (who may
log in, above the form) and ``home_label`` (the link to the page a logged-in account is
sent to, :func:`init_app`'s ``home``). ``webcore/account_bar.html`` is the logged-in
account's bar with its logout button, for the application's pages to include.

CSRF: every form that changes something or looks somebody up (login, logout, the panel's
check) carries the session's token, checked on POST in constant time; a missing or wrong
token is a 400. The web verifier's public verification (``/``, ``/api/v1/verify``) needs none: it
changes nothing, reveals only what the request itself presents, and a cross-site request
gains an attacker nothing they could not get by posting the same payload themselves.
"""

from __future__ import annotations

import datetime as dt
import hmac
import os
import re
import secrets
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, TypeVar, cast

from flask import (
    Blueprint,
    Flask,
    Response,
    abort,
    current_app,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers.response import Response as BaseResponse

from webcore.accounts import SESSION_LIFETIME, Account, AccountStore
from webcore.roles import Role
from webcore.secret_key import load_secret_key

bp = Blueprint("auth", __name__, template_folder="templates")

STORE = "cecert.accounts"
"""``app.extensions`` key of the :class:`AccountStore` (absent: no accounts file)."""
HOME = "cecert.home"
"""``app.extensions`` key of the endpoint a login goes to when ``next`` names no page."""
LOGIN_TEMPLATES = ("login.html", "webcore/login.html")
"""The login page: the application's own if it has one, else this package's."""
CSRF_FIELD = "csrf_token"
_CSRF_KEY = "csrf"
_SESSION_KEY = "sid"
F = TypeVar("F", bound=Callable[..., Any])


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def init_app(
    app: Flask,
    environ: Mapping[str, str] | None = None,
    *,
    home: str,
    cookie: str = "cecert_session",
) -> None:
    """Configure sessions from the instance folder and the environment and register the
    blueprint. ``SECRET_KEY`` set in the app's config (tests, ``instance/config.py``) wins;
    else ``$CECERT_SECRET_KEY``; else ``<instance>/secret_key``; else none, and login is
    disabled. ``$CECERT_SESSION_COOKIE_SECURE=1`` (behind TLS) marks the cookie Secure.
    ``home``: the endpoint a login goes to when ``next`` names no page of the site (the
    verifier: ``panel.form``). ``cookie``: the session cookie's name; each application has
    its own, because browsers share cookies between the ports of one host."""
    env = os.environ if environ is None else environ
    instance = Path(app.instance_path)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = load_secret_key(instance, env)
    if env.get("CECERT_SESSION_COOKIE_SECURE", "").lower() in {"1", "true", "yes"}:
        app.config["SESSION_COOKIE_SECURE"] = True
    app.config.update(
        SESSION_COOKIE_NAME=cookie,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Strict",
        PERMANENT_SESSION_LIFETIME=SESSION_LIFETIME,
        SESSION_REFRESH_EACH_REQUEST=False,
    )
    store = AccountStore.open(instance)
    if store is not None:
        app.extensions[STORE] = store
    app.extensions[HOME] = home
    app.jinja_env.globals["csrf_token"] = csrf_token
    app.jinja_env.globals["current_account"] = current_account
    app.register_blueprint(bp)


def login_enabled() -> bool:
    return bool(current_app.config.get("SECRET_KEY"))


def _store() -> AccountStore | None:
    store: AccountStore | None = current_app.extensions.get(STORE)
    return store


# --- CSRF -------------------------------------------------------------------------------


def csrf_token() -> str:
    """The session's CSRF token (made on first use), for a hidden ``csrf_token`` field."""
    token = session.get(_CSRF_KEY)
    if not isinstance(token, str):
        token = secrets.token_urlsafe(32)
        session[_CSRF_KEY] = token
    return token


def csrf_ok() -> bool:
    """Is the POSTed ``csrf_token`` the session's? (constant-time comparison)"""
    expected = session.get(_CSRF_KEY)
    given = request.form.get(CSRF_FIELD, "")
    return isinstance(expected, str) and hmac.compare_digest(
        expected.encode("ascii"), given.encode("utf-8", "replace")
    )


def check_csrf() -> None:
    """Abort with 400 unless the POSTed ``csrf_token`` is the session's."""
    if not csrf_ok():
        abort(400)


# --- who is logged in -------------------------------------------------------------------


def current_account() -> Account | None:
    """The logged-in account of this request, checked against the server's sessions."""
    if "account" in g:
        return cast(Account | None, g.account)
    account = None
    session_id = session.get(_SESSION_KEY) if login_enabled() else None
    store = _store()
    if isinstance(session_id, str) and store is not None:
        account = store.session_account(session_id, at=_now())
    g.account = account
    return account


def _wants_json() -> bool:
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return request.is_json or best == "application/json"


def require_account(*roles: Role) -> Callable[[], BaseResponse | tuple[Response, int] | None]:
    """A ``before_request`` gate: the request needs a logged-in account of one of
    ``roles``; an anonymous one is sent to ``/login`` (HTML) or gets 401 (JSON), a wrong
    role gets 403. It reads no request body: check the CSRF token (:func:`check_csrf`) in
    a later ``before_request``, after any per-route body limits are set."""

    def gate() -> BaseResponse | tuple[Response, int] | None:
        account = current_account()
        if account is None:
            if _wants_json():
                body = {"error": "Unauthorized", "reason": "login_required"}
                return jsonify(body), 401
            return redirect(url_for("auth.login", next=request.path))
        if account.role not in roles:
            abort(403)
        return None

    return gate


# --- the pages --------------------------------------------------------------------------


_DROPPED_BY_BROWSERS = str.maketrans("", "", "\t\n\r")
"""What a browser removes anywhere in a URL (WHATWG URL: ASCII tab and newline), so that
``/%09/evil.example`` (a slash, a tab, a slash) is read as ``//evil.example``."""
_STRIPPED_BY_BROWSERS = "".join(map(chr, range(0x21)))
"""What a browser strips from both ends of a URL: C0 controls and the space."""
_PAGE_PATH = re.compile(r"/[A-Za-z0-9._~/-]*")
"""The characters of this site's page paths; nothing percent-encoded, no query."""


def local_page(target: str) -> str | None:
    """``target`` if it names a page of this site, else None: where a login may send the
    browser (``next``) without being an open redirect.

    ``target`` is first read as a browser reads a ``Location``: tabs and newlines dropped
    wherever they are, controls and spaces stripped at the ends, backslashes taken for
    slashes. What remains must be a path (one leading slash: ``//host`` and ``/\\host``
    name another host), made of plain path characters only (no control character could
    split the header), and a page this app answers ``GET`` for."""
    text = target.translate(_DROPPED_BY_BROWSERS).strip(_STRIPPED_BY_BROWSERS)
    text = text.replace("\\", "/")
    if _PAGE_PATH.fullmatch(text) is None or "//" in text or "/." in text:
        return None
    try:
        current_app.url_map.bind("localhost").match(text, method="GET")
    except HTTPException:  # not found, not a GET page, or a redirect elsewhere
        return None
    return text


def _home() -> str:
    """The app's home for accounts (``init_app``'s ``home``)."""
    return url_for(current_app.extensions[HOME])


def _next_page() -> str:
    """Where to go after logging in: the page ``next`` names, if it is one of this site's
    (:func:`local_page`); else the app's home for accounts (the verifier's: the panel)."""
    return local_page(request.values.get("next", "")) or _home()


def _login_page(
    *, error: str | None = None, code: int = 200, username: str = ""
) -> tuple[str, int]:
    """The login page; after a refusal it keeps the user name typed (never the password)."""
    return render_template(
        list(LOGIN_TEMPLATES),
        enabled=login_enabled(),
        error=error,
        next=_next_page(),
        home=_home(),
        account=current_account(),
        username=username,
    ), code


@bp.get("/login")
def login_form() -> tuple[str, int]:
    return _login_page(code=200 if login_enabled() else 503)


@bp.post("/login")
def login() -> BaseResponse | tuple[str, int]:
    """Log in: a new session (nothing of the anonymous one is kept), a new CSRF token."""
    if not login_enabled():
        return _login_page(code=503)
    typed = request.form.get("username", "")[:64]
    if not csrf_ok():  # e.g. a login page left open past a restart with a new key
        return _login_page(error="页面已过期，请重新输入密码后登录。", code=400, username=typed)
    username = typed.strip().lower()
    password = request.form.get("password", "")
    store = _store()
    account = store.authenticate(username, password) if store is not None else None
    if store is None or account is None:
        if store is None:  # no accounts file: cost the same as a wrong password anyway
            AccountStore.dummy_check(password)
        return _login_page(
            error="用户名或密码错误。请重新输入密码；忘记密码请联系本单位的管理员重设。",
            code=401,
            username=typed,
        )
    target = _next_page()
    old = session.get(_SESSION_KEY)
    if isinstance(old, str):
        store.end_session(old)
    session.clear()
    session.permanent = True
    session[_SESSION_KEY] = store.start_session(account, at=_now())
    session[_CSRF_KEY] = secrets.token_urlsafe(32)
    g.pop("account", None)
    return redirect(target)


@bp.post("/logout")
def logout() -> BaseResponse:
    """Log out: the session ends on the server and the cookie is emptied."""
    check_csrf()
    session_id = session.get(_SESSION_KEY)
    store = _store()
    if isinstance(session_id, str) and store is not None:
        store.end_session(session_id)
    session.clear()
    return redirect(url_for("auth.login_form"))
