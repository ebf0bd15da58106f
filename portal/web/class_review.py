"""Class plans as the industry authority and the bureau see them (``/review/plans``): those
waiting for a decision, every plan of their sector or region, and one plan with its roster.
The authority of a plan's sector or a bureau covering its provider decides it; the store says
who may (:mod:`registry.store.class_plans`)."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from portal.web.class_forms import SECTORS
from portal.web.fields import without_english
from portal.web.review_queue import CHANGED_ZH, read_int
from portal.web.session import actor, now, registry, require_role
from registry import RegistryError
from registry.portal import PortalRole
from registry.portal.classes import PlanState
from webcore.auth import check_csrf

bp = Blueprint("class_review", __name__)
bp.before_request(require_role(PortalRole.AUTHORITY, PortalRole.BUREAU))


@bp.before_request
def _csrf() -> None:
    if request.method == "POST":
        check_csrf()


@bp.get("/")
def plans() -> ResponseReturnValue:
    """Plans waiting for a decision (``?all=1``: every plan in scope), newest first."""
    every = request.args.get("all") == "1"
    page = registry().class_plans.plans(
        actor(), state=None if every else PlanState.PENDING,
        after=read_int(request.args, "after", None),
    )  # fmt: skip
    return render_template("reviewers/plans.html", page=page, every=every, sectors=SECTORS)


@bp.route("/<int:ident>", methods=["GET", "POST"])
def plan(ident: int) -> ResponseReturnValue:
    """One plan with its roster; when it waits, the decision (a refusal needs a reason)."""
    reg = registry()
    found = reg.class_plans.plan(actor(), ident)
    errors: dict[str, str] = {}
    alert = None
    if request.method == "POST":
        version = read_int(request.form, "version", None)
        decision = request.form.get("decision", "")
        if version is None or decision not in {"approve", "refuse"}:
            abort(400)
        try:
            decided = reg.class_plans.decide(
                actor(), ident, version=version, approve=decision == "approve",
                reason=request.form.get("reason", ""), at=now(),
            )  # fmt: skip
        except RegistryError as exc:
            if exc.reason == "changed":
                alert = CHANGED_ZH
            elif exc.reason in {"reason_required", "reason_too_long", "wrong_approver"}:
                errors["reason"] = without_english(exc.message)
            else:
                raise
            found = reg.class_plans.plan(actor(), ident)
        else:
            flash(
                "已通过并备案，培训结束后机构上传名单，学员学时即认定。"
                if decided.state is PlanState.APPROVED
                else "已不予通过，审核意见已告知机构。",
                "success",
            )
            return redirect(url_for("class_review.plan", ident=ident))
    entries = reg.rosters.entries(actor(), ident) if found.state is PlanState.CLOSED else []
    status = 409 if alert else 400 if errors else 200
    return render_template(
        "reviewers/plan.html", plan=found, entries=entries, errors=errors, alert=alert,
        typed=request.form.get("reason", ""), sectors=SECTORS,
    ), status  # fmt: skip


__all__ = ["bp"]
