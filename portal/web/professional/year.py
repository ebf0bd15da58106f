"""The professional's year page (``/me``) and applying for the year's certificate
(``/me/apply``): the records declared, where each stands, and the live result of the year's
rules; the application only once they are met, judged again on the server."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from werkzeug.wrappers.response import Response as BaseResponse

from portal.web.errors import error_page
from portal.web.professional import bp
from portal.web.professional.results import year_result
from portal.web.session import actor, default_policy, form_token, now, registry
from registry.model import Person
from registry.portal import DeclarationState

YEARS_SHOWN = 6
"""Years offered by the selector: this one and the five before it."""
_KINDS = {
    DeclarationState.DECLARED: "wait",
    DeclarationState.REVIEWED: "wait",
    DeclarationState.CONFIRMED: "ok",
    DeclarationState.RETURNED: "bad",
    DeclarationState.WITHDRAWN: "muted",
}


def years() -> list[int]:
    """The years a person may look at and declare for, newest first."""
    this = now().year
    return list(range(this, this - YEARS_SHOWN, -1))


def chosen_year(text: str | None) -> int:
    """The year asked for (default: last year, the one people usually complete); 404 for a
    year the selector does not offer."""
    if not text:
        return now().year - 1
    if not (text.isascii() and text.isdigit()) or int(text) not in years():
        abort(404)
    return int(text)


def me() -> Person:
    person = registry().person(actor().scope)
    if person is None:  # registered people always have a row: the registry makes it
        abort(403)
    return person


@bp.get("")
def year() -> str:
    chosen = chosen_year(request.args.get("year"))
    person = me()
    declarations = registry().declarations.of_person(actor(), person.id_number, year=chosen)
    applications = [
        a for a in registry().applications.of_person(actor(), person.id_number) if a.year == chosen
    ]
    open_application = next((a for a in applications if a.state.open), None)
    return render_template(
        "professional/year.html",
        person=person,
        year=chosen,
        years=years(),
        declarations=declarations,
        badge_kinds=_KINDS,
        result=year_result(registry(), person, chosen, default_policy()),
        open_application=open_application,
        token=form_token(),
    )


@bp.post("/apply")
def apply() -> BaseResponse | tuple[str, int]:
    """Apply for the year's certificate: the rules judged again here, whatever the page
    showed; the form's token applies once."""
    chosen = chosen_year(request.form.get("year"))
    token = request.form.get("token", "")
    if not 16 <= len(token) <= 64:
        abort(400)
    result = year_result(registry(), me(), chosen, default_policy())
    if result.refusal is not None:
        return error_page(
            400, result.refusal, result.refusal_reason or "not_judged",
            "请联系本单位或人社局，确认您本年度适用的学时规定。",
        )  # fmt: skip
    if not result.met:
        return error_page(
            400,
            f"{chosen} 年度学时要求尚未完成：" + "；".join(result.missing) + "。",
            "hours_not_met",
            "请继续申报学时；记录经认定后计入，完成要求后再申请。",
        )
    registry().applications.apply(actor(), year=chosen, token=token, at=now())
    flash(f"{chosen} 年度证书申请已提交，待单位审核。", "success")
    return redirect(url_for("professional.applications"))


__all__ = ["chosen_year", "me", "years"]
