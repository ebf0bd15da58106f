"""Chinese typesetting for PDFs: the CJK font stack with per-glyph fallback (rare name
characters such as 𠈌 included) and exact ToUnicode maps, for reportlab drawings (seal
artwork, panel reports) and for the certificate page's own writer (:class:`PageFonts`,
:class:`PageCanvas` in :mod:`registry.typesetting.pdfpage`, subsets from
:mod:`registry.typesetting.subset`).

The certificate page is drawn on a :class:`PageSurface` made by a :class:`PageWriter`
(:mod:`registry.typesetting.surface`): the direct writer above, or its reference on
reportlab's canvas (:mod:`registry.typesetting.reportlab_page`), chosen by
:func:`page_writer` with a :class:`PageWriterKind`.

Shared by the signer (certificates, seals) and the verifier (panel reports); both may import
registry, not each other. Errors are :class:`registry.errors.RegistryError` subclasses with
the reasons ``fonts_missing`` and ``glyph_missing``.
"""

from registry.typesetting.fonts import (
    DEBIAN_PACKAGES,
    FONT_DIRS_ENV,
    Align,
    FontFile,
    FontSet,
    FontsMissing,
    FontStack,
    GlyphMissing,
    TextWriter,
)
from registry.typesetting.pdfpage import Graphics, PageCanvas, PageFonts
from registry.typesetting.reportlab_page import ReportlabPageCanvas, ReportlabPages
from registry.typesetting.surface import PageSurface, PageWriter, Rgb, TextMode
from registry.typesetting.writers import PageWriterKind, page_writer

__all__ = [
    "DEBIAN_PACKAGES",
    "FONT_DIRS_ENV",
    "Align",
    "FontFile",
    "FontSet",
    "FontStack",
    "FontsMissing",
    "GlyphMissing",
    "Graphics",
    "PageCanvas",
    "PageFonts",
    "PageSurface",
    "PageWriter",
    "PageWriterKind",
    "ReportlabPageCanvas",
    "ReportlabPages",
    "Rgb",
    "TextMode",
    "TextWriter",
    "page_writer",
]
