"""The training providers' JSON API (``/api/v1``), for their own systems: list and file class
plans, and send the roster of an ended class. Described by ``/api/v1/openapi.json``
(:mod:`portal.web.api_spec`).

Each call is authenticated by a provider's token (``Authorization: Bearer …``, made and
revoked on the provider's tokens page); a session cookie opens nothing here, so no form of
another site can call it. Every answer is JSON; a refusal is ``{"reason", "message"}`` (the
message Chinese first), a roster's bad rows are listed by their item. The calls are the same
store calls as the provider's pages, with the same names.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from flask import Blueprint, Response, g, jsonify, request
from werkzeug.exceptions import HTTPException

from portal.web.api_spec import openapi_document
from portal.web.session import default_policy, now, registry
from registry import CHINA_TZ, ImportRejected, RegistryError
from registry.importing.rosters import MAX_ROSTER, roster_from_items
from registry.importing.values import parse_hours
from registry.model import Category
from registry.portal import Actor
from registry.portal.classes import ClassMode, ClassPlan, PlanState, check_plan
from registry.store.rosters import RosterEntry

bp = Blueprint("api", __name__)
API_LIMIT = MAX_ROSTER * 200 + 64 * 1024
"""Bytes of a request body: a full roster at about 200 bytes a row."""
_STATUS = {
    "bad_token": 401, "forbidden": 404, "changed": 409, "roster_filed": 409,
    "plan_not_open": 409, "class_not_ended": 409, "provider_not_approved": 403,
    "import_rejected": 422,
}  # fmt: skip
_PLAN_KEYS = frozenset(
    {"token", "sector", "title", "category", "course_code", "hours", "start_date", "end_date",
     "mode", "place"}
)  # fmt: skip


def refusal(reason: str, message: str, status: int, **extra: Any) -> tuple[Response, int]:
    return jsonify({"reason": reason, "message": message, **extra}), status


@bp.before_request
def _authenticate() -> tuple[Response, int] | None:
    request.max_content_length = API_LIMIT
    if request.endpoint == "api.openapi":
        return None
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        response, status = refusal(
            "bad_token",
            "缺少令牌：请在请求头加上 Authorization: Bearer 令牌 (no bearer token)",
            401,
        )
        response.headers["WWW-Authenticate"] = 'Bearer realm="cecert"'
        return response, status
    try:
        g.api_actor = registry().providers.by_token(token.strip())
    except RegistryError as exc:
        response, status = refusal(exc.reason, exc.message, 401)
        response.headers["WWW-Authenticate"] = 'Bearer realm="cecert", error="invalid_token"'
        return response, status
    return None


@bp.errorhandler(RegistryError)
def _refused(exc: RegistryError) -> tuple[Response, int]:
    if isinstance(exc, ImportRejected):
        problems = [{"row": line, "message": message} for line, message in exc.problems]
        return refusal(exc.reason, exc.message.split("\n", 1)[0], 422, problems=problems)
    if exc.reason == "forbidden":
        return refusal("not_found", "没有这个办班计划，或它不属于本机构 (no such plan)", 404)
    return refusal(exc.reason, exc.message, _STATUS.get(exc.reason, 400))


def http_refusal(exc: HTTPException) -> tuple[Response, int]:
    """An HTTP error under ``/api/`` as JSON (the app's error handler asks)."""
    code = exc.code or 500
    reasons = {400: "bad_request", 404: "not_found", 405: "method_not_allowed",
               413: "too_large", 429: "rate_limited"}  # fmt: skip
    words = {400: "请求无效", 404: "没有这个地址", 405: "不支持该请求方式",
             415: "请求体须为 JSON", 500: "服务器内部错误，请稍后再试",
             413: f"请求过大：一个名单最多 {MAX_ROSTER} 人",
             429: "请求过于频繁，请稍后再试"}  # fmt: skip
    return refusal(
        reasons.get(code, "http_error"), f"{words.get(code, exc.name)} ({exc.name})", code
    )


def _actor() -> Actor:
    found: Actor = g.api_actor
    return found


def _body() -> Mapping[str, Any]:
    """The request's JSON object; numbers with a fraction are read as exact decimals (an
    hour of 7.5 stays 7.5), and a body nested past what the parser goes is refused."""
    if not request.is_json:
        raise RegistryError(
            "bad_json", "请求体须为 JSON 对象，Content-Type: application/json (not JSON)"
        )
    try:
        body = json.loads(request.get_data(cache=True), parse_float=Decimal)
    except (ValueError, RecursionError):
        raise RegistryError("bad_json", "请求体不是有效的 JSON (not valid JSON)") from None
    if not isinstance(body, dict):
        raise RegistryError("bad_json", "请求体须为 JSON 对象 (the body is not a JSON object)")
    return body


def plan_json(plan: ClassPlan) -> dict[str, Any]:
    fields = plan.fields
    return {
        "id": plan.id,
        "state": plan.state.value,
        "state_zh": plan.state.label_zh,
        "sector": fields.sector,
        "title": fields.title,
        "category": fields.category.value,
        "course_code": fields.course_code,
        "hours": fields.minutes / 60,
        "start_date": fields.start_date.isoformat(),
        "end_date": fields.end_date.isoformat(),
        "mode": fields.mode.value,
        "place": fields.place,
        "reason": plan.reason,
        "roster_count": plan.roster_count,
        "version": plan.version,
    }


def _entry_json(entry: RosterEntry) -> dict[str, Any]:
    return {"row": entry.line, "id_number": entry.id_number, "name": entry.name,
            "hours": entry.minutes / 60, "score": entry.score}  # fmt: skip


@bp.get("/openapi.json")
def openapi() -> Response:
    return jsonify(openapi_document())


@bp.get("/plans")
def plans() -> Response:
    state_text = request.args.get("state")
    after_text = request.args.get("after")
    try:
        state = PlanState(state_text) if state_text else None
    except ValueError:
        raise RegistryError(
            "bad_state", f"state：没有这种状态 {state_text!r} (unknown state)"
        ) from None
    after = None
    if after_text is not None:
        if not (after_text.isascii() and after_text.isdigit() and len(after_text) < 16):
            raise RegistryError("bad_after", "after：须为计划编号 (a plan id)")
        after = int(after_text)
    page = registry().class_plans.plans(_actor(), state=state, after=after, limit=50)
    return jsonify(
        {"plans": [plan_json(p) for p in page.items], "after": page.after, "total": page.total}
    )


@bp.post("/plans")
def file_plan() -> tuple[Response, int]:
    body = _body()
    unknown = sorted(set(body) - _PLAN_KEYS)
    if unknown:
        raise RegistryError("bad_plan", f"{unknown[0]}：未知字段 (unknown field)")
    fields = check_plan(
        sector=_text(body, "sector"),
        title=_text(body, "title"),
        category=_choice(body, "category", Category),
        course_code=_text(body, "course_code"),
        minutes=_hours(body),
        start_date=_date(body, "start_date"),
        end_date=_date(body, "end_date"),
        mode=_choice(body, "mode", ClassMode),
        place=_text(body, "place", required=False),
        at=now(),
    )
    plan = registry().class_plans.file(_actor(), fields, token=_text(body, "token"), at=now())
    return jsonify(plan_json(plan)), 201


@bp.get("/plans/<int:plan_id>")
def plan(plan_id: int) -> Response:
    found = registry().class_plans.plan(_actor(), plan_id)
    body = plan_json(found)
    if found.state is PlanState.CLOSED:
        body["roster"] = [_entry_json(e) for e in registry().rosters.entries(_actor(), plan_id)]
    return jsonify(body)


@bp.post("/plans/<int:plan_id>/roster")
def roster(plan_id: int) -> Response:
    body = _body()
    rows = body.get("rows")
    if set(body) != {"rows"} or not isinstance(rows, list) or not rows:
        raise RegistryError("bad_roster", "rows：须为非空的学员列表 (rows: a non-empty list)")
    if len(rows) > MAX_ROSTER or not all(isinstance(row, dict) for row in rows):
        raise RegistryError(
            "bad_roster",
            f"rows：每项须为对象，最多 {MAX_ROSTER} 项 (objects, at most {MAX_ROSTER})",
        )
    today = now().astimezone(CHINA_TZ).date()
    read = roster_from_items(rows, today=today, source="rows")
    done = registry().rosters.accept(
        _actor(), plan_id, read, default_policy=default_policy(), at=now()
    )
    return jsonify({"plan": plan_json(done), "accepted": done.roster_count})


def _text(body: Mapping[str, Any], key: str, *, required: bool = True) -> str:
    value = body.get(key, "" if not required else None)
    if not isinstance(value, str) or (required and not value.strip()):
        raise RegistryError("bad_plan", f"{key}：须为非空文字 (text required)")
    return value


def _choice(body: Mapping[str, Any], key: str, kind: type[Category] | type[ClassMode]) -> Any:
    value = body.get(key)
    try:
        return kind(str(value))
    except ValueError:
        allowed = "、".join(member.value for member in kind)
        raise RegistryError("bad_plan", f"{key}：须为 {allowed} 之一 (one of {allowed})") from None


def _hours(body: Mapping[str, Any]) -> int:
    value = body.get("hours")
    if isinstance(value, bool) or not isinstance(value, int | Decimal):
        raise RegistryError("bad_plan", "hours：须为数字 (a number)")
    try:
        return parse_hours(str(value), "hours")
    except RegistryError:
        raise RegistryError(
            "bad_plan", "hours：须为整分钟的学时，如 16 或 7.5 (whole minutes)"
        ) from None


def _date(body: Mapping[str, Any], key: str) -> dt.date:
    value = body.get(key)
    try:
        if not isinstance(value, str) or len(value) != 10:
            raise ValueError
        return dt.date.fromisoformat(value)
    except ValueError:
        raise RegistryError("bad_plan", f"{key}：须为日期 YYYY-MM-DD (a date)") from None


__all__ = ["API_LIMIT", "bp", "http_refusal", "plan_json"]
