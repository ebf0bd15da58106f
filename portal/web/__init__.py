"""The portal's web application (Flask), built by :func:`create_app` the flaskr way.

Configuration comes from the mapping passed in or from ``instance/config.py``: ``HOME``
(required: the bureau's home folder, whose ``registry.sqlite`` the portal opens read-write
and whose ``proofs/`` holds the proof files; ``<home>/keys`` is never opened),
``SECRET_KEY`` (else ``$CECERT_SECRET_KEY`` or ``<instance>/secret_key``, as the verifier),
``MAX_CONTENT_LENGTH`` (bytes of an ordinary form; the pages that take proof files raise it
for themselves to :data:`UPLOAD_LIMIT`), ``RATE_LIMIT_LOGIN``, ``RATE_LIMIT_REGISTER``
(registrations per client, default ``10/hour``), ``RATE_LIMIT_STORE``, ``PROXY_FIX``,
``HSTS_MAX_AGE`` (:mod:`webcore.limits`, ``docs/web-security.md``) and ``CLOCK`` (a callable
giving the time, for tests: :func:`portal.web.session.now`).

Blueprints: ``public`` (``/``: the home page, the registrations), ``professional``
(``/me``), ``employer`` (``/employer``), ``reviewers`` (``/review``: industry authorities and
bureaus) with ``class_review`` (``/review/plans``: class plans), ``counter`` (``/counter``: the
bureau's counter), ``provider`` (``/provider``: training providers), ``api`` (``/api/v1``: the
providers' JSON API, by token) and ``downloads`` (``/proofs/…``, for every role whose scope
covers the record).
Accounts, login and logout, sessions, CSRF and rate limits are :mod:`webcore`'s; served by
:func:`webcore.server.serve` (``cecert portal serve``).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask
from werkzeug.routing import IntegerConverter

from registry import Home, RegistryError
from registry.portal import MAX_PROOF_BYTES, MAX_PROOFS
from webcore import auth, limits

__all__ = ["FORM_LIMIT", "LIMITED_ENDPOINTS", "UPLOAD_LIMIT", "create_app"]

FORM_LIMIT = 1024 * 1024
"""Bytes of an ordinary form (``MAX_CONTENT_LENGTH``'s default)."""
UPLOAD_LIMIT = MAX_PROOFS * MAX_PROOF_BYTES + FORM_LIMIT
"""Bytes of a form carrying proof files: as many as a record may carry, each at its largest."""
DEFAULT_REGISTER = "10/hour"
"""``RATE_LIMIT_REGISTER``'s default: registrations per client address."""
LIMITED_ENDPOINTS = {
    "public.register_employer": "register",
    "public.register_professional": "register",
    "public.register_provider": "register",
}
"""Endpoint → rate-limit bucket, beside the login's: making accounts costs a password hash
and a registry event each."""


class RowNumber(IntegerConverter):
    """``<int:…>`` in the portal's paths: a row number SQLite can hold (1 to 2⁶³ − 1); a
    larger one matches no route (404), as an absent row, instead of failing the query."""

    def __init__(self, map: Any, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", 2**63 - 1)
        super().__init__(map, *args, **kwargs)


def create_app(
    test_config: Mapping[str, Any] | None = None, *, instance_path: str | None = None
) -> Flask:
    """Build the portal app. Refuses to start without ``HOME`` or when the home has no
    ``cecert.json`` or no registry (``RegistryError``). ``instance_path``: the instance folder
    (accounts and the session secret, :mod:`webcore.auth`; Flask's default if None)."""
    app = Flask(__name__, instance_relative_config=True, instance_path=instance_path)
    app.url_map.converters["int"] = RowNumber
    app.template_folder = str(Path(__file__).parent.parent / "templates")
    app.static_folder = str(Path(__file__).parent.parent / "static")
    app.config.from_mapping(
        HOME=None,
        MAX_CONTENT_LENGTH=FORM_LIMIT,
        RATE_LIMIT_LOGIN=limits.DEFAULT_LOGIN,
        RATE_LIMIT_REGISTER=DEFAULT_REGISTER,
        RATE_LIMIT_STORE=None,
        PROXY_FIX=None,
        HSTS_MAX_AGE=None,
    )
    if test_config is None:
        app.config.from_pyfile("config.py", silent=True)
    else:
        app.config.from_mapping(test_config)
    if not app.config.get("HOME"):
        raise RegistryError("no_home", "HOME is not configured (the bureau's home folder)")
    home = Home(Path(app.config["HOME"]))
    home.config()  # no_home, bad_config: refused now, not on the first page
    if not home.registry_path.is_file():
        raise RegistryError("no_registry", f"{home.registry_path}: no registry file here")

    from portal.web import (
        api,
        class_review,
        counter,
        downloads,
        employer,
        errors,
        glance,
        jiangxi,
        professional,
        provider,
        public,
        reviewers,
        session,
        shell,
    )

    auth.init_app(app, home="public.start", cookie="cecert_portal_session")
    session.init_registries(app)
    errors.init_app(app)
    shell.init_app(app)
    app.register_blueprint(public.bp)
    app.register_blueprint(professional.bp, url_prefix="/me")
    app.register_blueprint(employer.bp, url_prefix="/employer")
    app.register_blueprint(reviewers.bp, url_prefix="/review")
    app.register_blueprint(counter.bp, url_prefix="/counter")
    app.register_blueprint(class_review.bp, url_prefix="/review/plans")
    app.register_blueprint(provider.bp, url_prefix="/provider")
    app.register_blueprint(api.bp, url_prefix="/api/v1")
    app.register_blueprint(glance.bp, url_prefix="/glance")
    app.register_blueprint(jiangxi.bp, url_prefix="/jiangxi")
    app.register_blueprint(downloads.bp)
    limits.init_app(
        app,
        from_instance=test_config is None,
        buckets={"register": "RATE_LIMIT_REGISTER"},
        endpoints=LIMITED_ENDPOINTS,
    )
    return app
