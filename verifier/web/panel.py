"""The title-evaluation panel's page (职称评审核查): a form, the report as HTML, the same report
as an A4 PDF, and the check of a report's digest.

The server keeps nothing between requests. The report page carries the whole input again in
hidden fields (QR texts as they were, uploaded files as Base64), so "下载PDF" re-verifies
exactly what was presented: a PDF is never made from data the client merely asserts. The
form page does the same with the files already uploaded when it is shown again with a
problem: they ride along as Base64 (listed, each with a box to drop it) and need not be
chosen again.

The rules offered are those in force on the evaluation date (today in China time, or the
date posted). Every report names who produced it, when, from which trust list and status
source, and its digest (:mod:`verifier.panel_table`), which the audit log records and
``/panel/check`` answers for. The PDF of a report page shows the page's time and digest when
it is asked for within :data:`PDF_REUSE_WINDOW` by the account that made the page and comes
to the same content; otherwise its own (``docs/decisions.md``).

Only a logged-in ``panel`` or ``employer`` account may use these pages
(:mod:`webcore.auth`; the portal's roles get 403): they look people up by ID number. Every
POST carries the session's CSRF token, and every check is written to the accounts' audit
log, the ID number only as a keyed hash (:func:`webcore.secret_key.id_number_digest`).
"""

from __future__ import annotations

import datetime as dt
import re
import threading
from dataclasses import dataclass

from flask import Blueprint, Response, current_app, render_template, request

from registry import CHINA_TZ, RegistryError, TitleLevel
from registry.titles import TitleReport, title_rules
from verifier import (
    HOURS_HEADINGS,
    CandidateRecords,
    LiveSources,
    Loaded,
    PanelInputError,
    ReportStamp,
    beijing_time,
    conclusion,
    digest_groups,
    panel_check,
    report_digest,
    report_rows,
    report_sources,
    stamp_rows,
    verify_inputs,
)
from verifier.panel_pdf import PanelReportPdf
from verifier.web import SOURCES
from verifier.web.panel_form import PanelForm, Problem, read_form
from webcore import AccountStore, Role, id_number_digest
from webcore.auth import STORE, check_csrf, current_account, require_account

bp = Blueprint("panel", __name__)
bp.before_request(require_account(Role.PANEL, Role.EMPLOYER))

_BASE64_POSTS = frozenset({"panel.report", "panel.report_pdf"})
"""Endpoints that take uploads back as Base64 form fields: the form shown again after a
problem, and the report page's PDF button."""


@bp.before_request
def _form_limits_and_csrf() -> None:
    """After the login gate (so that no anonymous body is read): the larger limits of the
    posts that carry uploads as Base64, then the CSRF token of every POST."""
    if request.endpoint in _BASE64_POSTS:
        # Base64 is 4/3 of the file's size, and it arrives in (non-file) form fields.
        limit = current_app.config["MAX_CONTENT_LENGTH"]
        if limit is not None:
            request.max_content_length = limit * 4 // 3 + 65536
            request.max_form_memory_size = limit * 4 // 3 + 65536
    if request.method == "POST":
        check_csrf()


RECORDS = "cecert.records"
PDF = "cecert.panel_pdf"
PDF_REUSE_WINDOW = dt.timedelta(minutes=10)
"""How long after a report page its PDF may carry the page's time and digest."""
_REASON_FIELDS = {
    "no_candidate_input": "qr",
    "no_title_date": "title_date",
    "bad_dates": "title_date",
}
"""The field a refusal of :func:`panel_check` concerns; any other concerns the rule."""
_DIGEST = re.compile(r"[0-9a-f]{64}")


class LazyReportPdf:
    """The PDF renderer, built on first use: most verifiers never print, and the fonts cost
    about 130 MB per process. One rendering at a time (reportlab is not thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pdf: PanelReportPdf | None = None

    def render(
        self, report: TitleReport, *, generated_at: dt.datetime, stamp: ReportStamp | None = None
    ) -> bytes:
        with self._lock:
            if self._pdf is None:
                self._pdf = PanelReportPdf()
            return self._pdf.render(report, generated_at=generated_at, stamp=stamp)


def _records() -> CandidateRecords | None:
    records: CandidateRecords | None = current_app.extensions.get(RECORDS)
    return records


def _loaded() -> Loaded:
    """The trust list and status source in use now: one check verifies with them and its
    report names them."""
    sources: LiveSources = current_app.extensions[SOURCES]
    return sources.current()


def _now() -> dt.datetime:
    """The time of a check, to the second (as the report digest and the audit log keep it)."""
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


def _today() -> dt.date:
    return dt.datetime.now(CHINA_TZ).date()


@dataclass(frozen=True, slots=True)
class DigestAnswer:
    """What ``/panel/check`` says about one report digest."""

    digest: str
    """In groups of four, as the report prints it."""
    found: bool
    zh: str
    en: str


def _page(
    form: PanelForm,
    code: int = 200,
    *,
    answer: DigestAnswer | None = None,
    digest: str = "",
) -> tuple[str, int]:
    values = dict(form.values)
    on = form.evaluation_date or _today()
    values["evaluation_date"] = values.get("evaluation_date") or on.isoformat()
    return render_template(
        "panel.html",
        values=values,
        problems=form.problems,
        invalid={problem.field for problem in form.problems},
        rules=title_rules(on=on),
        rules_on=on.isoformat(),
        levels=list(TitleLevel),
        has_registry=_records() is not None,
        uploads=form.uploads(),
        answer=answer,
        digest=digest,
    ), code


def _store() -> AccountStore:
    store: AccountStore = current_app.extensions[STORE]
    return store


def _audit(form: PanelForm, action: str, at: dt.datetime) -> int:
    """Write the check to the audit log before it runs (who, when, which ID number as a
    keyed hash, how many certificates were presented); returns the row's id."""
    account = current_account()
    assert account is not None  # the blueprint's gate let the request in
    digest = None
    if form.id_number is not None:
        key = current_app.config["SECRET_KEY"]
        digest = id_number_digest(key if isinstance(key, bytes) else key.encode(), form.id_number)
    return _store().log_lookup(
        account,
        action=action,
        id_number_hmac=digest,
        certificates=len(form.texts) + len(form.files),
        at=at,
    )


def _check(
    form: PanelForm, at: dt.datetime, action: str, loaded: Loaded
) -> tuple[TitleReport, int] | None:
    """Run the check with ``loaded``'s verifier; returns the report and its audit log row,
    or, on bad input, records the problem on ``form`` and returns None."""
    if form.problems:
        return None
    assert form.evaluation_date is not None
    assert form.level is not None
    lookup_id = _audit(form, action, at)
    presented = verify_inputs(loaded.verifier, texts=form.texts, files=form.files, at=at)
    try:
        report = panel_check(
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
        form.problem(_REASON_FIELDS.get(exc.reason, "rule"), exc.message_zh, exc.message)
        return None
    return report, lookup_id


def _stamp(at: dt.datetime, loaded: Loaded) -> ReportStamp:
    account = current_account()
    assert account is not None
    return ReportStamp(
        generated_at=at,
        username=account.username,
        role=account.role.value,
        role_zh=account.role.label_zh,
        sources=report_sources(loaded),
    )


def _posted_time(name: str) -> dt.datetime | None:
    """The aware time posted in field ``name``, or None."""
    try:
        when = dt.datetime.fromisoformat(request.form.get(name, ""))
    except ValueError:
        return None
    return when if when.tzinfo is not None else None


def _pdf_stamp(report: TitleReport, at: dt.datetime, loaded: Loaded) -> tuple[ReportStamp, str]:
    """The stamp and digest of a PDF: the report page's, when its time (``generated_at``,
    posted back) is at most :data:`PDF_REUSE_WINDOW` old and, with this account and these
    sources, gives a digest the audit log holds for a report page of this account;
    otherwise the PDF's own. A client can thus never make a PDF show a time or digest that
    this site did not give to the same content for the same account."""
    account = current_account()
    assert account is not None
    claimed = _posted_time("generated_at")
    if claimed is not None and at - PDF_REUSE_WINDOW <= claimed <= at:
        stamp = _stamp(claimed, loaded)
        digest = report_digest(report, stamp)
        logged = _store().lookups(report_digest=digest)
        if any(row.username == account.username and row.action == "report" for row in logged):
            return stamp, digest
    stamp = _stamp(at, loaded)
    return stamp, report_digest(report, stamp)


@bp.get("/panel")
def form() -> tuple[str, int]:
    return _page(PanelForm(values={}))


@bp.post("/panel")
def report() -> tuple[str, int]:
    at = _now()
    loaded = _loaded()
    panel_form = read_form(_records(), today=_today())
    if request.form.get("refresh"):
        # "按评审日期更新规则": the form again with the rules of the date entered, no check;
        # only what concerns the date, the files and a rule already chosen is said.
        keep = {"evaluation_date", "files"} | ({"rule"} if panel_form.values["rule"] else set())
        panel_form.problems = [p for p in panel_form.problems if p.field in keep]
        return _page(panel_form, 400 if panel_form.problems else 200)
    checked = _check(panel_form, at, "report", loaded)
    if checked is None:
        return _page(panel_form, 400)
    report, lookup_id = checked
    stamp = _stamp(at, loaded)
    digest = report_digest(report, stamp)
    _store().record_report_digest(lookup_id, digest)
    return render_template(
        "panel_report.html",
        report=report,
        rows=report_rows(report),
        conclusion=conclusion(report),
        notes=list(zip(report.notes_zh, report.notes_en, strict=False)),
        hours_headings=HOURS_HEADINGS,
        stamp=stamp_rows(stamp, digest),
        hidden=[*panel_form.hidden(), ("generated_at", at.isoformat())],
    ), 200


@bp.post("/panel.pdf")
def report_pdf() -> Response | tuple[str, int]:
    at = _now()
    loaded = _loaded()
    panel_form = read_form(_records(), today=_today())
    checked = _check(panel_form, at, "pdf", loaded)
    if checked is None:
        return _page(panel_form, 400)
    report, lookup_id = checked
    stamp, digest = _pdf_stamp(report, at, loaded)
    renderer: LazyReportPdf = current_app.extensions[PDF]
    try:
        data = renderer.render(report, generated_at=stamp.generated_at, stamp=stamp)
    except RegistryError as exc:
        current_app.logger.error("panel report PDF: %s", exc.reason)
        code = 503 if exc.reason == "fonts_missing" else 500
        message = "服务器无法排版该报告（缺少中文字体或字符），请改用网页打印。"
        return render_template("error.html", code=code, message=message), code
    _store().record_report_digest(lookup_id, digest)  # only a report actually given out
    day = stamp.generated_at.astimezone(CHINA_TZ).strftime("%Y%m%d")
    response = Response(data, mimetype="application/pdf")
    response.headers["Content-Disposition"] = (
        f'attachment; filename="panel-report-{report.rule_id}-{day}.pdf"'
    )
    return response


@bp.get("/panel/check")
def check_digest() -> tuple[str, int]:
    """Whether this site produced a report of the digest given, by which account and when
    (from the audit log). Reads nothing else and changes nothing."""
    text = request.args.get("digest", "")
    digest = "".join(text.split()).lower()
    if not _DIGEST.fullmatch(digest):
        zh = (
            "请填写报告摘要。"
            if not digest
            else "报告摘要应为 64 位十六进制字符（0–9、a–f，空格不计）。"
        )
        problem = Problem("digest", zh, "a report digest is 64 hexadecimal characters")
        return _page(PanelForm(values={}, problems=[problem]), 400, digest=text[:200])
    rows = _store().lookups(report_digest=digest)
    groups = digest_groups(digest)
    if not rows:
        answer = DigestAnswer(
            groups,
            False,
            "本站没有生成过这个摘要的报告。请核对摘要是否抄写正确；若无误，该报告不是本站生成的，"
            "或其内容已被改动。",
            "This site produced no report with this digest.",
        )
    else:
        first = rows[0]
        kinds = "、".join(
            kind for action, kind in (("report", "网页报告"), ("pdf", "PDF"))
            if any(row.action == action for row in rows)
        )  # fmt: skip
        answer = DigestAnswer(
            groups,
            True,
            f"本站生成过这个摘要的报告：由账户 {first.username}（{first.role.label_zh}）"
            f"于 {beijing_time(first.at)} 生成（{kinds}）。",
            f"This site produced this report: account {first.username} ({first.role.value}), "
            f"{first.at.isoformat()}.",
        )
    return _page(PanelForm(values={}), 200, answer=answer, digest=groups)
