"""The training provider's pages (施教机构, ``/provider``): its registration with the bureau,
its class plans (filed, then approved by the authority or the bureau), the roster of an
ended class uploaded as CSV or Excel, and the tokens of its API (:mod:`portal.web.api`).

Until the bureau has approved the provider only the landing page opens. Every decision is the
store's (:mod:`registry.store.class_plans`, :mod:`registry.store.rosters`,
:mod:`registry.store.providers`); these views read the forms and say what went wrong, in
Chinese, at the field.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from werkzeug.datastructures import FileStorage

from portal.web.class_forms import CATEGORIES, MODES, SECTORS, plan_from_form, refusal_field
from portal.web.fields import Fields, without_english
from portal.web.organisation_gate import approved_first, own_organisation
from portal.web.review_queue import read_int
from portal.web.session import actor, default_policy, form_token, now, registry, require_role
from registry import CHINA_TZ, ImportRejected, RegistryError
from registry.importing.rosters import ROSTER_SUFFIXES, load_roster
from registry.portal import Approval, PortalRole
from registry.portal.classes import PlanState, Roster
from webcore.auth import check_csrf

bp = Blueprint("provider", __name__)
bp.before_request(require_role(PortalRole.PROVIDER))
ROSTER_LIMIT = 5 * 1024 * 1024
"""Bytes of a roster file: 10,000 rows of a CSV are about 400 KB."""


@bp.before_request
def _limits_and_csrf() -> None:
    """The roster's upload may be larger than a form; every POST carries the CSRF token."""
    if request.endpoint == "provider.plan":
        request.max_content_length = ROSTER_LIMIT
    if request.method == "POST":
        check_csrf()


bp.before_request(approved_first("provider.index", "本机构"))


@bp.get("/")
def index() -> ResponseReturnValue:
    found = own_organisation()
    plans = None
    if found is not None and found.state is Approval.APPROVED:
        plans = registry().class_plans.plans(actor(), after=read_int(request.args, "after", None))
    return render_template(
        "provider/index.html", provider=found, plans=plans, credit_code=actor().scope,
        today=now().astimezone(CHINA_TZ).date(),
    )  # fmt: skip


@bp.route("/plans/new", methods=["GET", "POST"])
def new_plan() -> ResponseReturnValue:
    """File a class plan: at least 30 days ahead for a face-to-face class."""
    errors: dict[str, str] = {}
    if request.method == "POST":
        fields = Fields(request.form)
        plan_fields = plan_from_form(fields, at=now())
        errors = fields.errors
        if plan_fields is not None and not errors:
            try:
                plan = registry().class_plans.file(
                    actor(), plan_fields, token=request.form.get("token", ""), at=now()
                )
            except RegistryError as exc:
                errors[refusal_field(exc)] = without_english(exc.message)
            else:
                flash("办班计划已提交，待行业主管部门或人社局审核。", "success")
                return redirect(url_for("provider.plan", ident=plan.id))
    return render_template(
        "provider/new_plan.html", errors=errors, values=request.form, token=form_token(),
        sectors=SECTORS, categories=CATEGORIES, modes=MODES,
    ), 400 if errors else 200  # fmt: skip


@bp.route("/plans/<int:ident>", methods=["GET", "POST"])
def plan(ident: int) -> ResponseReturnValue:
    """One plan: its state, its roster once in, and the roster's upload once the class has
    ended (all or nothing: every bad row is listed and nothing is stored)."""
    reg = registry()
    found = reg.class_plans.plan(actor(), ident)
    problems: list[tuple[int, str]] = []
    error = None
    if request.method == "POST":
        upload = request.files.get("roster")
        try:
            roster = _roster(upload)
            reg.rosters.accept(actor(), ident, roster, default_policy=default_policy(), at=now())
        except ImportRejected as exc:
            problems = [(line, without_english(text)) for line, text in exc.problems]
            error = f"名单中有 {len(problems)} 行有误，未保存任何内容。请按下列行号修改后重新上传。"
        except RegistryError as exc:
            error = without_english(exc.message)
        else:
            flash(f"名单已上传：{len(roster.lines)} 名学员的学时已认定。", "success")
            return redirect(url_for("provider.plan", ident=ident))
        found = reg.class_plans.plan(actor(), ident)
    entries = reg.rosters.entries(actor(), ident) if found.state is PlanState.CLOSED else []
    return render_template(
        "provider/plan.html", plan=found, entries=entries, problems=problems[:200],
        more=max(0, len(problems) - 200), error=error, today=now().astimezone(CHINA_TZ).date(),
        sectors=SECTORS,
    ), 400 if error else 200  # fmt: skip


def _name(upload: FileStorage | None) -> str:
    return Path(upload.filename or "名单").name if upload is not None else "名单"


def _roster(upload: FileStorage | None) -> Roster:
    if upload is None or not upload.filename:
        raise RegistryError("no_file", "请选择名单文件（CSV 或 Excel .xlsx）后再上传。")
    suffix = Path(upload.filename).suffix.lower()
    if suffix not in ROSTER_SUFFIXES:
        raise RegistryError(
            "unsupported_format",
            f"{_name(upload)}：名单须为 CSV 或 Excel（.xlsx）文件，请另存为其中一种后上传。",
        )
    with tempfile.TemporaryDirectory(prefix="cecert-roster-") as folder:
        path = Path(folder) / f"roster{suffix}"
        upload.save(path)
        return load_roster(path, today=now().astimezone(CHINA_TZ).date(), source=_name(upload))


@bp.post("/plans/<int:ident>/withdraw")
def withdraw(ident: int) -> ResponseReturnValue:
    version = read_int(request.form, "version", None)
    if version is None:
        abort(400)
    try:
        registry().class_plans.withdraw(actor(), ident, version=version, at=now())
    except RegistryError as exc:
        if exc.reason != "changed":
            raise
        flash("该计划已被审核，不能再撤回。", "error")
    else:
        flash("办班计划已撤回。", "success")
    return redirect(url_for("provider.plan", ident=ident))


# -- the API's tokens ---------------------------------------------------------------------------


@bp.route("/tokens", methods=["GET", "POST"])
def tokens() -> ResponseReturnValue:
    """The provider's API tokens: make one (shown once), see and revoke them."""
    made = None
    errors: dict[str, str] = {}
    if request.method == "POST":
        try:
            _, made = registry().providers.make_token(
                actor(), label=request.form.get("label", ""), at=now()
            )
        except RegistryError as exc:
            errors["label"] = without_english(exc.message)
    return render_template(
        "provider/tokens.html", tokens=registry().providers.tokens(actor()), made=made,
        errors=errors,
    ), 400 if errors else 200  # fmt: skip


@bp.post("/tokens/<int:ident>/revoke")
def revoke_token(ident: int) -> ResponseReturnValue:
    try:
        registry().providers.revoke_token(actor(), ident, at=now())
    except RegistryError as exc:
        if exc.reason != "changed":
            raise
    flash("令牌已吊销，用它的系统将不能再调用接口。", "success")
    return redirect(url_for("provider.tokens"))


__all__ = ["ROSTER_LIMIT", "bp"]
