"""The certificate kernel's value objects.

Everything here is pure: frozen dataclasses and enums that check themselves when built and
do no I/O. Hours are carried as whole **minutes** (``int``) so that sums and comparisons are
exact; 1 day of training is 6 hours (360 minutes) and 1 credit (学分) is 1 hour, as the
notices define them.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Mapping
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

    @property
    def label_zh(self) -> str:
        return {"current": "现行有效", "superseded": "已被新版取代", "revoked": "已撤销"}[
            self.value
        ]


def parse_region(text: str, *, field: str = "region") -> str:
    """Return a six-digit administrative division code (行政区划代码) or raise."""
    value = text.strip()
    if not _REGION.fullmatch(value):
        raise RegistryError(
            "bad_region", f"{field}: {text!r} is not a six-digit administrative division code"
        )
    return value


NAME_MAX_CHARS = 50
"""Most characters a person's name may have: import refuses a longer one, issuance skips it.

Chinese names have two to four characters; the transliterated names of ethnic minorities,
their parts joined by ``·`` (阿卜杜热合曼·买买提艾力, 12 characters), rarely pass 30. The
name is the only text of variable length in the QR payload: 50 characters, even all of
four bytes (𠈌), keep it far inside what verifiers accept (``registry.payload``; a test
encodes such a name with the real codec)."""

UNPRINTABLE: Mapping[str, str] = {
    "Cc": "控制字符 (control character)",
    "Cf": "格式控制字符 (format character)",
    "Co": "私用区字符 (private-use character)",
    "Cs": "代理码位 (surrogate code point)",
    "Cn": "未分配的码位 (unassigned code point)",
    "Zl": "行分隔符 (line separator)",
    "Zp": "段分隔符 (paragraph separator)",
}
"""Unicode general categories no text of a certificate may hold, with what they are called.

Control characters (ESC, a line break inside a cell), format characters (U+202E, which
reverses the text after it on screen; U+200D, U+200B, invisible), private-use, surrogate and
unassigned code points draw as nothing, as a box or not at all, and the same name could then
look like another one. Spaces (U+3000, U+00A0) are allowed. "Unassigned" follows the Unicode
version of the running Python (``unicodedata.unidata_version``)."""


def unprintable(text: str) -> tuple[int, str] | None:
    """The position (counting from 1) and the first character of ``text`` in a category of
    :data:`UNPRINTABLE`, or ``None`` when there is none."""
    if text.isprintable():  # fast: False only for those categories and for spaces
        return None
    for position, char in enumerate(text, start=1):
        if unicodedata.category(char) in UNPRINTABLE:
            return position, char
    return None


def describe_character(char: str) -> str:
    """``U+202E RIGHT-TO-LEFT OVERRIDE``: the code point and its Unicode name, if it has one."""
    name = unicodedata.name(char, "")
    return f"U+{ord(char):04X}" + (f" {name}" if name else "")


def check_text(text: str, *, field: str, limit: int | None = None) -> None:
    """Raise :class:`RegistryError` unless ``text`` may be printed on a certificate.

    Reasons: ``bad_character`` (a character of :data:`UNPRINTABLE`; the message names its
    position and code point, never the character itself, which may be invisible or turn the
    message around), ``text_too_long`` (more than ``limit`` characters). The message starts
    with ``field`` and is Chinese first.
    """
    found = unprintable(text)
    if found is not None:
        position, char = found
        kind_zh, _, kind = UNPRINTABLE[unicodedata.category(char)].partition(" ")
        raise RegistryError(
            "bad_character",
            f"{field}: 第 {position} 个字符 U+{ord(char):04X} 是{kind_zh}，不允许，请删去 "
            f"(character {position}, {describe_character(char)}, is a "
            f"{kind.strip('()')}, not allowed: remove it)",
        )
    if limit is not None and len(text) > limit:
        raise RegistryError(
            "text_too_long",
            f"{field}: 共 {len(text)} 个字符，超过上限 {limit} 个字符 "
            f"({len(text)} characters, more than the limit of {limit})",
        )


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
