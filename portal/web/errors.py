"""The portal's error pages: what went wrong in Chinese, what to do next, and the machine
reason as technical detail (``data-reason`` and a ``<code>``).

A :class:`RegistryError` is 403 when its reason is ``forbidden`` (outside the account's
scope, or absent: the two look the same), 409 when ``changed`` (someone acted first), else
400; a :class:`WebError` 503 when the accounts file is unusable, else 400. HTTP errors get
the same page with their own words.
"""

from __future__ import annotations

from flask import Flask, render_template, request
from werkzeug.exceptions import HTTPException

from registry import RegistryError
from webcore import WebError

NEXT_STEPS = {
    "forbidden": "请确认您登录的账户：只能查看和处理本人、本单位或本辖区的事项。",
    "changed": "请返回上一页并刷新，看清最新状态后再操作。",
    "not_enrolled": "请等待用人单位审核您的注册；审核通过后即可申报。",
    "already_applied": "请在“我的申请”中查看该年度申请的进度。",
    "application_approved": "如需更正，请联系人社局。",
    "accounts_unusable": "请稍后再试；如持续出现，请联系平台管理员。",
    "pdf_missing": "请联系人社局，核实后重新生成证书文件。",
    "proof_missing": "请联系平台管理员；必要时请本人补充上传该证明材料。",
    "proof_damaged": "请联系平台管理员；必要时请本人补充上传该证明材料。",
}
"""What to do next, by reason; anything else: :data:`DEFAULT_NEXT`."""
DEFAULT_NEXT = "请返回上一页，按提示修改后再提交。"
HTTP_MESSAGES = {
    400: ("请求无效，或页面已过期。", "请返回上一页，刷新后重新填写提交。"),
    401: ("请先登录。", "请登录后再打开该页面。"),
    403: ("无权访问该页面。", "请确认您登录的账户：只能查看本人、本单位或本辖区的事项。"),
    404: ("页面不存在。", "请从首页重新进入。"),
    405: ("不支持该请求方式。", "请从页面上的按钮或链接进入。"),
    413: (
        "提交的内容过大。",
        "每个证明材料不超过 10 MB，每条记录最多 5 个；请压缩或拆分后重新上传。",
    ),
    429: ("操作过于频繁。", "请稍等几分钟再试。"),
    500: ("服务器内部错误。", "请稍后再试；如持续出现，请联系平台管理员。"),
    503: ("服务暂时不可用。", "请稍后再试。"),
}
_REASONS = {400: "bad_request", 401: "login_required", 403: "forbidden", 404: "not_found",
            405: "method_not_allowed", 413: "too_large", 429: "rate_limited",
            500: "internal_error", 503: "unavailable"}  # fmt: skip


def status_of(error: RegistryError | WebError) -> int:
    """The HTTP status of a refusal."""
    if isinstance(error, WebError):
        return 503 if error.reason == "accounts_unusable" else 400
    return {"forbidden": 403, "changed": 409}.get(error.reason, 400)


def error_page(code: int, message: str, reason: str, next_step: str) -> tuple[str, int]:
    return render_template(
        "error.html", code=code, message=message, reason=reason, next_step=next_step
    ), code


def _refused(error: RegistryError | WebError) -> tuple[str, int]:
    return error_page(
        status_of(error),
        error.message,
        error.reason,
        NEXT_STEPS.get(error.reason, DEFAULT_NEXT),
    )


def _http(error: HTTPException) -> tuple[str, int, list[tuple[str, str]]] | HTTPException:
    """The page of an HTTP error, keeping its own headers (``Retry-After`` of a 429,
    ``Allow`` of a 405)."""
    code = error.code or 500
    if code < 400:
        return error
    if request.path.startswith("/api/"):
        from portal.web.api import http_refusal

        response, status = http_refusal(error)
        for key, value in error.get_headers():
            if key.lower() != "content-type":
                response.headers[key] = value
        return response, status, []  # type: ignore[return-value]
    message, next_step = HTTP_MESSAGES.get(code, (error.name, "请返回首页重新进入。"))
    page, status = error_page(code, message, _REASONS.get(code, "http_error"), next_step)
    headers = [(k, v) for k, v in error.get_headers() if k.lower() != "content-type"]
    return page, status, headers


def init_app(app: Flask) -> None:
    app.register_error_handler(RegistryError, _refused)
    app.register_error_handler(WebError, _refused)
    app.register_error_handler(HTTPException, _http)


__all__ = ["error_page", "init_app", "status_of"]
