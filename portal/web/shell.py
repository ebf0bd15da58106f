"""What every portal page wears: the security headers, the header's role and links, and the
filters templates use (hours, dates, ID numbers shown masked)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from flask import Flask, Response, current_app, request, url_for
from werkzeug.routing import BuildError

from registry import CHINA_TZ, mask_id_number
from registry.model import format_hours
from registry.portal.values import Page
from webcore import Account, Role

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'none'",
        "style-src 'self'",
        "img-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
    )
)
"""No script at all, no inline style: the portal's pages are forms and links."""
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
}
LANDINGS = {
    Role.PROFESSIONAL: "/me",
    Role.EMPLOYER: "/employer",
    Role.AUTHORITY: "/review",
    Role.BUREAU: "/review",
    Role.PROVIDER: "/provider",
}
"""Each role's first page: the root of its blueprint."""
PROFESSIONAL_LINKS = (
    ("professional.year", "我的学时"),
    ("professional.declare", "申报学时"),
    ("professional.applications", "我的申请"),
    ("professional.certificates", "我的证书"),
)


def landing(role: Role) -> str | None:
    """The path of ``role``'s first page, if this app has one (the root of the role's
    blueprint, whatever its view is called)."""
    prefix = LANDINGS.get(role)
    if prefix is None:
        return None
    for rule in current_app.url_map.iter_rules():
        if rule.rule in {prefix, prefix + "/"} and "GET" in (rule.methods or ()):
            return url_for(rule.endpoint)
    return None


def portal_nav(account: Account) -> list[tuple[str, str]]:
    """The header's links for the logged-in ``account``: (path, label)."""
    if account.role is Role.PROFESSIONAL:
        links = []
        for endpoint, label in PROFESSIONAL_LINKS:
            try:
                links.append((url_for(endpoint), label))
            except BuildError:  # pragma: no cover - every link is of this app
                continue
        return links
    first = landing(account.role)
    return [(first, "工作台")] if first else []


def portal_role_zh(account: Account) -> str:
    return account.role.label_zh


def _counted(pages: Page[Any] | Iterable[Page[Any]]) -> str:
    """How many wait in a queue (or in several together): "超过 10000" when a count
    stopped at its cap, so the number is never read as the whole."""
    each = [pages] if isinstance(pages, Page) else list(pages)
    total = sum(page.total for page in each)
    return f"超过 {total}" if any(page.capped for page in each) else str(total)


def _hours(minutes: int) -> str:
    return format_hours(minutes)


def _date(value: dt.date | dt.datetime | None) -> str:
    if value is None:
        return "—"
    if isinstance(value, dt.datetime):
        return f"{value.astimezone(CHINA_TZ):%Y-%m-%d %H:%M}"
    return f"{value:%Y-%m-%d}"


def _headers(response: Response) -> Response:
    """Security headers on every answer; pages are never stored (they show a person's
    records). A download sets its own Content-Security-Policy (``sandbox``)."""
    response.headers.update(SECURITY_HEADERS)
    response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    if request.endpoint != "static" and "Cache-Control" not in response.headers:
        response.headers["Cache-Control"] = "no-store"
    max_age = current_app.config.get("HSTS_MAX_AGE")
    if max_age:
        response.headers["Strict-Transport-Security"] = f"max-age={int(max_age)}"
    return response


def init_app(app: Flask) -> None:
    app.jinja_env.globals.update(portal_nav=portal_nav, portal_role_zh=portal_role_zh)
    app.jinja_env.filters.update(counted=_counted, hours=_hours, date=_date, masked=mask_id_number)
    app.after_request(_headers)


__all__ = ["CONTENT_SECURITY_POLICY", "init_app", "landing", "portal_nav"]
