"""The seal's two incremental updates, written as bytes from templates made once.

A sealed certificate is the unsigned page plus two revisions (``docs/long-term-validation.md``):

1. **The seal signature**: the catalog (with ``/CECert``, ``/AcroForm``, ``/Perms``), the
   page (with ``/Annots``), the form, the signature field and widget with the seal as its
   appearance, and the signature dictionary (DocMDP "no changes", ``/ByteRange``,
   ``/Contents``). :class:`SignatureRevision` serialises the form, widget, appearance and
   seal artwork once per stamper; per document it writes the catalog and page (copied from
   the unsigned file with the new entries), the signature dictionary, the cross-reference
   table and the trailer.
2. **Validation data and the document timestamp**: the DSS with the day's certificates,
   OCSP responses and CRL, the timestamp field and its dictionary, and again the catalog
   (``/DSS``), the page and the form (the new field). :class:`TimestampRevision` serialises
   the DSS once per UTC day and seal key.

Both return a :class:`Prepared` file with the signature contents still zero: the caller
hashes :meth:`Prepared.digest`, makes the CMS container or the time-stamp token and calls
:meth:`Prepared.fill`. The objects are the ones pyHanko's signer writes (the tests compare
both), less the refreshed document information dictionary and XMP metadata, which pyHanko
stamps with the machine's clock and which no signature check reads.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from io import BytesIO

from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.pdf_utils.writer import PdfFileWriter

from signer.pades.byterange import Prepared, set_byte_range, signature_placeholder
from signer.pades.pdfobjects import External, Local, ObjectTemplate, UnsignedPage, cross_reference

_STAMP_PADDING = 5.0
"""Margin around the seal artwork inside the widget, in points (pyHanko's stamp default)."""


def _name(value: str) -> generic.NameObject:
    return generic.NameObject(value)


def _dict(**entries: object) -> generic.DictionaryObject:
    return generic.DictionaryObject(  # type: ignore[no-untyped-call]
        {_name("/" + k): v for k, v in entries.items()}
    )


def _int(value: int) -> generic.NumberObject:
    return generic.NumberObject(value)  # type: ignore[no-untyped-call]


def _number(value: float) -> str:
    return f"{value:.6f}".rstrip("0").rstrip(".")


def _pdf_date(at: dt.datetime) -> bytes:
    return at.astimezone(dt.UTC).strftime("(D:%Y%m%d%H%M%SZ)").encode("ascii")


def _with_entries(dictionary: bytes, entries: bytes) -> bytes:
    """``dictionary`` (``<< … >>`` as written) with ``entries`` added before its end."""
    return dictionary[:-2].rstrip() + b"\n" + entries + b"\n>>"


def _object(number: int, body: bytes) -> bytes:
    return b"%d 0 obj\n" % number + body + b"\nendobj\n"


class _Revision:
    """One incremental update being written after ``head``: objects appended with their
    offsets, then the signature dictionary with its placeholders, then the cross-reference
    section (the same steps for the seal's revision and the document timestamp's)."""

    def __init__(self, head: bytes) -> None:
        self.parts = [head]
        self.offsets: list[tuple[int, int]] = []
        self.position = len(head)

    def add(self, number: int, body: bytes) -> None:
        """Append object ``number`` with dictionary ``body``."""
        chunk = _object(number, body)
        self.offsets.append((number, self.position))
        self.parts.append(chunk)
        self.position += len(chunk)

    def add_rendered(self, base: int, objects: bytes, local_offsets: tuple[int, ...]) -> None:
        """Append a template rendered from object number ``base`` on."""
        self.offsets.extend((base + i, self.position + o) for i, o in enumerate(local_offsets))
        self.parts.append(objects)
        self.position += len(objects)

    def add_signature(self, number: int, reserved: int, rest: bytes) -> tuple[int, int]:
        """Append signature dictionary ``number``: ``/Contents`` of ``reserved`` hex digits
        and a ``/ByteRange`` placeholder, then ``rest`` (which closes the dictionary).
        Returns where the ``/Contents`` string and the ``/ByteRange`` array start."""
        contents, byte_range = signature_placeholder(reserved)
        opening = b"%d 0 obj\n<<\n" % number
        self.offsets.append((number, self.position))
        contents_at = self.position + len(opening) + len(b"/Contents ")
        range_at = contents_at + len(contents) - len(b"/Contents ") + 1 + len(b"/ByteRange ")
        chunk = b"".join((opening, contents, b"\n", byte_range, rest, b"\nendobj\n"))
        self.parts.append(chunk)
        self.position += len(chunk)
        return contents_at, range_at

    def finish(self, trailer: bytes, reserved: int, at: tuple[int, int]) -> Prepared:
        """The whole file with its cross-reference section, byte range filled in."""
        self.parts.append(cross_reference(self.position, self.offsets, trailer))
        contents_at, range_at = at
        prepared = Prepared(bytearray(b"".join(self.parts)), contents_at, reserved)
        set_byte_range(prepared, range_at)
        return prepared


@dataclass(frozen=True, slots=True)
class SealedLayout:
    """What the timestamp revision needs from the signature revision of one file."""

    catalog: bytes
    """The catalog dictionary of the signature revision."""
    form: int
    widget: int
    size: int
    """``/Size`` after the signature revision: the first free object number."""
    xref: int
    """Offset of the signature revision's cross-reference table."""
    file_id: bytes


class SignatureRevision:
    """The seal signature's revision for one stamper: seal artwork, widget at ``box``,
    signer ``name`` and ``reason``, DocMDP "no changes", ``reserved`` hex digits."""

    def __init__(
        self,
        *,
        seal_pdf: bytes,
        box: tuple[int, int, int, int],
        field_name: str,
        name: str,
        reason: str,
        reserved: int,
    ) -> None:
        self._reserved = reserved
        template = ObjectTemplate()
        # Locals: 0 form, 1 widget, 2 appearance, 3… the artwork; external 0 the page,
        # external 1 the signature dictionary.
        template.add(_dict(Fields=generic.ArrayObject([Local(1)]), SigFlags=_int(3)))
        width, height = box[2] - box[0], box[3] - box[1]
        template.add(_signature_widget(field_name, box, AP=_dict(N=Local(2))))
        writer = PdfFileWriter()  # type: ignore[no-untyped-call]
        artwork = writer.import_page_as_xobject(PdfFileReader(BytesIO(seal_pdf)), page_ix=0)
        x1, y1, x2, y2 = (float(v) for v in artwork.get_object()["/BBox"])
        art_width, art_height = abs(x2 - x1), abs(y2 - y1)
        scale = min(
            (width - 2 * _STAMP_PADDING) / art_width, (height - 2 * _STAMP_PADDING) / art_height
        )
        dx, dy = (width - art_width * scale) / 2, (height - art_height * scale) / 2
        appearance = generic.StreamObject(
            _dict(
                BBox=generic.ArrayObject(_int(v) for v in (0, 0, width, height)),
                Resources=_dict(
                    ExtGState=_dict(BackgroundGS=_dict(CA=_int(1), ca=_int(1))),
                    XObject=_dict(SealArt=Local(3)),
                ),
                Type=_name("/XObject"),
                Subtype=_name("/Form"),
            ),
            stream_data=(
                f"q q /BackgroundGS gs {_number(scale)} 0 0 {_number(scale)} "
                f"{_number(dx)} {_number(dy)} cm /SealArt Do Q Q"
            ).encode("ascii"),
        )
        template.add(appearance)
        # The artwork and everything it references, numbered 3… in the order reached.
        order: list[int] = []
        pending = [artwork.idnum]
        while pending:
            number = pending.pop(0)
            if number in order:
                continue
            order.append(number)
            pending.extend(_references(writer.get_object(generic.Reference(number, 0, writer))))
        resolve = {number: 3 + index for index, number in enumerate(order)}
        for number in order:
            template.add(writer.get_object(generic.Reference(number, 0, writer)), resolve)
        self._template = template
        self._rendered: dict[tuple[int, int], tuple[bytes, tuple[int, ...]]] = {}
        self._tail = (
            b"\n/Name " + _text(name) + b"\n/Reason " + _text(reason) + b"\n/Reference [ <<\n"
            b"/Type /SigRef\n/TransformMethod /DocMDP\n/TransformParams <<\n"
            b"/Type /TransformParams\n/V /1.2\n/P 1\n>>\n>> ]\n>>"
        )

    def prepare(
        self, page: UnsignedPage, *, payload: str, at: dt.datetime
    ) -> tuple[Prepared, SealedLayout]:
        """The unsigned file with the signature revision appended, ``/Contents`` empty."""
        base = page.size
        form, widget, signature = base, base + 1, base + self._template.count
        key = (base, page.page)
        rendered = self._rendered.get(key)
        if rendered is None:
            _bound(self._rendered)
            rendered = self._rendered[key] = self._template.render(base, (page.page, signature))
        objects, local_offsets = rendered
        catalog = _with_entries(
            page.catalog,
            b"/CECert << /Payload " + _text(payload) + b" >>\n/AcroForm %d 0 R\n"
            b"/Perms << /DocMDP %d 0 R >>" % (form, signature),
        )
        head = page.data if page.data.endswith(b"\n") else page.data + b"\n"
        revision = _Revision(head)
        revision.add(page.page, _with_entries(page.page_dictionary, b"/Annots [ %d 0 R ]" % widget))
        revision.add(page.root, catalog)
        revision.add_rendered(base, objects, local_offsets)
        where = revision.add_signature(
            signature,
            self._reserved,
            b"\n/Type /Sig\n/Filter /Adobe.PPKLite\n/SubFilter /ETSI.CAdES.detached\n/M "
            + _pdf_date(at)
            + self._tail,
        )
        position = revision.position
        file_id = page.file_id or secrets.token_hex(16).encode("ascii")
        trailer = _trailer(signature + 1, page, file_id, page.xref)
        prepared = revision.finish(trailer, self._reserved, where)
        return prepared, SealedLayout(catalog, form, widget, signature + 1, position, file_id)


_RENDERINGS_KEPT = 32
"""Numberings of a template kept per stamper: pages of one renderer differ in a few object
counts at most; the bound keeps memory flat whatever the pages are."""


def _bound(cache: dict[tuple[int, int], tuple[bytes, tuple[int, ...]]]) -> None:
    if len(cache) >= _RENDERINGS_KEPT:
        cache.clear()


def _signature_widget(
    field_name: str, rect: tuple[int, int, int, int], **entries: object
) -> generic.DictionaryObject:
    """A signature field merged with its widget annotation on the page (external 0), its
    value the signature dictionary (external 1), printed and locked (``/F 132``); ``entries``
    come between ``/P`` and ``/V``, in the order pyHanko writes them."""
    return _dict(
        FT=_name("/Sig"),
        T=generic.TextStringObject(field_name),
        Type=_name("/Annot"),
        Subtype=_name("/Widget"),
        F=_int(132),  # Print + Locked
        Rect=generic.ArrayObject(_int(v) for v in rect),
        P=External(0),
        **entries,
        V=External(1),
    )


def _text(value: str) -> bytes:
    buffer = BytesIO()
    generic.TextStringObject(value).write_to_stream(buffer)
    return buffer.getvalue()


def _trailer(size: int, page: UnsignedPage, file_id: bytes, prev: int) -> bytes:
    info = b"\n/Info " + page.info if page.info else b""
    return b"<<\n/ID [ <%s> <%s> ]%s\n/Root %d 0 R\n/Size %d\n/Prev %d\n>>" % (
        file_id,
        secrets.token_hex(16).encode("ascii"),
        info,
        page.root,
        size,
        prev,
    )


def _references(obj: object) -> list[int]:
    """Object numbers ``obj`` refers to directly or through nested dictionaries and arrays."""
    if isinstance(obj, generic.IndirectObject):
        return [obj.idnum]
    if isinstance(obj, dict):
        return [n for value in obj.values() for n in _references(value)]
    if isinstance(obj, list):
        return [n for value in obj for n in _references(value)]
    return []


class TimestampRevision:
    """The last revision for one UTC day: the DSS with ``certificates``, ``ocsps`` and
    ``crls`` (DER), the document timestamp field ``field_name`` and its dictionary with
    ``reserved`` hex digits for the token. No VRI: the DSS serves every signature."""

    def __init__(
        self,
        *,
        certificates: tuple[bytes, ...],
        ocsps: tuple[bytes, ...],
        crls: tuple[bytes, ...],
        field_name: str,
        reserved: int,
    ) -> None:
        self._reserved = reserved
        template = ObjectTemplate()
        # Locals: the DER streams, then the DSS, then the widget; external 0 the page,
        # external 1 the timestamp dictionary.
        groups: list[list[Local]] = []
        for ders in (certificates, ocsps, crls):
            groups.append(
                [Local(template.add(generic.StreamObject(stream_data=der))) for der in ders]
            )
        self._dss = template.add(
            _dict(
                Certs=generic.ArrayObject(groups[0]),
                OCSPs=generic.ArrayObject(groups[1]),
                CRLs=generic.ArrayObject(groups[2]),
            )
        )
        template.add(
            _signature_widget(field_name, (0, 0, 0, 0), TU=generic.TextStringObject("Timestamp"))
        )
        self._template = template
        self._rendered: dict[tuple[int, int], tuple[bytes, tuple[int, ...]]] = {}

    def prepare(self, page: UnsignedPage, sealed: bytes, layout: SealedLayout) -> Prepared:
        """``sealed`` (the file with its signature revision) with the DSS and the document
        timestamp's revision appended, ``/Contents`` empty."""
        base = layout.size
        widget = base + self._template.count - 1
        stamp = base + self._template.count
        key = (base, page.page)
        rendered = self._rendered.get(key)
        if rendered is None:
            _bound(self._rendered)
            rendered = self._rendered[key] = self._template.render(base, (page.page, stamp))
        objects, local_offsets = rendered
        revision = _Revision(sealed)
        annots = b"/Annots [ %d 0 R %d 0 R ]" % (layout.widget, widget)
        revision.add(page.page, _with_entries(page.page_dictionary, annots))
        revision.add(page.root, _with_entries(layout.catalog, b"/DSS %d 0 R" % (base + self._dss)))
        revision.add(
            layout.form, b"<<\n/Fields [ %d 0 R %d 0 R ]\n/SigFlags 3\n>>" % (layout.widget, widget)
        )
        revision.add_rendered(base, objects, local_offsets)
        where = revision.add_signature(
            stamp,
            self._reserved,
            b"\n/Type /DocTimeStamp\n/Filter /Adobe.PPKLite\n/SubFilter /ETSI.RFC3161\n>>",
        )
        trailer = _trailer(stamp + 1, page, layout.file_id, layout.xref)
        prepared = revision.finish(trailer, self._reserved, where)
        return prepared
