"""The web verifier (Flask), built by :func:`create_app` the flaskr way.

Configuration comes from the mapping passed in or from ``instance/config.py``:
``TRUST_LIST`` (path, required), ``REGISTRY`` (path or None: then status is not checked),
``SNAPSHOT`` (path of a signed status snapshot, checked at start-up: the status source when
there is no registry; with a registry, only published for the offline page),
``SNAPSHOT_MAX_AGE_DAYS`` (int, default 30: older, status is indeterminate),
``TRUST_PIN`` (root fingerprint, optional), ``MAX_CONTENT_LENGTH`` (bytes),
``SOURCES_CHECK_SECONDS`` (float, default 1: how often the trust list and snapshot files are
looked at; a changed file is read again and used once it checks, :mod:`verifier.sources`),
``SNAPSHOT_OPTIONAL`` (bool: the snapshot file may appear later, e.g. a home's
``published/status.cecs`` before the first publication);
``RATE_LIMIT_VERIFY``, ``RATE_LIMIT_LOGIN`` (``"60/minute"``, ``"10/minute"``),
``RATE_LIMIT_STORE``, ``PROXY_FIX`` (number of trusted proxies), ``HSTS_MAX_AGE`` (seconds,
only behind TLS): see :mod:`webcore.limits` and ``docs/web-security.md``.

Pages: ``/`` verifies one certificate (:mod:`verifier.web.views`); ``/panel`` is the
title-evaluation panel's check (:mod:`verifier.web.panel`), which uses the registry, when
there is one, to look a candidate up by ID number. Accounts, login and logout, sessions,
CSRF, rate limits and the gunicorn worker are the :mod:`webcore` every cecert web
application shares; served by :func:`webcore.server.serve`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask

from verifier import DEFAULT_MAX_AGE, LiveSources, RegistryFileStatus, Verifier, VerifierError
from webcore import auth, limits

__all__ = [
    "DEFAULT_VERIFY",
    "LIMITED_ENDPOINTS",
    "MAX_UPLOAD",
    "REGISTRY_STATUS",
    "SOURCES",
    "create_app",
    "current_verifier",
]

SOURCES = "cecert.sources"
"""``app.extensions`` key of the :class:`LiveSources` the app verifies with."""
REGISTRY_STATUS = "cecert.registry"
"""``app.extensions`` key of the registry status source, when the app has a registry."""


def current_verifier() -> Verifier:
    """The verifier of the current app, with its newest checked trust list and snapshot."""
    from flask import current_app

    sources: LiveSources = current_app.extensions[SOURCES]
    return sources.verifier()


MAX_UPLOAD = 6 * 1024 * 1024
DEFAULT_VERIFY = "60/minute"
"""``RATE_LIMIT_VERIFY``'s default: the ``verify`` bucket's rate (:mod:`webcore.limits`)."""
LIMITED_ENDPOINTS = {"verify.verify_page": "verify", "verify.verify_api": "verify"}
"""Endpoint → rate-limit bucket, beside the login's. The HTML form and the API share one
budget: they verify alike."""


def create_app(
    test_config: Mapping[str, Any] | None = None, *, instance_path: str | None = None
) -> Flask:
    """Build the verifier app. Refuses to start without a readable, correctly signed trust
    list (``VerifierError`` / ``KeysError``). ``instance_path``: the instance folder
    (accounts and the session secret, :mod:`webcore.auth`; Flask's default if None)."""
    app = Flask(__name__, instance_relative_config=True, instance_path=instance_path)
    app.config.from_mapping(
        MAX_CONTENT_LENGTH=MAX_UPLOAD,
        REGISTRY=None,
        TRUST_PIN=None,
        SNAPSHOT=None,
        SNAPSHOT_MAX_AGE_DAYS=DEFAULT_MAX_AGE.days,
        RATE_LIMIT_VERIFY=DEFAULT_VERIFY,
        RATE_LIMIT_LOGIN=limits.DEFAULT_LOGIN,
        RATE_LIMIT_STORE=None,
        PROXY_FIX=None,
        HSTS_MAX_AGE=None,
        SOURCES_CHECK_SECONDS=1.0,
        SNAPSHOT_OPTIONAL=False,
    )
    if test_config is None:
        app.config.from_pyfile("config.py", silent=True)
    else:
        app.config.from_mapping(test_config)
    trust_path = app.config.get("TRUST_LIST")
    if not trust_path:
        raise VerifierError("no_trust_list", "TRUST_LIST is not configured")
    registry_path = app.config["REGISTRY"]
    snapshot_path = app.config["SNAPSHOT"]
    records = RegistryFileStatus(Path(registry_path)) if registry_path else None
    max_age = app.config["SNAPSHOT_MAX_AGE_DAYS"]
    if type(max_age) is not int or max_age < 0:
        raise VerifierError("bad_config", "SNAPSHOT_MAX_AGE_DAYS must be a whole number")
    # With a registry too (a bureau's own server), the registry judges status and the
    # snapshot is only published for the offline page (/scan) to cache. Both files are read
    # again when they change: a key rotation or a newly published snapshot needs no restart.
    app.extensions[SOURCES] = LiveSources(
        trust_path=Path(trust_path),
        pin=app.config["TRUST_PIN"],
        snapshot_path=Path(snapshot_path) if snapshot_path else None,
        max_age=dt.timedelta(days=max_age),
        registry=records,
        snapshot_optional=bool(app.config["SNAPSHOT_OPTIONAL"]),
        interval=float(app.config["SOURCES_CHECK_SECONDS"]),
        warn=app.logger.warning,
    )
    if records is not None:
        app.extensions[REGISTRY_STATUS] = records
    from verifier.web import offline, panel, views

    auth.init_app(app, home="panel.form")

    if records is not None:  # a panel looks people up in a registry, never in a snapshot
        app.extensions[panel.RECORDS] = records
    app.extensions[panel.PDF] = panel.LazyReportPdf()

    app.register_blueprint(views.bp)
    app.register_blueprint(panel.bp)
    app.register_blueprint(offline.bp)
    limits.init_app(
        app,
        from_instance=test_config is None,
        buckets={"verify": "RATE_LIMIT_VERIFY"},
        endpoints=LIMITED_ENDPOINTS,
    )
    return app
