"""Where things sit on the certificate page, in PDF points from its lower-left corner: the page's
size, the square the visible seal is stamped into and its ring, the QR code's corner, and how
many activity rows fit.

:mod:`signer.document.drawing` draws the page to these figures and
:mod:`signer.document.seal_artwork` the seal; ``docs/certificate-layout.md`` describes the
result.
"""

from __future__ import annotations

from reportlab.lib.pagesizes import A4

PAGE_WIDTH, PAGE_HEIGHT = A4
SEAL_DIAMETER = 120.0
"""Seal diameter in points (42.3 mm): a whole number, so :data:`SEAL_BOX` is too."""
SEAL_CENTRE = (455.0, 124.0)
SEAL_BOX: tuple[float, float, float, float] = (
    SEAL_CENTRE[0] - SEAL_DIAMETER / 2,
    SEAL_CENTRE[1] - SEAL_DIAMETER / 2,
    SEAL_CENTRE[0] + SEAL_DIAMETER / 2,
    SEAL_CENTRE[1] + SEAL_DIAMETER / 2,
)
"""``(x1, y1, x2, y2)`` in PDF points on page 1, ``(395, 64, 515, 184)``: the square the
visible seal is stamped into.

Bottom right, centred on the issuer's name, so that the stamp covers the name as a paper
certificate is stamped; the issue date is printed just below the ring (see
:data:`SEAL_RING_OUTER`), so that it stays legible.
"""
SEAL_RING_OUTER = SEAL_DIAMETER / 2 - 1.0
"""Radius of the seal ring's outer edge, in points from :data:`SEAL_CENTRE` (59): the ring
keeps 1 pt from the edge of :data:`SEAL_BOX`. :mod:`signer.document.seal_artwork` draws the ring
from it; the page keeps the date clear of it."""
SEAL_RING_WIDTH = 3.2
"""Width of the seal ring's stroke, in points: the ring is ink from ``SEAL_RING_OUTER -
SEAL_RING_WIDTH`` to ``SEAL_RING_OUTER`` from the centre."""

MAX_ACTIVITY_ROWS = 15
"""Activity rows that fit the page. With more records, the first ``MAX_ACTIVITY_ROWS - 1`` are
listed and the last row says how many more the registry holds."""

QR_CORNER = (0.72 * 56, PAGE_HEIGHT - 0.72 * 1072)
"""Lower-left corner of the QR code's quiet zone. Both coordinates sit on the 100-dpi pixel
grid (multiples of 0.72 pt from the top-left, where renderers start), so low-resolution
renderings and scans of screen images show crisp modules."""


__all__ = [
    "MAX_ACTIVITY_ROWS",
    "PAGE_HEIGHT",
    "PAGE_WIDTH",
    "QR_CORNER",
    "SEAL_BOX",
    "SEAL_CENTRE",
    "SEAL_DIAMETER",
    "SEAL_RING_OUTER",
    "SEAL_RING_WIDTH",
]
