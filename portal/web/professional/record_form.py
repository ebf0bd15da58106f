"""The declaration form (``/me/declare``, ``/me/declarations/<id>/edit``) read into a record
and its proof files, every field checked with a Chinese message beside it.

Hours are given as hours (``2.5``) or as days (``1.5``: 6 hours a day, as the notices count
conferences and training by their days; :data:`registry.model.HOURS_PER_DAY`), never both;
an achievement (paper, patent, monograph, project) is counted by the rules from the role
(main or contributor), so it needs the role and no hours. The record's year must lie within
its dates, and no date may be after today.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from werkzeug.datastructures import FileStorage

from portal.web.fields import Fields
from registry import RegistryError
from registry.importing.limits import TEXT_LIMITS
from registry.model import MINUTES_PER_DAY, MINUTES_PER_HOUR, Activity, Category, RecordStatus
from registry.model import Role as AchievementRole
from registry.portal import MAX_PROOF_BYTES, MAX_PROOFS, check_proof

KINDS = {
    "online_course": "网络课程",
    "face_to_face": "面授培训",
    "seminar": "研修班",
    "further_study": "进修",
    "conference": "学术会议",
    "lecture": "学术讲座",
    "visit": "学术访问",
    "vocational_training": "职业技能培训",
    "degree": "学历教育",
    "paper": "论文",
    "patent": "专利",
    "monograph": "专著",
    "project": "课题项目",
}
"""Forms of activity offered (``Activity.kind`` → Chinese), the kinds the rules name."""
ACHIEVEMENTS = frozenset({"paper", "patent", "monograph", "project"})
"""Kinds the rules convert by the person's role, not by hours."""
CATEGORIES = {c.value: c.label_zh for c in Category}
ROLES = {AchievementRole.MAIN.value: "主创", AchievementRole.CONTRIBUTOR.value: "非主创（参与）"}
MAX_HOURS = Decimal(2000)
"""More hours than a year of full days: a typing mistake."""


@dataclass(frozen=True, slots=True)
class Upload:
    """A proof file as read from the form, checked, not yet stored."""

    data: bytes
    filename: str


def _amount(fields: Fields, name: str, label: str, per_unit: int) -> int | None:
    text = fields.raw(name)
    if not text:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        fields.add(name, f"{label}须为数字，如 2 或 2.5。")
        return None
    if not value.is_finite() or value <= 0 or value > MAX_HOURS:
        fields.add(name, f"{label}须大于 0 且不超过 {MAX_HOURS}。")
        return None
    minutes = value * per_unit
    if minutes != minutes.to_integral_value():
        fields.add(name, f"{label}须是整分钟数，如 2.5（小时）或 0.5（天）。")
        return None
    return int(minutes)


def _minutes(fields: Fields, kind: str | None) -> int:
    hours = _amount(fields, "hours", "学时", MINUTES_PER_HOUR)
    days = _amount(fields, "days", "天数", MINUTES_PER_DAY)
    if hours is not None and days is not None:
        fields.add("hours", "学时和天数只填一项：按天计的（如学术会议）填天数，其余填学时。")
        return 0
    if kind in ACHIEVEMENTS:
        return hours or days or 0
    if hours is None and days is None and "hours" not in fields.errors:
        if "days" not in fields.errors:
            fields.add("hours", "请填写学时（或按天计的填天数，每天计 6 学时）。")
        return 0
    return hours or days or 0


def _score(fields: Fields) -> Decimal | None:
    text = fields.raw("score")
    if not text:
        return None
    try:
        score = Decimal(text)
    except InvalidOperation:
        score = Decimal(-1)
    if not score.is_finite() or not 0 <= score <= 100:
        fields.add("score", "成绩须为 0 到 100 之间的数字；没有考核可不填。")
        return None
    return score


def _dates(
    fields: Fields, year: int | None, today: dt.date
) -> tuple[dt.date | None, dt.date | None]:
    start = fields.date("start_date", "开始日期")
    end = fields.date("end_date", "结束日期")
    fields.not_after("start_date", "开始日期", start, today)
    fields.not_after("end_date", "结束日期", end, today)
    if start and end and end < start:
        fields.add("end_date", "结束日期不能早于开始日期。")
    elif year is not None and start and end and not start.year <= year <= end.year:
        fields.add("year", f"计入年度须在学习的起止日期之内（{start.year} 年至 {end.year} 年）。")
    return start, end


def read_record(
    fields: Fields, *, id_number: str, years: Sequence[int], today: dt.date
) -> Activity | None:
    """The declared record, or None when a field is wrong (each in ``fields.errors``)."""
    year_text = fields.raw("year")
    year = int(year_text) if year_text.isascii() and year_text.isdigit() else None
    if year not in years:
        fields.add("year", "请选择计入的年度。")
        year = None
    category = fields.choice("category", "科目类别", CATEGORIES)
    kind = fields.choice("kind", "学习形式", KINDS)
    title = fields.text("title", "课程或成果名称", limit=TEXT_LIMITS["title"])
    course_code = fields.text(
        "course_code", "课程编号", limit=TEXT_LIMITS["course_code"], required=False
    )
    provider = fields.text("provider", "举办或发布单位", limit=TEXT_LIMITS["provider"])
    start, end = _dates(fields, year, today)
    minutes = _minutes(fields, kind)
    score = _score(fields)
    role_text = fields.raw("role")
    role: AchievementRole | None = None
    if kind in ACHIEVEMENTS:
        chosen = fields.choice("role", "本人角色", ROLES)
        role = AchievementRole(chosen) if chosen else None
    elif role_text:
        fields.add("role", "只有论文、专利、专著和课题项目才填本人角色。")
    if not fields.ok:
        return None
    assert year is not None
    assert category is not None
    assert kind is not None
    try:
        return Activity(
            id_number=id_number, year=year, category=Category(category), kind=kind,
            title=title, course_code=course_code, minutes=minutes, start_date=start,
            end_date=end, provider=provider, score=score, role=role,
            status=RecordStatus.DECLARED,
        )  # fmt: skip
    except RegistryError as exc:  # the checks above leave none; kept for the message
        fields.add("title", exc.message)
        return None


def read_uploads(
    fields: Fields, files: Sequence[FileStorage], *, required: bool, have: int = 0
) -> list[Upload]:
    """The proof files chosen (a browser sends one empty part when none is), each read up
    to one byte past the limit and judged by its bytes (:func:`check_proof`); every file
    that is refused is named."""
    chosen = [f for f in files if f.filename]
    if not chosen:
        if required:
            fields.add("proofs", "请上传至少一个证明材料（PDF、JPG 或 PNG，每个不超过 10 MB）。")
        return []
    if have + len(chosen) > MAX_PROOFS:
        fields.add(
            "proofs",
            f"每条记录最多 {MAX_PROOFS} 个证明材料"
            + (f"（已有 {have} 个）" if have else "")
            + f"，这次选了 {len(chosen)} 个。",
        )
        return []
    uploads: list[Upload] = []
    problems: list[str] = []
    for file in chosen:
        data = file.stream.read(MAX_PROOF_BYTES + 1)
        try:
            proof = check_proof(data, file.filename or "")
        except RegistryError as exc:
            problems.append(exc.message)
            continue
        uploads.append(Upload(data, proof.filename))
    if problems:
        fields.add(
            "proofs", "；".join(problems) + "。请换成 PDF、JPG 或 PNG 文件，每个不超过 10 MB。"
        )
        return []
    return uploads


def form_values(record: Activity) -> dict[str, str]:
    """A record as the form's fields (to correct a returned one)."""
    hours = Decimal(record.minutes) / MINUTES_PER_HOUR
    return {
        "year": str(record.year),
        "category": record.category.value,
        "kind": record.kind,
        "title": record.title,
        "course_code": record.course_code,
        "provider": record.provider,
        "start_date": record.start_date.isoformat() if record.start_date else "",
        "end_date": record.end_date.isoformat() if record.end_date else "",
        "hours": f"{hours.normalize():f}" if record.minutes else "",
        "score": f"{record.score:f}" if record.score is not None else "",
        "role": record.role.value if record.role else "",
    }


__all__ = [
    "ACHIEVEMENTS",
    "CATEGORIES",
    "KINDS",
    "ROLES",
    "Upload",
    "form_values",
    "read_record",
    "read_uploads",
]
