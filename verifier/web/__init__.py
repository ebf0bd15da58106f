"""The web verifier (Flask), built by :func:`create_app` the flaskr way.

Configuration comes from the mapping passed in or from ``instance/config.py``:
``TRUST_LIST`` (path, required), ``REGISTRY`` (path or None: then status is not checked),
``TRUST_PIN`` (root fingerprint, optional), ``MAX_CONTENT_LENGTH`` (bytes).

Pages: ``/`` verifies one certificate (:mod:`verifier.web.views`); ``/panel`` is the
title-evaluation panel's check (:mod:`verifier.web.panel`), which uses the registry, when
there is one, to look a candidate up by ID number.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask

from keys import parse_trust_list
from verifier.errors import VerifierError
from verifier.service import Verifier
from verifier.status import RegistryFileStatus

MAX_UPLOAD = 6 * 1024 * 1024


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    """Build the verifier app. Refuses to start without a readable, correctly signed trust
    list (``VerifierError`` / ``KeysError``)."""
    app = Flask(__name__, instance_relative_config=True)
    app.config.from_mapping(MAX_CONTENT_LENGTH=MAX_UPLOAD, REGISTRY=None, TRUST_PIN=None)
    if test_config is None:
        app.config.from_pyfile("config.py", silent=True)
    else:
        app.config.from_mapping(test_config)
    trust_path = app.config.get("TRUST_LIST")
    if not trust_path:
        raise VerifierError("no_trust_list", "TRUST_LIST is not configured")
    try:
        trust_data = Path(trust_path).read_bytes()
    except OSError as exc:
        raise VerifierError("no_trust_list", f"{trust_path}: {exc.strerror}") from exc
    trust = parse_trust_list(trust_data, pin=app.config["TRUST_PIN"])
    registry_path = app.config["REGISTRY"]
    status = None
    if registry_path:
        status = RegistryFileStatus(Path(registry_path))
    app.extensions["cecert.verifier"] = Verifier(trust, status=status)

    from verifier.web import panel, views

    if status is not None:
        app.extensions[panel.RECORDS] = status
    app.extensions[panel.PDF] = panel.LazyReportPdf()

    app.register_blueprint(views.bp)
    app.register_blueprint(panel.bp)
    return app
