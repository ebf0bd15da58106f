"""The two page writers and the explicit choice between them.

:func:`page_writer` builds the :class:`~registry.typesetting.surface.PageWriter` a
:class:`PageWriterKind` names: the production writer (:mod:`registry.typesetting.pdfpage`) or
its reference on reportlab's canvas (:mod:`registry.typesetting.reportlab_page`). Nothing
falls back from one to the other.
"""

from __future__ import annotations

import enum

from registry.typesetting.fonts import FontStack
from registry.typesetting.pdfpage import PageFonts
from registry.typesetting.reportlab_page import ReportlabPages
from registry.typesetting.surface import PageWriter


class PageWriterKind(enum.Enum):
    """Which :class:`~registry.typesetting.surface.PageWriter` draws certificate pages."""

    DIRECT = "direct"
    """The PDF written directly (:class:`~registry.typesetting.pdfpage.PageFonts`): the
    production path, about 5× cheaper a page."""
    REPORTLAB = "reportlab"
    """reportlab's canvas (:class:`~registry.typesetting.reportlab_page.ReportlabPages`): the
    reference the tests compare the production path with."""


def page_writer(kind: PageWriterKind, stack: FontStack, template: str = "") -> PageWriter:
    """The page writer ``kind`` over ``stack``. Build once per process.

    ``template`` holds the characters every page prints; the direct writer prepares their
    glyphs once (:class:`~registry.typesetting.pdfpage.PageFonts`), reportlab needs nothing
    prepared.
    """
    match kind:
        case PageWriterKind.DIRECT:
            return PageFonts(stack, template)
        case PageWriterKind.REPORTLAB:
            return ReportlabPages(stack)
