"""The visible seal: a round official seal (公章) drawn once per issuer as a tiny vector PDF.

pyHanko stamps this page, unchanged, as the appearance of every signature of the issuer
(a *static* stamp). Drawing Chinese text inside pyHanko's own stamp styles costs 0.3–0.8 s per
signature; importing this page costs almost nothing. Draw it once at start-up and reuse it.
"""

from __future__ import annotations

import io
import math

from reportlab import rl_config
from reportlab.lib.colors import Color
from reportlab.pdfgen.canvas import Canvas

from registry.typesetting import FontStack
from signer.document.geometry import SEAL_BOX, SEAL_RING_OUTER, SEAL_RING_WIDTH
from signer.errors import IssuanceError

SEAL_RED = Color(0xD7 / 255, 0x00 / 255, 0x0F / 255)
"""Seal ink, #D7000F."""
SEAL_PURPOSE = ("专业技术人员", "继续教育专用章")
"""The words under the star, one tuple item per line."""

_ARC_SIZE = 12.5
"""Height of the issuer's characters along the arc, in points."""
_STEP = 21.0
"""Angle between two characters of the arc, in degrees, unless the span limits below apply."""
_MIN_SPAN = 150.0
_MAX_SPAN = 250.0
"""Narrowest and widest angle the whole name covers, in degrees, centred on the top: a short
name is spread out and a long one packed, as on an engraved seal."""
_GLYPH_MIDDLE = 0.37
"""Height of a CJK glyph's visual centre above its baseline, in ems."""


def seal_appearance_pdf(issuer_name: str, *, fonts: FontStack | None = None) -> bytes:
    """Return a one-page PDF, exactly :data:`signer.document.geometry.SEAL_BOX` in size, of the
    seal.

    Red ring, ``issuer_name`` along the upper arc with each character turned to face outward,
    a five-pointed star in the centre and :data:`SEAL_PURPOSE` under it. All text is drawn
    with the certificate fonts, embedded as subsets; there is no background, so the page text
    under the stamp stays visible. ``fonts`` defaults to the discovered fonts; faces already
    loaded in this process (by a :class:`~signer.document.page.PageRenderer`) are reused, otherwise
    loading them takes about 0.4 s.

    Raises :class:`registry.typesetting.GlyphMissing` for a character no font has and
    :class:`IssuanceError` (reason ``bad_issuer_name``) for an empty name.
    """
    name = issuer_name.strip()
    if not name:
        raise IssuanceError("bad_issuer_name", "the issuer name on a seal must not be empty")
    stack = FontStack() if fonts is None else fonts
    stack.check(name)
    rl_config.useA85 = 0
    side = SEAL_BOX[2] - SEAL_BOX[0]
    buffer = io.BytesIO()
    canvas = Canvas(
        buffer,
        pagesize=(side, side),
        invariant=1,
        pageCompression=1,
        # The default initial font would put an unused, unembedded Helvetica in the file.
        initialFontName=stack.primary,  # type: ignore[arg-type]  # the stub says float
    )
    canvas.setTitle(f"{name} 继续教育证书印章")
    canvas.setCreator("cecert")
    canvas.setFillColor(SEAL_RED)
    canvas.setStrokeColor(SEAL_RED)
    centre = side / 2
    radius = SEAL_RING_OUTER - SEAL_RING_WIDTH / 2  # of the stroke's centre line
    canvas.setLineWidth(SEAL_RING_WIDTH)
    canvas.circle(centre, centre, radius, stroke=1, fill=0)
    # Fill and stroke the glyphs: stamped ink is heavier than the font's single weight.
    canvas.setLineWidth(0.35)
    _arc_text(canvas, stack, name, centre, radius - SEAL_RING_WIDTH / 2 - 2.2 - _ARC_SIZE / 2)
    _star(canvas, centre, centre + 2.0, side * 0.155)
    line_size = side * 0.066
    for number, line in enumerate(SEAL_PURPOSE):
        baseline = centre - side * 0.205 - number * (line_size + 2.5)
        _centred(canvas, stack, centre, baseline, line, line_size)
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def _arc_text(canvas: Canvas, stack: FontStack, text: str, centre: float, radius: float) -> None:
    """Draw ``text`` clockwise along the upper arc, glyph centres on the circle ``radius``."""
    count = len(text)
    span = min(_MAX_SPAN, max(_MIN_SPAN, _STEP * (count - 1))) if count > 1 else 0.0
    step = span / (count - 1) if count > 1 else 0.0
    pitch = radius * math.radians(step) if count > 1 else _ARC_SIZE
    # Narrow the glyphs when they crowd, as seal engravers do; keep their height.
    squeeze = min(1.0, 0.9 * pitch / _ARC_SIZE)
    first = -step * (count - 1) / 2
    for index, char in enumerate(text):
        angle = first + step * index  # degrees clockwise from the top
        theta = math.radians(angle)
        canvas.saveState()
        canvas.translate(centre + radius * math.sin(theta), centre + radius * math.cos(theta))
        canvas.rotate(-angle)
        canvas.scale(squeeze, 1.0)
        _centred(canvas, stack, 0.0, -_GLYPH_MIDDLE * _ARC_SIZE, char, _ARC_SIZE)
        canvas.restoreState()


def _centred(canvas: Canvas, stack: FontStack, x: float, y: float, text: str, size: float) -> None:
    runs = stack.runs(text)
    x -= stack.width(text, size) / 2
    for font, part in runs:
        canvas.setFont(font, size)
        canvas.drawString(x, y, part, mode=2)
        x += stack.width(part, size)


def _star(canvas: Canvas, x: float, y: float, outer: float) -> None:
    """A filled five-pointed star with one point up, centred on (x, y)."""
    inner = outer * math.sin(math.radians(18)) / math.sin(math.radians(126))
    path = canvas.beginPath()
    for k in range(10):
        r = outer if k % 2 == 0 else inner
        a = math.radians(90 + 36 * k)
        px, py = x + r * math.cos(a), y + r * math.sin(a)
        if k == 0:
            path.moveTo(px, py)
        else:
            path.lineTo(px, py)
    path.close()
    canvas.drawPath(path, stroke=0, fill=1)
