"""The employer's pages (用人单位, ``/employer``): its registration with the bureau, its staff's
registrations, the first review of their declared records and of their applications, who
among its staff is behind on the year's hours, and its staff's certificates.

Until the bureau has approved the employer's own registration only the landing page opens:
every other page sends it there, where it reads what to wait for. The decisions are the
store's (:mod:`portal.web.review_queue` for the two queues); the certificate download checks
that the holder is enrolled with this employer before a byte is read.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, render_template, request
from flask.typing import ResponseReturnValue

from portal.web import downloads
from portal.web.organisation_gate import approved_first, own_organisation
from portal.web.registration_review import RegistrationQueue
from portal.web.review_queue import (
    applications_page,
    decide_applications,
    decide_records,
    read_int,
    records_page,
    template_helpers,
    year_choices,
)
from portal.web.session import actor, default_policy, now, registry, require_role
from portal.web.staff_hours import Standing, scan_staff, standing
from registry.documents import DocumentRecord
from registry.portal import Approval, PortalRole
from registry.portal.values import Enrolment, Page
from webcore.auth import check_csrf

bp = Blueprint("employer", __name__)
bp.before_request(require_role(PortalRole.EMPLOYER))
bp.context_processor(template_helpers)


@bp.before_request
def _csrf() -> None:
    """POSTs carry the session's CSRF token."""
    if request.method == "POST":
        check_csrf()


bp.before_request(approved_first("employer.index", "本单位"))


# -- the landing page -------------------------------------------------------------------------


@bp.get("/")
def index() -> ResponseReturnValue:
    who = actor()
    found = own_organisation()
    counts: dict[str, Page[Any]] = {}
    if found is not None and found.state is Approval.APPROVED:
        reg = registry()
        counts = {
            "staff": reg.registrations.staff(who, state=Approval.PENDING, limit=1),
            "records": reg.declarations.queue(who, limit=1),
            "applications": reg.applications.queue(who, limit=1),
            "people": reg.registrations.staff(who, state=Approval.APPROVED, limit=1),
        }
    return render_template(
        "employer/index.html", employer=found, credit_code=who.scope, counts=counts
    )


# -- staff registrations ----------------------------------------------------------------------


_STAFF = RegistrationQueue(
    template="employer/staff.html",
    page_endpoint="employer.staff",
    key="id_number",
    seen_by="本人",
    approved_zh="已通过{name}的注册，本人现在可以申报学时。",
    refused_zh="已不予通过{name}的注册，理由已告知本人。",
    pending=lambda reg, who, after, limit: reg.registrations.staff(
        who, state=Approval.PENDING, after=after, limit=limit
    ),
    decide=lambda reg: reg.registrations.decide_person,
)


@bp.get("/staff")
def staff() -> ResponseReturnValue:
    return _STAFF.page(actor())


@bp.post("/staff/decide")
def decide_staff() -> ResponseReturnValue:
    """Approve or refuse one staff registration (a refusal needs a reason)."""
    return _STAFF.decide_form(actor())


# -- declared records and applications ----------------------------------------------------------


@bp.get("/records")
def records() -> ResponseReturnValue:
    return records_page("employer/records.html", "employer.decide_records", "employer.records")


@bp.post("/records/decide", endpoint="decide_records")
def decide_records_form() -> ResponseReturnValue:
    return decide_records("employer/records.html", "employer.records", "employer.decide_records")


@bp.get("/applications")
def applications() -> ResponseReturnValue:
    return applications_page(
        "employer/applications.html", "employer.decide_applications", "employer.applications"
    )


@bp.post("/applications/decide", endpoint="decide_applications")
def decide_applications_form() -> ResponseReturnValue:
    return decide_applications(
        "employer/applications.html", "employer.applications", "employer.decide_applications"
    )


# -- who is behind ----------------------------------------------------------------------------


@bp.get("/behind")
def behind() -> ResponseReturnValue:
    """Approved staff short of the year's hours, by how much (a bounded walk per page)."""
    who = actor()
    year = read_int(request.args, "year", None) or now().year
    if not 1990 <= year <= 2100:
        abort(400)
    after = read_int(request.args, "after", 0) or 0
    reg = registry()
    policy = default_policy()

    def short(enrolment: Enrolment) -> Standing | None:
        found = standing(reg, enrolment.id_number, enrolment.name, year=year,
                         default_policy=policy)  # fmt: skip
        return None if found.met else found

    scan = scan_staff(reg, who, short, after=after)
    return render_template(
        "employer/behind.html",
        scan=scan,
        year=year,
        years=year_choices(year),
        first=after == 0,
    )


# -- certificates -------------------------------------------------------------------------------


@bp.get("/certificates")
def certificates() -> ResponseReturnValue:
    """Approved staff's certificates (every edition, newest year first), a walk at a time."""
    who = actor()
    after = read_int(request.args, "after", 0) or 0
    reg = registry()

    def held(enrolment: Enrolment) -> tuple[Enrolment, list[DocumentRecord]] | None:
        documents = reg.documents(id_number=enrolment.id_number)
        documents.sort(key=lambda d: (-d.year, d.number, -d.edition))
        return (enrolment, documents) if documents else None

    scan = scan_staff(reg, who, held, after=after)
    return render_template("employer/certificates.html", scan=scan, first=after == 0)


@bp.get("/certificates/<number>/<int:edition>.pdf")
def certificate_pdf(number: str, edition: int) -> ResponseReturnValue:
    """One edition's PDF, when its holder is enrolled with this employer (403 otherwise, the
    same answer as for a number that does not exist), as an attachment; the bytes served are
    the ones the registry recorded (:func:`portal.web.downloads.certificate_pdf` checks their
    SHA-256)."""
    if not (number.isascii() and number.isalnum() and len(number) <= 40):
        abort(404)
    reg = registry()
    document = reg.document(number, edition)
    if document is None:
        abort(403)
    enrolment = reg.registrations.enrolment(actor(), document.id_number)
    if enrolment.state is not Approval.APPROVED:
        abort(403)
    data = downloads.certificate_pdf(document)
    name = f"{document.number}-{document.edition}.pdf"
    return downloads.attachment(data, name, "application/pdf")


__all__ = ["bp"]
