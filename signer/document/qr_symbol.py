"""The QR symbol for one text: segment bits, Reed–Solomon codewords and module placement.

An encoder for the one path certificates take — error correction level M, the smallest
version that fits, the fixed mask pattern :data:`MASK_PATTERN` — written so that almost all of
the work is done once per version and kept: the function patterns with the format and version
information, the order in which data modules are filled, and the mask over them. Per text
only the segment's bit string, the Reed–Solomon remainders (a table per generator, one
shift and one XOR per data codeword) and one scatter (``operator.itemgetter`` over a
precomputed permutation) are left: about 0.1 ms for a 410-character payload where a general
encoder walks every module in Python.

:func:`qr_rows` is the production
:class:`~signer.document.qr_code.QrEncoder`; its reference, the ``qrcode`` library
behind the same interface, is :func:`signer.document.qrcode_symbol.qrcode_rows`. The symbols
are those of ISO/IEC 18004 and, module for module, those of the reference
(``tests/signer/test_conformance_qr.py`` runs both over the same texts: every version, all three
modes), so every reader decodes them as before.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from operator import itemgetter

from signer.errors import IssuanceError

MASK_PATTERN = 4
"""The mask every certificate QR code uses (0–7 are all valid)."""


_ALPHANUMERIC = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"
_IS_ALPHANUMERIC = re.compile("[" + re.escape(_ALPHANUMERIC) + "]*")
_IS_NUMERIC = re.compile("[0-9]+")

_NUMERIC, _ALPHANUMERIC_MODE, _BYTE = 1, 2, 4
"""Mode indicators (ISO/IEC 18004, table 2)."""

# Level M, versions 1–40 (ISO/IEC 18004, table 9): error correction codewords per block and
# the groups of blocks as (number of blocks, data codewords in each).
_BLOCKS_M: tuple[tuple[int, tuple[tuple[int, int], ...]], ...] = (
    (10, ((1, 16),)),
    (16, ((1, 28),)),
    (26, ((1, 44),)),
    (18, ((2, 32),)),
    (24, ((2, 43),)),
    (16, ((4, 27),)),
    (18, ((4, 31),)),
    (22, ((2, 38), (2, 39))),
    (22, ((3, 36), (2, 37))),
    (26, ((4, 43), (1, 44))),
    (30, ((1, 50), (4, 51))),
    (22, ((6, 36), (2, 37))),
    (22, ((8, 37), (1, 38))),
    (24, ((4, 40), (5, 41))),
    (24, ((5, 41), (5, 42))),
    (28, ((7, 45), (3, 46))),
    (28, ((10, 46), (1, 47))),
    (26, ((9, 43), (4, 44))),
    (26, ((3, 44), (11, 45))),
    (26, ((3, 41), (13, 42))),
    (26, ((17, 42),)),
    (28, ((17, 46),)),
    (28, ((4, 47), (14, 48))),
    (28, ((6, 45), (14, 46))),
    (28, ((8, 47), (13, 48))),
    (28, ((19, 46), (4, 47))),
    (28, ((22, 45), (3, 46))),
    (28, ((3, 45), (23, 46))),
    (28, ((21, 45), (7, 46))),
    (28, ((19, 47), (10, 48))),
    (28, ((2, 46), (29, 47))),
    (28, ((10, 46), (23, 47))),
    (28, ((14, 46), (21, 47))),
    (28, ((14, 46), (23, 47))),
    (28, ((12, 47), (26, 48))),
    (28, ((6, 47), (34, 48))),
    (28, ((29, 46), (14, 47))),
    (28, ((13, 46), (32, 47))),
    (28, ((40, 47), (7, 48))),
    (28, ((18, 47), (31, 48))),
)

# Centres of the alignment patterns per version (ISO/IEC 18004, annex E).
_ALIGNMENT: tuple[tuple[int, ...], ...] = (
    (),
    (6, 18),
    (6, 22),
    (6, 26),
    (6, 30),
    (6, 34),
    (6, 22, 38),
    (6, 24, 42),
    (6, 26, 46),
    (6, 28, 50),
    (6, 30, 54),
    (6, 32, 58),
    (6, 34, 62),
    (6, 26, 46, 66),
    (6, 26, 48, 70),
    (6, 26, 50, 74),
    (6, 30, 54, 78),
    (6, 30, 56, 82),
    (6, 30, 58, 86),
    (6, 34, 62, 90),
    (6, 28, 50, 72, 94),
    (6, 26, 50, 74, 98),
    (6, 30, 54, 78, 102),
    (6, 28, 54, 80, 106),
    (6, 32, 58, 84, 110),
    (6, 30, 58, 86, 114),
    (6, 34, 62, 90, 118),
    (6, 26, 50, 74, 98, 122),
    (6, 30, 54, 78, 102, 126),
    (6, 26, 52, 78, 104, 130),
    (6, 30, 56, 82, 108, 134),
    (6, 34, 60, 86, 112, 138),
    (6, 30, 58, 86, 114, 142),
    (6, 34, 62, 90, 118, 146),
    (6, 30, 54, 78, 102, 126, 150),
    (6, 24, 50, 76, 102, 128, 154),
    (6, 28, 54, 80, 106, 132, 158),
    (6, 32, 58, 84, 110, 136, 162),
    (6, 26, 54, 82, 110, 138, 166),
    (6, 30, 58, 86, 114, 142, 170),
)

_LEVEL_M = 0
"""Error correction level bits of level M in the format information."""


# --- GF(256) with the QR polynomial x^8 + x^4 + x^3 + x^2 + 1 -------------------------------

_EXP = [0] * 512
_LOG = [0] * 256
_value = 1
for _power in range(255):
    _EXP[_power] = _value
    _LOG[_value] = _power
    _value <<= 1
    if _value & 0x100:
        _value ^= 0x11D
for _power in range(255, 512):
    _EXP[_power] = _EXP[_power - 255]


def _multiply(a: int, b: int) -> int:
    return 0 if a == 0 or b == 0 else _EXP[_LOG[a] + _LOG[b]]


@cache
def _remainder_table(degree: int) -> tuple[int, ...]:
    """For each feedback byte ``f``: ``f`` times the generator of ``degree``, as one integer.

    The generator is ∏ (x − αⁱ), i < degree; its leading 1 is left out. The remainder register
    of the division is one integer of ``degree`` bytes, first coefficient most significant.
    """
    generator = [1]
    for i in range(degree):
        product = [0] * (len(generator) + 1)
        for j, coefficient in enumerate(generator):
            product[j] ^= coefficient
            product[j + 1] ^= _multiply(coefficient, _EXP[i])
        generator = product
    tail = generator[1:]
    return tuple(
        int.from_bytes(bytes(_multiply(feedback, g) for g in tail), "big")
        for feedback in range(256)
    )


def _error_correction(data: bytes, degree: int) -> bytes:
    """The ``degree`` Reed–Solomon codewords of ``data`` (a linear-feedback register)."""
    table = _remainder_table(degree)
    shift = 8 * (degree - 1)
    keep = (1 << shift) - 1
    remainder = 0
    for byte in data:
        remainder = ((remainder & keep) << 8) ^ table[byte ^ (remainder >> shift)]
    return remainder.to_bytes(degree, "big")


# --- Function patterns, placement order and mask, once per version --------------------------


def _bch(value: int, generator: int, generator_bits: int) -> int:
    code = value << (generator_bits - 1)
    while code.bit_length() >= generator_bits:
        code ^= generator << (code.bit_length() - generator_bits)
    return (value << (generator_bits - 1)) | code


@dataclass(frozen=True, slots=True)
class _Version:
    """Everything about one version that does not depend on the text."""

    size: int
    """Modules per side."""
    capacity: int
    """Data codewords."""
    groups: tuple[tuple[int, int], ...]
    """``(blocks, data codewords each)``."""
    degree: int
    """Error correction codewords per block."""
    data_modules: int
    """Modules filled with codeword bits (and the remainder bits after them)."""
    mask: int
    """The mask over the data modules in placement order, as ASCII bits (0x00 or 0x01 per
    module, most significant first) in one integer, to be XORed with the ASCII-``0``/``1`` bit
    string of the codewords."""
    scatter: Callable[[bytes], tuple[int, ...]]
    blocks: tuple[tuple[int, int], ...]
    """``(start, end)`` of each block in the data codewords."""
    interleave: Callable[[bytes], tuple[int, ...]]
    """Item ``i`` of the final codeword sequence is item ``i`` of the data codewords
    followed by every block's error correction codewords, block after block."""
    """Row-major module ``i`` is item ``i`` of ``bits + b"01"``: a data bit or a constant."""


@cache
def _version(number: int) -> _Version:
    size = 4 * number + 17
    grid: list[list[bool | None]] = [[None] * size for _ in range(size)]

    for top, left in ((0, 0), (size - 7, 0), (0, size - 7)):
        for r in range(-1, 8):
            for c in range(-1, 8):
                if 0 <= top + r < size and 0 <= left + c < size:
                    grid[top + r][left + c] = (
                        (0 <= r <= 6 and c in (0, 6))
                        or (0 <= c <= 6 and r in (0, 6))
                        or (2 <= r <= 4 and 2 <= c <= 4)
                    )
    centres = _ALIGNMENT[number - 1]
    for row in centres:
        for col in centres:
            if grid[row][col] is not None:
                continue  # would overlap a finder pattern
            for r in range(-2, 3):
                for c in range(-2, 3):
                    grid[row + r][col + c] = abs(r) == 2 or abs(c) == 2 or r == c == 0
    for i in range(8, size - 8):
        if grid[i][6] is None:
            grid[i][6] = i % 2 == 0
        if grid[6][i] is None:
            grid[6][i] = i % 2 == 0

    format_bits = _bch(_LEVEL_M << 3 | MASK_PATTERN, 0x537, 11) ^ 0x5412
    for i in range(15):
        dark = bool(format_bits >> i & 1)
        grid[i if i < 6 else i + 1 if i < 8 else size - 15 + i][8] = dark
        grid[8][size - i - 1 if i < 8 else 15 - i if i < 9 else 14 - i] = dark
    grid[size - 8][8] = True
    if number >= 7:
        version_bits = _bch(number, 0x1F25, 13)
        for i in range(18):
            dark = bool(version_bits >> i & 1)
            grid[i // 3][i % 3 + size - 11] = dark
            grid[i % 3 + size - 11][i // 3] = dark

    # Data modules in placement order: two-column strips from the right, up and down in
    # turn, skipping the vertical timing column.
    order: list[tuple[int, int]] = []
    upward = True
    for right in range(size - 1, 0, -2):
        if right <= 6:
            right -= 1
        rows = range(size - 1, -1, -1) if upward else range(size)
        for r in rows:
            for c in (right, right - 1):
                if grid[r][c] is None:
                    order.append((r, c))
        upward = not upward

    light_source, dark_source = len(order), len(order) + 1
    index = {position: i for i, position in enumerate(order)}
    sources = [
        index[(r, c)] if grid[r][c] is None else dark_source if grid[r][c] else light_source
        for r in range(size)
        for c in range(size)
    ]
    mask = bytes((r // 2 + c // 3) % 2 == 0 for r, c in order)
    degree, groups = _BLOCKS_M[number - 1]
    blocks: list[tuple[int, int]] = []
    for number_of_blocks, length in groups:
        for _ in range(number_of_blocks):
            start = blocks[-1][1] if blocks else 0
            blocks.append((start, start + length))
    capacity = blocks[-1][1]
    longest = max(end - start for start, end in blocks)
    sequence = [start + i for i in range(longest) for start, end in blocks if start + i < end]
    sequence += [capacity + b * degree + i for i in range(degree) for b in range(len(blocks))]
    return _Version(
        size=size,
        capacity=sum(blocks * count for blocks, count in groups),
        groups=groups,
        degree=degree,
        data_modules=len(order),
        mask=int.from_bytes(mask, "big"),
        scatter=itemgetter(*sources),
        blocks=tuple(blocks),
        interleave=itemgetter(*sequence),
    )


# --- Segments ---------------------------------------------------------------------------------

_PAIRS = {
    a + b: format(45 * i + j, "011b")
    for i, a in enumerate(_ALPHANUMERIC)
    for j, b in enumerate(_ALPHANUMERIC)
}
_SINGLES = {a: format(i, "06b") for i, a in enumerate(_ALPHANUMERIC)}


def _count_bits(mode: int, version: int) -> int:
    """Bits of the character count indicator (ISO/IEC 18004, table 3)."""
    band = 0 if version < 10 else 1 if version < 27 else 2
    return {_NUMERIC: (10, 12, 14), _ALPHANUMERIC_MODE: (9, 11, 13), _BYTE: (8, 16, 16)}[mode][band]


def _segment(text: str) -> tuple[int, int, str]:
    """``(mode, character count, data bits as '0'/'1' text)`` for ``text`` as one segment.

    Digits only: numeric mode; the 45 alphanumeric characters (Base45): alphanumeric mode;
    anything else: its UTF-8 bytes in byte mode.
    """
    if _IS_NUMERIC.fullmatch(text):
        groups = [text[i : i + 3] for i in range(0, len(text), 3)]
        return (
            _NUMERIC,
            len(text),
            "".join(format(int(g), "0" + str(3 * len(g) + 1) + "b") for g in groups),
        )
    if _IS_ALPHANUMERIC.fullmatch(text):
        pairs = _PAIRS
        bits = "".join([pairs[text[i : i + 2]] for i in range(0, len(text) - 1, 2)])
        if len(text) % 2:
            bits += _SINGLES[text[-1]]
        return _ALPHANUMERIC_MODE, len(text), bits
    data = text.encode("utf-8")
    return _BYTE, len(data), format(int.from_bytes(data, "big"), f"0{8 * len(data)}b")


# --- The symbol -------------------------------------------------------------------------------


def qr_rows(text: str) -> tuple[bytes, ...]:
    """The QR code of ``text``: one ``bytes`` per row from the top, ``1`` for a dark module.

    Level M, the smallest version that fits, mask :data:`MASK_PATTERN`; no quiet zone.
    Raises :class:`IssuanceError` (reason ``qr_too_long``) if ``text`` does not fit even
    version 40.
    """
    mode, count, bits = _segment(text)
    for number in range(1, 41):
        version = _version(number)
        header_bits = 4 + _count_bits(mode, number)
        if header_bits + len(bits) <= 8 * version.capacity:
            break
    else:
        raise IssuanceError(
            "qr_too_long", f"QR text of {len(text)} characters does not fit a QR code at level M"
        )
    limit = 8 * version.capacity
    stream = format(mode, "04b") + format(count, f"0{header_bits - 4}b") + bits
    stream += "0" * min(4, limit - len(stream))  # terminator
    stream += "0" * (-len(stream) % 8)
    data = int(stream, 2).to_bytes(len(stream) // 8, "big")
    data += b"\xec\x11" * ((version.capacity - len(data)) // 2 + 1)
    data = data[: version.capacity]

    corrections = b"".join(
        _error_correction(data[start:end], version.degree) for start, end in version.blocks
    )
    interleaved = bytes(version.interleave(data + corrections))

    # Codeword bits as ASCII '0'/'1', remainder bits '0', then the mask XORed on top (0x30 ^
    # 0x01 = '1'): still ASCII digits, so the scatter's constants are b"01".
    width = version.data_modules
    placed = format(int.from_bytes(interleaved, "big"), f"0{8 * len(interleaved)}b")
    placed = placed.ljust(width, "0")
    masked = (int.from_bytes(placed.encode("ascii"), "big") ^ version.mask).to_bytes(width, "big")
    modules = bytes(version.scatter(masked + b"01")).translate(_ASCII_TO_BIT)
    size = version.size
    return tuple(modules[i : i + size] for i in range(0, size * size, size))


_ASCII_TO_BIT = bytes.maketrans(b"01", b"\x00\x01")
