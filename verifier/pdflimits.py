"""A decompression-bomb pre-check for certificate PDFs, before pyHanko reads them.

pyHanko decodes streams while it validates: cross-reference and object streams to find
objects, the DSS's certificates, OCSP responses and CRLs, and whatever the difference
analysis of incremental updates compares. A Flate stream expands up to about 1000 times,
and filters can be stacked (``[/FlateDecode /FlateDecode]``), so a 5 MB upload could ask
for gigabytes. pyHanko 0.38 bounds this itself (256 MiB per stream, and a budget of at
least 256 MiB per document *revision*), which still lets one upload cost a worker hundreds
of megabytes and seconds of CPU. A genuine cecert certificate decodes to about 120 kB.

:func:`check_pdf_limits` measures, without trusting the PDF's structure, an upper bound of
what any reader could decode from the file, and refuses the file beyond
:data:`MAX_DECODED_BYTES`:

- every ``stream`` keyword in the file is taken as the start of a stream, whatever its
  dictionary says (a ``/Filter`` may be indirect, or hidden in an object stream); where
  zlib data starts there, it is inflated with ``zlib.decompressobj().decompress(…,
  max_length)``, never beyond what remains of the budget (zlib data ends itself: a false
  ``endstream`` inside the data cannot cut the measurement short);
- what a stream inflates to is searched the same way (streams inside object streams) and
  inflated again when it is itself zlib data (stacked Flate), at most :data:`MAX_LAYERS`
  deep;
- the ASCII filters (``/ASCIIHexDecode``, ``/ASCII85Decode``, also written with ``#``
  escapes) would hide zlib data from this measurement, and cecert never uses them: a PDF
  that names one anywhere, in its bytes or in what its streams inflate to, is refused.
  pyHanko implements no other decoding filter (LZW and run-length are unsupported).

The whole measurement costs at most one pass over the file plus :data:`MAX_DECODED_BYTES`
of inflation (tens of milliseconds).
"""

from __future__ import annotations

import re
import zlib

from verifier.report import Check

MAX_DECODED_BYTES = 20 * 1024 * 1024
"""Most bytes that all streams of a certificate PDF may decode to, together."""
MAX_LAYERS = 8
"""Most Flate layers stacked on one stream."""
_STREAM = re.compile(rb"stream(\r\n|\n|\r)?")
"""The ``stream`` keyword and its end of line; a match preceded by ``end`` is ``endstream``
(filtered in :func:`_stream_starts`: a look-behind in the pattern would make the search ~30
times slower, and ``stream`` cannot overlap itself, so the matches are the same)."""
_ASCII_FILTERS = frozenset({b"ASCIIHexDecode", b"AHx", b"ASCII85Decode", b"A85"})
_NAME_CHAR = rb"[^\x00\t\n\x0c\r ()<>\[\]{}/%]"
_ASCII_NAME = re.compile(rb"/(?:ASCIIHexDecode|AHx|ASCII85Decode|A85)(?!" + _NAME_CHAR + rb")")
_ESCAPED_NAME = re.compile(rb"/(" + _NAME_CHAR + rb"*#" + _NAME_CHAR + rb"*)")
_ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")


_CHUNK = 4096


class _Budget:
    """What remains to spend: decoded bytes, and compressed bytes read (inflating from
    every ``stream`` keyword re-reads overlapping data; this keeps the work linear)."""

    def __init__(self, size: int) -> None:
        self.left = MAX_DECODED_BYTES
        self.read = 2 * size + MAX_DECODED_BYTES


def _is_zlib(data: bytes | memoryview, at: int) -> bool:
    """A zlib header (RFC 1950: deflate method, header checksum) starts at ``at``."""
    if len(data) < at + 2:
        return False
    cmf, flg = data[at], data[at + 1]
    return cmf & 0x0F == 8 and cmf >> 4 <= 7 and (cmf * 256 + flg) % 31 == 0


def _inflate(data: memoryview, budget: _Budget) -> bytearray:
    """Inflate the zlib data at the start of ``data``, up to one byte more than the budget
    allows (the caller sees the overrun); damaged data yields what inflated before."""
    inflater = zlib.decompressobj()
    out = bytearray()
    position = 0
    pending: bytes | memoryview = b""
    try:
        while not inflater.eof and len(out) <= budget.left and budget.read >= 0:
            if not pending:
                if position >= len(data):
                    break
                pending = data[position : position + _CHUNK]
                position += len(pending)
                budget.read -= len(pending)
            out += inflater.decompress(pending, budget.left + 1 - len(out))
            pending = inflater.unconsumed_tail
    except zlib.error:
        pass
    budget.left -= len(out)
    return out


def _names_an_ascii_filter(data: memoryview) -> bool:
    if _ASCII_NAME.search(data):
        return True
    for match in _ESCAPED_NAME.finditer(data):
        name = _ESCAPE.sub(lambda m: bytes([int(m.group(1), 16)]), match.group(1))
        if name in _ASCII_FILTERS:
            return True
    return False


def _stream_starts(buffer: memoryview) -> list[int]:
    """Where the data of every ``stream`` keyword (not ``endstream``) would start."""
    return [
        m.end()
        for m in _STREAM.finditer(buffer)
        if buffer[max(0, m.start() - 3) : m.start()].tobytes() != b"end"
    ]


def _refuse(reason: str, detail: str) -> Check:
    return Check.failed("pdf.parse", reason, detail)


def check_pdf_limits(data: bytes) -> Check | None:
    """``None`` when ``data`` stays within the decoding limits; else a failed ``pdf.parse``
    check (``pdf_decompression_limit`` or ``pdf_unsupported_filter``). Call it before any
    PDF parser touches ``data``; it never raises."""
    budget = _Budget(len(data))
    # (buffer, depth): the file, then what its streams decode to, depth Flate layers deep
    work: list[tuple[memoryview, int]] = [(memoryview(data), 0)]
    while work:
        buffer, depth = work.pop()
        if _names_an_ascii_filter(buffer):
            return _refuse(
                "pdf_unsupported_filter",
                "the PDF uses an ASCII stream filter (ASCIIHexDecode or ASCII85Decode), "
                "which certificates never use",
            )
        starts = _stream_starts(buffer)
        if depth > 0:
            starts.append(0)  # the decoded stream may be Flate data once more
        for start in starts:
            if not _is_zlib(buffer, start):
                continue
            if depth >= MAX_LAYERS:
                return _refuse(
                    "pdf_decompression_limit",
                    f"streams compressed more than {MAX_LAYERS} times over",
                )
            decoded = _inflate(buffer[start:], budget)
            if budget.left < 0 or budget.read < 0:
                return _refuse(
                    "pdf_decompression_limit",
                    f"the streams decode to more than {MAX_DECODED_BYTES} bytes",
                )
            if decoded:
                work.append((memoryview(decoded), depth + 1))
    return None
