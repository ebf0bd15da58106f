"""Pages and API of the web verifier."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Blueprint, Response, current_app, jsonify, render_template, request
from werkzeug.exceptions import BadRequest, HTTPException

from registry import CHINA_TZ, RegistryError
from verifier import VerificationReport, Verifier, check_zh, edition_history, time_ago_zh
from verifier.web import current_verifier

bp = Blueprint("verify", __name__)

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "worker-src 'self'",
        "style-src 'self'",
        "img-src 'self' data: blob:",
        "media-src 'self' blob:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
"""No inline script or style anywhere: an injected ``<script>`` or ``style=`` does nothing."""
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
}
NO_FEATURES = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"
CAMERA = "camera=(self), microphone=(), geolocation=(), payment=(), usb=()"
CAMERA_ENDPOINTS = frozenset({"offline.scan"})
"""Only the scanning page may ask for the camera."""
ERROR_MESSAGES = {
    400: "请求无效：请上传证书 PDF 或二维码图片，或粘贴二维码内容。",
    404: "页面不存在。",
    405: "不支持该请求方式。",
    413: "上传的文件过大（最大 6 MB）。",
    429: "请求过于频繁，请稍后再试。",
    500: "服务器内部错误。",
    503: "服务暂时不可用，请稍后再试。",
}
ERROR_REASONS = {
    400: "bad_request",
    404: "not_found",
    405: "method_not_allowed",
    413: "too_large",
    429: "rate_limited",
    500: "internal_error",
    503: "unavailable",
}


QR_SPACE = " \t\r\n\x0b\x0c"
"""Stripped around a QR text (ASCII, as Base45 is): a field of only these is no input."""


def _verifier() -> Verifier:
    return current_verifier()


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@bp.app_template_filter("beijing")
def _beijing(value: str) -> str:
    """An ISO 8601 time (as reports give them) in Beijing time, to the minute."""
    return f"{dt.datetime.fromisoformat(value).astimezone(CHINA_TZ):%Y-%m-%d %H:%M}（北京时间）"


@bp.app_template_filter("ago")
def _ago(seconds: int) -> str:
    """How long ago, for people: ``13 分钟前``, ``5 小时前``, ``3 天前``."""
    return time_ago_zh(seconds)


@bp.app_template_filter("check_zh")
def _check_zh(name: str) -> str:
    return check_zh(name)


@bp.after_app_request
def _headers(response: Response) -> Response:
    """Security headers on every response, error pages included. Results, API answers and
    pages are never stored by a browser or a proxy (they may show a person's certificate);
    static files may be cached (revalidated)."""
    response.headers.update(SECURITY_HEADERS)
    camera = request.endpoint in CAMERA_ENDPOINTS
    response.headers["Permissions-Policy"] = CAMERA if camera else NO_FEATURES
    if request.endpoint != "static" and "Cache-Control" not in response.headers:
        response.headers["Cache-Control"] = "no-store"
    max_age = current_app.config.get("HSTS_MAX_AGE")
    if max_age:
        response.headers["Strict-Transport-Security"] = f"max-age={int(max_age)}"
    return response


class BadJson(BadRequest):
    """A JSON body that cannot be read: malformed, or nested deeper than the parser goes
    (Python's raises ``RecursionError`` then, which would otherwise be a 500)."""

    reason = "bad_json"
    message_zh = '请求无效：JSON 无法解析（格式错误或嵌套过深）。请发送 {"qr": "CEC1:…"}。'


def _error(
    code: int,
    name: str,
    headers: list[tuple[str, str]] | None = None,
    *,
    reason: str | None = None,
    message: str | None = None,
) -> tuple[Any, int]:
    """An error answer without any detail of the cause: JSON ``{"error", "reason",
    "message"}`` under ``/api/``, the Chinese error page elsewhere. ``headers``: the HTTP
    error's own (``Allow`` for 405, ``Retry-After`` for 429). ``reason`` and ``message``:
    more precise than the status code's own."""
    message = message or ERROR_MESSAGES.get(code, "服务器无法处理该请求。")
    if request.path.startswith("/api/"):
        reason = reason or ERROR_REASONS.get(code, "http_error")
        body = {"error": name, "reason": reason, "message": message}
        response = jsonify(body)
    else:
        response = current_app.make_response(
            render_template("error.html", code=code, message=message)
        )
    for key, value in headers or []:
        if key.lower() != "content-type":
            response.headers[key] = value
    return response, code


@bp.app_errorhandler(HTTPException)
def _http_error(error: HTTPException) -> tuple[Any, int]:
    headers = list(error.get_headers())
    if isinstance(error, BadJson):
        return _error(400, error.name, headers, reason=error.reason, message=error.message_zh)
    return _error(error.code or 500, error.name, headers)


@bp.app_errorhandler(Exception)
def _unexpected(error: Exception) -> tuple[Any, int]:
    # The type only: an exception's message may quote the request (a name, an ID number).
    current_app.logger.error("unexpected error in %s: %s", request.endpoint, type(error).__name__)
    return _error(500, "Internal Server Error")


def _verify_request() -> VerificationReport | None:
    """Verify whatever the request carries: an uploaded file, a QR text field, JSON
    ``{"qr": ...}``, or a raw PDF/image/text body. ``None`` when it carries nothing."""
    at = _now()
    if request.is_json:
        # A JSON body is never form data: its QR text is read first, before werkzeug looks
        # for (and finds no) files or fields; without one the request goes on as before.
        try:
            body = request.get_json()
        except (BadRequest, RecursionError) as exc:
            raise BadJson() from exc
        if isinstance(body, dict) and isinstance(body.get("qr"), str):
            text = body["qr"].strip(QR_SPACE)
            if text:
                return _verifier().verify_text(text, at=at)
    upload = request.files.get("file")
    if upload is not None and upload.filename:
        return _verifier().verify_bytes(upload.read(), at=at)
    text = request.form.get("qr", "").strip(QR_SPACE)
    if text:
        return _verifier().verify_text(text, at=at)
    if request.mimetype in {"application/pdf", "image/png", "image/jpeg", "text/plain"}:
        data = request.get_data(cache=False)
        if data:
            return _verifier().verify_bytes(data, at=at)
    return None


@bp.get("/")
def index() -> str:
    return render_template("index.html")


@bp.post("/")
def verify_page() -> tuple[str, int]:
    report = _verify_request()
    if report is None:
        return render_template(
            "index.html", error="请上传证书 PDF 或二维码图片，或粘贴二维码内容。"
        ), 400
    return render_template(
        "result.html", report=report, data=report.to_json(), history=_history(report)
    ), 200


def _history(report: VerificationReport) -> list[dict[str, Any]] | None:
    """The editions of the verified number, when the claims are authentic and the verifier
    has a registry; ``None`` without a registry, e.g. with only a snapshot (the page says
    there is no history)."""
    status = _verifier().status
    if status is None or report.claims is None:
        return None
    try:
        records = status.history(report.claims.number)
    except RegistryError:  # a damaged registry: the report already says status is unknown
        return None
    return None if records is None else edition_history(records)


@bp.post("/api/v1/verify")
def verify_api() -> tuple[Any, int]:
    report = _verify_request()
    if report is None:
        return jsonify(
            {
                "error": "Bad Request",
                "reason": "no_input",
                "message": "send a file (multipart 'file'), a form field or JSON 'qr', "
                "or a PDF, PNG, JPEG or text body",
            }
        ), 400
    return jsonify(report.to_json()), 200
