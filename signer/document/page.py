"""The certificate page: one A4 portrait page, unsigned, written as PDF operators directly.

What is on the page and where is described in ``docs/certificate-layout.md``. The visible seal
is *not* drawn here: the signature's appearance (see :mod:`signer.document.seal_artwork`) is
stamped into :data:`~signer.document.geometry.SEAL_BOX` when the page is signed, over the
issuer's name like a real stamp; the date sits just below its ring, where no seal ink crosses it.

What is printed is a :class:`~signer.document.content.CertificatePage`; the figures of the page
are in :mod:`signer.document.geometry`, and :mod:`signer.document.drawing` draws each part.

Speed: a :class:`PageRenderer` parses the fonts once and prepares what every page shares (the
frame's operators, the glyphs of the labels, compressed once); a page then costs about 2–3 ms
of CPU, QR code included (``docs/certificate-layout.md``). The file is written by
:mod:`registry.typesetting.pdfpage` (one page, classic cross-reference table, no object
streams), the shape the seal's fast path (:mod:`signer.pades.pdfobjects`) reads.
"""

from __future__ import annotations

from registry.typesetting import FontSet, FontStack, PageWriterKind, page_writer
from signer.document.content import CertificatePage
from signer.document.drawing import PageDrawing, frame_operators, template_characters
from signer.document.geometry import PAGE_HEIGHT, PAGE_WIDTH


class PageRenderer:
    """Draws certificate pages. Create one per process and reuse it: fonts load once.

    Building a renderer parses the fonts and prepares them for embedding (≈0.4 s, ≈130 MB);
    processes forked afterwards share that memory. Not thread-safe (the glyph caches grow as
    glyphs are first used); use one renderer per process.
    """

    def __init__(
        self, fonts: FontSet | None = None, *, writer: PageWriterKind = PageWriterKind.DIRECT
    ) -> None:
        self.fonts = FontStack(fonts)
        """The loaded fonts; pass them to :func:`signer.document.seal_artwork.seal_appearance_pdf`
        too."""
        self._writer = page_writer(writer, self.fonts, template_characters())
        """``DIRECT`` (the default) writes the PDF itself; ``REPORTLAB``, the reference, draws
        the same page on reportlab's canvas (``tests/signer/test_conformance_page.py``)."""
        self._frame = frame_operators()

    def render(self, page: CertificatePage) -> bytes:
        """Return the unsigned one-page A4 PDF of ``page``.

        The output is deterministic (no creation date or random id in the file) and has a
        classic cross-reference table (``registry.typesetting.pdfpage`` gives its shape).
        CJK fonts are embedded as subsets with ToUnicode maps, so the text can be extracted
        and searched. Raises :class:`registry.typesetting.GlyphMissing` if a character is in
        none of the fonts, and :class:`signer.errors.IssuanceError` (``qr_too_long``) if the
        QR text does not fit a QR code.
        """
        canvas = self._writer.page(PAGE_WIDTH, PAGE_HEIGHT)
        canvas.literal(self._frame)
        PageDrawing(canvas, page).draw()
        return canvas.pdf(
            {
                "Title": f"专业技术人员继续教育证书 {page.number}",
                "Author": page.issuer_name,
                "Subject": f"{page.year}年度 {page.name}",
                "Creator": "cecert",
            }
        )


__all__ = ["PageRenderer"]
