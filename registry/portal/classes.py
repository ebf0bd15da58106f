"""Training providers' classes (办班计划): what a provider files, the lead time a face-to-face
class needs, who approves a plan, and what its roster's records are. Pure: the store is
:mod:`registry.store.class_plans` and :mod:`registry.store.rosters`.

Notice 001 七: a provider (施教机构, or an employer running its own class) files the plan of a
face-to-face professional class in the system before the class opens; the industry authority
reviews it and the HR bureau keeps it on file. Notice 001 三: the hours of a filed
face-to-face class are declared by the system when the class ends, the person declares
nothing. cecert decides (``docs/decisions.md``, "Training providers"): a face-to-face plan is
filed at least :data:`LEAD_DAYS` days before it starts; it is approved by the authority of
its sector or by a bureau covering the provider; once the class has ended the provider
uploads its roster, and each attendee's record is written confirmed, by whom approved the plan
(that approval stands for the confirmation the record would otherwise wait for), with the
provider as its source.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from keys import CHINA_TZ
from registry.errors import RegistryError
from registry.model import Activity, Category, Confirmer, RecordStatus, check_text
from registry.portal.roles import PortalRole
from registry.series import sector_names

LEAD_DAYS = 30
"""Days a face-to-face class is filed before it starts, at least (notice 001 七)."""
MAX_PLAN_MINUTES = 200 * 60
"""Hours of one class, at most: more is a typing mistake (a year's task is 72 to 90)."""
MAX_CLASS_DAYS = 366
"""Days from a class's first to its last, at most."""
MAX_TEXT = 100
"""Characters of a title, a course code or a place, at most."""


class ClassMode(StrEnum):
    """How a class is taught."""

    FACE_TO_FACE = "face_to_face"
    ONLINE = "online"

    @property
    def label_zh(self) -> str:
        return {"face_to_face": "面授", "online": "网络（远程）"}[self.value]

    @property
    def record_kind(self) -> str:
        """The ``Activity.kind`` its attendees' records carry (the kinds the rules name)."""
        return {"face_to_face": "face_to_face", "online": "online_course"}[self.value]


class PlanState(StrEnum):
    """Where a class plan stands: waiting for approval, approved (the class runs), refused
    (with the reason), withdrawn by the provider before a decision, or closed (its roster is
    in: its records are made)."""

    PENDING = "pending"
    APPROVED = "approved"
    REFUSED = "refused"
    WITHDRAWN = "withdrawn"
    CLOSED = "closed"

    @property
    def label_zh(self) -> str:
        return _PLAN_ZH[self]


_PLAN_ZH = {
    PlanState.PENDING: "待审核",
    PlanState.APPROVED: "已备案，待上传名单",
    PlanState.REFUSED: "未通过",
    PlanState.WITHDRAWN: "已撤回",
    PlanState.CLOSED: "名单已上传，学时已认定",
}
_CONFIRMER_OF = {
    PortalRole.AUTHORITY: Confirmer.INDUSTRY_AUTHORITY,
    PortalRole.BUREAU: Confirmer.HR_BUREAU,
}


@dataclass(frozen=True, slots=True)
class PlanFields:
    """What a provider files, checked."""

    sector: str
    title: str
    category: Category
    course_code: str
    minutes: int
    start_date: dt.date
    end_date: dt.date
    mode: ClassMode
    place: str


@dataclass(frozen=True, slots=True)
class ClassPlan:
    """A class plan as the registry holds it."""

    id: int
    provider: str
    """The provider's credit code."""
    provider_name: str
    region: str
    """The provider's region: which bureaus see and may approve it."""
    fields: PlanFields
    state: PlanState
    reason: str | None
    filed_by: str
    filed_at: dt.datetime
    decided_by: str | None
    decided_role: PortalRole | None
    roster_count: int | None
    version: int

    @property
    def confirmed_by(self) -> Confirmer | None:
        """Who confirms the roster's records: who approved the plan."""
        return _CONFIRMER_OF.get(self.decided_role) if self.decided_role else None


@dataclass(frozen=True, slots=True)
class RosterLine:
    """One attendee of a roster, as the provider gives it."""

    line: int
    """Row of the file (or item of the JSON list, from 1)."""
    id_number: str
    name: str
    minutes: int
    """Hours attended, in minutes: at most the class's."""
    score: Decimal | None


@dataclass(frozen=True, slots=True)
class Roster:
    """A roster as read: the rows that read well, and the rows that did not with why (by
    their row). The store adds what only the registry can tell and refuses the whole roster
    while any row is bad."""

    source: str
    """What messages call it: the uploaded file's name, or ``rows`` for the API."""
    lines: tuple[RosterLine, ...]
    problems: tuple[tuple[int, str], ...] = ()


def _text(value: str, label: str, field: str, *, required: bool = True) -> str:
    try:
        check_text(value, field=label)
    except RegistryError as exc:
        raise RegistryError("bad_plan", f"{field}：{exc.message}") from None
    clean = " ".join(value.split())
    if required and not clean:
        raise RegistryError("bad_plan", f"{field}：请填写{label} ({field} is required)")
    if len(clean) > MAX_TEXT:
        raise RegistryError(
            "bad_plan", f"{field}：{label}不能超过 {MAX_TEXT} 字 (at most {MAX_TEXT} characters)"
        )
    return clean


def check_plan(
    *,
    sector: str,
    title: str,
    category: Category,
    course_code: str,
    minutes: int,
    start_date: dt.date,
    end_date: dt.date,
    mode: ClassMode,
    place: str,
    at: dt.datetime,
) -> PlanFields:
    """The plan's fields, checked against the rules of filing on day ``at``. Raises
    ``RegistryError('bad_plan')`` whose message starts with the field's name: the sector
    unknown, a text empty or too long, hours out of range, the dates reversed or too far
    apart, a face-to-face class without a place or filed less than :data:`LEAD_DAYS` days
    before it starts, an online class starting before the day it is filed."""
    if sector not in sector_names():
        raise RegistryError("bad_plan", "sector：请选择所属行业 (unknown sector)")
    title = _text(title, "课程名称", "title")
    course_code = _text(course_code, "课程编号", "course_code")
    place = _text(place, "上课地点", "place", required=mode is ClassMode.FACE_TO_FACE)
    if not 0 < minutes <= MAX_PLAN_MINUTES:
        raise RegistryError(
            "bad_plan",
            f"hours：学时须大于 0、不超过 {MAX_PLAN_MINUTES // 60} "
            f"(more than 0, at most {MAX_PLAN_MINUTES // 60} hours)",
        )
    if end_date < start_date:
        raise RegistryError("bad_plan", "end_date：结束日期早于开始日期 (ends before it starts)")
    if (end_date - start_date).days >= MAX_CLASS_DAYS:
        raise RegistryError(
            "bad_plan", f"end_date：一期课程不超过 {MAX_CLASS_DAYS} 天 (at most a year long)"
        )
    today = at.astimezone(CHINA_TZ).date()
    if mode is ClassMode.FACE_TO_FACE and (start_date - today).days < LEAD_DAYS:
        earliest = today + dt.timedelta(days=LEAD_DAYS)
        raise RegistryError(
            "bad_plan",
            f"start_date：面授培训须在开班前至少 {LEAD_DAYS} 天填报办班计划，"
            f"今天填报的最早可于 {earliest.isoformat()} 开班 "
            f"(a face-to-face class is filed {LEAD_DAYS} days ahead: {earliest} at the earliest)",
        )
    if start_date < today:
        raise RegistryError(
            "bad_plan", "start_date：开始日期不能早于今天 (a plan is filed before its class)"
        )
    return PlanFields(
        sector, title, category, course_code, minutes, start_date, end_date, mode, place
    )


def attendee_record(plan: ClassPlan, line: RosterLine) -> Activity:
    """The confirmed record a roster line makes: the class's title, category, course code
    and dates, the hours attended, the provider as its source, confirmed by whom approved
    the plan."""
    fields = plan.fields
    confirmer = plan.confirmed_by
    if plan.state is not PlanState.APPROVED or confirmer is None:
        raise RegistryError(
            "plan_not_open", "办班计划未备案，不能上传名单 (the plan is not approved)"
        )
    record = Activity(
        id_number=line.id_number,
        year=fields.end_date.year,
        category=fields.category,
        kind=fields.mode.record_kind,
        title=fields.title,
        course_code=fields.course_code,
        minutes=line.minutes,
        start_date=fields.start_date,
        end_date=fields.end_date,
        provider=plan.provider_name,
        score=line.score,
        role=None,
        status=RecordStatus.CONFIRMED,
    )
    return dataclasses.replace(record, confirmed_by=confirmer)


__all__ = [
    "LEAD_DAYS",
    "ClassMode",
    "ClassPlan",
    "PlanFields",
    "PlanState",
    "Roster",
    "RosterLine",
    "attendee_record",
    "check_plan",
]
