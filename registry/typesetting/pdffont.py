"""reportlab's TrueType font, adapted for certificates: cheaper subsets, exact ToUnicode maps.

Both fixes reach into reportlab internals (``TTFontFace.get_table``, ``TTFont.addObjects`` and
the objects it registers); reportlab is pinned below 6 and ``tests/signer/test_layout.py`` checks
the result with poppler, so a change there fails the tests rather than the certificates.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from reportlab.lib.rl_accel import fp_str
from reportlab.pdfbase.pdfdoc import PDFArrayCompact
from reportlab.pdfbase.ttfonts import SUBSETN, TTFont, TTFontFace


class _GlyfSlices:
    """The ``glyf`` table as slices copied on demand.

    reportlab's subsetter copies the whole ``glyf`` table (10–20 MB here) for every subset of
    every document only to slice single glyphs out of it; this hands it those slices instead.
    """

    __slots__ = ("_view",)

    def __init__(self, view: memoryview) -> None:
        self._view = view

    def __getitem__(self, key: slice) -> bytes:
        return self._view[key].tobytes()

    def __len__(self) -> int:
        return len(self._view)


class _Face(TTFontFace):
    """reportlab's face, with :class:`_GlyfSlices` for the subsetter."""

    def get_table(self, tag: str) -> Any:
        pos, length = self.get_table_pos(tag)
        data: bytes = self.__dict__["_ttf_data"]
        if tag == "glyf":
            return _GlyfSlices(memoryview(data)[pos : pos + length])
        return data[pos : pos + length]


class CertificateFont(TTFont):
    """A reportlab TrueType font, made faster to subset and right beyond the BMP.

    reportlab writes ``<2020C>`` into the ToUnicode map for U+2020C, which is not UTF-16:
    text extraction, search and screen readers would lose the rare characters of a name. We
    rewrite those maps with surrogate pairs after reportlab has built its subset objects.
    """

    def __init__(self, name: str, path: Path, subfont_index: int) -> None:
        super().__init__(name, str(path), subfontIndex=subfont_index)
        # Same state, one overridden method: no second parse of a 20 MB file.
        self.face.__class__ = _Face
        self._widths: dict[int, str] = {}

    def addObjects(self, doc: Any) -> None:
        state = self.state.get(doc)
        if state is None:
            super().addObjects(doc)
            return
        subsets = [list(s) for s in state.subsets]
        prefix = state.internalName
        super().addObjects(doc)
        suffix = self.face.name + self.face.subfontNameX
        for index, subset in enumerate(subsets):
            # Widths as one pre-formatted array: reportlab formats 256 numbers per subset
            # one by one, a sizeable share of the page's cost without its C accelerator.
            font = doc.idToObject[f"{prefix}+{index}"]
            font.Widths = PDFArrayCompact([" ".join(map(self._width_text, subset))])
            if max(subset, default=0) > 0xFFFF:
                base_name = (SUBSETN(index) + b"+" + suffix).decode("latin-1")
                cmap = doc.idToObject["toUnicodeCMap:" + base_name]
                cmap.content = _to_unicode_cmap(base_name, subset)

    def _width_text(self, code: int) -> str:
        try:
            return self._widths[code]
        except KeyError:
            width = self.face.charWidths.get(code, self.face.defaultWidth)
            text = self._widths[code] = fp_str(width)
            return text


def _to_unicode_cmap(base_name: str, subset: Sequence[int]) -> str:
    entries = [
        f"<{code:02X}> <{chr(cp).encode('utf-16-be').hex().upper()}>"
        for code, cp in enumerate(subset)
    ]
    return "\n".join(
        [
            "/CIDInit /ProcSet findresource begin",
            "12 dict begin",
            "begincmap",
            f"/CIDSystemInfo << /Registry ({base_name}) /Ordering ({base_name}) "
            "/Supplement 0 >> def",
            f"/CMapName /{base_name} def",
            "/CMapType 2 def",
            "1 begincodespacerange",
            f"<00> <{len(subset) - 1:02X}>",
            "endcodespacerange",
            f"{len(entries)} beginbfchar",
            *entries,
            "endbfchar",
            "endcmap",
            "CMapName currentdict /CMap defineresource pop",
            "end",
            "end",
        ]
    )
