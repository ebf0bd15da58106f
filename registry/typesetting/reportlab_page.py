"""The certificate page through reportlab's canvas: the reference for the page writer.

:class:`registry.typesetting.pdfpage.PageCanvas` writes the page's PDF itself, about 5× cheaper
than reportlab's canvas and document model (``docs/performance.md``). This module draws the
same :class:`~registry.typesetting.surface.PageSurface` calls with reportlab, the way the page
was drawn before: graphics through the canvas, all :meth:`~ReportlabPageCanvas.text` in one
text object (:class:`~registry.typesetting.TextWriter`) put on the page last, the font stack's
runs for fallback fonts, reportlab's own 256-character TrueType subsets. The tests draw the
same pages both ways and compare poppler's renderings (``tests/signer/test_conformance_page.py``).

Not used for certificates: choose it explicitly
(:attr:`registry.typesetting.writers.PageWriterKind.REPORTLAB`). Not thread-safe, like
reportlab itself.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Mapping, Sequence

from reportlab.lib.colors import Color
from reportlab.pdfgen.canvas import Canvas

from registry.typesetting.fonts import Align, FontStack, TextWriter
from registry.typesetting.surface import Rgb, TextMode


class ReportlabPages:
    """Makes :class:`ReportlabPageCanvas` pages over ``stack`` (a
    :class:`~registry.typesetting.surface.PageWriter`)."""

    def __init__(self, stack: FontStack) -> None:
        self.stack = stack

    def page(self, width: float, height: float) -> ReportlabPageCanvas:
        """A new blank page on a reportlab canvas."""
        return ReportlabPageCanvas(self.stack, width, height)


class ReportlabPageCanvas:
    """One page on a reportlab :class:`~reportlab.pdfgen.canvas.Canvas` (a
    :class:`~registry.typesetting.surface.PageSurface`). Not reusable: call :meth:`pdf` once.
    """

    def __init__(self, stack: FontStack, width: float, height: float) -> None:
        self._stack = stack
        self._buffer = io.BytesIO()
        self._canvas = Canvas(
            self._buffer,
            pagesize=(width, height),
            invariant=1,
            pageCompression=1,
            # The default initial font would put an unused, unembedded Helvetica in the file.
            initialFontName=stack.primary,  # type: ignore[arg-type]  # stub says float
        )
        self._text = TextWriter(stack, self._canvas)

    def fill(self, color: Rgb) -> None:
        self._canvas.setFillColorRGB(*color)

    def stroke(self, color: Rgb) -> None:
        self._canvas.setStrokeColorRGB(*color)

    def line_width(self, width: float) -> None:
        self._canvas.setLineWidth(width)

    def rect(self, x: float, y: float, width: float, height: float, *, fill: bool) -> None:
        self._canvas.rect(x, y, width, height, stroke=0 if fill else 1, fill=1 if fill else 0)

    def lines(self, segments: Sequence[tuple[float, float, float, float]]) -> None:
        self._canvas.lines(list(segments))

    def literal(self, operators: bytes) -> None:
        self._canvas.addLiteral(operators.decode("ascii"))

    def width(self, text: str, size: float) -> float:
        return self._stack.width(text, size)

    def text_fill(self, color: Rgb) -> None:
        self._text.fill(Color(*color))

    def text(self, x: float, y: float, text: str, size: float, align: Align = "left") -> float:
        return self._text.draw(x, y, text, size, align)

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
        return self._stack.draw(
            self._canvas, x, y, text, size, align, mode=mode, char_space=char_space
        )

    def pdf(self, info: Mapping[str, str]) -> bytes:
        """The finished file; ``info`` may hold ``Title``, ``Author``, ``Subject`` and
        ``Creator`` (what reportlab's canvas sets)."""
        canvas = self._canvas
        setters: dict[str, Callable[[str], None]] = {
            "Title": canvas.setTitle,
            "Author": canvas.setAuthor,
            "Subject": canvas.setSubject,
            "Creator": canvas.setCreator,
        }
        for key, value in info.items():
            if key not in setters:
                raise ValueError(f"reportlab's canvas cannot set the document information {key}")
            setters[key](value)
        self._text.close()
        canvas.showPage()
        canvas.save()
        return self._buffer.getvalue()
