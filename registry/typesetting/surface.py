"""What the certificate page is drawn on: :class:`PageSurface`, one page, and
:class:`PageWriter`, which makes them.

The page's drawing code (:mod:`signer.document.drawing`, :mod:`signer.document.qr_code`) calls
nothing but :class:`PageSurface`. Two implementations hold it:

- :class:`registry.typesetting.pdfpage.PageCanvas`, made by
  :class:`~registry.typesetting.pdfpage.PageFonts`: the PDF written directly, the
  production path (``docs/certificate-layout.md``);
- :class:`registry.typesetting.reportlab_page.ReportlabPageCanvas`, made by
  :class:`~registry.typesetting.reportlab_page.ReportlabPages`: reportlab's canvas, the
  reference the first replaced. ``tests/signer/test_conformance_page.py`` draws the same pages on
  both and compares poppler's renderings pixel for pixel.

The caller chooses one explicitly (:func:`registry.typesetting.writers.page_writer`).

Coordinates are PDF points from the lower-left corner; colours are RGB from 0 to 1.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Literal, Protocol

from registry.typesetting.fonts import Align

Rgb = tuple[float, float, float]
TextMode = Literal[0, 2]
"""PDF text render mode: 0 fills the glyphs, 2 fills and strokes them (a heavier weight)."""


class PageSurface(Protocol):
    """One page being drawn: graphics in the order drawn, and the text over all of them.

    Text drawn with :meth:`text` lands on top of every graphic, whenever it is drawn; text
    drawn with :meth:`graphic_text` is a graphic itself. Not reusable: call :meth:`pdf` once.
    """

    def fill(self, color: Rgb) -> None:
        """Fill colour of the graphics drawn next (and of :meth:`graphic_text`)."""
        ...

    def stroke(self, color: Rgb) -> None:
        """Stroke colour of the graphics drawn next."""
        ...

    def line_width(self, width: float) -> None: ...

    def rect(self, x: float, y: float, width: float, height: float, *, fill: bool) -> None:
        """A rectangle, filled (even-odd) or stroked."""
        ...

    def lines(self, segments: Sequence[tuple[float, float, float, float]]) -> None:
        """Stroke each ``(x1, y1, x2, y2)`` segment, all as one path."""
        ...

    def literal(self, operators: bytes) -> None:
        """Paint content-stream operators as they are (ASCII; balanced ``q``/``Q``): a
        prepared fragment such as the page's frame or a QR code's path."""
        ...

    def width(self, text: str, size: float) -> float:
        """Advance width of ``text`` at ``size`` points (fallback fonts included)."""
        ...

    def text_fill(self, color: Rgb) -> None:
        """Colour of the text drawn next with :meth:`text`."""
        ...

    def text(self, x: float, y: float, text: str, size: float, align: Align = "left") -> float:
        """Draw ``text`` with its baseline at ``y`` on top of all graphics; return its width.

        ``align`` says whether ``x`` is the left end, the centre or the right end. Raises
        :class:`registry.typesetting.GlyphMissing` for a character no font has.
        """
        ...

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
        """Draw ``text`` among the graphics (current fill and stroke colours), ``char_space``
        points after every character but the last; return its width."""
        ...

    def pdf(self, info: Mapping[str, str]) -> bytes:
        """The finished one-page file; ``info`` is its document information (``Title``,
        ``Author``, ``Subject``, ``Creator``)."""
        ...


class PageWriter(Protocol):
    """Makes pages over one font stack. Build once per process: fonts are prepared once."""

    def page(self, width: float, height: float) -> PageSurface:
        """A new blank page of ``width`` × ``height`` points."""
        ...
