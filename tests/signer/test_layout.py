"""The certificate page, the seal appearance and the QR code, checked with independent tools.

poppler's ``pdftotext``/``pdffonts``/``pdftoppm`` and zbar's ``zbarimg`` read what we write, so
these tests prove the files are what the docs claim, not only what reportlab thinks it wrote.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import re
import subprocess
from pathlib import Path

import pikepdf
import pytest
import qrcode
from PIL import Image
from qrcode.constants import ERROR_CORRECT_M

from keys.private import open_key_ring
from registry.errors import RegistryError
from registry.home import VERIFY_URL_MAX, BureauConfig
from registry.model import (
    DocumentKind,
    Person,
    TitleLevel,
)
from registry.payload import decode_payload
from registry.typesetting import DEBIAN_PACKAGES, FontSet, FontsMissing, FontStack, GlyphMissing
from signer.document.geometry import (
    MAX_ACTIVITY_ROWS,
    PAGE_HEIGHT,
    PAGE_WIDTH,
    QR_CORNER,
    SEAL_BOX,
    SEAL_CENTRE,
    SEAL_RING_OUTER,
    SEAL_RING_WIDTH,
)
from signer.document.page import PageRenderer
from signer.document.qr_code import MASK_PATTERN, MODULE, QUIET_ZONE, dark_runs, qr_matrix
from signer.document.qr_symbol import qr_rows
from signer.document.seal_artwork import SEAL_PURPOSE, seal_appearance_pdf
from signer.errors import IssuanceError
from signer.issuance.maker import DocumentJob, DocumentMaker
from tests.conftest import AT, CONFIG, PASSPHRASE, IssuedHome
from tests.support.pages import (
    ISSUER,
    ONLY_IN_HANAMIN_B,
    POLICY_TITLE,
    RARE_NAME,
    make_page,
    pdffonts,
    pdftotext,
    qr_text,
)

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
    "扫描二维码验证",
    "2025年12月31日",
    "第1页 共1页",
)


@pytest.fixture(scope="module")
def renderer() -> PageRenderer:
    return PageRenderer()


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


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
    assert f"学时要求依据：{POLICY_TITLE}" in text
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


# --- where and how to verify, the page count, the date under the seal ------------------

Box = tuple[float, float, float, float]
"""``(x1, y1, x2, y2)`` in PDF points from the page's lower-left corner."""


def word_boxes(path: Path) -> dict[str, list[Box]]:
    """Every word ``pdftotext -bbox`` finds on page 1, with its boxes in page coordinates
    (poppler measures from the top and uses the font's ascent and descent)."""
    out = subprocess.run(
        ["pdftotext", "-bbox", "-enc", "UTF-8", str(path), "-"], check=True, capture_output=True
    ).stdout.decode("utf-8", "replace")  # poppler writes 𠈌 in the <title> as two surrogates
    found: dict[str, list[Box]] = {}
    pattern = r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)<'
    for x1, top, x2, bottom, word in re.findall(pattern, out):
        box = (float(x1), PAGE_HEIGHT - float(bottom), float(x2), PAGE_HEIGHT - float(top))
        found.setdefault(word, []).append(box)
    return found


def the_box(path: Path, word: str) -> Box:
    boxes = word_boxes(path).get(word, [])
    assert len(boxes) == 1, (word, boxes)
    return boxes[0]


def overlap(a: Box, b: Box) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def lines_of(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def test_the_page_says_to_scan_or_visit_the_bureaus_address(
    renderer: PageRenderer, tmp_path: Path
) -> None:
    url = "https://jxjy.rsj.gz.gov.cn/verify/"
    page = dataclasses.replace(make_page(activities=3), verify_url=url)
    path = write(tmp_path, "cert.pdf", renderer.render(page))

    lines = lines_of(pdftotext(path))

    assert "扫描二维码验证" in lines  # the caption under the QR code
    at = lines.index(url)  # the address whole, on a line of its own
    assert lines[at - 1].endswith("扫描二维码验证，或访问")
    assert lines[at + 1] == "核验真伪与状态。"
    assert "发证机关核验系统" not in "".join(lines)


def test_without_an_address_the_page_says_to_present_the_pdf(
    renderer: PageRenderer, tmp_path: Path
) -> None:
    path = write(tmp_path, "cert.pdf", renderer.render(make_page(activities=3)))

    text = "".join(lines_of(pdftotext(path)))

    assert "扫描二维码验证，或将本证书PDF 文件提交发证机关核验系统核验真伪与状态。" in text
    assert "或访问" not in text
    assert "http" not in text


def test_a_long_address_is_shrunk_onto_one_line_beside_the_qr_code(
    renderer: PageRenderer, tmp_path: Path
) -> None:
    # VERIFY_URL_MAX characters of the widest ASCII letters: too wide at the note's size.
    url = ("https://" + "W" * VERIFY_URL_MAX)[:VERIFY_URL_MAX]
    BureauConfig("局", "440100", "省", "gd-2010", verify_url=url)  # an address a home accepts
    page = dataclasses.replace(make_page(activities=3), verify_url=url)
    path = write(tmp_path, "cert.pdf", renderer.render(page))

    box = the_box(path, url)

    assert box[2] <= SEAL_BOX[0]  # whole, and clear of the seal
    assert box[0] > QR_CORNER[0] + 100  # beside the QR code, not over it
    assert box[3] - box[1] < 7.5  # shrunk: drawn smaller than the note's 7.5 pt


def test_page_count_is_small_at_the_bottom_centre_inside_the_frame(
    renderer: PageRenderer, tmp_path: Path
) -> None:
    page = make_page()
    path = write(tmp_path, "cert.pdf", renderer.render(page))
    first, second = the_box(path, "第1页"), the_box(path, "共1页")
    count = (first[0], min(first[1], second[1]), second[2], max(first[3], second[3]))
    side = (len(qr_rows(page.qr_text)) + 2 * QUIET_ZONE) * MODULE
    qr = (QR_CORNER[0], QR_CORNER[1], QR_CORNER[0] + side, QR_CORNER[1] + side)

    assert "第1页 共1页" in pdftotext(path)
    assert abs((count[0] + count[2]) / 2 - PAGE_WIDTH / 2) < 1
    assert count[3] - count[1] <= 8.5  # small: 8 pt
    assert count[1] > 24  # above the frame's inner rule
    for other in (qr, SEAL_BOX, the_box(path, "扫描二维码验证"), the_box(path, "2025年12月31日")):
        assert not overlap(count, other), other


def seal_ink(image: Path, box: Box, origin: tuple[float, float], scale: float) -> int:
    """Pixels of seal red (#D7000F, blended at edges) in ``box`` of a rendering whose
    top-left corner is page point ``origin``, at ``scale`` pixels per point; the frame's
    darker red (#8C1C17) is not counted."""
    picture = Image.open(image).convert("RGB")
    left = max(0, int((box[0] - origin[0]) * scale))
    top = max(0, int((origin[1] - box[3]) * scale))
    right = min(picture.width, int((box[2] - origin[0]) * scale) + 1)
    bottom = min(picture.height, int((origin[1] - box[1]) * scale) + 1)
    if left >= right or top >= bottom:
        return 0
    data = picture.crop((left, top, right, bottom)).tobytes()
    pixels = zip(data[0::3], data[1::3], data[2::3], strict=True)
    return sum(1 for r, g, b in pixels if r > 170 and r - g > 60 and r - b > 60)


def png(pdf: Path, stem: Path, *crop: str) -> Path:
    """Page 1 of ``pdf`` rendered by poppler at 4 pixels per point (288 dpi)."""
    command = ["pdftoppm", "-r", "288", "-png", "-singlefile", *crop, str(pdf), str(stem)]
    subprocess.run(command, check=True)
    return stem.with_suffix(".png")


def grown(box: Box, by: float = 1.0) -> Box:
    return (box[0] - by, box[1] - by, box[2] + by, box[3] + by)


def test_no_seal_ink_falls_on_the_date(renderer: PageRenderer, tmp_path: Path) -> None:
    """The date's box (with the widest month and day) against the seal as drawn.

    Geometry: the ring is ink from ``SEAL_RING_OUTER - SEAL_RING_WIDTH`` to
    ``SEAL_RING_OUTER`` around ``SEAL_CENTRE``; the box lies wholly inside or wholly outside
    that band. Ink: the seal artwork rendered into :data:`SEAL_BOX` has no red pixel in the
    box (ring, the issuer's name on the arc, the star and the words under it), while it
    does cover the issuer's name, as a stamp should.
    """
    path = write(tmp_path, "cert.pdf", renderer.render(make_page()))
    date = the_box(path, "2025年12月31日")
    x1, y1, x2, y2 = date
    cx, cy = SEAL_CENTRE

    nearest = math.hypot(min(max(cx, x1), x2) - cx, min(max(cy, y1), y2) - cy)
    farthest = max(math.hypot(x - cx, y - cy) for x in (x1, x2) for y in (y1, y2))
    inside = farthest < SEAL_RING_OUTER - SEAL_RING_WIDTH - 1
    outside = nearest > SEAL_RING_OUTER + 1
    assert inside or outside, (nearest, farthest)
    assert abs((x1 + x2) / 2 - cx) < 1  # still under the seal, centred on it

    seal = write(tmp_path, "seal.pdf", seal_appearance_pdf(ISSUER, fonts=renderer.fonts))
    image = png(seal, tmp_path / "seal")
    scale, origin = 4.0, (SEAL_BOX[0], SEAL_BOX[3])
    assert seal_ink(image, grown(date), origin, scale) == 0
    assert seal_ink(image, the_box(path, ISSUER), origin, scale) > 500  # the check sees ink


@pytest.mark.parametrize("verify_url", ["", "http://127.0.0.1:8000/"])
def test_an_issued_certificate_prints_the_policy_title_the_address_and_a_legible_date(
    renderer: PageRenderer, issued_home: IssuedHome, tmp_path: Path, verify_url: str
) -> None:
    """The signed PDF as issued: the policy by title (its id stays in the payload), the
    bureau's address or the fallback, the page count, and no seal ink on the date."""
    ring = open_key_ring(issued_home.home.keys_dir, passphrase=PASSPHRASE)
    config = dataclasses.replace(CONFIG, verify_url=verify_url)
    maker = DocumentMaker(ring=ring, config=config, out_dir=tmp_path, renderer=renderer)
    page = make_page(activities=5)
    person = Person(
        "44010619900101123X",
        "王小明",
        "广州市某设计院",
        "工程",
        TitleLevel.SENIOR,
        dt.date(2015, 6, 1),
        "440106",
    )
    job = DocumentJob(
        "440100000000017", 1, DocumentKind.ORIGINAL, 2025, person, page.summary, page.activities
    )
    sealed = maker.seal(job, at=AT)
    path = write(tmp_path, "cert.pdf", sealed.data)
    text = pdftotext(path)

    assert f"学时要求依据：{POLICY_TITLE}\n" in text
    assert "gd-2010" not in text
    assert decode_payload(sealed.made.payload).claims.policy_id == "gd-2010"
    assert "扫描二维码验证" in text
    assert "第1页 共1页" in text
    if verify_url:
        assert verify_url in lines_of(text)
    else:
        assert "发证机关核验系统" in text

    # The seal as stamped, rendered: none of its ink on the date, plenty on the name.
    scale, origin = 4.0, (350.0, 200.0)
    left, top = str(int(origin[0] * scale)), str(int((PAGE_HEIGHT - origin[1]) * scale))
    footer = png(path, tmp_path / "footer", "-x", left, "-y", top, "-W", "840", "-H", "720")
    date = the_box(path, "2026年3月2日")
    name = the_box(path, CONFIG.bureau)
    assert seal_ink(footer, grown(date), origin, scale) == 0
    assert seal_ink(footer, name, origin, scale) > 500  # the check sees ink
