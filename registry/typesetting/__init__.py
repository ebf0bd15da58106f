"""Chinese typesetting for PDFs made with reportlab: the CJK font stack with per-glyph
fallback (rare name characters such as 𠈌 included) and exact ToUnicode maps.

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

__all__ = [
    "DEBIAN_PACKAGES",
    "FONT_DIRS_ENV",
    "Align",
    "FontFile",
    "FontSet",
    "FontStack",
    "FontsMissing",
    "GlyphMissing",
    "TextWriter",
]
