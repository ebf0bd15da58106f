"""A class plan's form, read field by field into the checked fields the store files
(:func:`registry.portal.classes.check_plan`), and the choices it offers."""

from __future__ import annotations

import datetime as dt

from portal.web.fields import Fields, without_english
from registry import RegistryError
from registry.importing.values import parse_hours
from registry.model import Category
from registry.portal.classes import ClassMode, PlanFields, check_plan
from registry.series import sector_names

SECTORS = dict(sector_names())
"""Sector code → Chinese name: whose industry authority reviews the plan."""
CATEGORIES = {c.value: c.label_zh for c in Category}
MODES = {m.value: m.label_zh for m in ClassMode}
_FIELDS = ("hours", "sector", "title", "place", "course_code", "start_date", "end_date")


def refusal_field(exc: RegistryError) -> str:
    """The form field a refusal of the store or of :func:`check_plan` is about (its message
    starts with the field's name), else ``form``."""
    head = exc.message.split("：", 1)[0]
    return head if head in _FIELDS else "form"


def _said(exc: RegistryError) -> str:
    """The refusal without the field name it starts with."""
    return without_english(exc.message.split("：", 1)[-1])


def plan_from_form(fields: Fields, *, at: dt.datetime) -> PlanFields | None:
    """The plan the form describes, checked; None with ``fields.errors`` naming every field
    that is wrong."""
    sector = fields.choice("sector", "所属行业（由该行业主管部门审核）", SECTORS)
    title = fields.text("title", "课程名称", limit=100)
    category = fields.choice("category", "科目类别", CATEGORIES)
    course_code = fields.text("course_code", "课程编号", limit=100)
    mode = fields.choice("mode", "培训方式", MODES)
    place = fields.text("place", "上课地点", limit=100, required=mode == ClassMode.FACE_TO_FACE)
    start = fields.date("start_date", "开班日期")
    end = fields.date("end_date", "结业日期")
    minutes = None
    if fields.raw("hours"):
        try:
            minutes = parse_hours(fields.raw("hours"), "学时")
        except RegistryError:
            fields.add("hours", "学时须为数字，如 16 或 7.5。")
    else:
        fields.add("hours", "请填写学时。")
    if not fields.ok:
        return None
    if not (sector and category and mode and start and end) or minutes is None:
        return None  # pragma: no cover - every missing field is in fields.errors
    try:
        return check_plan(
            sector=sector, title=title, category=Category(category), course_code=course_code,
            minutes=minutes, start_date=start, end_date=end, mode=ClassMode(mode), place=place,
            at=at,
        )  # fmt: skip
    except RegistryError as exc:
        fields.add(refusal_field(exc), _said(exc))
        return None


__all__ = ["CATEGORIES", "MODES", "SECTORS", "plan_from_form", "refusal_field"]
