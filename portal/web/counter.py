"""The bureau's counter (``/counter``, 窗口): find a holder, see their certificate's editions
and the counter's actions on it, ask for a reissue, renewal, correction or revocation, and
approve or refuse what another clerk asked where a second clerk must (dual control).

Views are thin: the store (:class:`registry.store.counter.CounterDesk`) checks scope, fields,
versions and who may approve; the signer (``cecert issue --requests``) does the action and
the page shows the new edition once it exists, printable from here.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from portal.web import UPLOAD_LIMIT
from portal.web.downloads import attachment, certificate_pdf
from portal.web.fields import Fields
from portal.web.professional.record_form import Upload, read_uploads
from portal.web.session import actor, form_token, now, proof_files, registry, require_role
from registry import RegistryError, mask_id_number
from registry.model import DocumentStatus, RevocationReason
from registry.portal import PortalRole, Proof, check_proof
from registry.portal.counter import REISSUE_REASON_ZH, CounterKind, CounterState
from registry.store.records import activity_row
from webcore.auth import check_csrf

bp = Blueprint("counter", __name__)
bp.before_request(require_role(PortalRole.BUREAU))

_STATE_KIND = {
    CounterState.AWAITING_SECOND: "wait",
    CounterState.QUEUED: "wait",
    CounterState.DONE: "ok",
    CounterState.FAILED: "bad",
    CounterState.REFUSED: "bad",
    CounterState.WITHDRAWN: "muted",
}


@bp.before_request
def _limits_and_csrf() -> None:
    """After the login gate: the certificate form may carry re-proof files (the larger
    body limit); every POST's CSRF token."""
    if request.endpoint == "counter.certificate":
        request.max_content_length = UPLOAD_LIMIT
        request.max_form_memory_size = 1024 * 1024
    if request.method == "POST":
        check_csrf()


@bp.context_processor
def _helpers() -> dict[str, Any]:
    return {
        "kinds": list(CounterKind),
        "reissue_reasons": REISSUE_REASON_ZH,
        "revocation_reasons": {r.value: r.label_zh for r in RevocationReason},
        "state_kind": _STATE_KIND,
        "masked": mask_id_number,
    }


@bp.get("/")
def index() -> ResponseReturnValue:
    """Find a holder; what waits for a second clerk."""
    query = request.args.get("q", "").strip()
    name = request.args.get("name", "").strip()
    employer = request.args.get("employer", "").strip()
    found, error = None, None
    if query:
        try:
            found = registry().counter.find(actor(), query, name=name, employer=employer)
        except RegistryError as exc:
            error = exc.message
    waiting = registry().counter.awaiting_second(actor(), limit=1)
    status = 400 if error else 200
    return render_template(
        "counter/index.html", query=query, name=name, employer=employer, found=found,
        errors={"q": error} if error else {}, waiting=waiting,
    ), status  # fmt: skip


@bp.route("/certificates/<number>", methods=["GET", "POST"])
def certificate(number: str) -> ResponseReturnValue:
    """A certificate at the counter: its holder, its editions, the counter's actions on it,
    and the form asking for one."""
    reg = registry()
    history = _history(number)
    holder = reg.person(history[-1].id_number)
    if holder is None:  # pragma: no cover - a certificate's holder is always a person
        abort(404)
    errors: dict[str, str] = {}
    typed: dict[str, str] = {}
    reproven = request.form.getlist("reproven")
    if request.method == "POST":
        typed = {k: request.form.get(k, "") for k in ("kind", "reason", "note", "name", "id")}
        fields = Fields(request.form)
        uploads = read_uploads(fields, request.files.getlist("proofs"), required=False)
        errors |= fields.errors
        try:
            kind = CounterKind(typed["kind"])
        except ValueError:
            errors["kind"] = "请选择要办理的业务"
        if not errors:
            try:
                asked = reg.counter.request(
                    actor(), kind=kind, number=number, token=request.form.get("token", ""),
                    at=now(), reason=typed["reason"], note=typed["note"],
                    name=typed["name"] or None, id_number=typed["id"] or None,
                    reproven=reproven, proofs=_store(uploads),
                    accept_shortfall=request.form.get("accept_shortfall") == "yes",
                )  # fmt: skip
            except RegistryError as exc:
                errors[_field_of(exc)] = _said(exc)
            else:
                if asked.state is CounterState.AWAITING_SECOND:
                    flash(f"已提交{kind.label_zh}，须由另一名工作人员复核同意后办理。", "success")
                else:
                    flash(f"已受理{kind.label_zh}，签发后可在下方打印新证书。", "success")
                return redirect(url_for("counter.certificate", number=history[-1].number))
    return render_template(
        "counter/certificate.html",
        holder=holder,
        history=history,
        actions=reg.counter.of_number(actor(), history[-1].number),
        records=reg.activities(holder.id_number, year=history[-1].year),
        fingerprint=lambda record: activity_row(record)["fingerprint"],
        reproven=set(reproven),
        revoked=next((d for d in history if d.status is DocumentStatus.REVOKED), None),
        errors=errors,
        typed=typed,
        token=form_token(),
    ), 400 if errors else 200


@bp.get("/certificates/<number>/<int:edition>.pdf")
def pdf(number: str, edition: int) -> ResponseReturnValue:
    """An edition's PDF, to print at the counter."""
    document = next((d for d in _history(number) if d.edition == edition), None)
    if document is None:
        abort(403)
    filename = f"继续教育证书-{document.number}-第{document.edition}版.pdf"
    return attachment(certificate_pdf(document), filename, "application/pdf")


@bp.get("/second")
def second() -> ResponseReturnValue:
    """What other clerks asked that waits for a second clerk."""
    return _second_page()


@bp.post("/second/<int:ident>")
def decide(ident: int) -> ResponseReturnValue:
    """Approve or refuse one action (the version shown), or a whole list of revocations; the
    clerk who asked may withdraw it instead."""
    decision = request.form.get("decision", "")
    version = request.form.get("version", "")
    known = {"approve", "refuse", "approve_batch", "withdraw"}
    if decision not in known or not (version.isascii() and version.isdigit()):
        abort(400)
    reason = request.form.get("reason", "")
    try:
        counter = registry().counter
        batch = counter.action(actor(), ident).batch if decision == "approve_batch" else None
        if batch is not None:
            done = counter.approve_batch(actor(), batch, at=now())
            flash(f"已同意撤销名单中的 {len(done)} 个证书，将由签发服务办理。", "success")
        elif decision == "withdraw":
            counter.withdraw(actor(), ident, version=int(version), at=now())
            flash("已撤回，此业务不再办理。", "success")
        elif decision != "refuse":  # one action (a batch button on a single one: that one)
            counter.approve(actor(), ident, version=int(version), at=now())
            flash("已同意，将由签发服务办理。", "success")
        else:
            counter.refuse(actor(), ident, version=int(version), reason=reason, at=now())
            flash("已不同意，理由已告知提交的工作人员。", "success")
    except RegistryError as exc:
        if exc.reason == "forbidden":
            abort(403)
        status = 400 if exc.reason == "reason_required" else 409
        return _second_page(alert=exc.message, failed=ident, typed=reason, status=status)
    return redirect(url_for("counter.second"))


@bp.route("/revocations", methods=["GET", "POST"])
def revocations() -> ResponseReturnValue:
    """A list of numbers to revoke (pasted, one a line, or a CSV of one column), as one
    request a second clerk approves."""
    errors: dict[str, str] = {}
    typed = {k: request.form.get(k, "") for k in ("numbers", "reason", "note")}
    if request.method == "POST":
        numbers = [line.split(",")[0].strip() for line in typed["numbers"].splitlines()]
        numbers = [n for n in numbers if n and n not in {"证书编号", "number"}]
        try:
            asked = registry().counter.request_revocations(
                actor(), numbers, reason=typed["reason"], note=typed["note"],
                token=request.form.get("token", ""), at=now(),
            )  # fmt: skip
        except RegistryError as exc:
            field = _field_of(exc) if exc.reason == "bad_counter_action" else "numbers"
            errors[field] = _said(exc)
        else:
            flash(
                f"已提交撤销名单（{len(asked)} 个证书），须由另一名工作人员复核同意后办理。",
                "success",
            )
            return redirect(url_for("counter.second"))
    return render_template(
        "counter/revocations.html", errors=errors, typed=typed, token=form_token()
    ), 400 if errors else 200


def _second_page(
    *, alert: str | None = None, failed: int | None = None, typed: str = "", status: int = 200
) -> ResponseReturnValue:
    after = request.args.get("after", "0")
    start = int(after) if after.isascii() and after.isdigit() else 0
    page = registry().counter.awaiting_second(actor(), after=start)
    return render_template(
        "counter/second.html", page=page, alert=alert, failed=failed, typed=typed,
        me=actor().username,
    ), status  # fmt: skip


def _history(number: str) -> list[Any]:
    """The editions of ``number``, oldest first, when a holder of the clerk's region has it
    (403 otherwise, absent or another region's alike, as every portal route answers)."""
    try:
        found = registry().counter.find(actor(), number)
    except RegistryError:
        abort(403)
    if not found:
        abort(403)
    return registry().history(found[0].number or number)


def _store(uploads: list[Upload]) -> list[Proof]:
    """Store the checked files the holder brought (before the transaction naming them)."""
    files = proof_files()
    proofs = []
    for upload in uploads:
        files.store(upload.data)
        proofs.append(check_proof(upload.data, upload.filename))
    return proofs


def _said(exc: RegistryError) -> str:
    """What the clerk reads: the store's message without the field it names first."""
    if exc.reason == "bad_counter_action":
        return exc.message.split("：", 1)[-1]
    return exc.message


def _field_of(exc: RegistryError) -> str:
    """The form field a refusal is about (the store names it first: ``note：…``)."""
    if exc.reason == "bad_counter_action":
        field = exc.message.split("：", 1)[0]
        return {"id_number": "id"}.get(field, field)
    if exc.reason in {"bad_id_number", "bad_person"}:
        return "id"
    if exc.reason in {"too_many_proofs", "proof_empty", "proof_too_large", "proof_wrong_type"}:
        return "proofs"
    return "kind"


__all__ = ["bp"]
