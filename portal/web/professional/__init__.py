"""The professional's pages (``/me``): the year's records and their rules' result, declaring
and correcting records with their proofs, applying for the year's certificate, the
applications and the certificates.

Every page is behind the login (a ``professional`` account) and, before anything else, the
person's registration must have been approved by their employer: until then each page shows
where the registration stands and who acts next.
"""

from __future__ import annotations

from flask import Blueprint, render_template, request

from portal.web import UPLOAD_LIMIT
from portal.web.session import actor, registry, require_role
from registry import RegistryError
from registry.portal import Approval, PortalRole
from webcore import auth

bp = Blueprint("professional", __name__)
bp.before_request(require_role(PortalRole.PROFESSIONAL))
UPLOADS = frozenset({"professional.declare", "professional.edit"})
"""Endpoints whose forms carry proof files (the larger body limit)."""


@bp.before_request
def _limits_and_csrf() -> None:
    """After the login gate (no anonymous body is read): the upload limit of the forms with
    proof files, then the CSRF token of every POST."""
    if request.endpoint in UPLOADS:
        request.max_content_length = UPLOAD_LIMIT
        request.max_form_memory_size = 1024 * 1024
    if request.method == "POST":
        auth.check_csrf()


@bp.before_request
def _enrolled() -> tuple[str, int] | None:
    """Before anything else, the employer must have approved the registration."""
    me = actor()
    try:
        enrolment = registry().registrations.enrolment(me, me.scope)
    except RegistryError as exc:
        if exc.reason != "forbidden":
            raise
        return render_template("professional/pending.html", enrolment=None), 403
    if enrolment.state is not Approval.APPROVED:
        employer = registry().registrations.employer(enrolment.credit_code)
        page = render_template("professional/pending.html", enrolment=enrolment, employer=employer)
        return page, 200 if request.method == "GET" else 403
    return None


from portal.web.professional import applications, declaring, year  # noqa: E402

__all__ = ["UPLOADS", "applications", "bp", "declaring", "year"]
