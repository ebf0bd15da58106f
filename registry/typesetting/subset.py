"""TrueType subsets for PDF pages, from glyph data sliced once per process.

:class:`FontProgram` wraps a face reportlab has already parsed (so the 10–20 MB file is read
once): the tables every subset copies unchanged (``name``, ``OS/2``, hinting programs) are
kept as bytes, each glyph is sliced from ``glyf`` and its composite references found the first
time it is used, and a subset is then the concatenation of its glyphs with new ``loca``,
``hmtx``, ``hhea``, ``maxp`` and ``head`` tables — the same tables reportlab's own subsetter
writes, without its per-document copy of the whole ``glyf`` table and its per-glyph parsing.

The subsets are meant for a ``CIDFontType2`` with ``/CIDToGIDMap /Identity``: character
identifiers are the new glyph numbers, so the font needs no ``cmap`` table.

A page prints the same labels every time, so their glyphs come first in every subset
(:meth:`FontProgram.prefix`): the copied tables and those glyphs are compressed once per
process, and a subset's ``FlateDecode`` stream is that block spliced between the compressed
table directory and the compressed rest (deflate blocks ended by a sync flush concatenate into
one valid zlib stream; its Adler-32 is computed over the whole file). Only the glyphs a
document adds and the small per-subset tables are compressed per document.
"""

from __future__ import annotations

import struct
import zlib
from array import array
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from reportlab.pdfbase.ttfonts import TTFontFace

_MORE_COMPONENTS = 0x0020
_ARGS_ARE_WORDS = 0x0001
_HAS_SCALE = 0x0008
_HAS_XY_SCALE = 0x0040
_HAS_TWO_BY_TWO = 0x0080
_COPIED_TABLES = ("name", "OS/2", "cvt ", "fpgm", "prep")


@dataclass(frozen=True, slots=True)
class _Glyph:
    data: bytes
    """The glyph's outline, padded to a multiple of 4 bytes."""
    checksum: int
    """Sum of ``data`` as 32-bit big-endian words, modulo 2**32."""
    components: tuple[tuple[int, int], ...]
    """For a composite glyph: ``(offset of the glyph index in data, original glyph)``."""


@dataclass(frozen=True, slots=True)
class Prefix:
    """The start of every subset of one face: ``.notdef`` and the glyphs every page uses."""

    glyphs: tuple[int, ...]
    """Original glyph numbers in subset order, ``.notdef`` (0) first, closed under composite
    components: glyph ``i`` of every subset with this prefix is ``glyphs[i]``."""
    new_number: dict[int, int]
    """Original glyph number → its number in the subset (do not modify)."""
    plain: bytes
    """The copied tables (each padded) followed by these glyphs' outlines."""
    packed: bytes
    """``plain`` compressed as raw deflate blocks ended by a sync flush (no final block)."""
    glyph_bytes: int
    """Length of the outlines at the end of ``plain``."""
    glyph_checksum: int
    offsets: tuple[int, ...]
    """``loca`` entries of these glyphs: where each starts, and where the last one ends."""
    hmtx: bytes
    """``hmtx`` entries of these glyphs."""


def _horizontal_metrics(hhea: bytes, hmtx: bytes, glyphs: int) -> list[tuple[int, int]]:
    """``(advance width, left side bearing)`` of every glyph in font units, as unsigned
    16-bit values, read from the ``hmtx`` table: glyphs past ``numberOfHMetrics`` repeat the
    last advance. (reportlab's own list holds those advances scaled to 1/1000 em by
    mistake, which its subsets then wrote into their ``hmtx``.)"""
    (full,) = struct.unpack_from(">H", hhea, 34)
    pairs = struct.unpack_from(f">{2 * full}H", hmtx)
    metrics = list(zip(pairs[0::2], pairs[1::2], strict=True))
    last = pairs[2 * full - 2]
    bearings = struct.unpack_from(f">{glyphs - full}H", hmtx, 4 * full)
    metrics.extend((last, bearing) for bearing in bearings)
    return metrics


def _checksum(data: bytes) -> int:
    """Sum of ``data`` (padded to 4 bytes) as 32-bit big-endian words, modulo 2**32."""
    words = array("I")
    words.frombytes(data + b"\0" * (-len(data) % 4))
    if words.itemsize != 4:  # pragma: no cover - every platform CPython runs on today
        raise RuntimeError("array('I') is not 32-bit here")
    if _LITTLE_ENDIAN:
        words.byteswap()
    return sum(words) & 0xFFFFFFFF


_LITTLE_ENDIAN = struct.pack("=H", 1) != struct.pack(">H", 1)
_LEVEL = 6
"""zlib level of what is compressed once (the prefix): zlib's default."""
PAGE_LEVEL = 1
"""zlib level of what is compressed for every page: level 1 takes a quarter of the time of
level 6 for 3–4 % more bytes on these streams (glyph outlines compress poorly anyway)."""


class FontProgram:
    """One TrueType face prepared for subsetting. Build once per process and keep.

    Not thread-safe (the glyph cache grows as glyphs are first used); after a fork each
    process keeps its own cache.
    """

    def __init__(self, face: TTFontFace) -> None:
        reader: Any = face  # reportlab is untyped
        data: bytes = face.__dict__["_ttf_data"]
        start, length = reader.get_table_pos("glyf")
        self._glyf = memoryview(data)[start : start + length]
        self._positions: list[int] = face.glyphPos
        self._metrics = _horizontal_metrics(
            reader.get_table("hhea"), reader.get_table("hmtx"), len(self._positions) - 1
        )
        copied = {tag: bytes(reader.get_table(tag)) for tag in _COPIED_TABLES if tag in face.table}
        copied["post"] = b"\x00\x03\x00\x00" + reader.get_table("post")[4:16] + b"\0" * 16
        self._copied = dict(sorted(copied.items()))
        self._copied_checksums = {tag: _checksum(table) for tag, table in self._copied.items()}
        self._hhea = bytes(reader.get_table("hhea"))
        self._maxp = bytes(reader.get_table("maxp"))
        self._head = bytes(reader.get_table("head"))
        self.char_to_glyph: dict[int, int] = face.charToGlyph
        """Unicode code point → original glyph number (0 where the face lacks it)."""
        self._glyphs: dict[int, _Glyph] = {}

    def _glyph(self, number: int) -> _Glyph:
        glyph = self._glyphs.get(number)
        if glyph is not None:
            return glyph
        start, end = self._positions[number], self._positions[number + 1]
        data = self._glyf[start:end].tobytes()
        components: list[tuple[int, int]] = []
        if len(data) > 2 and struct.unpack_from(">h", data)[0] < 0:
            position = 10
            flags = _MORE_COMPONENTS
            while flags & _MORE_COMPONENTS:
                flags, component = struct.unpack_from(">HH", data, position)
                components.append((position + 2, component))
                position += 4 + (4 if flags & _ARGS_ARE_WORDS else 2)
                if flags & _HAS_SCALE:
                    position += 2
                elif flags & _HAS_XY_SCALE:
                    position += 4
                elif flags & _HAS_TWO_BY_TWO:
                    position += 8
        data += b"\0" * (-len(data) % 4)
        glyph = _Glyph(data, _checksum(data), tuple(components))
        self._glyphs[number] = glyph
        return glyph

    def _lay_out(
        self, order: list[int], new_number: dict[int, int], start: int
    ) -> tuple[list[bytes], int]:
        """Outlines of ``order[start:]`` with composite references renumbered; components
        not in the subset yet are appended to ``order``. Returns the outlines and the sum
        of their checksums."""
        parts: list[bytes] = []
        checksum = 0
        index = start
        while index < len(order):
            glyph = self._glyph(order[index])
            if glyph.components:
                patched = bytearray(glyph.data)
                for position, component in glyph.components:
                    if component not in new_number:
                        new_number[component] = len(order)
                        order.append(component)
                    struct.pack_into(">H", patched, position, new_number[component])
                parts.append(bytes(patched))
                checksum += _checksum(bytes(patched))
            else:
                parts.append(glyph.data)
                checksum += glyph.checksum
            index += 1
        return parts, checksum

    def prefix(self, glyphs: Sequence[int]) -> Prefix:
        """Prepare ``glyphs`` (original numbers, in this order) as the start of subsets."""
        order = [0]
        new_number = {0: 0}
        for original in glyphs:
            if original not in new_number:
                new_number[original] = len(order)
                order.append(original)
        parts, checksum = self._lay_out(order, new_number, 0)
        outlines = b"".join(parts)
        tables = b"".join(t + b"\0" * (-len(t) % 4) for t in self._copied.values())
        plain = tables + outlines
        packer = zlib.compressobj(_LEVEL, zlib.DEFLATED, -15)
        packed = packer.compress(plain) + packer.flush(zlib.Z_SYNC_FLUSH)
        offsets = [0]
        for part in parts:
            offsets.append(offsets[-1] + len(part))
        return Prefix(
            glyphs=tuple(order),
            new_number=new_number,
            plain=plain,
            packed=packed,
            glyph_bytes=len(outlines),
            glyph_checksum=checksum & 0xFFFFFFFF,
            offsets=tuple(offsets),
            hmtx=self._hmtx(order),
        )

    def _hmtx(self, glyphs: Sequence[int]) -> bytes:
        metrics = self._metrics
        table = array("H")
        for original in glyphs:
            table.extend(metrics[original])
        if _LITTLE_ENDIAN:
            table.byteswap()
        return table.tobytes()

    def subset(self, prefix: Prefix, glyphs: Sequence[int]) -> tuple[bytes, int]:
        """A TrueType font whose glyphs are ``prefix.glyphs`` then ``glyphs``, compressed.

        ``glyphs`` are original numbers, each becoming the next glyph number (a repeated one
        is stored twice, so numbers stay positional); components of composite glyphs are
        added after them. Returns the zlib stream (``FlateDecode``) and the length of the
        font file it holds (``Length1``).
        """
        order = [*prefix.glyphs, *glyphs]
        new_number = dict(prefix.new_number)
        for index, original in enumerate(glyphs, len(prefix.glyphs)):
            new_number.setdefault(original, index)
        parts, checksum = self._lay_out(order, new_number, len(prefix.glyphs))
        rest = b"".join(parts)
        count = len(order)
        glyf_length = prefix.glyph_bytes + len(rest)
        offsets = list(prefix.offsets)
        position = offsets[-1]
        for part in parts:
            position += len(part)
            offsets.append(position)
        if position != glyf_length:  # pragma: no cover - a broken invariant, not an input
            raise AssertionError("glyph offsets disagree with the outlines")
        hmtx = prefix.hmtx + self._hmtx(order[len(prefix.glyphs) :])
        head = bytearray(self._head)
        struct.pack_into(">L", head, 8, 0)  # checkSumAdjustment, set below
        struct.pack_into(">H", head, 50, 1)  # long loca offsets
        hhea = bytearray(self._hhea)
        struct.pack_into(">H", hhea, 34, count)
        maxp = bytearray(self._maxp)
        struct.pack_into(">H", maxp, 4, count)
        made = {
            "head": bytes(head),
            "hhea": bytes(hhea),
            "hmtx": hmtx,
            "loca": struct.pack(f">{len(offsets)}L", *offsets),
            "maxp": bytes(maxp),
        }
        # File order: directory, copied tables, glyf (prefix outlines, then the rest), then
        # the made tables; the directory lists them sorted by tag, as sfnt requires.
        tags = sorted([*self._copied, "glyf", *made])
        places: dict[str, tuple[int, int, int]] = {}
        offset = 12 + 16 * len(tags)
        for tag, table in self._copied.items():
            places[tag] = (self._copied_checksums[tag], offset, len(table))
            offset += len(table) + (-len(table) % 4)
        places["glyf"] = ((prefix.glyph_checksum + checksum) & 0xFFFFFFFF, offset, glyf_length)
        offset += glyf_length
        tail: list[bytes] = [rest]
        for tag, table in made.items():
            places[tag] = (_checksum(table), offset, len(table))
            padded = table + b"\0" * (-len(table) % 4)
            tail.append(padded)
            offset += len(padded)
        count_tags = len(tags)
        power = 1 << (count_tags.bit_length() - 1)
        directory = bytearray(
            struct.pack(
                ">LHHHH",
                0x00010000,
                count_tags,
                power * 16,
                power.bit_length() - 1,
                count_tags * 16 - power * 16,
            )
        )
        for tag in tags:
            directory += struct.pack(">4s3L", tag.encode("latin-1"), *places[tag])
        total = _checksum(bytes(directory)) + sum(place[0] for place in places.values())
        adjustment = (0xB1B0AFBA - total) & 0xFFFFFFFF
        head_offset = places["head"][1]
        end = b"".join(tail)
        at = head_offset - (offset - len(end))
        end = end[: at + 8] + struct.pack(">L", adjustment) + end[at + 12 :]
        first = zlib.compressobj(PAGE_LEVEL, zlib.DEFLATED, -15)
        last = zlib.compressobj(PAGE_LEVEL, zlib.DEFLATED, -15)
        adler = zlib.adler32(end, zlib.adler32(prefix.plain, zlib.adler32(bytes(directory))))
        stream = b"".join(
            [
                b"\x78\x9c",
                first.compress(bytes(directory)),
                first.flush(zlib.Z_SYNC_FLUSH),
                prefix.packed,
                last.compress(end),
                last.flush(),
                struct.pack(">L", adler),
            ]
        )
        return stream, offset
