"""What every cecert web application stands on: accounts and sessions, login/logout and
CSRF, rate limits, the instance secret key, the gunicorn buffering worker.

The web verifier (``verifier.web``) builds its Flask app on it, and so does the portal:
:func:`webcore.auth.init_app` (login, logout, sessions, CSRF, the login page),
:func:`webcore.limits.init_app` (rate limits shared by the server's workers),
:func:`webcore.server.serve` (gunicorn, every request read whole first). The accounts
(:class:`AccountStore`, :class:`Role`) live in ``<instance>/accounts.sqlite``, the secret
key in ``$CECERT_SECRET_KEY`` or ``<instance>/secret_key`` (``docs/accounts.md``). It
imports ``keys`` and ``registry`` and the web libraries, never ``verifier``, ``signer``,
``keys.private`` or ``portal``; its errors are :class:`WebError`.

Importing the package loads no web framework: the names of its modules that use Werkzeug,
Flask or gunicorn (``accounts``, ``auth``, ``limits``, ``server``) are imported on first
use, so that the command line can name :class:`WebError` and :class:`Role` without them.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from webcore.errors import WebError
from webcore.reading import ReadLimits
from webcore.roles import MAX_SCOPE, Role, check_scope
from webcore.secret_key import (
    SECRET_KEY_BYTES,
    SECRET_KEY_ENV,
    SECRET_KEY_FILE,
    check_private_file,
    ensure_secret_key,
    id_number_digest,
    load_secret_key,
)

if TYPE_CHECKING:
    from webcore.accounts import (
        ACCOUNTS_FILE,
        MAX_PASSWORD,
        MIN_PASSWORD,
        SESSION_LIFETIME,
        Account,
        AccountStore,
        Lookup,
        check_password,
        check_username,
    )
    from webcore.auth import (
        check_csrf,
        csrf_ok,
        csrf_token,
        current_account,
        local_page,
        login_enabled,
        require_account,
    )
    from webcore.limits import Rate, RateLimiter
    from webcore.server import BufferingWorker, serve

_LAZY = {
    **dict.fromkeys(
        [
            "ACCOUNTS_FILE",
            "MAX_PASSWORD",
            "MIN_PASSWORD",
            "SESSION_LIFETIME",
            "Account",
            "AccountStore",
            "Lookup",
            "check_password",
            "check_username",
        ],
        "webcore.accounts",
    ),
    **dict.fromkeys(
        [
            "check_csrf",
            "csrf_ok",
            "csrf_token",
            "current_account",
            "local_page",
            "login_enabled",
            "require_account",
        ],
        "webcore.auth",
    ),
    **dict.fromkeys(["Rate", "RateLimiter"], "webcore.limits"),
    **dict.fromkeys(["BufferingWorker", "serve"], "webcore.server"),
}
"""Name → the module it comes from, imported when the name is first asked for."""


def __getattr__(name: str) -> object:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'webcore' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


__all__ = [
    "ACCOUNTS_FILE",
    "MAX_PASSWORD",
    "MAX_SCOPE",
    "MIN_PASSWORD",
    "SECRET_KEY_BYTES",
    "SECRET_KEY_ENV",
    "SECRET_KEY_FILE",
    "SESSION_LIFETIME",
    "Account",
    "AccountStore",
    "BufferingWorker",
    "Lookup",
    "Rate",
    "RateLimiter",
    "ReadLimits",
    "Role",
    "WebError",
    "check_csrf",
    "check_password",
    "check_private_file",
    "check_scope",
    "check_username",
    "csrf_ok",
    "csrf_token",
    "current_account",
    "ensure_secret_key",
    "id_number_digest",
    "load_secret_key",
    "local_page",
    "login_enabled",
    "require_account",
    "serve",
]
