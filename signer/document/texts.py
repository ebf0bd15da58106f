"""How values read on a certificate: dates, periods, scores and activity forms in Chinese,
and the fixed notes around the QR code and the page count."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from registry.model import Activity, format_hours

ACTIVITY_FORMS = {
    "online_course": "网络课程",
    "face_to_face": "面授培训",
    "conference": "学术会议",
    "achievement": "科研成果",
    "degree": "学历教育",
    "seminar": "研修班",
    "further_study": "进修",
    "academic_exchange": "学术交流",
    "patent": "专利",
    "monograph": "著作",
    "paper": "论文",
    "project": "项目",
}
"""Chinese names of activity forms (``Activity.kind``); an unknown form is shown as is."""

QR_CAPTION = "扫描二维码验证"
"""Printed under the QR code."""
VERIFY_AT = ("本证书经发证机关电子签章，", "可扫描二维码验证，或访问", "核验真伪与状态。")
"""Printed beside the QR code when the bureau has a verification address: the address goes
on a line of its own between the second and third lines (see :func:`verify_note`)."""
VERIFY_BY_BUREAU = (
    "本证书经发证机关电子签章，",
    "可扫描二维码验证，或将本证书",
    "PDF 文件提交发证机关核验系统",
    "核验真伪与状态。",
)
"""Printed beside the QR code when the bureau has no verification address."""
PAGE_COUNT = "第1页 共1页"
"""Printed small at the bottom centre: a certificate is always one page, and says so, so
that whoever holds the sheet knows nothing is missing."""


def verify_note(verify_url: str) -> tuple[str, ...]:
    """The lines printed beside the QR code: :data:`VERIFY_AT` around ``verify_url``, or
    :data:`VERIFY_BY_BUREAU` when it is empty."""
    if not verify_url:
        return VERIFY_BY_BUREAU
    return (*VERIFY_AT[:2], verify_url, *VERIFY_AT[2:])


def chinese_date(day: dt.date) -> str:
    """``2025年12月31日``: no leading zeros, as official documents write dates."""
    return f"{day.year}年{day.month}月{day.day}日"


def activity_cells(activity: Activity) -> tuple[str, ...]:
    """The seven cells of an activity row: 项目名称, 类别, 形式, 起止日期, 学时, 成绩, 机构."""
    return (
        activity.title,
        activity.category.label_zh,
        ACTIVITY_FORMS.get(activity.kind, activity.kind),
        _period(activity.start_date, activity.end_date),
        format_hours(activity.minutes),
        _score(activity.score),
        activity.provider,
    )


def _period(start: dt.date | None, end: dt.date | None) -> str:
    """``2025.03.02-03.04`` within a year, ``2025.12.30-2026.01.02`` across, — if unknown."""
    if start is None or end is None or start == end:
        day = start if start is not None else end
        return "—" if day is None else f"{day:%Y.%m.%d}"
    if start.year == end.year:
        return f"{start:%Y.%m.%d}-{end:%m.%d}"
    return f"{start:%Y.%m.%d}-{end:%Y.%m.%d}"


def _score(score: Decimal | None) -> str:
    """``88.5`` for ``Decimal("88.50")``, ``90`` for ``Decimal("9E+1")``, — if none."""
    if score is None:
        return "—"
    return format(score.normalize(), "f")
