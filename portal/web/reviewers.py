"""The industry authority's and the bureau's pages (``/review``): the declared records waiting
for them (the authority confirms professional records of its sector; the bureau confirms
public records and re-checks the others: the store decides which rows are whose), and, for
the bureau, employers waiting for approval and applications for the year's certificate.

The queues are :mod:`portal.web.review_queue`'s; this module adds the landing page and the
employers' registrations, each decided on its own row with the version it showed.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from portal.web.review_queue import (
    CHANGED_ZH,
    PAGE_SIZE,
    applications_page,
    decide_applications,
    decide_records,
    read_int,
    records_page,
    template_helpers,
)
from portal.web.session import actor, now, registry, require_role
from registry import RegistryError
from registry.portal import Actor, Approval, PortalRole
from webcore.auth import check_csrf

bp = Blueprint("reviewers", __name__)
bp.before_request(require_role(PortalRole.AUTHORITY, PortalRole.BUREAU))
bp.context_processor(template_helpers)

_REFUSAL_ERRORS = {
    "reason_required": "不予通过时请填写理由，单位将看到。",
    "reason_too_long": "理由不能超过 500 字，请删减后再提交。",
}


@bp.before_request
def _csrf() -> None:
    if request.method == "POST":
        check_csrf()


def _bureau() -> Actor:
    """The acting bureau; 403 for an industry authority (these pages are the bureau's)."""
    who = actor()
    if who.role is not PortalRole.BUREAU:
        abort(403)
    return who


@bp.get("/")
def index() -> ResponseReturnValue:
    who = actor()
    reg = registry()
    counts = {"records": reg.declarations.queue(who, limit=1).total}
    if who.role is PortalRole.BUREAU:
        counts["employers"] = reg.registrations.pending_employers(who, limit=1).total
        counts["applications"] = reg.applications.queue(who, limit=1).total
    return render_template("reviewers/index.html", who=who, counts=counts)


# -- declared records --------------------------------------------------------------------------


@bp.get("/records")
def records() -> ResponseReturnValue:
    return records_page("reviewers/records.html", "reviewers.decide_records", "reviewers.records")


@bp.post("/records/decide", endpoint="decide_records")
def decide_records_form() -> ResponseReturnValue:
    return decide_records("reviewers/records.html", "reviewers.records", "reviewers.decide_records")


# -- the bureau: employers' registrations ---------------------------------------------------


def _employers_page(
    *, errors: dict[str, str] | None = None, alert: str | None = None, typed: str = ""
) -> tuple[str, int]:
    who = _bureau()
    after = (read_int(request.args, "after", 0) or 0) if request.method == "GET" else 0
    page = registry().registrations.pending_employers(who, after=after, limit=PAGE_SIZE)
    status = 409 if alert else 400 if errors else 200
    return render_template(
        "reviewers/employers.html", page=page, errors=errors or {}, alert=alert, typed=typed
    ), status


@bp.get("/employers")
def employers() -> ResponseReturnValue:
    return _employers_page()


@bp.post("/employers/decide")
def decide_employer() -> ResponseReturnValue:
    """Approve or refuse one employer's registration (a refusal needs a reason)."""
    who = _bureau()
    form = request.form
    credit_code = form.get("credit_code", "")
    version = read_int(form, "version", None)
    decision = form.get("decision", "")
    if version is None or not credit_code or decision not in {"approve", "refuse"}:
        abort(400)
    reason = form.get("reason", "")
    try:
        decided = registry().registrations.decide_employer(
            who, credit_code, version=version, approve=decision == "approve",
            reason=reason, at=now(),
        )  # fmt: skip
    except RegistryError as exc:
        if exc.reason == "changed":
            return _employers_page(alert=CHANGED_ZH)
        message = _REFUSAL_ERRORS.get(exc.reason)
        if message is None:
            raise
        return _employers_page(errors={f"reason-{credit_code}": message}, typed=reason)
    if decided.state is Approval.APPROVED:
        flash(f"已通过“{decided.name}”的注册，该单位现在可以审核本单位职工。", "success")
    else:
        flash(f"已不予通过“{decided.name}”的注册，理由已告知该单位。", "success")
    return redirect(url_for("reviewers.employers"))


# -- the bureau: applications ------------------------------------------------------------------


@bp.get("/applications")
def applications() -> ResponseReturnValue:
    _bureau()
    return applications_page(
        "reviewers/applications.html", "reviewers.decide_applications", "reviewers.applications"
    )


@bp.post("/applications/decide", endpoint="decide_applications")
def decide_applications_form() -> ResponseReturnValue:
    _bureau()
    return decide_applications(
        "reviewers/applications.html", "reviewers.applications", "reviewers.decide_applications"
    )


__all__ = ["bp"]
