"""The page writers, held to one contract: ours (``registry.typesetting.pdfpage``, what
certificates use) and its reference on reportlab's canvas
(``registry.typesetting.reportlab_page``), each drawing the same certificate pages through
``signer.document.drawing``.

Each writer on its own: one A4 page, its fonts embedded subsets with ToUnicode maps (CID fonts
ours, reportlab's 256-character TrueType subsets the reference's), the text extracting as
written. The two side by side: poppler renders both at 100 and 150 dpi and extracts the same
text; a page with one character changed does differ, so the comparison can fail. The pages:
a plain one, a name beyond the BMP (𠈌, and 𪜀 from the third font), a full activity table,
one with more records than rows, and one with no records and long texts, shrunk to fit.

Pixels: 0 differ on every page and at both resolutions but one, measured and bounded in
:data:`KNOWN_DIFFERENCES`: a text shrunk to fit its cell is drawn at a computed size, which
ours writes with 4 decimals (``5.8156 Tf``) and reportlab with 7 significant digits
(``5.815588 Tf``); the employer on the long-texts page then differs at 100 dpi in 33
anti-aliased pixels of one glyph (at most 58 of 255 in a channel), at 150 dpi in none. With
that size rounded to 4 decimals before drawing, both writers give the same pixels at 72–300
dpi on every page here.

Both are drawn by :class:`PageRenderer` itself, the writer chosen with ``writer=`` (the
first test holds the default to the direct writer, byte for byte). The frame and the QR code reach
both writers as the same prepared operators (``PageSurface.literal``), as the QR code reached
reportlab's canvas before; everything else is drawn call by call.
"""

from __future__ import annotations

import dataclasses
import subprocess
from collections.abc import Mapping
from functools import reduce
from pathlib import Path

import pytest
from PIL import Image, ImageChops

from registry.typesetting import PageWriterKind
from signer.document.geometry import MAX_ACTIVITY_ROWS, PAGE_HEIGHT, PAGE_WIDTH
from signer.document.page import PageRenderer
from tests.support.pages import ISSUER, ONLY_IN_HANAMIN_B, RARE_NAME, make_page, pdffonts, pdftotext

PAGES = {
    "plain": make_page(name="王小明", activities=5),
    "beyond-the-bmp": make_page(name=RARE_NAME + ONLY_IN_HANAMIN_B, activities=3),
    "full-table": make_page(activities=MAX_ACTIVITY_ROWS),
    "overflow": make_page(activities=MAX_ACTIVITY_ROWS + 5),
    "long-texts": dataclasses.replace(
        make_page(name="阿卜杜热合曼·买买提明·艾合买提江·吐尔逊", activities=0),
        employer="广州市城市规划勘测设计研究院有限公司第二分公司" * 3,
        note="补办：公需、选修学时按原证书第1版结转；" * 6,
        verify_url="https://continuing-education.rsj.guangzhou.example.gov.cn/verify/certificates",
    ),
}
DPI = (100, 150)
EMPLOYER_CELL = (128.0, 668.0, PAGE_WIDTH - 50.0, 690.0)
"""The employer's value cell, ``(x1, y1, x2, y2)`` in PDF points."""
KNOWN_DIFFERENCES = {("long-texts", 100): (33, EMPLOYER_CELL)}
"""``(page, dpi)`` → the most pixels that differ, as measured (poppler 22.12, 2026-12-05), and
the box they all lie in: the shrunk employer (see the module's docstring). Every other page
and resolution: 0."""
FONT_TYPES = {PageWriterKind.DIRECT: "CID TrueType", PageWriterKind.REPORTLAB: "TrueType"}
"""How pdffonts names each writer's fonts: proof that the two files really are made apart."""


class Renderings:
    """Each page's file, text and rasters per writer, made once for the module."""

    def __init__(self, writers: Mapping[PageWriterKind, PageRenderer], folder: Path) -> None:
        self.writers = writers
        self.folder = folder
        self._files: dict[tuple[str, PageWriterKind], Path] = {}
        self._rasters: dict[tuple[str, PageWriterKind, int], Image.Image] = {}

    def file(self, name: str, kind: PageWriterKind) -> Path:
        path = self._files.get((name, kind))
        if path is None:
            path = self.folder / f"{name}-{kind.value}.pdf"
            path.write_bytes(self.writers[kind].render(PAGES[name]))
            self._files[name, kind] = path
        return path

    def raster(self, name: str, kind: PageWriterKind, dpi: int) -> Image.Image:
        image = self._rasters.get((name, kind, dpi))
        if image is None:
            image = rasterise(
                self.file(name, kind), self.folder / f"{name}-{kind.value}-{dpi}", dpi
            )
            self._rasters[name, kind, dpi] = image
        return image


def rasterise(pdf: Path, stem: Path, dpi: int) -> Image.Image:
    """Page 1 of ``pdf`` as poppler renders it at ``dpi``, in RGB."""
    subprocess.run(["pdftoppm", "-r", str(dpi), "-singlefile", str(pdf), str(stem)], check=True)
    with Image.open(stem.with_suffix(".ppm")) as image:
        return image.convert("RGB")


def differing_pixels(a: Image.Image, b: Image.Image) -> tuple[int, tuple[int, ...] | None]:
    """Pixels whose colour differs in any channel by any amount, and the box around them."""
    assert a.size == b.size
    most = reduce(ImageChops.lighter, ImageChops.difference(a, b).split())
    return a.width * a.height - most.histogram()[0], most.getbbox()


def in_points(box: tuple[int, ...], dpi: int) -> tuple[float, float, float, float]:
    """A pixel box of a page rendering (from the top left) in PDF points (from the bottom
    left), as ``(x1, y1, x2, y2)``."""
    left, top, right, bottom = (v * 72 / dpi for v in box)
    return left, PAGE_HEIGHT - bottom, right, PAGE_HEIGHT - top


@pytest.fixture(scope="module")
def writers() -> dict[PageWriterKind, PageRenderer]:
    return {kind: PageRenderer(writer=kind) for kind in PageWriterKind}


@pytest.fixture(scope="module")
def renderings(
    writers: dict[PageWriterKind, PageRenderer], tmp_path_factory: pytest.TempPathFactory
) -> Renderings:
    return Renderings(writers, tmp_path_factory.mktemp("conformance-page"))


def test_the_direct_writer_is_what_certificates_get(
    writers: dict[PageWriterKind, PageRenderer],
) -> None:
    renderer = PageRenderer()
    for page in PAGES.values():
        assert writers[PageWriterKind.DIRECT].render(page) == renderer.render(page)


# --- each writer ----------------------------------------------------------------------------


@pytest.mark.parametrize("kind", PageWriterKind, ids=lambda kind: kind.value)
@pytest.mark.parametrize("name", PAGES)
def test_one_a4_page_with_embedded_subsets_and_its_text_as_written(
    renderings: Renderings, name: str, kind: PageWriterKind
) -> None:
    path = renderings.file(name, kind)
    page = PAGES[name]

    details = subprocess.run(["pdfinfo", str(path)], check=True, capture_output=True, text=True)
    assert "Pages:           1" in details.stdout
    assert "A4" in details.stdout
    for row in pdffonts(path):
        font, font_type, (embedded, subset, unicode) = row[0], " ".join(row[1:-6]), row[-5:-2]
        assert (embedded, subset, unicode) == ("yes", "yes", "yes"), row
        assert font_type == FONT_TYPES[kind], row
        assert font.partition("+")[2] in {"WenQuanYiZenHei-0", "HanaMinA", "HanaMinB"}
    text = pdftotext(path)
    for value in (page.name, page.masked_id, page.number, ISSUER, "继续教育活动记录"):
        assert value in text, value


# --- the two side by side -------------------------------------------------------------------


@pytest.mark.parametrize("dpi", DPI)
@pytest.mark.parametrize("name", PAGES)
def test_both_writers_paint_the_same_pixels(renderings: Renderings, name: str, dpi: int) -> None:
    ours, reference = (renderings.raster(name, kind, dpi) for kind in PageWriterKind)
    most, inside = KNOWN_DIFFERENCES.get((name, dpi), (0, None))

    count, box = differing_pixels(ours, reference)

    assert count <= most
    if box is not None:
        assert inside is not None
        left, bottom, right, top = in_points(box, dpi)
        assert inside[0] <= left <= right <= inside[2]
        assert inside[1] <= bottom <= top <= inside[3]


@pytest.mark.parametrize("name", PAGES)
def test_both_writers_give_the_same_text_and_fonts(renderings: Renderings, name: str) -> None:
    ours, reference = (renderings.file(name, kind) for kind in PageWriterKind)

    assert pdftotext(ours) == pdftotext(reference)
    assert {row[0].partition("+")[2] for row in pdffonts(ours)} == {
        row[0].partition("+")[2] for row in pdffonts(reference)
    }


def test_the_comparison_sees_one_character(renderings: Renderings, tmp_path: Path) -> None:
    changed = dataclasses.replace(PAGES["plain"], name="王小朋")
    path = tmp_path / "changed.pdf"
    path.write_bytes(renderings.writers[PageWriterKind.DIRECT].render(changed))

    ours = rasterise(path, tmp_path / "changed", DPI[0])

    count, _ = differing_pixels(ours, renderings.raster("plain", PageWriterKind.REPORTLAB, DPI[0]))
    assert count > 0
