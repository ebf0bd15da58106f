"""The industry authority's and the bureau's pages (``/review``): the declared records waiting
for them (the authority confirms professional records of its sector; the bureau confirms
public records and re-checks the others: the store decides which rows are whose), and, for
the bureau, employers and training providers waiting for approval and applications for the
year's certificate. Class plans are :mod:`portal.web.class_review`'s.

The queues are :mod:`portal.web.review_queue`'s; this module adds the landing page and the
employers' registrations, each decided on its own row with the version it showed.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, render_template, request
from flask.typing import ResponseReturnValue

from portal.web.registration_review import RegistrationQueue
from portal.web.review_queue import (
    applications_page,
    decide_applications,
    decide_records,
    records_page,
    template_helpers,
)
from portal.web.session import actor, registry, require_role
from registry.portal import Actor, PortalRole
from registry.portal.classes import PlanState
from registry.portal.values import Page
from webcore.auth import check_csrf

bp = Blueprint("reviewers", __name__)
bp.before_request(require_role(PortalRole.AUTHORITY, PortalRole.BUREAU))
bp.context_processor(template_helpers)


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
    counts: dict[str, Page[Any]] = {"records": reg.declarations.queue(who, limit=1)}
    counts["plans"] = reg.class_plans.plans(who, state=PlanState.PENDING, limit=1)
    if who.role is PortalRole.BUREAU:
        counts["employers"] = reg.registrations.pending_employers(who, limit=1)
        counts["providers"] = reg.providers.pending(who, limit=1)
        counts["applications"] = reg.applications.queue(who, limit=1)
    return render_template("reviewers/index.html", who=who, counts=counts)


# -- declared records --------------------------------------------------------------------------


@bp.get("/records")
def records() -> ResponseReturnValue:
    return records_page("reviewers/records.html", "reviewers.decide_records", "reviewers.records")


@bp.post("/records/decide", endpoint="decide_records")
def decide_records_form() -> ResponseReturnValue:
    return decide_records("reviewers/records.html", "reviewers.records", "reviewers.decide_records")


# -- the bureau: employers' registrations ---------------------------------------------------


_EMPLOYERS = RegistrationQueue(
    template="reviewers/organisations.html",
    page_endpoint="reviewers.employers",
    key="credit_code",
    seen_by="单位",
    approved_zh="已通过“{name}”的注册，该单位现在可以审核本单位职工。",
    refused_zh="已不予通过“{name}”的注册，理由已告知该单位。",
    pending=lambda reg, who, after, limit: reg.registrations.pending_employers(
        who, after=after, limit=limit
    ),
    decide=lambda reg: reg.registrations.decide_employer,
    words={
        "title": "单位注册审核",
        "what": "单位",
        "decide": "reviewers.decide_employer",
        "check": "请逐家核对单位名称、统一社会信用代码和所在地",
        "none": "目前没有等待审核的单位注册。本辖区的单位在平台注册后会出现在这里。",
    },
)


@bp.get("/employers")
def employers() -> ResponseReturnValue:
    return _EMPLOYERS.page(_bureau())


@bp.post("/employers/decide")
def decide_employer() -> ResponseReturnValue:
    """Approve or refuse one employer's registration (a refusal needs a reason)."""
    return _EMPLOYERS.decide_form(_bureau())


_PROVIDERS = RegistrationQueue(
    template="reviewers/organisations.html",
    page_endpoint="reviewers.providers",
    key="credit_code",
    seen_by="机构",
    approved_zh="已通过“{name}”的注册，该机构现在可以填报办班计划。",
    refused_zh="已不予通过“{name}”的注册，理由已告知该机构。",
    pending=lambda reg, who, after, limit: reg.providers.pending(who, after=after, limit=limit),
    decide=lambda reg: reg.providers.decide,
    words={
        "title": "施教机构注册审核",
        "what": "机构",
        "decide": "reviewers.decide_provider",
        "check": "请逐家核对机构名称、统一社会信用代码和所在地（审核的是平台账户，不是办学资质）",
        "none": "目前没有等待审核的施教机构注册。"
        "本辖区的培训机构、继续教育基地在平台注册后会出现在这里。",
    },
)


@bp.get("/providers")
def providers() -> ResponseReturnValue:
    return _PROVIDERS.page(_bureau())


@bp.post("/providers/decide")
def decide_provider() -> ResponseReturnValue:
    """Approve or refuse one training provider's registration (a refusal needs a reason)."""
    return _PROVIDERS.decide_form(_bureau())


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
