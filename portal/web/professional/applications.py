"""The professional's applications for the year's certificate (``/me/applications``) and
their certificates (``/me/certificates``), each PDF downloaded only by its holder."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from werkzeug.wrappers.response import Response as BaseResponse

from portal.web.downloads import attachment, certificate_pdf
from portal.web.professional import bp
from portal.web.session import actor, now, registry
from registry.model import DocumentStatus
from registry.portal import ApplicationState

WITHDRAWABLE = frozenset({ApplicationState.SUBMITTED, ApplicationState.EMPLOYER_APPROVED})
APPLICATION_KINDS = {
    ApplicationState.SUBMITTED: "wait",
    ApplicationState.EMPLOYER_APPROVED: "wait",
    ApplicationState.APPROVED: "wait",
    ApplicationState.ISSUED: "ok",
    ApplicationState.REFUSED: "bad",
    ApplicationState.RETURNED: "bad",
    ApplicationState.WITHDRAWN: "muted",
}
DOCUMENT_STATUS_ZH = {
    DocumentStatus.CURRENT: ("有效", "ok"),
    DocumentStatus.SUPERSEDED: ("已由新版本取代", "muted"),
    DocumentStatus.REVOKED: ("已撤销", "bad"),
}


@bp.get("/applications")
def applications() -> str:
    me = actor()
    return render_template(
        "professional/applications.html",
        applications=registry().applications.of_person(me, me.scope),
        withdrawable=WITHDRAWABLE,
        kinds=APPLICATION_KINDS,
    )


@bp.post("/applications/<int:ident>/withdraw")
def withdraw_application(ident: int) -> BaseResponse:
    version_text = request.form.get("version", "")
    if not (version_text.isascii() and version_text.isdigit()):
        abort(400)
    withdrawn = registry().applications.withdraw(
        actor(), ident, version=int(version_text), at=now()
    )
    flash(f"{withdrawn.year} 年度的证书申请已撤回。", "success")
    return redirect(url_for("professional.applications"))


@bp.get("/certificates")
def certificates() -> str:
    me = actor()
    documents = sorted(
        registry().documents(id_number=me.scope),
        key=lambda d: (d.year, d.number, d.edition),
        reverse=True,
    )
    waiting = [
        a
        for a in registry().applications.of_person(me, me.scope)
        if a.state is ApplicationState.APPROVED
    ]
    return render_template(
        "professional/certificates.html",
        documents=documents,
        waiting=waiting,
        statuses=DOCUMENT_STATUS_ZH,
    )


@bp.get("/certificates/<number>/<int:edition>.pdf")
def certificate(number: str, edition: int) -> BaseResponse:
    """The PDF of one of the person's own documents (404 for anyone else's: whether it
    exists is not theirs to learn)."""
    document = registry().document(number, edition)
    if document is None or document.id_number != actor().scope:
        abort(404)
    return attachment(certificate_pdf(document), f"{number}-{edition}.pdf", "application/pdf")


__all__ = ["applications", "certificate", "certificates", "withdraw_application"]
