"""The verification QR code: module matrix and vector drawing.

The symbol uses error correction level M and a *fixed* mask pattern. Choosing the mask
automatically scores all eight candidates and is about 85 % of the cost of a QR code; every
mask is equally valid to a reader, and level M with 0.5 mm modules reads well on paper.
"""

from __future__ import annotations

import re
from typing import cast

import qrcode
from qrcode import util
from qrcode.constants import ERROR_CORRECT_M
from reportlab.lib.colors import Color
from reportlab.pdfgen.canvas import Canvas

from signer.errors import IssuanceError

MASK_PATTERN = 4
"""The mask every certificate QR code uses (0–7 are all valid)."""
QUIET_ZONE = 4
"""Light modules around the symbol, as ISO/IEC 18004 requires."""

MODULE = 72 / 50
"""Module size in points: 0.508 mm (1/50 inch), so a 400-character payload (version 13) prints
35 mm wide and a module is a whole number of dots at 100, 300 and 600 dpi."""

_DARK_RUN = re.compile(b"\x01+")

Matrix = tuple[tuple[bool, ...], ...]
"""Rows from the top, ``True`` for a dark module; no quiet zone."""


def qr_matrix(text: str) -> Matrix:
    """Encode ``text`` as a QR code at level M in the smallest version that fits.

    Upper-case alphanumeric text (Base45) is encoded in alphanumeric mode, other text in
    byte mode. Raises :class:`IssuanceError` (reason ``qr_too_long``) if the text does not
    fit even version 40.
    """
    data = util.QRData(text)
    code = qrcode.QRCode(
        version=_smallest_version(data, len(text)),
        error_correction=ERROR_CORRECT_M,
        mask_pattern=MASK_PATTERN,
    )
    code.add_data(data)
    code.make(fit=False)
    # After make() every module is a bool: the None of the blank template is all filled.
    return tuple(map(tuple, cast(list[list[bool]], code.modules)))


def _smallest_version(data: util.QRData, length: int) -> int:
    # qrcode's own fit encodes the data up to three times just to count its bits; a
    # single-segment length is arithmetic (ISO/IEC 18004, 7.4).
    count = len(data)
    if data.mode == util.MODE_ALPHA_NUM:
        bits = 11 * (count // 2) + 6 * (count % 2)
    elif data.mode == util.MODE_NUMBER:
        bits = 10 * (count // 3) + (0, 4, 7)[count % 3]
    else:
        bits = 8 * count
    limits = util.BIT_LIMIT_TABLE[ERROR_CORRECT_M]
    for version in range(1, 41):
        needed = 4 + util.mode_sizes_for_version(version)[data.mode] + bits
        if needed <= limits[version]:
            return version
    raise IssuanceError(
        "qr_too_long", f"QR text of {length} characters does not fit a QR code at level M"
    )


def dark_runs(matrix: Matrix) -> list[tuple[int, int, int]]:
    """Horizontal runs of dark modules as ``(row, first column, length)``, rows from the top."""
    runs: list[tuple[int, int, int]] = []
    for row_number, row in enumerate(matrix):
        for match in _DARK_RUN.finditer(bytes(row)):
            runs.append((row_number, match.start(), match.end() - match.start()))
    return runs


def draw_qr(canvas: Canvas, matrix: Matrix, x: float, y: float, module: float = MODULE) -> float:
    """Draw ``matrix`` with its quiet zone's lower-left corner at (x, y); return the side.

    The square of ``(len(matrix) + 2 * QUIET_ZONE) * module`` points includes the quiet zone,
    which is painted white so that nothing underneath can touch the symbol. Each horizontal
    run of dark modules is one rectangle, and all of them are one filled path in module
    units, so the content stream stays small and neighbouring modules show no seams.
    """
    count = len(matrix)
    side = (count + 2 * QUIET_ZONE) * module
    canvas.saveState()
    canvas.setFillColor(Color(1, 1, 1))
    canvas.rect(x, y, side, side, stroke=0, fill=1)
    canvas.translate(x + QUIET_ZONE * module, y + QUIET_ZONE * module)
    canvas.scale(module, module)
    canvas.setFillColor(Color(0, 0, 0))
    top = count - 1
    path = "\n".join(f"{c} {top - r} {n} 1 re" for r, c, n in dark_runs(matrix))
    canvas.addLiteral(path + "\nf")
    canvas.restoreState()
    return side
