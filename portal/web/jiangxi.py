"""Jiangxi's one person, one certificate, one card (``/jiangxi``, notice 004 §7, §12–§14):
the employer prints each staff member's registration card and the year's summary form that
goes with its verification request; the bureau prints an employer's summary form and records
its verification of the batch (验证专用章), which the cards then show. Other provinces see
that the forms are not theirs.
"""

from __future__ import annotations

from collections.abc import Sequence

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from werkzeug.wrappers.response import Response as BaseResponse

from portal.web.downloads import attachment
from portal.web.fields import without_english
from portal.web.review_queue import read_int
from portal.web.session import actor, default_policy, form_token, now, registry, require_role
from registry import CHINA_TZ, RegistryError
from registry.forms.values import SummaryRow, Verified, is_jiangxi
from registry.model import Activity, Category, Person
from registry.places import covers
from registry.portal import Actor, Approval, PortalRole
from registry.portal.standing import judge_year
from registry.portal.values import Organisation
from registry.store.scope import region_range
from webcore.auth import check_csrf

bp = Blueprint("jiangxi", __name__)
bp.before_request(require_role(PortalRole.EMPLOYER, PortalRole.BUREAU))


@bp.before_request
def _csrf() -> None:
    if request.method == "POST":
        check_csrf()


def _year() -> int:
    year = read_int(request.args, "year", None)
    return year if year is not None and 1990 <= year <= 2100 else now().year - 1


def _employers(who: Actor) -> list[Organisation]:
    """The employers whose forms ``who`` may print: its own, or a bureau's approved ones."""
    reg = registry()
    if who.role is PortalRole.EMPLOYER:
        try:
            return [reg.registrations.employer(who.scope)]
        except RegistryError:
            return []
    low, high = region_range(who.scope)
    return [e for e in reg.registrations.employers() if low <= e.region <= high]


def _employer(who: Actor, credit_code: str) -> Organisation:
    found = next((e for e in _employers(who) if e.credit_code == credit_code), None)
    if found is None or found.state is not Approval.APPROVED:
        abort(403)
    return found


def _staff(who: Actor, credit_code: str) -> list[Person]:
    reg = registry()
    employer = Actor(who.username, PortalRole.EMPLOYER, credit_code)
    people: list[Person] = []
    after: int | None = 0
    while after is not None:
        page = reg.registrations.staff(employer, state=Approval.APPROVED, after=after, limit=200)
        for enrolment in page.items:
            person = reg.person(enrolment.id_number)
            if person is not None:
                people.append(person)
        after = page.after
    return people


@bp.get("/")
def index() -> ResponseReturnValue:
    who, year = actor(), _year()
    employers = [e for e in _employers(who) if e.state is Approval.APPROVED]
    jiangxi = is_jiangxi(who.scope) or any(is_jiangxi(e.region) for e in employers)
    staff = _staff(who, who.scope) if who.role is PortalRole.EMPLOYER and employers else []
    reg = registry()
    return render_template(
        "jiangxi.html", who=who, year=year, jiangxi=jiangxi,
        employers=[e for e in employers if is_jiangxi(e.region)], staff=staff,
        batches={e.credit_code: reg.verifications.of_employer(e.credit_code) for e in employers},
        token=form_token(),
    )  # fmt: skip


@bp.get("/cards/<id_number>.pdf")
def card(id_number: str) -> BaseResponse:
    """A staff member's registration card (登记卡), for the employer or the bureau."""
    from registry.forms.jiangxi import registration_card

    who = actor()
    reg = registry()
    person = reg.person(id_number)
    if person is None or not is_jiangxi(person.region):
        abort(404)
    if who.role is PortalRole.EMPLOYER:
        if person.id_number not in {p.id_number for p in _staff(who, who.scope)}:
            abort(403)
    elif not covers(who.scope, person.region):
        abort(403)
    pdf = registration_card(
        person, person.employer, reg.activities(id_number), reg.verifications.of_person(id_number),
        made=now().astimezone(CHINA_TZ).date(),
    )  # fmt: skip
    return attachment(pdf, f"继续教育登记卡-{person.name}.pdf", "application/pdf")


@bp.get("/summaries/<credit_code>/<int:year>.pdf")
def summary(credit_code: str, year: int) -> BaseResponse:
    """An employer's summary form (登记汇总表) of ``year``, for it or its bureau."""
    from registry.forms.jiangxi import summary_form

    who = actor()
    employer = _employer(who, credit_code)
    if not is_jiangxi(employer.region):
        abort(404)
    reg = registry()
    rows = [_summary_row(person, reg.activities(person.id_number, year=year), year)
            for person in _staff(who, credit_code)]  # fmt: skip
    batches = [b for b in reg.verifications.of_employer(credit_code) if b.year == year]
    seal = (Verified(year, batches[0].verified_at.astimezone(CHINA_TZ).date(),
                     batches[0].verified_by) if batches else None)  # fmt: skip
    pdf = summary_form(employer.name, credit_code, year, rows, seal,
                       made=now().astimezone(CHINA_TZ).date())  # fmt: skip
    return attachment(pdf, f"继续教育情况登记汇总表-{year}.pdf", "application/pdf")


def _summary_row(person: Person, activities: Sequence[Activity], year: int) -> SummaryRow:
    """A person's line: the confirmed hours of each category as recorded, and whether the
    rules judge the year met."""
    records = [a for a in activities if a.counts]
    minutes = {c: sum(a.minutes for a in records if a.category is c) for c in Category}
    judged = judge_year(person, records, year=year, default_policy=default_policy())
    return SummaryRow(person, minutes, None if judged.problem else judged.met)


@bp.post("/verify")
def verify() -> ResponseReturnValue:
    """The bureau records its verification of an employer's staff for a year."""
    who = actor()
    if who.role is not PortalRole.BUREAU:
        abort(403)
    year = read_int(request.form, "year", None)
    if year is None:
        abort(400)
    try:
        done = registry().verifications.verify(
            who, request.form.get("credit_code", ""), year=year,
            token=request.form.get("token", ""), at=now(),
        )  # fmt: skip
    except RegistryError as exc:
        if exc.reason == "forbidden":
            raise
        flash(without_english(exc.message), "error")
    else:
        flash(f"已验证 {done.people} 人的 {year} 年度继续教育情况（验证专用章）。", "success")
    return redirect(url_for("jiangxi.index", year=year))


__all__ = ["bp"]
