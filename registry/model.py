"""The certificate kernel's value objects.

Everything here is pure: frozen dataclasses and enums that check themselves when built and
do no I/O. Hours are carried as whole **minutes** (``int``) so that sums and comparisons are
exact; 1 day of training is 6 hours (360 minutes) and 1 credit (学分) is 1 hour, as the
notices define them.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from enum import StrEnum

from registry.errors import RegistryError

MINUTES_PER_HOUR = 60
HOURS_PER_DAY = 6
MINUTES_PER_DAY = HOURS_PER_DAY * MINUTES_PER_HOUR

_REGION = re.compile(r"[1-9][0-9]{5}")


class Category(StrEnum):
    """Subject category of a training record (科目类别)."""

    PUBLIC = "public"
    PROFESSIONAL = "professional"
    ELECTIVE = "elective"

    @property
    def label_zh(self) -> str:
        return {"public": "公需科目", "professional": "专业科目", "elective": "选修科目"}[
            self.value
        ]


class TitleLevel(StrEnum):
    """Level of a professional title (职称级别)."""

    JUNIOR = "junior"
    INTERMEDIATE = "intermediate"
    SENIOR = "senior"

    @property
    def label_zh(self) -> str:
        return {"junior": "初级", "intermediate": "中级", "senior": "高级"}[self.value]


class RecordStatus(StrEnum):
    """Approval state of a training record. Only ``confirmed`` records count toward hours."""

    DECLARED = "declared"
    EMPLOYER_REVIEWED = "employer_reviewed"
    CONFIRMED = "confirmed"

    @property
    def label_zh(self) -> str:
        return {"declared": "已申报", "employer_reviewed": "单位已初审", "confirmed": "已认定"}[
            self.value
        ]


class Role(StrEnum):
    """Role of a person in an achievement (patent, monograph, paper, project)."""

    MAIN = "main"
    CONTRIBUTOR = "contributor"


class Confirmer(StrEnum):
    """Who confirmed (认定) a record (POLICIES.md §6)."""

    SYSTEM = "system"
    """The online learning system, automatically."""
    EMPLOYER = "employer"
    HR_BUREAU = "hr_bureau"
    INDUSTRY_AUTHORITY = "industry_authority"
    """The sector's industry authority (行业主管部门), e.g. for education and health."""
    BASE = "base"
    """A continuing-education base (继续教育基地)."""


class DocumentKind(StrEnum):
    """Why a document (one edition of a certificate number) was issued."""

    ORIGINAL = "original"
    RENEWAL = "renewal"
    REISSUE = "reissue"
    CORRECTION = "correction"

    @property
    def label_zh(self) -> str:
        return {
            "original": "首次颁发",
            "renewal": "续办",
            "reissue": "补办",
            "correction": "更正",
        }[self.value]


class SupersessionReason(StrEnum):
    """Why a later edition replaced a document (closed list, ``docs/lifecycle.md``)."""

    RENEWAL = "renewal"
    REISSUE_LOST = "reissue_lost"
    REISSUE_DAMAGED = "reissue_damaged"
    CORRECTION = "correction"

    @property
    def label_zh(self) -> str:
        return {
            "renewal": "续办",
            "reissue_lost": "遗失补办",
            "reissue_damaged": "损毁补办",
            "correction": "信息更正",
        }[self.value]


class RevocationReason(StrEnum):
    """Why a document was revoked (closed list; revocation is final)."""

    FRAUD = "fraud"
    """Obtained by fraud (弄虚作假)."""
    ALTERED = "altered"
    """A copy was altered or forged (涂改、伪造)."""
    ISSUED_IN_ERROR = "issued_in_error"
    """Issued by mistake (误发)."""
    RECORDS_INVALID = "records_invalid"
    """The training records it rests on were found invalid."""
    WITHDRAWN = "withdrawn"
    """Withdrawn by decision of the bureau."""

    @property
    def label_zh(self) -> str:
        return {
            "fraud": "弄虚作假",
            "altered": "涂改伪造",
            "issued_in_error": "误发",
            "records_invalid": "学习记录无效",
            "withdrawn": "发证机关撤回",
        }[self.value]


class DocumentStatus(StrEnum):
    """Registry status of one issued document."""

    CURRENT = "current"
    SUPERSEDED = "superseded"
    REVOKED = "revoked"


def parse_region(text: str, *, field: str = "region") -> str:
    """Return a six-digit administrative division code (行政区划代码) or raise."""
    value = text.strip()
    if not _REGION.fullmatch(value):
        raise RegistryError(
            "bad_region", f"{field}: {text!r} is not a six-digit administrative division code"
        )
    return value


def minutes_from_hours(text: str | Decimal | int) -> int:
    """Convert an hour figure such as ``"2.5"`` to whole minutes, exactly.

    Raises :class:`RegistryError` (reason ``bad_hours``) for negatives, non-numbers and
    figures that are not a whole number of minutes; floats are refused on purpose.
    """
    if isinstance(text, float):  # pragma: no cover - guarded by the type, kept for callers
        raise RegistryError("bad_hours", "hours must be given as text or Decimal, not float")
    try:
        hours = Decimal(str(text).strip())
    except InvalidOperation as exc:
        raise RegistryError("bad_hours", f"hours {text!r} is not a number") from exc
    if not hours.is_finite() or hours < 0:
        raise RegistryError("bad_hours", f"hours {text!r} must be a non-negative number")
    minutes = hours * MINUTES_PER_HOUR
    if minutes != minutes.to_integral_value():
        raise RegistryError("bad_hours", f"hours {text!r} is not a whole number of minutes")
    return int(minutes)


def format_hours(minutes: int) -> str:
    """Render minutes as an hour figure for people: ``4320`` → ``"72"``, ``90`` → ``"1.5"``."""
    hours = Decimal(minutes) / MINUTES_PER_HOUR
    text = f"{hours:.2f}".rstrip("0").rstrip(".")
    return text


@dataclass(frozen=True, slots=True)
class Person:
    """A professional or technical staff member (专业技术人员) as the bureau knows them."""

    id_number: str
    """Resident ID number (18 characters, checked when imported)."""
    name: str
    employer: str
    series: str
    """Title series (职称系列), e.g. ``工程`` or ``会计``."""
    title_level: TitleLevel
    title_date: dt.date
    """Date the current title was obtained."""
    region: str
    """Six-digit administrative division code of the person's registration."""

    def __post_init__(self) -> None:
        if not self.name.strip():
            raise RegistryError("bad_person", "name must not be empty")
        parse_region(self.region)


@dataclass(frozen=True, slots=True)
class Activity:
    """One training record (继续教育记录) of one person."""

    id_number: str
    year: int
    """Calendar year the hours count for."""
    category: Category
    kind: str
    """Form of the activity (e.g. ``online_course``, ``face_to_face``, ``conference``)."""
    title: str
    course_code: str
    minutes: int
    """Hours of the record, in minutes."""
    start_date: dt.date | None
    end_date: dt.date | None
    provider: str
    score: Decimal | None
    role: Role | None
    status: RecordStatus
    confirmed_by: Confirmer | None = None
    """Who confirmed the record, when known."""

    def __post_init__(self) -> None:
        if not 1990 <= self.year <= 2100:
            raise RegistryError("bad_year", f"year {self.year} is out of range")
        if self.minutes < 0:
            raise RegistryError("bad_hours", "hours must not be negative")
        if self.start_date and self.end_date and self.end_date < self.start_date:
            raise RegistryError("bad_dates", "end_date is before start_date")

    @property
    def counts(self) -> bool:
        """Whether the record is confirmed and may count toward hours."""
        return self.status is RecordStatus.CONFIRMED


@dataclass(frozen=True, slots=True)
class CategoryHours:
    """Counted and required minutes for one category of one year."""

    category: Category
    counted: int
    required: int

    @property
    def met(self) -> bool:
        return self.counted >= self.required


@dataclass(frozen=True, slots=True)
class HoursSummary:
    """What a certificate states about hours: per category and in total, in minutes."""

    policy_id: str
    categories: tuple[CategoryHours, ...]
    total_counted: int
    total_required: int

    @property
    def met(self) -> bool:
        return self.total_counted >= self.total_required and all(c.met for c in self.categories)

    def counted(self, category: Category) -> int:
        for item in self.categories:
            if item.category is category:
                return item.counted
        return 0
