"""The pages anyone may open: what the portal is, where a login leads, and the two
registrations (employers, professionals). A registration is checked whole first — every
field, the user name free, the password good — and only then written: the registry's row
first (its event cannot be undone), then the account."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from werkzeug.wrappers.response import Response as BaseResponse

from portal.web import accounts, shell
from portal.web.fields import Fields
from portal.web.session import now, registry
from registry import CHINA_TZ, RegistryError, TitleLevel, parse_id_number, parse_region
from registry.model import Person
from registry.portal import Actor, PortalRole, parse_credit_code
from registry.series import national_series
from webcore import Role, auth

bp = Blueprint("public", __name__)
LEVELS = {level.value: level.label_zh for level in TitleLevel}
"""Title levels offered, value → 初级/中级/高级."""
_NEXT_STEPS = {
    "employer": (
        "单位注册已提交，待人社局审核。",
        "所在地人社局审核通过后，您即可用刚才设置的用户名登录，审核本单位职工的注册和学时申报。"
        "审核期间登录后可在工作台看到审核状态。",
    ),
    "provider": (
        "机构注册已提交，待人社局审核。",
        "所在地人社局审核通过后，您即可用刚才设置的用户名登录，填报办班计划、上传培训名单。"
        "审核期间登录后可在工作台看到审核状态。",
    ),
    "professional": (
        "个人注册已提交，待用人单位审核。",
        "请告知本单位继续教育管理员审核您的注册。审核通过后，用刚才设置的用户名登录即可申报学时；"
        "审核期间登录可看到审核状态。",
    ),
}


@bp.before_request
def _csrf() -> None:
    if request.method == "POST":
        auth.check_csrf()


@bp.get("/")
def index() -> str:
    return render_template("index.html")


@bp.get("/start")
def start() -> BaseResponse:
    """Where a login leads: the account's own first page."""
    account = auth.current_account()
    if account is None:
        return redirect(url_for("auth.login_form"))
    target = shell.landing(account.role)
    if target is None:  # e.g. a panel account of the web verifier
        return redirect(url_for("public.index"))
    return redirect(target)


@bp.get("/registered")
def registered() -> str:
    who = request.args.get("who", "")
    title, text = _NEXT_STEPS.get(who, ("注册已提交。", "审核通过后即可登录使用。"))
    return render_template("registered.html", title=title, text=text)


def _chinese_part(message: str) -> str:
    """A credit-code refusal without the field name it starts with."""
    return message.partition("：")[2] or message


def _region(fields: Fields, name: str, *, required: bool = True) -> str:
    value = fields.raw(name)
    if not value and not required:
        return ""
    try:
        return parse_region(value)
    except RegistryError:
        fields.add(name, "请填写 6 位行政区划代码，如 440106（广州市天河区）。")
        return value


def _page(template: str, fields: Fields | None = None, **extra: Any) -> tuple[str, int]:
    values = {} if fields is None else {k: v for k, v in fields.form.items() if "password" not in k}
    errors = {} if fields is None else fields.errors
    return render_template(template, values=values, errors=errors, **extra), (
        400 if errors else 200
    )


# -- employers and providers ------------------------------------------------------------------

_ORGANISATIONS = {
    "employer": (PortalRole.EMPLOYER, Role.EMPLOYER, "单位注册已提交，待人社局审核。"),
    "provider": (PortalRole.PROVIDER, Role.PROVIDER, "机构注册已提交，待人社局审核。"),
}


def _organisation_known(kind: str, code: str) -> bool:
    reg = registry()
    try:
        if kind == "employer":
            reg.registrations.employer(code)
        else:
            reg.providers.provider(code)
    except RegistryError:  # forbidden: no such employer or provider
        return False
    return True


def _register_organisation(kind: str) -> BaseResponse | tuple[str, int]:
    """An employer's or a training provider's registration: the same fields, approved by the
    bureau of its region."""
    if request.method == "GET":
        return _page("register_organisation.html", kind=kind)
    fields = Fields(request.form)
    name = fields.text("name", "机构名称" if kind == "provider" else "单位名称", limit=100)
    code = ""
    try:
        code = parse_credit_code(fields.raw("credit_code"))
    except RegistryError as exc:
        fields.add("credit_code", _chinese_part(exc.message))
    region = _region(fields, "region")
    username, password = accounts.new_login(fields)
    if code and "credit_code" not in fields.errors and _organisation_known(kind, code):
        fields.add(
            "credit_code", "该统一社会信用代码已注册。如需账户，请联系本单位已有账户的管理员。"
        )
    if not fields.ok:
        return _page("register_organisation.html", fields, kind=kind)
    portal_role, role, said = _ORGANISATIONS[kind]
    actor = Actor(username, portal_role, code)
    with accounts.new_account(username, password, role, code):
        if kind == "employer":
            registry().registrations.register_employer(actor, name=name, region=region, at=now())
        else:
            registry().providers.register(actor, name=name, region=region, at=now())
    flash(said, "success")
    return redirect(url_for("public.registered", who=kind))


@bp.route("/register/employer", methods=["GET", "POST"])
def register_employer() -> BaseResponse | tuple[str, int]:
    return _register_organisation("employer")


@bp.route("/register/provider", methods=["GET", "POST"])
def register_provider() -> BaseResponse | tuple[str, int]:
    """施教机构、继续教育基地 register; the bureau of their region approves them."""
    return _register_organisation("provider")


# -- professionals --------------------------------------------------------------------------


def _professional_choices() -> dict[str, Any]:
    return {
        "employers": registry().registrations.employers(approved_only=True),
        "series": [s.name for s in national_series().series],
        "levels": LEVELS,
    }


@bp.route("/register/professional", methods=["GET", "POST"])
def register_professional() -> BaseResponse | tuple[str, int]:
    choices = _professional_choices()
    if request.method == "GET":
        return _page("register_professional.html", **choices)
    fields = Fields(request.form)
    today = now().astimezone(CHINA_TZ).date()
    id_number = fields.raw("id_number")
    try:
        id_number = parse_id_number(id_number, today=today, field="身份证号码")
    except RegistryError as exc:
        fields.add(
            "id_number",
            f"身份证号码不正确，请逐位核对（18 位，末位可为 X）。技术说明：{exc.message}",
        )
    name = fields.text("name", "姓名", limit=50)
    employers = {e.credit_code: e for e in choices["employers"]}
    employer = employers.get(fields.raw("employer"))
    if employer is None:
        fields.add("employer", "请选择您的用人单位；单位须先在本平台注册并经人社局审核通过。")
    series = fields.choice("series", "职称系列", {s: s for s in choices["series"]})
    level = fields.choice("level", "职称级别", LEVELS)
    title_date = fields.date("title_date", "取得现职称的日期")
    fields.not_after("title_date", "取得现职称的日期", title_date, today)
    region = _region(fields, "region", required=False)
    username, password = accounts.new_login(fields)
    if not fields.ok:
        return _page("register_professional.html", fields, **choices)
    assert employer is not None
    assert series is not None
    assert level is not None
    assert title_date is not None
    person = Person(
        id_number, name, employer.name, series, TitleLevel(level), title_date,
        region or employer.region,
    )  # fmt: skip
    actor = Actor(username, PortalRole.PROFESSIONAL, id_number)
    try:
        with accounts.new_account(username, password, Role.PROFESSIONAL, id_number):
            registry().registrations.register_person(
                actor, person, credit_code=employer.credit_code, at=now()
            )
    except RegistryError as exc:
        field = {"already_registered": "id_number", "name_mismatch": "name",
                 "unknown_employer": "employer"}.get(exc.reason)  # fmt: skip
        if field is None:
            raise
        fields.add(field, exc.message)
        return _page("register_professional.html", fields, **choices)
    flash("个人注册已提交，待用人单位审核。", "success")
    return redirect(url_for("public.registered", who="professional"))


__all__ = ["LEVELS", "bp"]
