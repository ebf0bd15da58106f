"""CJK fonts for certificates, seals and reports: discovery, one-time registration and
per-glyph fallback.

A certificate must show every character of a person's name exactly: names use rare characters
(生僻字) that a GB2312-era font lacks, such as 𠈌 (U+2020C). So text is drawn with a *stack* of
TrueType fonts — WenQuanYi Zen Hei first, then Hanazono Mincho A and B — and each character
goes to the first font whose ``cmap`` has it. A character that no font has raises
:class:`GlyphMissing`; nothing is ever dropped or drawn as a blank box.

Fonts are located by file name in ``$CECERT_FONT_DIRS`` (colon-separated, searched first) and
then in the Debian font directories. Loading parses each file once (about 0.1 s and the file's
size in memory each); build one :class:`FontStack` per process and keep it.
"""

from __future__ import annotations

import os
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from reportlab.lib.colors import Color
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFError, TTFont
from reportlab.pdfgen.canvas import Canvas

from registry.errors import RegistryError
from registry.typesetting.pdffont import CertificateFont

FONT_DIRS_ENV = "CECERT_FONT_DIRS"
DEBIAN_PACKAGES = ("fonts-wqy-zenhei", "fonts-hanazono")

SYSTEM_FONT_DIRS = (
    Path("/usr/share/fonts/truetype/wqy"),
    Path("/usr/share/fonts/truetype/hanazono"),
    Path("/usr/share/fonts/truetype"),
    Path("/usr/local/share/fonts"),
)

Align = Literal["left", "centre", "right"]
TextMode = Literal[0, 1, 2, 3, 4, 5, 6, 7]
"""PDF text render mode: 0 fills the glyphs, 2 fills and strokes them (a heavier weight)."""


class FontsMissing(RegistryError):
    """A required font file was not found on this machine, or cannot be read."""

    reason = "fonts_missing"

    def __init__(self, message: str) -> None:
        super().__init__(self.reason, message)


class GlyphMissing(RegistryError):
    """A character is in none of the fonts, so it cannot be drawn faithfully."""

    reason = "glyph_missing"

    def __init__(self, char: str, text: str) -> None:
        super().__init__(
            self.reason,
            f"character {char!r} (U+{ord(char):04X}) of {text!r} is in none of the "
            "certificate fonts; install a font that has it and list its folder in "
            f"${FONT_DIRS_ENV}",
        )
        self.char = char


@dataclass(frozen=True, slots=True)
class FontFile:
    """One TrueType face on disk."""

    family: str
    """Family name, for messages and docs (e.g. ``WenQuanYi Zen Hei``)."""
    path: Path
    """The ``.ttf`` or ``.ttc`` file. It must have TrueType (``glyf``) outlines, not CFF."""
    subfont_index: int = 0
    """Face index inside a ``.ttc`` collection."""


@dataclass(frozen=True, slots=True)
class FontSet:
    """The fonts certificates are drawn with, in the order characters are looked up."""

    primary: FontFile
    """Drawn for every character it has."""
    fallbacks: tuple[FontFile, ...]
    """Tried in order for characters the primary lacks."""

    @property
    def files(self) -> tuple[FontFile, ...]:
        return (self.primary, *self.fallbacks)

    @classmethod
    def discover(
        cls,
        env: Mapping[str, str] | None = None,
        system_dirs: Sequence[Path] = SYSTEM_FONT_DIRS,
    ) -> FontSet:
        """Find the standard fonts: ``$CECERT_FONT_DIRS`` first, then ``system_dirs``.

        ``env`` defaults to ``os.environ``. Raises :class:`FontsMissing` naming every missing
        file and the Debian packages that provide them. All three fonts are required, so that
        a machine without the fallbacks fails at start-up, not on the first rare name.
        """
        environ = os.environ if env is None else env
        extra = tuple(Path(p) for p in environ.get(FONT_DIRS_ENV, "").split(":") if p)
        dirs = (*extra, *system_dirs)
        wanted = (
            ("WenQuanYi Zen Hei", "wqy-zenhei.ttc"),
            ("Hanazono Mincho A", "HanaMinA.ttf"),
            ("Hanazono Mincho B", "HanaMinB.ttf"),
        )
        found: list[FontFile] = []
        missing: list[str] = []
        for family, file_name in wanted:
            path = _first_existing(dirs, file_name)
            if path is None:
                missing.append(file_name)
            else:
                found.append(FontFile(family, path))
        if missing:
            searched = ", ".join(str(d) for d in dirs)
            raise FontsMissing(
                f"certificate fonts not found: {', '.join(missing)} (searched {searched}); "
                f"install the Debian packages {' and '.join(DEBIAN_PACKAGES)}, or put the "
                f"files in a folder listed in ${FONT_DIRS_ENV}"
            )
        return cls(primary=found[0], fallbacks=tuple(found[1:]))


def _first_existing(dirs: Sequence[Path], file_name: str) -> Path | None:
    for directory in dirs:
        candidate = directory / file_name
        if candidate.is_file():
            return candidate
    return None


Run = tuple[str, str]
"""``(reportlab font name, text)``: a stretch of text drawn with one font."""


class FontStack:
    """The fonts of a :class:`FontSet`, loaded and registered with reportlab once.

    Registration is process-wide (reportlab keeps a global font table): a second stack over
    the same files reuses the faces already loaded. Not thread-safe, like reportlab itself.
    """

    def __init__(self, fonts: FontSet | None = None) -> None:
        self.font_set = FontSet.discover() if fonts is None else fonts
        names: list[str] = []
        coverage: list[frozenset[int]] = []
        registered = set(pdfmetrics.getRegisteredFontNames())
        for number, file in enumerate(self.font_set.files):
            # The same file gets the same name, so a second stack reuses the parsed face.
            tag = zlib.crc32(f"{file.path.resolve()}#{file.subfont_index}".encode())
            name = f"Cecert{number}-{file.path.stem}-{tag:08x}"
            if name not in registered:
                try:
                    loaded = CertificateFont(name, file.path, file.subfont_index)
                except (OSError, ValueError, TTFError) as exc:
                    raise FontsMissing(
                        f"cannot load {file.family} from {file.path}: {exc}; reinstall "
                        f"{' and '.join(DEBIAN_PACKAGES)}"
                    ) from exc
                pdfmetrics.registerFont(loaded)
            font = pdfmetrics.getFont(name)
            if not isinstance(font, TTFont):
                raise FontsMissing(f"font name {name!r} is taken by a non-TrueType font")
            face = font.face
            names.append(name)
            # A cmap entry that points at glyph 0 (.notdef) would draw a box: not covered.
            coverage.append(frozenset(c for c, g in face.charToGlyph.items() if g))
        self.names: tuple[str, ...] = tuple(names)
        """reportlab font names, primary first."""
        self._coverage = tuple(coverage)
        self._primary = coverage[0]

    @property
    def primary(self) -> str:
        """reportlab name of the primary font."""
        return self.names[0]

    def runs(self, text: str) -> tuple[Run, ...]:
        """Split ``text`` into runs, each drawn with the first font that has its characters.

        Raises :class:`GlyphMissing` for a character no font has.
        """
        if self._primary.issuperset(map(ord, text)):
            return ((self.names[0], text),) if text else ()
        result: list[Run] = []
        current = ""
        start = 0
        for index, char in enumerate(text):
            font = self._font_for(char, text)
            if font != current:
                if current:
                    result.append((current, text[start:index]))
                current, start = font, index
        result.append((current, text[start:]))
        return tuple(result)

    def _font_for(self, char: str, text: str) -> str:
        code = ord(char)
        for name, covered in zip(self.names, self._coverage, strict=True):
            if code in covered:
                return name
        raise GlyphMissing(char, text)

    def check(self, text: str) -> None:
        """Raise :class:`GlyphMissing` unless every character of ``text`` can be drawn."""
        self.runs(text)

    def width(self, text: str, size: float) -> float:
        """Advance width of ``text`` at ``size`` points, in points."""
        return sum(pdfmetrics.stringWidth(part, font, size) for font, part in self.runs(text))

    def place(
        self, x: float, text: str, size: float, align: Align = "left", char_space: float = 0.0
    ) -> tuple[list[tuple[str, str, float]], float]:
        """Lay ``text`` out: ``([(font, run, x of the run), ...], total width)``.

        ``align`` says whether ``x`` is the left end, the centre or the right end;
        ``char_space`` adds that many points after every character but the last.
        """
        runs = self.runs(text)
        widths = [
            pdfmetrics.stringWidth(part, font, size) + char_space * len(part) for font, part in runs
        ]
        total = sum(widths) - char_space if text else 0.0
        if align == "centre":
            x -= total / 2
        elif align == "right":
            x -= total
        placed = []
        for (font, part), advance in zip(runs, widths, strict=True):
            placed.append((font, part, x))
            x += advance
        return placed, total

    def draw(
        self,
        canvas: Canvas,
        x: float,
        y: float,
        text: str,
        size: float,
        align: Align = "left",
        *,
        mode: TextMode | None = None,
        char_space: float = 0.0,
    ) -> float:
        """Draw ``text`` on ``canvas`` with its baseline at ``y``; return its width.

        See :meth:`place` for ``align`` and ``char_space``; ``mode`` is the text render mode.
        For many strings on one page, :class:`TextWriter` is several times cheaper.
        """
        placed, total = self.place(x, text, size, align, char_space)
        for font, part, left in placed:
            canvas.setFont(font, size)
            canvas.drawString(left, y, part, mode=mode, charSpace=char_space)
        return total


class TextWriter:
    """Draws many strings into one PDF text object (``BT … ET``), with font fallback.

    ``canvas.drawString`` builds a text object per call; a page of tables has a hundred and
    more strings, so one shared object that skips redundant font changes saves most of the
    cost of text. The text object goes onto the page at :meth:`close`, over everything the
    canvas has drawn by then.
    """

    def __init__(self, fonts: FontStack, canvas: Canvas) -> None:
        self._fonts = fonts
        self._canvas = canvas
        self._text = canvas.beginText()
        self._font = ""
        self._size = 0.0

    def fill(self, color: Color) -> None:
        """Colour of the text drawn next."""
        self._text.setFillColor(color)

    def draw(self, x: float, y: float, text: str, size: float, align: Align = "left") -> float:
        """Draw ``text`` with its baseline at ``y``; return its width (see FontStack.place)."""
        placed, total = self._fonts.place(x, text, size, align)
        t = self._text
        for font, part, left in placed:
            if font != self._font or size != self._size:
                t.setFont(font, size)
                self._font, self._size = font, size
            t.setTextOrigin(left, y)
            t.textOut(part)
        return total

    def close(self) -> None:
        """Put the text on the page. The writer must not be used afterwards."""
        self._canvas.drawText(self._text)
