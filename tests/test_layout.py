"""The certificate page, the seal appearance and the QR code, checked with independent tools.

poppler's ``pdftotext``/``pdffonts``/``pdftoppm`` and zbar's ``zbarimg`` read what we write, so
these tests prove the files are what the docs claim, not only what reportlab thinks it wrote.
"""

from __future__ import annotations

import datetime as dt
import random
import re
import subprocess
from decimal import Decimal
from pathlib import Path

import pikepdf
import pytest
import qrcode
from qrcode.constants import ERROR_CORRECT_M

from registry.errors import RegistryError
from registry.model import (
    Activity,
    Category,
    CategoryHours,
    DocumentKind,
    HoursSummary,
    RecordStatus,
    TitleLevel,
)
from registry.typesetting import DEBIAN_PACKAGES, FontSet, FontsMissing, FontStack, GlyphMissing
from signer.errors import IssuanceError
from signer.layout import MAX_ACTIVITY_ROWS, SEAL_BOX, CertificatePage, PageRenderer
from signer.qr import MASK_PATTERN, dark_runs, qr_matrix
from signer.seal import SEAL_PURPOSE, seal_appearance_pdf

RARE_NAME = "李𠈌䶮堃"
"""𠈌 (U+2020C) is missing from WenQuanYi and beyond the BMP; 䶮 is in CJK Extension A."""
ONLY_IN_HANAMIN_B = "𪜀"  # U+2A700, CJK Extension C
ISSUER = "广州市人力资源和社会保障局"
BASE45 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"
LABELS = (
    "专业技术人员继续教育证书",
    "2025年度",
    "姓名",
    "身份证号",
    "工作单位",
    "职称系列/级别",
    "证书编号",
    "版次",
    "第2版（补办）",
    "公需科目",
    "专业科目",
    "选修科目",
    "合计",
    "完成学时",
    "要求学时",
    "项目名称",
    "类别",
    "形式",
    "起止日期",
    "成绩",
    "机构",
    "扫码验证",
    "2025年12月31日",
)


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
        policy_label="广东省专业技术人员继续教育学时要求（gd-2010）",
        qr_text=qr_text(410) if text is None else text,
    )


@pytest.fixture(scope="module")
def renderer() -> PageRenderer:
    return PageRenderer()


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def pdftotext(path: Path) -> str:
    return subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout


def pdffonts(path: Path) -> list[list[str]]:
    out = subprocess.run(["pdffonts", str(path)], check=True, capture_output=True, text=True)
    return [line.split() for line in out.stdout.splitlines()[2:]]


def embedded_subset_fonts(path: Path) -> set[str]:
    """Font names of the file without their subset tags, after checking that every font is
    an embedded subset with a ToUnicode map (no unembedded Helvetica sneaking in)."""
    families = set()
    for row in pdffonts(path):
        name, (emb, sub, uni) = row[0], row[-5:-2]
        assert (emb, sub, uni) == ("yes", "yes", "yes"), row
        tag, _, family = name.partition("+")
        assert re.fullmatch("[A-Z]{6}", tag), row
        families.add(family)
    return families


def test_page_text_extracts_with_every_label_and_the_rare_name(
    renderer: PageRenderer, tmp_path: Path
) -> None:
    path = write(tmp_path, "cert.pdf", renderer.render(make_page()))

    text = pdftotext(path)

    for label in (*LABELS, RARE_NAME, ISSUER, "4401**********123X", "440100000000017"):
        assert label in text, label
    assert "广东省专业技术人员继续教育学时要求（gd-2010）" in text
    assert "2025.03.02-03.04" in text  # a period within one year drops the second year
    assert "88.5" in text  # Decimal("88.50") is printed without trailing zeros
    assert embedded_subset_fonts(path) == {"WenQuanYiZenHei-0", "HanaMinA"}  # 𠈌 is in A


def test_third_font_is_used_for_extension_c(renderer: PageRenderer, tmp_path: Path) -> None:
    name = RARE_NAME + ONLY_IN_HANAMIN_B
    path = write(tmp_path, "cert.pdf", renderer.render(make_page(name=name, activities=2)))

    assert name in pdftotext(path)
    assert embedded_subset_fonts(path) == {"WenQuanYiZenHei-0", "HanaMinA", "HanaMinB"}


def test_activities_beyond_the_page_are_counted_not_listed(
    renderer: PageRenderer, tmp_path: Path
) -> None:
    path = write(tmp_path, "cert.pdf", renderer.render(make_page(activities=20)))

    text = pdftotext(path)

    listed = MAX_ACTIVITY_ROWS - 1
    assert all(f"课程{n:02d}" in text for n in range(1, listed + 1))
    assert not any(f"课程{n:02d}" in text for n in range(listed + 1, 21))
    assert f"另有 {20 - listed} 项记录，详见登记系统" in text


def test_a_full_page_of_activities_needs_no_overflow_line(
    renderer: PageRenderer, tmp_path: Path
) -> None:
    page = make_page(activities=MAX_ACTIVITY_ROWS)
    text = pdftotext(write(tmp_path, "cert.pdf", renderer.render(page)))

    assert all(f"课程{n:02d}" in text for n in range(1, MAX_ACTIVITY_ROWS + 1))
    assert "另有" not in text


def test_no_activities_says_so(renderer: PageRenderer, tmp_path: Path) -> None:
    text = pdftotext(write(tmp_path, "cert.pdf", renderer.render(make_page(activities=0))))

    assert "本年度无继续教育活动记录" in text


@pytest.mark.parametrize("length", [300, 410, 450])
def test_qr_on_the_page_decodes_to_the_payload(
    renderer: PageRenderer, tmp_path: Path, length: int
) -> None:
    payload = qr_text(length, seed=length)
    path = write(tmp_path, "cert.pdf", renderer.render(make_page(text=payload)))
    subprocess.run(
        ["pdftoppm", "-r", "100", "-png", "-singlefile", str(path), str(tmp_path / "cert")],
        check=True,
    )

    decoded = subprocess.run(
        ["zbarimg", "--raw", "-q", str(tmp_path / "cert.png")],
        check=True,
        capture_output=True,
        text=True,
    ).stdout

    assert decoded.removesuffix("\n") == payload


def test_render_is_deterministic(renderer: PageRenderer) -> None:
    page = make_page()
    assert renderer.render(page) == renderer.render(page)


def test_a_character_no_font_has_is_refused(renderer: PageRenderer) -> None:
    with pytest.raises(GlyphMissing) as caught:
        renderer.render(make_page(name="李\U0010fffd"))

    assert isinstance(caught.value, RegistryError)
    assert caught.value.reason == "glyph_missing"
    assert "U+10FFFD" in str(caught.value)


def test_runs_split_by_coverage(renderer: PageRenderer) -> None:
    fonts = renderer.fonts
    wqy, hana_a, hana_b = fonts.names

    assert fonts.runs("") == ()
    assert fonts.runs("张三") == ((wqy, "张三"),)
    assert fonts.runs(RARE_NAME + ONLY_IN_HANAMIN_B) == (
        (wqy, "李"),
        (hana_a, "𠈌"),
        (wqy, "䶮堃"),
        (hana_b, ONLY_IN_HANAMIN_B),
    )


def test_missing_fonts_name_the_packages(tmp_path: Path) -> None:
    with pytest.raises(FontsMissing) as caught:
        FontSet.discover(env={"CECERT_FONT_DIRS": str(tmp_path)}, system_dirs=())

    assert caught.value.reason == "fonts_missing"
    assert all(package in str(caught.value) for package in DEBIAN_PACKAGES)
    assert "wqy-zenhei.ttc" in str(caught.value)


def test_font_dirs_from_the_environment_come_first(renderer: PageRenderer, tmp_path: Path) -> None:
    for file in renderer.fonts.font_set.files:
        (tmp_path / file.path.name).symlink_to(file.path)

    found = FontSet.discover(env={"CECERT_FONT_DIRS": f"/nonexistent:{tmp_path}"})

    assert [f.path.parent for f in found.files] == [tmp_path] * 3
    assert found.primary.family == "WenQuanYi Zen Hei"
    assert found.primary.subfont_index == 0


def test_a_second_stack_reuses_the_registered_faces(renderer: PageRenderer) -> None:
    again = FontStack(renderer.fonts.font_set)
    assert again.names == renderer.fonts.names


def test_seal_is_a_small_one_page_pdf_of_the_box_size(
    renderer: PageRenderer, tmp_path: Path
) -> None:
    data = seal_appearance_pdf(ISSUER, fonts=renderer.fonts)
    path = write(tmp_path, "seal.pdf", data)

    assert len(data) < 30_000
    with pikepdf.open(path) as pdf:
        assert len(pdf.pages) == 1
        box = [float(v) for v in pdf.pages[0].mediabox]
    assert box == [0.0, 0.0, SEAL_BOX[2] - SEAL_BOX[0], SEAL_BOX[3] - SEAL_BOX[1]]
    text = pdftotext(path)
    assert all(line in text for line in SEAL_PURPOSE)
    assert all(char in text for char in ISSUER)
    assert embedded_subset_fonts(path) == {"WenQuanYiZenHei-0"}


def test_seal_refuses_an_empty_name(renderer: PageRenderer) -> None:
    with pytest.raises(IssuanceError, match="must not be empty") as caught:
        seal_appearance_pdf("  ", fonts=renderer.fonts)
    assert caught.value.reason == "bad_issuer_name"


@pytest.mark.parametrize("length", [1, 20, 300, 362, 363, 410, 412, 413, 450, 600])
def test_qr_matrix_is_the_smallest_version_with_the_fixed_mask(length: int) -> None:
    text = qr_text(length, seed=length) if length > 4 else "HC1:"[:length]
    reference = qrcode.QRCode(error_correction=ERROR_CORRECT_M, mask_pattern=MASK_PATTERN)
    reference.add_data(text, optimize=0)
    reference.make(fit=True)

    matrix = qr_matrix(text)

    assert matrix == tuple(tuple(row) for row in reference.modules)
    assert all(type(module) is bool for row in matrix for module in row)


def test_dark_runs_cover_exactly_the_dark_modules() -> None:
    matrix = qr_matrix(qr_text(410))
    painted = {(r, c) for r, start, n in dark_runs(matrix) for c in range(start, start + n)}
    dark = {(r, c) for r, row in enumerate(matrix) for c, m in enumerate(row) if m}

    assert painted == dark
    assert len(dark_runs(matrix)) < len(dark) * 0.6  # merging is what keeps the stream small


def test_qr_text_too_long_is_refused() -> None:
    with pytest.raises(IssuanceError, match="does not fit") as caught:
        qr_matrix("A" * 5000)
    assert caught.value.reason == "qr_too_long"
