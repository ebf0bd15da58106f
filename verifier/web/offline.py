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

import hashlib
import json
from functools import cache
from pathlib import Path
from typing import Any

from flask import Blueprint, Response, abort, current_app, render_template, request

from keys import TrustList
from registry import RegistryError, RevocationReason, SupersessionReason, TitleLevel
from registry.hours import Policy, Requirement, builtin_policies
from verifier import (
    CHECKS_ZH,
    NEXT_STEP_ZH,
    NO_CERTIFICATE,
    REASONS_ZH,
    UNLISTED_ZH,
    VERDICTS_ZH,
    LiveSources,
    RegistryFileStatus,
    Verifier,
)
from verifier.web import REGISTRY_STATUS, SOURCES, current_verifier

bp = Blueprint("offline", __name__)

STATIC = Path(__file__).parent / "static"
POLICIES_FORMAT = "cecert-hours-minimums"
LEVELS = (TitleLevel.JUNIOR, TitleLevel.INTERMEDIATE, TitleLevel.SENIOR)
"""Claim 13's values, in order: index 0 junior, 1 intermediate, 2 senior."""
DEFAULT_MAX_AGE_DAYS = 30


def _verifier() -> Verifier:
    return current_verifier()


def _sources() -> LiveSources:
    sources: LiveSources = current_app.extensions[SOURCES]
    return sources


FRESH = "no-cache"
LOG_BEHIND = "X-Cecert-Log-Behind"


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


def bureau_names(trust: TrustList) -> tuple[tuple[str, str], ...]:
    """(region, bureau name) of every seal of the trust list, for display."""
    regions = sorted({s.certificate.subject_serial for s in trust.trusted_seals})
    return tuple((region, name) for region in regions if (name := trust.bureau_name(region)))


@cache
def policy_minimums(bureaus: tuple[tuple[str, str], ...] = ()) -> bytes:
    """The hours minimums of every built-in policy as UTF-8 JSON, for the page's hours
    judgement (``verifier.hours``, the same rules).

    Each policy has its ``title_zh``, whether it sets a yearly task at all (``annual``), the
    years it is in force (``from_year`` … ``until_year``, ``null`` for no end: outside them
    ``policy_not_in_force``) and its ``periods``: those years cut where its requirement
    clauses change, each with the minimums per level and the clause they come from (no
    level: ``not_annual``). ``status_reasons_zh`` gives the Chinese label
    of every supersession and revocation reason code a snapshot may carry.

    For the page's words, the same as the server's (``verifier.explanations``):
    ``checks_zh``, ``reasons_zh`` (code → [what happened, what it means]), ``verdicts_zh``,
    ``next_step_zh`` (with ``no_certificate_reasons``: the reasons that take its
    ``no_certificate`` entry), and ``bureaus`` (region → bureau name, from the trust list's seals).
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
        "checks_zh": dict(CHECKS_ZH),
        "reasons_zh": {code: list(words) for code, words in REASONS_ZH.items()},
        "unlisted_zh": list(UNLISTED_ZH),
        "verdicts_zh": dict(VERDICTS_ZH),
        "next_step_zh": dict(NEXT_STEP_ZH),
        "no_certificate_reasons": sorted(NO_CERTIFICATE),
        "bureaus": dict(bureaus),
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


def _fresh(data: bytes, digest: str, mimetype: str) -> Response:
    """The newest checked bytes, revalidated by the browser on every use (``no-cache`` with
    an ETag: an unchanged file costs a 304, a changed one arrives at once)."""
    response = Response(data, mimetype=mimetype)
    response.set_etag(digest)
    response.headers["Cache-Control"] = FRESH
    response.make_conditional(request)
    return response


@bp.get("/offline/trust.json")
def trust_list() -> Response:
    loaded = _sources().current()
    return _fresh(loaded.trust_bytes, loaded.trust_digest, "application/json")


@bp.get("/offline/snapshot")
def snapshot() -> Response:
    """The newest published snapshot. A server with the registry also says how many events
    the registry's log has grown by since the snapshot was read (``X-Cecert-Log-Behind``):
    the page then does not take status from it (``snapshot_stale``). The header can only
    make the page trust the snapshot less, never more."""
    loaded = _sources().current()
    if loaded.snapshot is None or loaded.snapshot_bytes is None:
        abort(404)
    assert loaded.snapshot_digest is not None
    response = _fresh(loaded.snapshot_bytes, loaded.snapshot_digest, "application/octet-stream")
    behind = _log_behind(loaded.snapshot.header.log_size)
    if behind:
        response.headers[LOG_BEHIND] = str(behind)
    return response


def _log_behind(log_size: int | None) -> int:
    """Events the registry's log has beyond ``log_size`` (0 without a registry, or when the
    registry cannot be read: then nothing is said)."""
    records: RegistryFileStatus | None = current_app.extensions.get(REGISTRY_STATUS)
    if records is None:
        return 0
    try:
        size = records.log_size()
    except RegistryError:
        return 0
    if log_size is None:
        return max(size, 1)  # a snapshot that does not say what it reflects: treat as behind
    return max(size - log_size, 0)


@bp.get("/offline/policies.json")
def policies() -> Response:
    data = policy_minimums(bureau_names(_verifier().trust))
    return _fresh(data, hashlib.sha256(data).hexdigest()[:32], "application/json")


@bp.get("/sw.js")
def service_worker() -> Response:
    """The service worker, at the site root so that its scope covers ``/scan``."""
    response = _bytes((STATIC / "scan" / "sw.js").read_bytes(), "text/javascript")
    response.headers["Service-Worker-Allowed"] = "/"
    return response
