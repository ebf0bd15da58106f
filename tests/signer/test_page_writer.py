"""The page's own PDF writer and font subsets, judged by independent readers.

fontTools reads every embedded font program (table checksums, the whole-file checksum, glyph
count) and compares each glyph's outline with the original face's glyph for the same
character; pikepdf and poppler read the file's structure and text. The renderer and the
seal's fast path rely on the shape written here: one page, a classic cross-reference table,
no object streams.
"""

from __future__ import annotations

import dataclasses
import io
import re
import struct
import subprocess
from pathlib import Path

import pikepdf
import pytest
from fontTools.ttLib import TTFont

from signer.document.page import PageRenderer
from signer.pades.pdfobjects import read_unsigned
from tests.support.pages import ONLY_IN_HANAMIN_B, RARE_NAME, make_page, pdftotext

COMPOSITES = "‖℅"
"""Composite glyphs in WenQuanYi Zen Hei (℅ has three components)."""
SAME_GLYPH = "A\u00a0B C"
"""Space and no-break space share one glyph: each keeps its own code and ToUnicode entry."""


@pytest.fixture(scope="module")
def renderer() -> PageRenderer:
    return PageRenderer()


@pytest.fixture(scope="module")
def awkward_pdf(renderer: PageRenderer) -> bytes:
    page = dataclasses.replace(
        make_page(name=RARE_NAME + ONLY_IN_HANAMIN_B, activities=3),
        employer=f"广州{COMPOSITES}设计院 {SAME_GLYPH}",
    )
    return renderer.render(page)


def fonts_of(data: bytes) -> list[tuple[str, bytes, dict[int, str]]]:
    """``(base font, font program, code → text)`` of every font on the page."""
    found = []
    with pikepdf.open(io.BytesIO(data)) as pdf:
        for _, font in pdf.pages[0].Resources.Font.items():
            cid_font = font.DescendantFonts[0]
            program = cid_font.FontDescriptor.FontFile2.read_bytes()
            cmap = font.ToUnicode.read_bytes().decode("ascii").partition("endcodespacerange")[2]
            codes = {
                int(code, 16): bytes.fromhex(text).decode("utf-16-be")
                for code, text in re.findall(r"<([0-9A-F]{4})> <([0-9A-F]+)>", cmap)
            }
            found.append((str(font.BaseFont), program, codes))
    return found


def whole_file_checksum(program: bytes) -> int:
    padded = program + b"\0" * (-len(program) % 4)
    return sum(struct.unpack(f">{len(padded) // 4}L", padded)) & 0xFFFFFFFF


def test_every_subset_is_a_sound_truetype_font_with_the_original_outlines(
    renderer: PageRenderer, awkward_pdf: bytes
) -> None:
    originals = {
        f.path.stem: TTFont(str(f.path), fontNumber=f.subfont_index, lazy=True)
        for f in renderer.fonts.font_set.files
    }
    originals["WenQuanYiZenHei-0"] = originals.pop("wqy-zenhei")
    try:
        check_subsets(awkward_pdf, originals)
    finally:
        for font in originals.values():
            font.close()


def check_subsets(data: bytes, originals: dict[str, TTFont]) -> None:
    seen: set[str] = set()

    for base_font, program, codes in fonts_of(data):
        family = base_font.partition("+")[2]
        # checkChecksums=2 makes fontTools raise on any table whose checksum is wrong.
        subset = TTFont(io.BytesIO(program), checkChecksums=2)
        assert whole_file_checksum(program) == 0xB1B0AFBA  # head.checkSumAdjustment
        glyf = subset["glyf"]
        assert subset["maxp"].numGlyphs == len(subset.getGlyphOrder())
        original = originals[family]
        cmap = original.getBestCmap() or {}
        original_glyf = original["glyf"]
        for code, text in codes.items():
            # A no-break space is drawn with the space glyph (as reportlab always did).
            name = cmap[0x20 if text == "\u00a0" else ord(text)]
            ours = glyf[subset.getGlyphOrder()[code]]
            theirs = original_glyf[name]
            ours.expand(glyf)
            theirs.expand(original_glyf)
            assert ours.numberOfContours == theirs.numberOfContours, (family, text)
            if ours.isComposite():
                # Components renumbered, outlines identical once resolved.
                assert ours.getCoordinates(glyf)[0] == theirs.getCoordinates(original_glyf)[0]
                seen.add(text)
            elif ours.numberOfContours:
                assert list(ours.coordinates) == list(theirs.coordinates), (family, text)
            advance = subset["hmtx"][subset.getGlyphOrder()[code]][0]
            assert advance == original["hmtx"][name][0]
    assert set(COMPOSITES) <= seen


def test_awkward_text_extracts_as_written(awkward_pdf: bytes, tmp_path: Path) -> None:
    path = tmp_path / "cert.pdf"
    path.write_bytes(awkward_pdf)
    text = pdftotext(path)

    # pdftotext prints a no-break space as a space.
    assert f"广州{COMPOSITES}设计院 {SAME_GLYPH}".replace("\u00a0", " ") in text
    assert RARE_NAME + ONLY_IN_HANAMIN_B in text
    primary = fonts_of(awkward_pdf)[0][2]
    assert {" ", "\u00a0"} <= set(primary.values())


def test_the_file_is_one_page_with_a_classic_table_and_no_object_streams(
    awkward_pdf: bytes,
) -> None:
    assert awkward_pdf.startswith(b"%PDF-1.4\n")
    assert b"/ObjStm" not in awkward_pdf
    assert b"/XRef" not in awkward_pdf
    unsigned = read_unsigned(awkward_pdf)
    assert unsigned is not None
    assert (unsigned.root, unsigned.page, unsigned.info) == (1, 3, b"5 0 R")
    with pikepdf.open(io.BytesIO(awkward_pdf)) as pdf:
        assert len(pdf.pages) == 1
        assert str(pdf.docinfo.Title) == "专业技术人员继续教育证书 440100000000017"
    checked = subprocess.run(
        ["pdfinfo", "-"], input=awkward_pdf, capture_output=True, check=True
    ).stdout.decode()
    assert "Pages:           1" in checked
    assert "A4" in checked


def test_pages_share_nothing_but_the_prepared_prefix(renderer: PageRenderer) -> None:
    first = renderer.render(make_page(name="王小明", activities=2))
    second = renderer.render(make_page(name=RARE_NAME, activities=2))
    again = renderer.render(make_page(name="王小明", activities=2))

    assert first == again  # the second page's new glyphs leak into no later page
    assert fonts_of(first)[0][2] != fonts_of(second)[0][2]
    assert len(fonts_of(first)) == 1  # no fallback font where none is needed
