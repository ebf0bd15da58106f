"""A certificate page for the page tests, and poppler's readings of the PDFs made from it.

:func:`make_page` is a full certificate page (a reissue, a name beyond the BMP, a long
activity table); ``pdftotext`` and ``pdffonts`` are the independent readers."""

from __future__ import annotations

import datetime as dt
import random
import subprocess
from decimal import Decimal
from pathlib import Path

from registry.model import (
    Activity,
    Category,
    CategoryHours,
    DocumentKind,
    HoursSummary,
    RecordStatus,
    TitleLevel,
)
from signer.document.content import CertificatePage

RARE_NAME = "李𠈌䶮堃"
"""𠈌 (U+2020C) is missing from WenQuanYi and beyond the BMP; 䶮 is in CJK Extension A."""


ONLY_IN_HANAMIN_B = "𪜀"  # U+2A700, CJK Extension C


ISSUER = "广州市人力资源和社会保障局"


BASE45 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"


POLICY_TITLE = "广东省专业技术人员继续教育年度学时要求"
"""``gd-2010``'s title: what the policy line prints."""


def qr_text(length: int, seed: int = 1) -> str:
    """A payload-shaped text: upper-case alphanumeric, like Base45 after a prefix."""
    rng = random.Random(seed)
    return "HC1:" + "".join(rng.choice(BASE45) for _ in range(length - 4))


def activity(number: int) -> Activity:
    return Activity(
        id_number="44010619900101123X",
        year=2025,
        category=list(Category)[number % 3],
        kind=("online_course", "face_to_face", "conference")[number % 3],
        title=f"课程{number:02d} 建筑工程施工质量验收规范解读",
        course_code=f"C{number:03d}",
        minutes=90 + 30 * number,
        start_date=dt.date(2025, 3, 1 + number),
        end_date=dt.date(2025, 3, 3 + number),
        provider="广州市建设工程质量安全协会",
        score=Decimal("88.50") if number % 2 else None,
        role=None,
        status=RecordStatus.CONFIRMED,
    )


def make_page(
    *, name: str = RARE_NAME, activities: int = 20, text: str | None = None
) -> CertificatePage:
    return CertificatePage(
        number="440100000000017",
        edition=2,
        kind=DocumentKind.REISSUE,
        year=2025,
        name=name,
        masked_id="4401**********123X",
        employer="广州市城市规划勘测设计研究院有限公司",
        series="工程",
        title_level=TitleLevel.INTERMEDIATE,
        summary=HoursSummary(
            policy_id="gd-2010",
            categories=(
                CategoryHours(Category.PUBLIC, 1800, 1800),
                CategoryHours(Category.PROFESSIONAL, 2880, 2400),
                CategoryHours(Category.ELECTIVE, 690, 0),
            ),
            total_counted=5370,
            total_required=4320,
        ),
        activities=tuple(activity(n) for n in range(1, activities + 1)),
        issuer_name=ISSUER,
        issue_date=dt.date(2025, 12, 31),
        policy_label=POLICY_TITLE,
        qr_text=qr_text(410) if text is None else text,
    )


def pdftotext(path: Path) -> str:
    return subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout


def pdffonts(path: Path) -> list[list[str]]:
    out = subprocess.run(["pdffonts", str(path)], check=True, capture_output=True, text=True)
    return [line.split() for line in out.stdout.splitlines()[2:]]
