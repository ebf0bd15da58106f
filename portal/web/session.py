"""What every portal page asks of the request it serves: who acts (:func:`actor`), the
gate of a blueprint (:func:`require_role`), the registry opened for this request
(:func:`registry`), the home, its default policy, the proof files, the clock (:func:`now`,
the only place the portal reads it) and the fields of forms (:func:`form_token`,
:func:`versions_from`).

The registry is opened read-write once per request, on first use, and closed when the
request ends; nothing under ``<home>/keys`` is ever opened.
"""

from __future__ import annotations

import datetime as dt
import secrets
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from flask import Flask, abort, current_app, g
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers.response import Response as BaseResponse

from registry import CHINA_TZ, Home
from registry.portal import Actor, PortalRole
from registry.store import Registry
from registry.store.proof_files import ProofFiles
from webcore import Role, auth

CLOCK = "CLOCK"
"""Config key: a callable returning an aware datetime (tests fix the time with it)."""
_REGISTRIES = "cecert_portal_registries"


def home() -> Home:
    """The bureau's home the portal serves (config ``HOME``)."""
    return Home(Path(current_app.config["HOME"]))


def default_policy() -> str:
    """The home's default hours policy (``cecert.json``)."""
    return home().config().default_policy


def now() -> dt.datetime:
    """The time of this request, in China's zone: the only clock the portal reads."""
    if "portal_now" not in g:
        clock: Callable[[], dt.datetime] | None = current_app.config.get(CLOCK)
        g.portal_now = clock() if clock is not None else dt.datetime.now(CHINA_TZ)
    when: dt.datetime = g.portal_now
    return when.astimezone(CHINA_TZ)


def registry() -> Registry:
    """This worker thread's registry: opened read-write on first use and kept for the
    thread's later requests (SQLite connections are not shared between threads), as the
    verifier keeps its read-only ones. The portal is stopped while a registry is restored
    (``docs/keys-and-home.md``)."""
    local: threading.local = current_app.extensions[_REGISTRIES]
    opened: Registry | None = getattr(local, "registry", None)
    if opened is None:
        opened = Registry.open(home().registry_path)
        local.registry = opened
    return opened


def init_registries(app: Flask) -> None:
    """Give ``app`` its per-thread registries (made on first use, after the workers fork)
    and end every request with none of their transactions open."""
    app.extensions[_REGISTRIES] = threading.local()
    app.teardown_appcontext(_end_request)


def _end_request(_exc: BaseException | None = None) -> None:
    """A request never leaves its thread's registry inside a transaction (the store's
    transactions end themselves; this is the net under them)."""
    local: threading.local = current_app.extensions[_REGISTRIES]
    opened: Registry | None = getattr(local, "registry", None)
    if opened is not None:
        opened.end_transaction()


def proof_files() -> ProofFiles:
    """The home's content-addressed proof files."""
    return ProofFiles(home().proofs_dir)


def actor() -> Actor:
    """The logged-in account as the portal's :class:`Actor`; 403 for an account without a
    scope or of a role the portal does not know (a panel's)."""
    account = auth.current_account()
    if account is None:
        abort(401)
    if not account.scope or account.role.value not in {r.value for r in PortalRole}:
        abort(403)
    return Actor(account.username, PortalRole(account.role.value), account.scope)


def require_role(*roles: PortalRole) -> Callable[[], BaseResponse | tuple[Any, int] | None]:
    """A blueprint's ``before_request`` gate: a logged-in account of one of ``roles``
    (anonymous: sent to the login page; another role: 403)."""
    return auth.require_account(*(Role(role.value) for role in roles))


def form_token() -> str:
    """A fresh random token for a form's hidden ``token`` field: the store acts once per
    token, so a double-clicked submit changes nothing twice."""
    return secrets.token_urlsafe(24)


def versions_from(form: MultiDict[str, str]) -> dict[int, int]:
    """The checked ``item`` boxes of a bulk form (values ``"id:version"``) as id → version;
    a malformed value is a 400."""
    versions: dict[int, int] = {}
    for value in form.getlist("item"):
        ident, _, version = value.partition(":")
        if not (ident.isascii() and ident.isdigit() and version.isascii() and version.isdigit()):
            abort(400)
        versions[int(ident)] = int(version)
    return versions


__all__ = [
    "CLOCK",
    "actor",
    "default_policy",
    "form_token",
    "home",
    "init_registries",
    "now",
    "proof_files",
    "registry",
    "require_role",
    "versions_from",
]
