"""Chinese typesetting for PDFs: the CJK font stack with per-glyph fallback (rare name
characters such as 𠈌 included) and exact ToUnicode maps, for reportlab drawings (seal
artwork, panel reports) and for the certificate page's own writer (:class:`PageFonts`,
:class:`PageCanvas` in :mod:`registry.typesetting.pdfpage`, subsets from
:mod:`registry.typesetting.subset`).

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
    "TextWriter",
]
