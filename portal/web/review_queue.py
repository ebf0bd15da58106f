"""The queues every reviewer works through, shared by the employer's pages
(:mod:`portal.web.employer`) and the authority's and bureau's (:mod:`portal.web.reviewers`):
declared records waiting for the actor (filtered by year and category, a page at a time)
and applications for the year's certificate, each decided in bulk with one reason.

The store decides which rows are the actor's (``queue(actor)``) and whether a decision may
be made (``decide``); these views list, name the action in Chinese, and answer the store's
refusals: a missing reason or nothing chosen is shown at the field (400); a row someone
else decided first re-shows the fresh queue with nothing changed (409); a row outside the
actor's scope (``forbidden``) goes to the application's error page (403).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from portal.web.deadline_marks import application_overdue, record_overdue
from portal.web.session import actor, default_policy, now, registry, versions_from
from portal.web.staff_hours import Standing, dates_text, hours_text, standing
from registry import RegistryError
from registry.model import Category
from registry.portal import PortalRole
from registry.portal.values import Application, Declaration, Page

PAGE_SIZE = 20
"""Rows on one page of a queue."""
YEARS_SHOWN = 5
"""Years offered in the year filter, counting back from this year."""
CHANGED_ZH = "所选内容已被他人处理，请刷新：下面已是最新的待办，请重新选择。本次没有作任何更改。"
_FORM_ERRORS = {
    "reason_required": ("reason", "退回时请填写理由，本人将据此修改。"),
    "reason_too_long": ("reason", "理由不能超过 500 字，请删减后再提交。"),
    "nothing_chosen": ("item", "请先勾选要处理的条目，再点按钮。"),
}
"""The store's refusals of a form's content: the field they belong to and what to say."""


def action_zh(role: PortalRole, category: Category) -> str:
    """What approving a ``category`` record means for ``role``: the employer's first review
    (初审, or 认定 of elective records, which its word confirms); the authority's
    confirmation; the bureau's confirmation (认定) of the records the rules give it, and
    its re-check (复核) of elective records, which the employer confirmed."""
    if role is PortalRole.EMPLOYER:
        return "认定" if category is Category.ELECTIVE else "初审通过"
    if role is PortalRole.AUTHORITY:
        return "认定"
    return "复核" if category is Category.ELECTIVE else "认定"


def read_int(values: Mapping[str, str], name: str, default: int | None) -> int | None:
    """A whole-number field or parameter; absent or empty: ``default``; anything else: 400."""
    text = values.get(name, "").strip()
    if not text:
        return default
    if not (text.isascii() and text.isdigit() and len(text) <= 12):
        abort(400)
    return int(text)


@dataclass(frozen=True, slots=True)
class RecordFilter:
    """The year and category a records queue is narrowed to, and the page's cursor."""

    year: int | None = None
    category: Category | None = None
    after: int = 0

    @classmethod
    def read(cls, values: Mapping[str, str]) -> RecordFilter:
        """From a query string or the hidden fields of a decision form (400 when malformed)."""
        year = read_int(values, "year", None)
        if year is not None and not 1990 <= year <= 2100:
            abort(400)
        text = values.get("category", "").strip()
        try:
            category = Category(text) if text else None
        except ValueError:
            abort(400)
        return cls(year, category, read_int(values, "after", 0) or 0)

    @property
    def args(self) -> dict[str, Any]:
        """The filter as query parameters (without the cursor), for links and redirects."""
        found: dict[str, Any] = {}
        if self.year is not None:
            found["year"] = str(self.year)
        if self.category is not None:
            found["category"] = self.category.value
        return found


@dataclass(frozen=True, slots=True)
class RecordRow:
    """One declared record as a queue shows it."""

    declaration: Declaration
    action: str
    """What approving it does, in Chinese (初审通过, 认定, 复核)."""


@dataclass(frozen=True, slots=True)
class Retry:
    """What a refused decision form gets back: the choices made and what was wrong."""

    checked: frozenset[int] = frozenset()
    reason: str = ""
    errors: dict[str, str] = field(default_factory=dict)
    alert: str | None = None


def year_choices(chosen: int | None) -> list[int]:
    """This year and the few before it, and the chosen year if it is not among them."""
    this = now().year
    years = list(range(this, this - YEARS_SHOWN, -1))
    if chosen is not None and chosen not in years:
        years.append(chosen)
    return sorted(years, reverse=True)


def template_helpers() -> dict[str, object]:
    """What the reviewers' templates call (a blueprint's context processor)."""
    return {
        "hours_text": hours_text, "dates_text": dates_text, "proof_href": proof_href,
        "record_overdue": record_overdue, "application_overdue": application_overdue,
    }  # fmt: skip


def proof_href(declaration_id: int, sha256: str) -> str:
    """Where a proof file is served: the downloads' route ``/proofs/<declaration>/<sha256>``
    (which checks who asks), written out because ``url_for`` twenty times was a tenth of a
    queue page's time; a test holds the two equal."""
    return f"{request.script_root}/proofs/{declaration_id}/{sha256}"


# -- declared records -----------------------------------------------------------------------


def records_page(
    template: str, decide_endpoint: str, page_endpoint: str, retry: Retry | None = None
) -> tuple[str, int]:
    """The records waiting for the actor, as ``template`` shows them (the query string
    filters them, or a refused form's hidden fields do)."""
    who = actor()
    values = request.form if request.method == "POST" else request.args
    chosen = RecordFilter.read(values)
    store = registry().declarations
    page = store.queue(
        who, after=chosen.after, limit=PAGE_SIZE, category=chosen.category, year=chosen.year
    )
    rows = [RecordRow(d, action_zh(who.role, d.record.category)) for d in page.items]
    retry = retry or Retry()
    status = 200
    if retry.alert:
        status = 409
    elif retry.errors:
        status = 400
    return render_template(
        template,
        role=who.role.value,
        page=page,
        rows=rows,
        chosen=chosen,
        years=year_choices(chosen.year),
        categories=list(Category),
        retry=retry,
        errors=retry.errors,
        decide_endpoint=decide_endpoint,
        page_endpoint=page_endpoint,
    ), status


def decide_records(template: str, page_endpoint: str, decide_endpoint: str) -> ResponseReturnValue:
    """Approve or return the checked records with the form's one reason; back to the queue
    with a message saying how many, or the queue again with what was wrong."""
    form = request.form
    decision = form.get("decision", "")
    if decision not in {"approve", "return"}:
        abort(400)
    versions = versions_from(form)
    chosen = RecordFilter.read(form)
    reason = form.get("reason", "")
    try:
        decided = registry().declarations.decide(
            actor(),
            versions,
            approve=decision == "approve",
            reason=reason,
            default_policy=default_policy(),
            at=now(),
        )
    except RegistryError as exc:
        retry = _retry(exc, versions, reason)
        if retry is None:
            raise
        return records_page(template, decide_endpoint, page_endpoint, retry)
    verb = "通过" if decision == "approve" else "退回"
    flash(f"已{verb} {len(decided)} 条记录。", "success")
    return redirect(url_for(page_endpoint, **chosen.args))


def _retry(exc: RegistryError, versions: dict[int, int], reason: str) -> Retry | None:
    """How a refused decision is shown again (None: not the form's fault, raise it)."""
    checked = frozenset(versions)
    if exc.reason == "changed":
        return Retry(reason=reason, alert=CHANGED_ZH)
    known = _FORM_ERRORS.get(exc.reason)
    if known is None:
        return None
    name, message = known
    return Retry(checked, reason, {name: message})


# -- applications for the year's certificate ----------------------------------------------


@dataclass(frozen=True, slots=True)
class ApplicationRow:
    """One application as a queue shows it, with the applicant's hours for the year."""

    application: Application
    standing: Standing


def applications_page(
    template: str, decide_endpoint: str, page_endpoint: str, retry: Retry | None = None
) -> tuple[str, int]:
    """The applications waiting for the actor (the employer's, then the bureau's)."""
    who = actor()
    after = (read_int(request.args, "after", 0) or 0) if request.method == "GET" else 0
    reg = registry()
    page: Page[Application] = reg.applications.queue(who, after=after, limit=PAGE_SIZE)
    policy = default_policy()
    rows = [
        ApplicationRow(a, standing(reg, a.id_number, a.name, year=a.year, default_policy=policy))
        for a in page.items
    ]
    retry = retry or Retry()
    status = 409 if retry.alert else 400 if retry.errors else 200
    return render_template(
        template,
        role=who.role.value,
        page=page,
        rows=rows,
        retry=retry,
        errors=retry.errors,
        decide_endpoint=decide_endpoint,
        page_endpoint=page_endpoint,
    ), status


def decide_applications(
    template: str, page_endpoint: str, decide_endpoint: str
) -> ResponseReturnValue:
    """Approve or return the checked applications with the form's one reason."""
    form = request.form
    decision = form.get("decision", "")
    if decision not in {"approve", "return"}:
        abort(400)
    versions = versions_from(form)
    reason = form.get("reason", "")
    try:
        decided = registry().applications.decide(
            actor(), versions, approve=decision == "approve", reason=reason, at=now()
        )
    except RegistryError as exc:
        retry = _retry(exc, versions, reason)
        if retry is None:
            raise
        return applications_page(template, decide_endpoint, page_endpoint, retry)
    verb = "同意" if decision == "approve" else "退回"
    flash(f"已{verb} {len(decided)} 份申请。", "success")
    return redirect(url_for(page_endpoint))


__all__ = [
    "CHANGED_ZH",
    "PAGE_SIZE",
    "ApplicationRow",
    "RecordFilter",
    "RecordRow",
    "Retry",
    "action_zh",
    "applications_page",
    "decide_applications",
    "decide_records",
    "read_int",
    "records_page",
    "template_helpers",
    "year_choices",
]
