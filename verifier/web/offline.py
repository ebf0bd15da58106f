"""The offline scanning page: everything a phone needs to verify QR codes without the server.

``/scan`` is a page whose scripts (``static/scan/``) decode a QR code from the camera, an
image file or pasted text and verify it **in the page**: Base45, COSE_Sign1, ES256 through
WebCrypto, the trust list's root signature, the signed status snapshot and the hours
minimums. A service worker (``/sw.js``, scope ``/``) keeps the page, its scripts and the data
below in the browser's cache, so a phone that loaded the page once keeps verifying with no
network (``docs/offline-page.md``).

Data routes, served as the bytes the verifier was configured with (never re-serialised: the
page checks their signatures itself):

- ``/offline/trust.json``: the ``TRUST_LIST`` file;
- ``/offline/snapshot``: the ``SNAPSHOT`` file (404 when the verifier has none);
- ``/offline/policies.json``: the hours minimums of every built-in policy, per title level.

Security: the page trusts what it verifies, not what it is served. The trust list must be
signed by the root whose fingerprint the page carries (the configured pin, or the root that
signed the list the server loaded); the snapshot must be signed by a key of that list. The
policies are not signed: they come from the same origin as the scripts that judge with them,
and a party able to change them could as well change the scripts.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from flask import Blueprint, Response, abort, current_app, render_template

from registry.hours import Policy, builtin_policies
from registry.hours.clauses import Requirement
from registry.model import RevocationReason, SupersessionReason, TitleLevel
from verifier.service import Verifier

bp = Blueprint("offline", __name__)

STATIC = Path(__file__).parent / "static"
POLICIES_FORMAT = "cecert-hours-minimums"
LEVELS = (TitleLevel.JUNIOR, TitleLevel.INTERMEDIATE, TitleLevel.SENIOR)
"""Claim 13's values, in order: index 0 junior, 1 intermediate, 2 senior."""
DEFAULT_MAX_AGE_DAYS = 30


def _verifier() -> Verifier:
    verifier: Verifier = current_app.extensions["cecert.verifier"]
    return verifier


def _periods(policy: Policy) -> list[dict[str, Any]]:
    """The policy's years cut where its requirement clauses change, each with the minimums
    per title level (claim 13: 0 junior, 1 intermediate, 2 senior) in minutes, categories in
    the order the server checks them, and the clause they come from."""
    start = policy.effective_from.year
    end = policy.effective_to.year if policy.effective_to else None
    clauses = policy.of_type(Requirement)
    cuts = {start} | {c.effective_from.year for c in clauses}
    cuts |= {c.until.year + 1 for c in clauses if c.until is not None}
    ordered = sorted(y for y in cuts if y >= start and (end is None or y <= end))
    periods: list[dict[str, Any]] = []
    for index, first in enumerate(ordered):
        last = ordered[index + 1] - 1 if index + 1 < len(ordered) else end
        levels: list[dict[str, Any]] = []
        for level in LEVELS:
            found = policy.requirement(level, first)
            if found is None:
                levels = []
                break
            levels.append(
                {
                    "level": level.value,
                    "total": found.total,
                    "categories": [[c.value, m] for c, m in found.minimums.items()],
                    "clause": found.key,
                }
            )
        periods.append({"from_year": first, "until_year": last, "levels": levels})
    return periods


@cache
def policy_minimums() -> bytes:
    """The hours minimums of every built-in policy as UTF-8 JSON, for the page's hours
    judgement (``verifier.hours``, the same rules).

    Each policy has its ``title_zh``, whether it sets a yearly task at all (``annual``), the
    years it is in force (``from_year`` … ``until_year``, ``null`` for no end: outside them
    ``policy_not_in_force``) and its ``periods``: those years cut where its requirement
    clauses change, each with the minimums per level and the clause they come from (no
    level: ``not_annual``). ``status_reasons_zh`` gives the Chinese label
    of every supersession and revocation reason code a snapshot may carry.
    """
    policies = {
        policy_id: {
            "title_zh": policy.title_zh,
            "annual": policy.annual,
            "from_year": policy.effective_from.year,
            "until_year": policy.effective_to.year if policy.effective_to else None,
            "periods": _periods(policy) if policy.annual else [],
        }
        for policy_id, policy in sorted(builtin_policies().items())
    }
    labels = {r.value: r.label_zh for r in (*SupersessionReason, *RevocationReason)}
    document = {
        "format": POLICIES_FORMAT,
        "version": 2,
        "policies": policies,
        "status_reasons_zh": labels,
    }
    return json.dumps(document, ensure_ascii=False, sort_keys=True).encode("utf-8")


def _bytes(data: bytes, mimetype: str) -> Response:
    return Response(data, mimetype=mimetype)


@bp.get("/scan")
def scan() -> str:
    max_age = current_app.config.get("SNAPSHOT_MAX_AGE_DAYS") or DEFAULT_MAX_AGE_DAYS
    return render_template(
        "scan.html", root_sha256=_verifier().trust.signed_by, max_age_days=int(max_age)
    )


@bp.get("/offline/trust.json")
def trust_list() -> Response:
    return _bytes(Path(current_app.config["TRUST_LIST"]).read_bytes(), "application/json")


@bp.get("/offline/snapshot")
def snapshot() -> Response:
    path = current_app.config.get("SNAPSHOT")
    if not path:
        abort(404)
    try:
        data = Path(path).read_bytes()
    except OSError:
        abort(404)
    return _bytes(data, "application/octet-stream")


@bp.get("/offline/policies.json")
def policies() -> Response:
    return _bytes(policy_minimums(), "application/json")


@bp.get("/sw.js")
def service_worker() -> Response:
    """The service worker, at the site root so that its scope covers ``/scan``."""
    response = _bytes((STATIC / "scan" / "sw.js").read_bytes(), "text/javascript")
    response.headers["Service-Worker-Allowed"] = "/"
    return response
