"""The verification QR code: module matrix and vector drawing.

The symbol uses error correction level M and a *fixed* mask pattern. Choosing the mask
automatically scores all eight candidates and is about 85 % of the cost of a QR code; every
mask is equally valid to a reader, and level M with 0.5 mm modules reads well on paper. The
encoder is :mod:`signer.document.qr_symbol` (module for module the symbol the ``qrcode`` library
makes for the same text, version, level and mask, at about a fifteenth of its cost; that
reference is :mod:`signer.document.qrcode_symbol`). :func:`draw_qr` takes the rows of either
(a :class:`QrEncoder`) and paints them on any
:class:`~registry.typesetting.PageSurface`.
"""

from __future__ import annotations

import re
from functools import cache
from itertools import compress
from operator import sub
from typing import Protocol

from registry.typesetting import PageSurface
from registry.typesetting.pdfsyntax import number
from signer.document.qr_symbol import MASK_PATTERN, qr_rows

__all__ = [
    "MASK_PATTERN",
    "MODULE",
    "QUIET_ZONE",
    "QrEncoder",
    "dark_runs",
    "draw_qr",
    "qr_matrix",
    "qr_path",
]


class QrEncoder(Protocol):
    """Encodes a text as the certificate's QR symbol:
    :func:`signer.document.qr_symbol.qr_rows` (production) or
    :func:`signer.document.qrcode_symbol.qrcode_rows` (the reference)."""

    def __call__(self, text: str) -> tuple[bytes, ...]:
        """The symbol of ``text``: one ``bytes`` per row from the top, ``1`` for a dark
        module, no quiet zone; error correction level M, the smallest version that fits, mask
        :data:`MASK_PATTERN`, one segment (numeric for digits only, alphanumeric for the 45
        Base45 characters, else UTF-8 bytes). Raises :class:`IssuanceError` (reason
        ``qr_too_long``) if ``text`` does not fit even version 40."""
        ...


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

    Digits only are encoded in numeric mode, upper-case alphanumeric text (Base45) in
    alphanumeric mode, other text as UTF-8 in byte mode. Raises
    :class:`signer.errors.IssuanceError` (reason ``qr_too_long``) if the text does not fit
    even version 40.
    """
    return tuple(tuple(map(bool, row)) for row in qr_rows(text))


def dark_runs(matrix: Matrix | tuple[bytes, ...]) -> list[tuple[int, int, int]]:
    """Horizontal runs of dark modules as ``(row, first column, length)``, rows from the top."""
    runs: list[tuple[int, int, int]] = []
    for row_number, row in enumerate(matrix):
        for match in _DARK_RUN.finditer(bytes(row)):
            runs.append((row_number, match.start(), match.end() - match.start()))
    return runs


def qr_path(rows: tuple[bytes, ...]) -> bytes:
    """The dark modules of ``rows`` (see :func:`signer.document.qr_symbol.qr_rows`) as one filled
    path, in module units with the origin at the lower-left module: content-stream bytes.

    Each horizontal run of dark modules is one rectangle (``column row length 1 re``), so
    the stream stays small and neighbouring modules show no seams. The runs are found
    without a Python loop over them: with every row followed by a light module, a run starts
    where a dark module follows a light one and ends where a light one follows a dark one;
    both are one bitwise operation over the whole matrix as an integer, the positions are
    picked with ``itertools.compress``, and the operators are pre-formatted per position
    and per length.
    """
    starts_text, ones, positions = _path_tables(len(rows))
    flat = b"\x00".join(rows) + b"\x00"
    size = len(flat)
    modules = int.from_bytes(flat, "big")
    previous = modules >> 8  # each position's left neighbour (0 at the start of a row)
    starts = list(compress(positions, (modules & (previous ^ ones)).to_bytes(size, "big")))
    ends = compress(positions, (previous & (modules ^ ones)).to_bytes(size, "big"))
    lengths = map(_LENGTH.__getitem__, map(sub, ends, starts))
    return b"".join(map(bytes.__add__, map(starts_text.__getitem__, starts), lengths)) + b"f"


_LENGTH = [b"%d 1 re\n" % i for i in range(178)]
"""``length 1 re`` and a newline, for runs of up to the 177 modules of version 40."""


@cache
def _path_tables(count: int) -> tuple[list[bytes], int, list[int]]:
    """For a symbol of ``count`` modules a side, rows each followed by one light module:
    ``column row `` of every position (rows counted from the bottom), a ``0x01`` byte per
    position as an integer, and the positions."""
    width = count + 1
    size = count * width
    text = [b"%d %d " % (p % width, count - 1 - p // width) for p in range(size)]
    return text, int.from_bytes(b"\x01" * size, "big"), list(range(size))


def draw_qr(
    canvas: PageSurface, rows: tuple[bytes, ...], x: float, y: float, module: float = MODULE
) -> float:
    """Draw ``rows`` (see :func:`signer.document.qr_symbol.qr_rows`) with its quiet zone's
    lower-left corner at (x, y); return the side.

    The square of ``(len(rows) + 2 * QUIET_ZONE) * module`` points includes the quiet zone,
    which is painted white so that nothing underneath can touch the symbol. The dark
    modules are one filled path (:func:`qr_path`) in module units.
    """
    count = len(rows)
    side = (count + 2 * QUIET_ZONE) * module
    origin_x, origin_y = x + QUIET_ZONE * module, y + QUIET_ZONE * module
    canvas.literal(
        b"q\n1 1 1 rg\nn %s %s %s %s re f*\n%s 0 0 %s %s %s cm\n0 0 0 rg\n"
        % (
            number(x),
            number(y),
            number(side),
            number(side),
            number(module),
            number(module),
            number(origin_x),
            number(origin_y),
        )
        + qr_path(rows)
        + b"\nQ"
    )
    return side
