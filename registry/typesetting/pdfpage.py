"""A one-page PDF written directly: content-stream operators, CJK text, embedded subsets.

:class:`PageFonts` prepares the faces of a :class:`~registry.typesetting.FontStack` once per
process (widths, fixed font tables, glyph slices: :class:`FontProgram`);
:class:`PageCanvas` then collects one page's graphics and text as operator bytes and writes
the file in one pass: the production :class:`~registry.typesetting.surface.PageWriter` and
:class:`~registry.typesetting.surface.PageSurface` (their reference, reportlab's canvas behind
the same interface, is :mod:`registry.typesetting.reportlab_page`). Text uses ``Type0`` fonts
with ``Identity-H`` encoding over ``CIDFontType2`` subsets (two-byte codes, one font per face
and page, not reportlab's 256-character subsets), each with a ``ToUnicode`` map in UTF-16
(surrogate pairs for characters beyond U+FFFF), so every character extracts and searches as
written.

File shape (classic cross-reference table and trailer, no object or xref streams, no
incremental updates): 1 catalog, 2 page tree, 3 page, 4 content stream, 5 document
information, then five objects per face used (``Type0`` font, ``CIDFontType2``, descriptor,
``FontFile2``, ``ToUnicode``). The output is deterministic: the same page gives the same
bytes (no dates; the file identifier is a digest of the body).

Every text reaches the file hex-encoded — glyph codes in the content stream, UTF-16 in the
document information — so no value printed on a certificate (a name, an employer, a course
title) can inject PDF syntax into the page.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

from registry.typesetting.fonts import Align, FontStack
from registry.typesetting.pdfsyntax import (
    number,
    packed_stream,
    stream,
    text_string,
    to_unicode_cmap,
    unicode_entry,
    write_file,
)
from registry.typesetting.subset import FontProgram
from registry.typesetting.surface import Rgb, TextMode

_Placed = tuple[tuple[tuple[int, bytes], ...], float]
_Layout = tuple[tuple[tuple[int, str, float], ...], float]
"""Runs of a text per font (face index, characters, x) and its width."""
"""A text's operators per font (face index, ``Tm … Tj``) and its width."""
_KEPT = 20_000
"""At most this many texts, layouts and widths are each kept across pages (≈ 4 MB after 2,000
varied pages, glyph outlines included; at most ≈ 20 MB)."""


class _Face:
    """One face of the stack, ready for pages."""

    def __init__(self, font: TTFont) -> None:
        face = font.face
        self.program = FontProgram(face)
        self.widths: dict[int, float] = face.charWidths
        self.default_width: float = face.defaultWidth
        self.base_name = bytes(face.name + face.subfontNameX)
        self.descriptor = b" ".join(
            [
                b"/Flags %d" % face.flags,
                b"/FontBBox [" + b" ".join(number(v) for v in face.bbox) + b"]",
                b"/ItalicAngle " + number(face.italicAngle),
                b"/Ascent " + number(face.ascent),
                b"/Descent " + number(face.descent),
                b"/CapHeight " + number(face.capHeight),
                b"/StemV %d" % face.stemV,
                b"/MissingWidth " + number(self.default_width),
            ]
        )
        self.prepare("")

    def prepare(self, chars: str) -> None:
        """Put the glyphs of ``chars`` (all in this face) at the start of every subset."""
        codes: dict[str, int] = {}
        glyphs: list[int] = []
        for char in dict.fromkeys(chars):
            glyph = self.program.char_to_glyph.get(ord(char), 0)
            if glyph and glyph not in glyphs:  # one code per glyph: ToUnicode stays exact
                glyphs.append(glyph)
        self.prefix = self.program.prefix(glyphs)
        by_glyph = {
            glyph: char for char in chars if (glyph := self.program.char_to_glyph.get(ord(char), 0))
        }
        for glyph, char in by_glyph.items():
            codes[char] = self.prefix.new_number[glyph]
        self.codes = codes
        """Character → code (new glyph number) of the prefix's characters."""
        self.hex_codes = {char: b"%04x" % code for char, code in codes.items()}
        chars_by_code = {code: char for char, code in codes.items()}
        get, default = self.widths.get, self.default_width
        self.prefix_widths = b" ".join(
            number(get(ord(chars_by_code[code]), default)) if code in chars_by_code else b"0"
            for code in range(1, len(self.prefix.glyphs))
        )
        self.prefix_unicode = [
            unicode_entry(char, code) for char, code in sorted(codes.items(), key=lambda i: i[1])
        ]


class PageFonts:
    """The faces of ``stack`` prepared for :class:`PageCanvas`. Build once per process.

    ``template`` holds the characters every page prints (labels, digits): their glyphs are
    laid out and compressed once, at the start of every subset. Not thread-safe: the kept
    operators and widths grow as pages are drawn (up to a bound).
    """

    def __init__(self, stack: FontStack, template: str = "") -> None:
        self.stack = stack
        faces = []
        for name in stack.names:
            font = pdfmetrics.getFont(name)
            assert isinstance(font, TTFont)  # FontStack registers TrueType fonts only
            faces.append(_Face(font))
        self.faces: tuple[_Face, ...] = tuple(faces)
        self._index = {name: index for index, name in enumerate(stack.names)}
        self.placed: dict[tuple[str, float, str, float, float], _Placed] = {}
        """Text operators kept across pages (see :meth:`PageCanvas.text`)."""
        self.widths: dict[tuple[str, float], float] = {}
        """Text widths kept across pages."""
        self.layouts: dict[tuple[str, float, str, float, float], _Layout] = {}
        """Text layouts (runs per font and their x) kept across pages."""
        chars: list[list[str]] = [[] for _ in faces]
        for name, part in stack.runs("".join(dict.fromkeys(template))):
            chars[self._index[name]].extend(part)
        for face, wanted in zip(faces, chars, strict=True):
            if wanted:
                face.prepare("".join(wanted))

    def index(self, name: str) -> int:
        """Position of the reportlab font ``name`` in the stack."""
        return self._index[name]

    def page(self, width: float, height: float) -> PageCanvas:
        """A new blank page over these fonts."""
        return PageCanvas(self, width, height)


class Graphics:
    """Graphics operators collected in order (content-stream bytes)."""

    def __init__(self) -> None:
        self.graphics: list[bytes] = []
        """Operators painted first, in order."""

    def operators(self) -> bytes:
        """The operators so far, one per line: a fragment to add to other pages as is."""
        return b"\n".join(self.graphics)

    def fill(self, color: Rgb) -> None:
        self.graphics.append(b"%s %s %s rg" % tuple(number(c) for c in color))

    def stroke(self, color: Rgb) -> None:
        self.graphics.append(b"%s %s %s RG" % tuple(number(c) for c in color))

    def line_width(self, width: float) -> None:
        self.graphics.append(number(width) + b" w")

    def rect(self, x: float, y: float, width: float, height: float, *, fill: bool) -> None:
        """A rectangle, filled (even-odd, like reportlab) or stroked."""
        box = b"%s %s %s %s" % (number(x), number(y), number(width), number(height))
        self.graphics.append(b"n " + box + (b" re f*" if fill else b" re S"))

    def lines(self, segments: Sequence[tuple[float, float, float, float]]) -> None:
        """Stroke each ``(x1, y1, x2, y2)`` segment as one path."""
        path = [b"n"]
        for x1, y1, x2, y2 in segments:
            path.append(b"%s %s m %s %s l" % (number(x1), number(y1), number(x2), number(y2)))
        path.append(b"S")
        self.graphics.append(b"\n".join(path))

    def literal(self, operators: bytes) -> None:
        """Paint prepared operators as they are (a :meth:`operators` fragment, a QR path)."""
        self.graphics.append(operators)


class PageCanvas(Graphics):
    """One page being drawn: graphics in order, then one text object on top of them.

    Coordinates are PDF points from the lower-left corner. Not reusable: call
    :meth:`pdf` once.
    """

    def __init__(self, fonts: PageFonts, width: float, height: float) -> None:
        super().__init__()
        self._fonts = fonts
        self._size = (width, height)
        self._text: list[bytes] = []
        self._codes: list[dict[str, int]] = [dict(face.codes) for face in fonts.faces]
        self._hex: list[dict[str, bytes]] = [dict(face.hex_codes) for face in fonts.faces]
        self._glyphs: list[list[int]] = [[] for _ in fonts.faces]
        self._used: set[int] = set()
        self._text_font: tuple[int, float] = (-1, 0.0)

    # --- text -----------------------------------------------------------------------------

    def _encode(self, face: int, text: str) -> bytes:
        self._used.add(face)
        hex_codes = self._hex[face]
        try:
            return b"<" + b"".join(map(hex_codes.__getitem__, text)) + b">"
        except KeyError:
            pass
        codes = self._codes[face]
        glyphs = self._glyphs[face]
        prepared = self._fonts.faces[face]
        first = len(prepared.prefix.glyphs)
        for char in text:
            if char not in codes:
                code = codes[char] = first + len(glyphs)
                hex_codes[char] = b"%04x" % code
                glyphs.append(prepared.program.char_to_glyph.get(ord(char), 0))
        return b"<" + b"".join(map(hex_codes.__getitem__, text)) + b">"

    def width(self, text: str, size: float) -> float:
        """Advance width of ``text`` at ``size`` points (fallback fonts included)."""
        fonts = self._fonts
        key = (text, size)
        total = fonts.widths.get(key)
        if total is None:
            total = 0.0
            for name, part in fonts.stack.runs(text):
                face = fonts.faces[fonts.index(name)]
                get, default = face.widths.get, face.default_width
                total += 0.001 * size * sum([get(ord(c), default) for c in part])
            if len(fonts.widths) < _KEPT:
                fonts.widths[key] = total
        return total

    def _place(self, x: float, text: str, size: float, align: Align, char_space: float) -> _Layout:
        """Runs of ``text`` per font with the x of each, and the total width; kept across
        pages (the layout depends on nothing but these arguments)."""
        fonts = self._fonts
        key = (text, size, align, x, char_space)
        layout = fonts.layouts.get(key)
        if layout is not None:
            return layout
        faces: list[tuple[int, str]] = []
        advances: list[float] = []
        for name, part in fonts.stack.runs(text):
            index = fonts.index(name)
            face = fonts.faces[index]
            get, default = face.widths.get, face.default_width
            width = 0.001 * size * sum([get(ord(c), default) for c in part])
            faces.append((index, part))
            advances.append(width + char_space * len(part))
        total = sum(advances) - char_space if text else 0.0
        if align == "centre":
            x -= total / 2
        elif align == "right":
            x -= total
        placed = []
        for (index, part), advance in zip(faces, advances, strict=True):
            placed.append((index, part, x))
            x += advance
        layout = (tuple(placed), total)
        if len(fonts.layouts) < _KEPT:
            fonts.layouts[key] = layout
        return layout

    def text_fill(self, color: Rgb) -> None:
        """Colour of the text drawn next with :meth:`text`."""
        self._text.append(b"%s %s %s rg" % tuple(number(c) for c in color))

    def text(self, x: float, y: float, text: str, size: float, align: Align = "left") -> float:
        """Draw ``text`` into the page's text object (on top of all graphics); return its width.

        ``align`` says whether ``x`` is the left end, the centre or the right end. Raises
        :class:`registry.typesetting.GlyphMissing` for a character no font has.

        A text whose characters are all in the prepared prefix has the same codes on every
        page, so its operators are kept (:attr:`PageFonts.placed`) and the next page with
        the same text at the same place and size reuses them: labels, headings and common
        values cost a look-up.
        """
        fonts = self._fonts
        key = (text, size, align, x, y)
        placed = fonts.placed.get(key)
        if placed is None:
            spans, total = self._place(x, text, size, align, 0.0)
            operators = tuple(
                (
                    face,
                    b"1 0 0 1 %s %s Tm " % (number(left), number(y))
                    + self._encode(face, part)
                    + b" Tj",
                )
                for face, part, left in spans
            )
            placed = (operators, total)
            prepared = all(
                all(map(fonts.faces[face].codes.__contains__, part)) for face, part, _ in spans
            )
            if prepared and len(fonts.placed) < _KEPT:
                fonts.placed[key] = placed
        out = self._text
        for face, operator in placed[0]:
            self._used.add(face)
            if (face, size) != self._text_font:
                out.append(b"/F%d %s Tf" % (face, number(size)))
                self._text_font = (face, size)
            out.append(operator)
        return placed[1]

    def graphic_text(
        self,
        x: float,
        y: float,
        text: str,
        size: float,
        align: Align = "left",
        *,
        mode: TextMode = 0,
        char_space: float = 0.0,
    ) -> float:
        """Draw ``text`` as its own text object among the graphics (current fill and stroke
        colours; ``mode`` 2 fills and strokes the glyphs); return its width."""
        placed, total = self._place(x, text, size, align, char_space)
        for face, part, left in placed:
            self.graphics.append(
                b"BT 1 0 0 1 %s %s Tm %d Tr %s Tc /F%d %s Tf %s Tj 0 Tc 0 Tr ET"
                % (
                    number(left),
                    number(y),
                    mode,
                    number(char_space),
                    face,
                    number(size),
                    self._encode(face, part),
                )
            )
        return total

    # --- the file -------------------------------------------------------------------------

    def pdf(self, info: Mapping[str, str]) -> bytes:
        """The finished file; ``info`` becomes the document information (``Title`` …)."""
        content = b"\n".join([*self.graphics, b"BT", *self._text, b"ET"])
        width, height = self._size
        objects: list[bytes] = []
        font_entries: list[bytes] = []
        used = sorted(self._used)
        first = 6
        for slot, face_index in enumerate(used):
            number_0 = first + 5 * slot
            font_entries.append(b"/F%d %d 0 R" % (face_index, number_0))
        objects.append(b"<< /Type /Catalog /Pages 2 0 R >>")
        objects.append(b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>")
        objects.append(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %s %s] /Resources << /Font << %s >> "
            b"/ProcSet [/PDF /Text] >> /Contents 4 0 R >>"
            % (number(width), number(height), b" ".join(font_entries))
        )
        objects.append(stream(content))
        objects.append(
            b"<< "
            + b" ".join(
                b"/%s %s" % (key.encode("ascii"), text_string(v)) for key, v in info.items()
            )
            + b" >>"
        )
        for slot, face_index in enumerate(used):
            objects.extend(self._font_objects(face_index, first + 5 * slot))
        return write_file(objects)

    def _font_objects(self, face_index: int, at: int) -> list[bytes]:
        face = self._fonts.faces[face_index]
        glyphs = self._glyphs[face_index]
        first = len(face.prefix.glyphs)
        added = sorted(
            ((char, code) for char, code in self._codes[face_index].items() if code >= first),
            key=lambda item: item[1],
        )
        packed, length = face.program.subset(face.prefix, glyphs)
        tag = bytes(65 + b % 26 for b in hashlib.sha256(packed).digest()[:6])
        name = b"/" + tag + b"+" + face.base_name
        get, default = face.widths.get, face.default_width
        widths = b" ".join(
            [face.prefix_widths, *(number(get(ord(c), default)) for c, _ in added)]
        ).strip()
        entries = [*face.prefix_unicode, *(unicode_entry(c, code) for c, code in added)]
        cmap = to_unicode_cmap(b"%s+%s" % (tag, face.base_name), entries)
        return [
            b"<< /Type /Font /Subtype /Type0 /BaseFont %s /Encoding /Identity-H "
            b"/DescendantFonts [%d 0 R] /ToUnicode %d 0 R >>" % (name, at + 1, at + 4),
            b"<< /Type /Font /Subtype /CIDFontType2 /BaseFont %s /CIDSystemInfo << /Registry "
            b"(Adobe) /Ordering (Identity) /Supplement 0 >> /FontDescriptor %d 0 R "
            b"/CIDToGIDMap /Identity /DW 1000 /W [1 [%s]] >>" % (name, at + 2, widths),
            b"<< /Type /FontDescriptor /FontName %s %s /FontFile2 %d 0 R >>"
            % (name, face.descriptor, at + 3),
            packed_stream(packed, b"/Length1 %d " % length),
            stream(cmap),
        ]
