"""Pages and API of the web verifier."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Blueprint, Response, current_app, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from verifier.report import VerificationReport
from verifier.service import Verifier
from verifier.status import edition_history

bp = Blueprint("verify", __name__)

SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; script-src 'self'; worker-src 'self'; "
    "img-src 'self' data:; frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


def _verifier() -> Verifier:
    verifier: Verifier = current_app.extensions["cecert.verifier"]
    return verifier


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@bp.after_app_request
def _headers(response: Response) -> Response:
    response.headers.update(SECURITY_HEADERS)
    return response


@bp.app_errorhandler(HTTPException)
def _http_error(error: HTTPException) -> tuple[Any, int]:
    code = error.code or 500
    message = {
        400: "请求无效：请上传证书 PDF 或二维码图片，或粘贴二维码内容。",
        404: "页面不存在。",
        405: "不支持该请求方式。",
        413: "上传的文件过大。",
    }.get(code, "服务器无法处理该请求。")
    if request.path.startswith("/api/"):
        return jsonify({"error": error.name, "reason": _reason(code), "message": message}), code
    return render_template("error.html", code=code, message=message), code


@bp.app_errorhandler(Exception)
def _unexpected(error: Exception) -> tuple[Any, int]:
    current_app.logger.error("unexpected error: %s", type(error).__name__)
    if request.path.startswith("/api/"):
        return jsonify({"error": "Internal Server Error", "reason": "internal_error"}), 500
    return render_template("error.html", code=500, message="服务器内部错误。"), 500


def _reason(code: int) -> str:
    return {400: "bad_request", 404: "not_found", 405: "method_not_allowed", 413: "too_large"}.get(
        code, "http_error"
    )


def _verify_request() -> VerificationReport | None:
    """Verify whatever the request carries: an uploaded file, a QR text field, JSON
    ``{"qr": ...}``, or a raw PDF/image/text body. ``None`` when it carries nothing."""
    at = _now()
    upload = request.files.get("file")
    if upload is not None and upload.filename:
        return _verifier().verify_bytes(upload.read(), at=at)
    text = request.form.get("qr", "").strip()
    if not text and request.is_json:
        body = request.get_json(silent=True)
        if isinstance(body, dict) and isinstance(body.get("qr"), str):
            text = body["qr"].strip()
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
    records = status.history(report.claims.number)
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
