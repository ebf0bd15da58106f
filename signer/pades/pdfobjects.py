"""PDF objects as bytes: the unsigned page read back, and object templates renumbered per file.

The seal's fast path (:mod:`signer.pades.revisions`) appends incremental updates to the one-page
PDF :class:`signer.document.page.PageRenderer` makes. This module holds the two things it needs
from the PDF syntax: :func:`read_unsigned`, which reads that page's trailer, catalog and
page dictionaries without a general parser, and :class:`ObjectTemplate`, a run of indirect
objects serialised once (by pyHanko's object model, so strings, names and streams are
written the way pyHanko writes them) whose object numbers are filled in per file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from io import BytesIO

from pyhanko.pdf_utils import generic

_STARTXREF = re.compile(rb"startxref\s+(\d+)\s+%%EOF\s*$")
_SUBSECTION = re.compile(rb"(\d+) (\d+)[ \t]*\r?\n")
_OBJECT = re.compile(rb"(\d+) 0 obj\s*(<<.*?>>)\s*endobj", re.S)
_REFERENCE = rb"(\d+) 0 R"
_FORBIDDEN_TRAILER = (b"/Prev", b"/Encrypt", b"/XRefStm")


@dataclass(frozen=True, slots=True)
class UnsignedPage:
    """What the revisions appended to an unsigned one-page PDF need to know about it."""

    data: bytes
    """The file, unchanged."""
    size: int
    """The trailer's ``/Size``: the first free object number."""
    xref: int
    """Offset of its cross-reference table (the new revisions' ``/Prev`` chain starts here)."""
    root: int
    """Object number of the catalog."""
    info: bytes | None
    """The trailer's ``/Info`` reference as written (``b"12 0 R"``), if any."""
    file_id: bytes
    """The first element of the trailer's ``/ID`` (hex digits), kept by every revision."""
    catalog: bytes
    """The catalog dictionary as written, ``<< … >>``."""
    page: int
    """Object number of the only page."""
    page_dictionary: bytes
    """The page dictionary as written, ``<< … >>``."""


def read_unsigned(data: bytes) -> UnsignedPage | None:
    """Read ``data`` as a one-page PDF with a classic cross-reference table, or ``None``
    (:func:`fit_page` says why)."""
    fitted = fit_page(data)
    return fitted if isinstance(fitted, UnsignedPage) else None


def fit_page(data: bytes) -> UnsignedPage | str:
    """Read ``data`` as a one-page PDF with a classic cross-reference table, or say why not.

    A reason (a short English phrase) means the file is not of the simple shape the byte
    templates are made for (an xref stream, earlier updates, encryption, object streams
    holding the catalog or the page, a catalog that already has a form, permissions or a
    payload, a page that already has annotations, several pages); the caller then seals
    through pyHanko's general writer, and says so. Nothing here is trusted for verification:
    the verifier parses the result on its own.
    """
    tail = _STARTXREF.search(data, max(0, len(data) - 64))
    if tail is None:
        return "no startxref at the end of the file"
    xref = int(tail.group(1))
    if data[xref : xref + 4] != b"xref":
        return "the cross-reference is not a classic table (an xref stream?)"
    offsets: dict[int, int] = {}
    position = data.index(b"\n", xref) + 1
    while True:
        match = _SUBSECTION.match(data, position)
        if match is None:
            break
        first, count = int(match.group(1)), int(match.group(2))
        position = match.end()
        for number in range(first, first + count):
            entry = data[position : position + 20]
            if entry[17:18] == b"n" and entry[11:16] == b"00000":
                offsets[number] = int(entry[:10])
            position += 20
    trailer_start = data.find(b"trailer", position)
    if trailer_start < 0 or trailer_start > tail.start():
        return "no trailer after the cross-reference table"
    trailer = data[trailer_start : tail.start()]
    found = [key.decode() for key in _FORBIDDEN_TRAILER if key in trailer]
    if found:
        return f"the trailer has {', '.join(found)} (an earlier update or encryption)"
    size = _integer(trailer, rb"/Size\s+(\d+)")
    root = _integer(trailer, rb"/Root\s+" + _REFERENCE)
    info = re.search(rb"/Info\s+(\d+ 0 R)", trailer)
    file_id = re.search(rb"/ID\s*\[\s*<([0-9A-Fa-f]*)>", trailer)
    if size is None or root is None:
        return "the trailer names no /Size or no /Root"
    catalog = _dictionary(data, offsets, root)
    if catalog is None:
        return "the catalog is not a plain object the table points at"
    if _has_any(catalog, b"/AcroForm", b"/Perms", b"/CECert", b"/DSS"):
        return "the catalog already has a form, permissions, a payload or validation data"
    pages = _integer(catalog, rb"/Pages\s+" + _REFERENCE)
    pages_dictionary = _dictionary(data, offsets, pages) if pages is not None else None
    if pages_dictionary is None or _integer(pages_dictionary, rb"/Count\s+(\d+)") != 1:
        return "not exactly one page in a plain page tree"
    page = _integer(pages_dictionary, rb"/Kids\s*\[\s*" + _REFERENCE + rb"\s*\]")
    page_dictionary = _dictionary(data, offsets, page) if page is not None else None
    if page is None or page_dictionary is None:
        return "the page is not a plain object the table points at"
    if _has_any(page_dictionary, b"/Annots"):
        return "the page already has annotations"
    return UnsignedPage(
        data=data,
        size=size,
        xref=xref,
        root=root,
        info=info.group(1) if info else None,
        file_id=file_id.group(1) if file_id else b"",
        catalog=catalog,
        page=page,
        page_dictionary=page_dictionary,
    )


def _integer(text: bytes, pattern: bytes) -> int | None:
    match = re.search(pattern, text)
    return int(match.group(1)) if match else None


def _dictionary(data: bytes, offsets: dict[int, int], number: int) -> bytes | None:
    """The dictionary of object ``number`` (generation 0) as written, if it is a plain
    dictionary (no stream) at the offset the table gives."""
    offset = offsets.get(number)
    if offset is None:
        return None
    match = _OBJECT.match(data, offset)
    if match is None or int(match.group(1)) != number or b"stream" in match.group(2):
        return None
    return match.group(2)


def _has_any(dictionary: bytes, *keys: bytes) -> bool:
    # Conservative: a key anywhere (also nested) sends the document to the general writer.
    return any(re.search(re.escape(key) + rb"(?![A-Za-z0-9])", dictionary) for key in keys)


class ObjectTemplate:
    """Indirect objects serialised once, numbered per file.

    Local object ``i`` becomes object ``base + i`` in a file; references to local objects
    are filled in by :meth:`render`, references to objects outside the template (the page,
    the signature dictionary) are *external* slots, also filled in by :meth:`render`.
    Rendering is a join of bytes: no object model per document.
    """

    def __init__(self) -> None:
        self._parts: list[bytes | tuple[str, int]] = []
        self.count = 0
        self._starts: list[int] = []

    def add(self, obj: generic.PdfObject, resolve: dict[int, int] | None = None) -> int:
        """Append ``obj`` as the next local object; return its local index. Indirect
        references inside it are mapped through ``resolve`` (pyHanko object number → local
        index); a :class:`External` stands for a number given at render time."""
        index = self.count
        self.count += 1
        self._starts.append(len(self._parts))
        self._parts.append(("local", index))
        self._parts.append(b" 0 obj\n")
        self._write(obj, resolve or {})
        self._parts.append(b"\nendobj\n")
        return index

    def _write(self, obj: object, resolve: dict[int, int]) -> None:
        parts = self._parts
        if isinstance(obj, External):
            parts.append(("external", obj.slot))
            parts.append(b" 0 R")
        elif isinstance(obj, Local):
            parts.append(("local", obj.index))
            parts.append(b" 0 R")
        elif isinstance(obj, generic.IndirectObject):
            parts.append(("local", resolve[obj.idnum]))
            parts.append(b" 0 R")
        elif isinstance(obj, generic.StreamObject):
            data = obj.encoded_data
            header = generic.DictionaryObject(obj)  # type: ignore[no-untyped-call]
            length = generic.NumberObject(len(data))  # type: ignore[no-untyped-call]
            header[generic.NameObject("/Length")] = length
            self._write(header, resolve)
            parts.append(b"\nstream\n" + data + b"\nendstream")
        elif isinstance(obj, generic.DictionaryObject):
            parts.append(b"<<")
            for key, value in obj.items():
                parts.append(b"\n" + key.encode("latin-1") + b" ")
                self._write(value, resolve)
            parts.append(b"\n>>")
        elif isinstance(obj, generic.ArrayObject):
            parts.append(b"[")
            for value in obj:
                parts.append(b" ")
                self._write(value, resolve)
            parts.append(b" ]")
        else:
            assert isinstance(obj, generic.PdfObject)
            buffer = BytesIO()
            obj.write_to_stream(buffer)
            parts.append(buffer.getvalue())

    def render(self, base: int, external: tuple[int, ...] = ()) -> tuple[bytes, tuple[int, ...]]:
        """The objects numbered from ``base``, with ``external`` slot numbers; and the
        offset of each object within the returned bytes (for the cross-reference table)."""
        out: list[bytes] = []
        offsets: list[int] = []
        size = 0
        starts = set(self._starts)
        for position, part in enumerate(self._parts):
            if position in starts:
                offsets.append(size)
            if isinstance(part, tuple):
                kind, value = part
                part = b"%d" % (base + value if kind == "local" else external[value])
            out.append(part)
            size += len(part)
        return b"".join(out), tuple(offsets)


@dataclass(frozen=True, slots=True)
class External(generic.PdfObject):  # type: ignore[misc]
    """A reference to an object outside an :class:`ObjectTemplate`, numbered at render."""

    slot: int


@dataclass(frozen=True, slots=True)
class Local(generic.PdfObject):  # type: ignore[misc]
    """A reference to local object ``index`` of the :class:`ObjectTemplate` being built."""

    index: int


def cross_reference(start: int, objects: list[tuple[int, int]], trailer: bytes) -> bytes:
    """An update's cross-reference table at file offset ``start`` for ``objects``
    (number, offset), then ``trailer`` (the dictionary) and ``startxref``."""
    objects = sorted(objects)
    lines = [b"xref\n0 1\n0000000000 65535 f \n"]
    run: list[tuple[int, int]] = []
    for number, offset in [*objects, (-2, 0)]:
        if run and number != run[-1][0] + 1:
            lines.append(b"%d %d\n" % (run[0][0], len(run)))
            lines.extend(b"%010d 00000 n \n" % o for _, o in run)
            run = []
        run.append((number, offset))
    lines.append(b"trailer\n" + trailer + b"\nstartxref\n%d\n%%%%EOF\n" % start)
    return b"".join(lines)
