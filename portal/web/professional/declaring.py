"""Declaring a record with its proofs (``/me/declare``), correcting a returned one
(``/me/declarations/<id>/edit``) and withdrawing one nobody has confirmed.

The proof files are judged by their bytes and stored (by their SHA-256: storing again
changes nothing, a file no record names is harmless) before the registry's transaction,
which names them; the form's token makes a double-clicked submit declare once."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from werkzeug.wrappers.response import Response as BaseResponse

from portal.web.fields import Fields
from portal.web.professional import bp
from portal.web.professional.record_form import (
    ACHIEVEMENTS,
    CATEGORIES,
    KINDS,
    ROLES,
    Upload,
    form_values,
    read_record,
    read_uploads,
)
from portal.web.professional.year import chosen_year, years
from portal.web.session import actor, form_token, now, proof_files, registry
from registry import RegistryError
from registry.portal import MAX_PROOFS, DeclarationState, Proof, check_proof


def _page(
    *, values: dict[str, str], errors: dict[str, str], token: str, declaration: Any = None
) -> tuple[str, int]:
    return render_template(
        "professional/declare.html",
        values=values,
        errors=errors,
        token=token,
        declaration=declaration,
        years=years(),
        categories=CATEGORIES,
        kinds=KINDS,
        achievements=sorted(ACHIEVEMENTS),
        roles=ROLES,
        max_proofs=MAX_PROOFS,
    ), 400 if errors else 200


def _token() -> str:
    token = request.form.get("token", "")
    if not 16 <= len(token) <= 64 or not token.isascii():
        abort(400)
    return token


def _store(uploads: list[Upload]) -> list[Proof]:
    """Store the checked files (before the transaction that names them)."""
    files = proof_files()
    proofs = []
    for upload in uploads:
        proof = check_proof(upload.data, upload.filename)
        files.store(upload.data)
        proofs.append(proof)
    return proofs


def _shown(form: Any) -> dict[str, str]:
    return {k: v for k, v in form.items() if k not in {"csrf_token", "token", "version"}}


@bp.route("/declare", methods=["GET", "POST"])
def declare() -> BaseResponse | tuple[str, int]:
    if request.method == "GET":
        year = chosen_year(request.args.get("year"))
        return _page(values={"year": str(year)}, errors={}, token=form_token())
    token = _token()
    fields = Fields(request.form)
    me = actor()
    record = read_record(fields, id_number=me.scope, years=years(), today=now().date())
    uploads = read_uploads(fields, request.files.getlist("proofs"), required=True)
    if record is None or not fields.ok:
        return _page(values=_shown(request.form), errors=fields.errors, token=token)
    proofs = _store(uploads)
    declared = registry().declarations.declare(me, record, proofs=proofs, token=token, at=now())
    flash(f"“{declared.record.title}”已提交，待单位初审。", "success")
    return redirect(url_for("professional.year", year=declared.record.year))


@bp.route("/declarations/<int:ident>/edit", methods=["GET", "POST"])
def edit(ident: int) -> BaseResponse | tuple[str, int]:
    """Correct a returned record and send it back to the employer (more proofs may be
    added; those it has stay)."""
    me = actor()
    declaration = registry().declarations.declaration(me, ident)
    if request.method == "GET":
        if declaration.state is not DeclarationState.RETURNED:
            flash("只有被退回的记录可以修改。", "info")
            return redirect(url_for("professional.year", year=declaration.record.year))
        return _page(
            values=form_values(declaration.record), errors={}, token="", declaration=declaration
        )
    version_text = request.form.get("version", "")
    if not (version_text.isascii() and version_text.isdigit()):
        abort(400)
    version = int(version_text)
    fields = Fields(request.form)
    record = read_record(fields, id_number=me.scope, years=years(), today=now().date())
    uploads = read_uploads(
        fields, request.files.getlist("proofs"), required=False, have=len(declaration.proofs)
    )
    if record is None or not fields.ok:
        return _page(
            values=_shown(request.form), errors=fields.errors, token="", declaration=declaration
        )
    proofs = _store(uploads)
    try:
        again = registry().declarations.resubmit(
            me, ident, record, version=version, proofs=proofs, at=now()
        )
    except RegistryError as exc:
        # A double-clicked resubmit: the first one moved the record on by one version.
        current = registry().declarations.declaration(me, ident)
        if not (
            exc.reason == "changed"
            and current.state is DeclarationState.DECLARED
            and current.version == version + 1
        ):
            raise
        again = current
    flash(f"“{again.record.title}”已重新提交，待单位初审。", "success")
    return redirect(url_for("professional.year", year=again.record.year))


@bp.post("/declarations/<int:ident>/withdraw")
def withdraw(ident: int) -> BaseResponse:
    version_text = request.form.get("version", "")
    if not (version_text.isascii() and version_text.isdigit()):
        abort(400)
    withdrawn = registry().declarations.withdraw(
        actor(), ident, version=int(version_text), at=now()
    )
    flash(f"“{withdrawn.record.title}”已撤回，不再审核，也不计入学时。", "success")
    return redirect(url_for("professional.year", year=withdrawn.record.year))


__all__ = ["declare", "edit", "withdraw"]
