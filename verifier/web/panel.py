"""The title-evaluation panel's page (职称评审核查): a form, the report as HTML, the same report
as an A4 PDF.

The report page carries the whole input again in hidden fields (QR texts as they were,
uploaded files as Base64), so "下载PDF" re-verifies exactly what was presented: the server
keeps nothing between requests, and a PDF is never made from data the client merely asserts.

Only a logged-in ``panel`` or ``employer`` account may use these pages
(:mod:`verifier.web.auth`): they look people up by ID number. Every POST carries the
session's CSRF token, and every check is written to the accounts' audit log, the ID number
only as a keyed hash (:func:`verifier.web.accounts.id_number_digest`).
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field

from flask import Blueprint, Response, current_app, render_template, request

from registry.errors import RegistryError
from registry.home import CHINA_TZ
from registry.idnumber import parse_id_number
from registry.model import TitleLevel
from registry.titles import title_rules
from registry.titles.model import TitleReport
from verifier.errors import PanelInputError
from verifier.panel import CandidateRecords, panel_check, verify_inputs
from verifier.panel_pdf import PanelReportPdf
from verifier.panel_table import HOURS_HEADINGS, conclusion, report_rows
from verifier.service import Verifier
from verifier.web.accounts import AccountStore, Role, id_number_digest
from verifier.web.auth import STORE, check_csrf, current_account, require_account

bp = Blueprint("panel", __name__)
bp.before_request(require_account(Role.PANEL, Role.EMPLOYER))


@bp.before_request
def _form_limits_and_csrf() -> None:
    """After the login gate (so that no anonymous body is read): the PDF route's larger
    limits, then the CSRF token of every POST."""
    if request.endpoint == "panel.report_pdf":
        # The report page re-posts uploads as Base64 (4/3 of their size) in form fields.
        limit = current_app.config["MAX_CONTENT_LENGTH"]
        if limit is not None:
            request.max_content_length = limit * 4 // 3 + 65536
            request.max_form_memory_size = limit * 4 // 3 + 65536
    if request.method == "POST":
        check_csrf()


MAX_CERTIFICATES = 100
"""Most certificates (QR lines plus files) one check verifies."""
RECORDS = "cecert.records"
PDF = "cecert.panel_pdf"
Problem = tuple[str, str]
"""``(Chinese, English)`` description of one thing wrong with the form."""


class LazyReportPdf:
    """The PDF renderer, built on first use: most verifiers never print, and the fonts cost
    about 130 MB per process. One rendering at a time (reportlab is not thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pdf: PanelReportPdf | None = None

    def render(self, report: TitleReport, *, generated_at: dt.datetime) -> bytes:
        with self._lock:
            if self._pdf is None:
                self._pdf = PanelReportPdf()
            return self._pdf.render(report, generated_at=generated_at)


@dataclass
class PanelForm:
    """The panel form as submitted, read and checked; ``problems`` lists what is wrong."""

    values: dict[str, str]
    """The text fields as entered, to fill the form again."""
    texts: list[str] = field(default_factory=list)
    files: list[tuple[str, bytes]] = field(default_factory=list)
    id_number: str | None = None
    level: TitleLevel = TitleLevel.SENIOR
    evaluation_date: dt.date | None = None
    title_date: dt.date | None = None
    problems: list[Problem] = field(default_factory=list)

    def hidden(self) -> list[tuple[str, str]]:
        """The same input as hidden form fields, for the report page's PDF button."""
        pairs = [("qr", line) for line in self.texts]
        for name, data in self.files:
            pairs += [("upload_name", name), ("upload_data", base64.b64encode(data).decode())]
        keys = ("id_number", "level", "rule", "evaluation_date", "title_date", "direct")
        return pairs + [(key, self.values[key]) for key in keys if self.values.get(key)]


def _records() -> CandidateRecords | None:
    records: CandidateRecords | None = current_app.extensions.get(RECORDS)
    return records


def _today() -> dt.date:
    return dt.datetime.now(CHINA_TZ).date()


def _date(
    values: Mapping[str, str], key: str, zh: str, en: str
) -> tuple[dt.date | None, Problem | None]:
    text = values.get(key, "")
    if not text:
        return None, None
    try:
        return dt.date.fromisoformat(text), None
    except ValueError:
        return None, (f"{zh}“{text}”不是有效日期（格式 YYYY-MM-DD）。", f"{en}: not a date.")


def read_form() -> PanelForm:
    """Read ``request`` (the form, or the report page's hidden copy of it)."""
    keys = ("qr", "id_number", "level", "rule", "evaluation_date", "title_date", "direct")
    values = {key: request.form.get(key, "").strip() for key in keys}
    form = PanelForm(values=values)
    form.texts = [line.strip() for text in request.form.getlist("qr") for line in text.splitlines()]
    form.texts = [line for line in form.texts if line]
    values["qr"] = "\n".join(form.texts)
    for upload in request.files.getlist("files"):
        if upload.filename:
            form.files.append((upload.filename, upload.read()))
    names, blobs = request.form.getlist("upload_name"), request.form.getlist("upload_data")
    try:
        pairs = zip(names, blobs, strict=True)
        form.files += [(n, base64.b64decode(b, validate=True)) for n, b in pairs]
    except (binascii.Error, ValueError):
        form.problems.append(("重新提交的文件已损坏。", "a re-submitted file is damaged"))
    if len(form.texts) + len(form.files) > MAX_CERTIFICATES:
        form.problems.append(
            (f"一次最多核查 {MAX_CERTIFICATES} 份证书。", f"at most {MAX_CERTIFICATES} at once")
        )
    if values["id_number"] and _records() is not None:
        try:
            form.id_number = parse_id_number(values["id_number"], today=_today())
        except RegistryError as exc:
            form.problems.append(("身份证号无效，请核对。", f"bad ID number: {exc}"))
    if not form.texts and not form.files and not (values["id_number"] and _records()):
        no_input = "请粘贴二维码文本或上传证书 PDF、二维码图片"
        no_input += "，或输入身份证号。" if _records() is not None else "。"
        form.problems.append((no_input, "give the certificates (or an ID number)"))
    try:
        form.level = TitleLevel(values["level"])
    except ValueError:
        form.problems.append(("请选择申报级别。", "choose the target level"))
    if values["rule"] not in title_rules():
        form.problems.append(("请选择评审规则。", "choose the title rule"))
    form.evaluation_date, problem = _date(values, "evaluation_date", "评审日期", "evaluation date")
    if problem or form.evaluation_date is None:
        form.problems.append(problem or ("请填写评审日期。", "give the evaluation date"))
    form.title_date, problem = _date(values, "title_date", "取得现职称时间", "title date")
    if problem:
        form.problems.append(problem)
    return form


def _page(form: PanelForm, code: int = 200) -> tuple[str, int]:
    values = dict(form.values)
    values.setdefault("evaluation_date", "")
    values["evaluation_date"] = values["evaluation_date"] or _today().isoformat()
    return render_template(
        "panel.html",
        values=values,
        problems=form.problems,
        rules=title_rules(),
        levels=list(TitleLevel),
        has_registry=_records() is not None,
    ), code


def _audit(form: PanelForm, action: str, at: dt.datetime) -> None:
    """Write the check to the audit log before it runs (who, when, which ID number as a
    keyed hash, how many certificates were presented)."""
    account = current_account()
    store: AccountStore = current_app.extensions[STORE]
    assert account is not None  # the blueprint's gate let the request in
    digest = None
    if form.id_number is not None:
        key = current_app.config["SECRET_KEY"]
        digest = id_number_digest(key if isinstance(key, bytes) else key.encode(), form.id_number)
    store.log_lookup(
        account,
        action=action,
        id_number_hmac=digest,
        certificates=len(form.texts) + len(form.files),
        at=at,
    )


def _check(form: PanelForm, at: dt.datetime, action: str) -> TitleReport | None:
    """Run the check; on bad input, record the problem on ``form`` and return None."""
    if form.problems:
        return None
    assert form.evaluation_date is not None
    _audit(form, action, at)
    verifier: Verifier = current_app.extensions["cecert.verifier"]
    presented = verify_inputs(verifier, texts=form.texts, files=form.files, at=at)
    try:
        return panel_check(
            rule_id=form.values["rule"],
            target_level=form.level,
            evaluation_date=form.evaluation_date,
            presented=presented,
            id_number=form.id_number,
            records=_records(),
            title_date=form.title_date,
            direct=bool(form.values["direct"]),
        )
    except PanelInputError as exc:
        form.problems.append((exc.message_zh, exc.message))
        return None


@bp.get("/panel")
def form() -> tuple[str, int]:
    return _page(PanelForm(values={"level": TitleLevel.SENIOR.value}))


@bp.post("/panel")
def report() -> tuple[str, int]:
    at = dt.datetime.now(dt.UTC)
    panel_form = read_form()
    checked = _check(panel_form, at, "report")
    if checked is None:
        return _page(panel_form, 400)
    return render_template(
        "panel_report.html",
        report=checked,
        rows=report_rows(checked),
        conclusion=conclusion(checked),
        notes=list(zip(checked.notes_zh, checked.notes_en, strict=False)),
        hours_headings=HOURS_HEADINGS,
        generated=at.astimezone(CHINA_TZ).strftime("%Y-%m-%d %H:%M"),
        hidden=panel_form.hidden(),
    ), 200


@bp.post("/panel.pdf")
def report_pdf() -> Response | tuple[str, int]:
    at = dt.datetime.now(dt.UTC)
    panel_form = read_form()
    checked = _check(panel_form, at, "pdf")
    if checked is None:
        return _page(panel_form, 400)
    renderer: LazyReportPdf = current_app.extensions[PDF]
    try:
        data = renderer.render(checked, generated_at=at)
    except RegistryError as exc:
        current_app.logger.error("panel report PDF: %s", exc.reason)
        code = 503 if exc.reason == "fonts_missing" else 500
        message = "服务器无法排版该报告（缺少中文字体或字符），请改用网页打印。"
        return render_template("error.html", code=code, message=message), code
    stamp = at.astimezone(CHINA_TZ).strftime("%Y%m%d")
    response = Response(data, mimetype="application/pdf")
    response.headers["Content-Disposition"] = (
        f'attachment; filename="panel-report-{checked.rule_id}-{stamp}.pdf"'
    )
    return response
