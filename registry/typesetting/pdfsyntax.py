"""PDF syntax for the page writer: numbers, strings, streams, ToUnicode maps, the file.

Small functions that turn values into the bytes of a PDF file, for
:mod:`registry.typesetting.pdfpage`. Strings are written as hex (no escaping to get
wrong); streams are compressed with zlib at :data:`registry.typesetting.subset.PAGE_LEVEL`;
the file is one revision with a classic cross-reference table, whose ``/ID`` is the MD5 of
the body (so the same objects give the same bytes).
"""

from __future__ import annotations

import hashlib
import zlib
from collections.abc import Sequence

from registry.typesetting.subset import PAGE_LEVEL


def number(value: float) -> bytes:
    """A PDF number with at most four decimals and no trailing zeros."""
    text = _NUMBERS.get(value)
    if text is None:
        whole = value == int(value)
        text = b"%d" % value if whole else (b"%.4f" % value).rstrip(b"0").rstrip(b".")
        if len(_NUMBERS) < 65536:
            _NUMBERS[value] = text
    return text


_NUMBERS: dict[float, bytes] = {}
"""Numbers already formatted: a page repeats its coordinates, sizes and colours."""


def text_string(value: str) -> bytes:
    """A PDF text string as hex: UTF-16BE with its byte order mark."""
    return b"<feff" + value.encode("utf-16-be").hex().encode("ascii") + b">"


def unicode_entry(char: str, code: int) -> bytes:
    """A ``bfchar`` line: the code and the character in UTF-16BE (surrogates included)."""
    return b"<%04X> <%s>" % (code, char.encode("utf-16-be").hex().upper().encode("ascii"))


def to_unicode_cmap(name: bytes, entries: Sequence[bytes]) -> bytes:
    lines = [
        b"/CIDInit /ProcSet findresource begin 12 dict begin begincmap",
        b"/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def",
        b"/CMapName /" + name + b"-UCS def /CMapType 2 def",
        b"1 begincodespacerange <0000> <FFFF> endcodespacerange",
    ]
    for start in range(0, len(entries), 100):
        block = entries[start : start + 100]
        lines.append(b"%d beginbfchar" % len(block))
        lines.extend(block)
        lines.append(b"endbfchar")
    lines.append(b"endcmap CMapName currentdict /CMap defineresource pop end end")
    return b"\n".join(lines)


def stream(data: bytes, extra: bytes = b"") -> bytes:
    return packed_stream(zlib.compress(data, PAGE_LEVEL), extra)


def packed_stream(packed: bytes, extra: bytes = b"") -> bytes:
    return (
        b"<< %s/Length %d /Filter /FlateDecode >>\nstream\n" % (extra, len(packed))
        + packed
        + b"\nendstream"
    )


def write_file(objects: list[bytes]) -> bytes:
    parts = [b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n"]
    offsets = []
    position = len(parts[0])
    for index, body in enumerate(objects, 1):
        chunk = b"%d 0 obj\n" % index + body + b"\nendobj\n"
        offsets.append(position)
        parts.append(chunk)
        position += len(chunk)
    digest = hashlib.md5(b"".join(parts), usedforsecurity=False).hexdigest().encode("ascii")
    table = [b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)]
    table.extend(b"%010d 00000 n \n" % offset for offset in offsets)
    parts.append(b"".join(table))
    parts.append(
        b"trailer\n<< /Size %d /Root 1 0 R /Info 5 0 R /ID [<%s> <%s>] >>\nstartxref\n%d\n%%%%EOF\n"
        % (len(objects) + 1, digest, digest, position)
    )
    return b"".join(parts)
