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
from collections.abc import Callable
from pathlib import Path
from typing import Any

from flask import abort, current_app, g
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers.response import Response as BaseResponse

from registry import CHINA_TZ, Home
from registry.portal import Actor, PortalRole
from registry.store import Registry
from registry.store.proof_files import ProofFiles
from webcore import Role, auth

CLOCK = "CLOCK"
"""Config key: a callable returning an aware datetime (tests fix the time with it)."""
_REGISTRY = "portal_registry"


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
    """The registry of this request, opened read-write on first use, closed at teardown."""
    if _REGISTRY not in g:
        setattr(g, _REGISTRY, Registry.open(home().registry_path))
    opened: Registry = getattr(g, _REGISTRY)
    return opened


def close_registry(_exc: BaseException | None = None) -> None:
    """Close the request's registry, if it opened one (an app ``teardown_appcontext``)."""
    opened: Registry | None = g.pop(_REGISTRY, None)
    if opened is not None:
        opened.close()


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
    "close_registry",
    "default_policy",
    "form_token",
    "home",
    "now",
    "proof_files",
    "registry",
    "require_role",
    "versions_from",
]
