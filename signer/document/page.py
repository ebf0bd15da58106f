"""The certificate page: one A4 portrait page, unsigned, written as PDF operators directly.

What is on the page and where is described in ``docs/certificate-layout.md``. The visible seal
is *not* drawn here: the signature's appearance (see :mod:`signer.document.seal_artwork`) is
stamped into
:data:`SEAL_BOX` when the page is signed, over the issuer's name like a real stamp; the date
sits just below its ring, where no seal ink crosses it.

Speed: a :class:`PageRenderer` parses the fonts once and prepares what every page shares (the
frame's operators, the glyphs of the labels, compressed once); a page then costs about 2–3 ms
of CPU, QR code included (``docs/certificate-layout.md``). The file is written by
:mod:`registry.typesetting.pdfpage` (one page, classic cross-reference table, no object
streams), the shape the seal's fast path (:mod:`signer.pades.pdfobjects`) reads.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from reportlab.lib.pagesizes import A4

from registry.model import Activity, Category, DocumentKind, HoursSummary, TitleLevel, format_hours
from registry.typesetting import Align, FontSet, FontStack, Graphics, PageCanvas, PageFonts
from signer.document.qr_code import draw_qr
from signer.document.qr_symbol import qr_rows
from signer.document.texts import (
    ACTIVITY_FORMS,
    PAGE_COUNT,
    QR_CAPTION,
    VERIFY_AT,
    VERIFY_BY_BUREAU,
    activity_cells,
    chinese_date,
    verify_note,
)

PAGE_WIDTH, PAGE_HEIGHT = A4
SEAL_DIAMETER = 120.0
"""Seal diameter in points (42.3 mm): a whole number, so :data:`SEAL_BOX` is too."""
SEAL_CENTRE = (455.0, 124.0)
SEAL_BOX: tuple[float, float, float, float] = (
    SEAL_CENTRE[0] - SEAL_DIAMETER / 2,
    SEAL_CENTRE[1] - SEAL_DIAMETER / 2,
    SEAL_CENTRE[0] + SEAL_DIAMETER / 2,
    SEAL_CENTRE[1] + SEAL_DIAMETER / 2,
)
"""``(x1, y1, x2, y2)`` in PDF points on page 1, ``(395, 64, 515, 184)``: the square the
visible seal is stamped into.

Bottom right, centred on the issuer's name, so that the stamp covers the name as a paper
certificate is stamped; the issue date is printed just below the ring (see
:data:`SEAL_RING_OUTER`), so that it stays legible.
"""
SEAL_RING_OUTER = SEAL_DIAMETER / 2 - 1.0
"""Radius of the seal ring's outer edge, in points from :data:`SEAL_CENTRE` (59): the ring
keeps 1 pt from the edge of :data:`SEAL_BOX`. :mod:`signer.document.seal_artwork` draws the ring
from it; the page keeps the date clear of it."""
SEAL_RING_WIDTH = 3.2
"""Width of the seal ring's stroke, in points: the ring is ink from ``SEAL_RING_OUTER -
SEAL_RING_WIDTH`` to ``SEAL_RING_OUTER`` from the centre."""

MAX_ACTIVITY_ROWS = 15
"""Activity rows that fit the page. With more records, the first ``MAX_ACTIVITY_ROWS - 1`` are
listed and the last row says how many more the registry holds."""

QR_CORNER = (0.72 * 56, PAGE_HEIGHT - 0.72 * 1072)
"""Lower-left corner of the QR code's quiet zone. Both coordinates sit on the 100-dpi pixel
grid (multiples of 0.72 pt from the top-left, where renderers start), so low-resolution
renderings and scans of screen images show crisp modules."""

_INK = (0.1, 0.1, 0.1)
_MUTED = (0.35, 0.35, 0.35)
_RULE = (0.55, 0.55, 0.55)
_SHADE = (0.96, 0.94, 0.89)
_FRAME = (0.55, 0.11, 0.09)
_DATE_SIZE = 11.5
_DATE_BASELINE = SEAL_CENTRE[1] - SEAL_RING_OUTER - 4.0 - 0.8 * _DATE_SIZE
"""The date's glyphs (ascent 0.8 em in WenQuanYi) end 4 pt below the ring's lowest point:
y ≈ 51.8."""
_LEFT = 50.0
_RIGHT = PAGE_WIDTH - 50.0
_WIDTH = _RIGHT - _LEFT


@dataclass(frozen=True, slots=True)
class CertificatePage:
    """Everything printed on one certificate page, already decided by the issuance step."""

    number: str
    """Certificate number, e.g. ``440100000000017``."""
    edition: int
    """Edition of the certificate number (1 for the first document)."""
    kind: DocumentKind
    """Why this edition was issued; printed next to the edition."""
    year: int
    """Year the hours are certified for."""
    name: str
    """Holder's name, drawn in full with every rare character (never truncated)."""
    masked_id: str
    """Holder's ID number, masked, e.g. ``4401**********123X``."""
    employer: str
    series: str
    """Title series (职称系列), e.g. ``工程``."""
    title_level: TitleLevel
    summary: HoursSummary
    """Counted and required minutes per category and in total."""
    activities: tuple[Activity, ...]
    """Training records listed in this order; see :data:`MAX_ACTIVITY_ROWS` for overflow."""
    issuer_name: str
    """Issuing bureau, e.g. ``广州市人力资源和社会保障局``."""
    issue_date: dt.date
    policy_label: str
    """The hours rules applied, by title, e.g. ``广东省专业技术人员继续教育年度学时要求`` (the
    policy's id is in the QR payload and the registry, not on the page)."""
    qr_text: str
    """QR payload text (upper-case alphanumeric, ~300–450 characters)."""
    note: str = ""
    """What this edition carried over or corrected, printed under the policy line (e.g. a
    reissue's 补办：公需、选修学时按原证书第1版结转；…); one line, cut with an ellipsis if it
    does not fit (the registry keeps it whole). Empty for most documents."""
    verify_url: str = ""
    """The bureau's verification address (:attr:`registry.home.BureauConfig.verify_url`),
    printed whole on one line beside the QR code, shrunk if needed; empty: the page says to
    present the PDF to the issuing bureau instead."""


class PageRenderer:
    """Draws certificate pages. Create one per process and reuse it: fonts load once.

    Building a renderer parses the fonts and prepares them for embedding (≈0.4 s, ≈130 MB);
    processes forked afterwards share that memory. Not thread-safe (the glyph caches grow as
    glyphs are first used); use one renderer per process.
    """

    def __init__(self, fonts: FontSet | None = None) -> None:
        self.fonts = FontStack(fonts)
        """The loaded fonts; pass them to :func:`signer.document.seal_artwork.seal_appearance_pdf`
        too."""
        self._page_fonts = PageFonts(self.fonts, _template_characters())
        self._frame = _frame_operators()

    def render(self, page: CertificatePage) -> bytes:
        """Return the unsigned one-page A4 PDF of ``page``.

        The output is deterministic (no creation date or random id in the file) and has a
        classic cross-reference table (``registry.typesetting.pdfpage`` gives its shape).
        CJK fonts are embedded as subsets with ToUnicode maps, so the text can be extracted
        and searched. Raises :class:`registry.typesetting.GlyphMissing` if a character is in
        none of the fonts, and :class:`signer.errors.IssuanceError` (``qr_too_long``) if the
        QR text does not fit a QR code.
        """
        canvas = PageCanvas(self._page_fonts, PAGE_WIDTH, PAGE_HEIGHT)
        canvas.graphics.append(self._frame)
        _Drawing(canvas, page).draw()
        return canvas.pdf(
            {
                "Title": f"专业技术人员继续教育证书 {page.number}",
                "Author": page.issuer_name,
                "Subject": f"{page.year}年度 {page.name}",
                "Creator": "cecert",
            }
        )


def _template_characters() -> str:
    """Every character the page prints whatever the document: labels, the words of the
    enumerations, digits and date punctuation. Their glyphs are prepared once per renderer.
    A verification address is the bureau's, not fixed: its characters are added per page,
    like a name's."""
    fixed = [
        "专业技术人员继续教育证书年度姓名身份证号工作单位职称系列/级别证书编号版次第版（）",
        "学时完成情况科目类别完成学时要求学时合计—继续教育活动记录项目名称类别形式起止日期",
        "学时成绩机构另有 项记录，详见登记系统（本年度无继续教育活动记录）学时要求依据：",
        "年月日0123456789.-*…",
        QR_CAPTION,
        PAGE_COUNT,
        *VERIFY_AT,
        *VERIFY_BY_BUREAU,
        *ACTIVITY_FORMS.values(),
        *(item.label_zh for item in Category),
        *(item.label_zh for item in DocumentKind),
        *(item.label_zh for item in TitleLevel),
    ]
    return "".join(dict.fromkeys("".join(fixed)))


def _frame_operators() -> bytes:
    """The dark-red double border with corner brackets: the same on every page."""
    lines = []
    for x, y in (
        (30, 30),
        (PAGE_WIDTH - 30, 30),
        (30, PAGE_HEIGHT - 30),
        (PAGE_WIDTH - 30, PAGE_HEIGHT - 30),
    ):
        dx = 22 if x < PAGE_WIDTH / 2 else -22
        dy = 22 if y < PAGE_HEIGHT / 2 else -22
        lines += [(x, y, x + dx, y), (x, y, x, y + dy)]
    frame = Graphics()
    frame.stroke(_FRAME)
    frame.line_width(2.4)
    frame.rect(18, 18, PAGE_WIDTH - 36, PAGE_HEIGHT - 36, fill=False)
    frame.line_width(0.6)
    frame.rect(24, 24, PAGE_WIDTH - 48, PAGE_HEIGHT - 48, fill=False)
    frame.lines(lines)
    return frame.operators()


class _Drawing:
    """One page being drawn, top to bottom.

    Graphics go straight onto the canvas; all text but the title goes into one text object
    that lands on top of them at the end.
    """

    def __init__(self, canvas: PageCanvas, page: CertificatePage) -> None:
        self.canvas = canvas
        self.page = page

    def draw(self) -> None:
        self.heading()
        y = self.identity(712.0)
        y = self.hours(y - 30.0)
        y = self.activities(y - 30.0)
        self.policy(y - 18.0)
        self.footer()

    def text(self, x: float, y: float, text: str, size: float, align: Align = "left") -> float:
        return self.canvas.text(x, y, text, size, align)

    def fitted(
        self, x: float, y: float, text: str, width: float, size: float, align: Align
    ) -> None:
        """Draw ``text`` whole, shrunk to ``width`` if needed (for names, never clipped)."""
        natural = self.canvas.width(text, size)
        if natural > width:
            size *= width / natural
        self.text(x, y, text, size, align)

    def clipped(self, text: str, width: float, size: float) -> str:
        """``text`` shortened with an ellipsis to fit ``width`` (activity cells only)."""
        if self.canvas.width(text, size) <= width:
            return text
        for end in range(len(text) - 1, 0, -1):
            candidate = text[:end] + "…"
            if self.canvas.width(candidate, size) <= width:
                return candidate
        return "…"

    def heading(self) -> None:
        c = self.canvas
        c.fill(_FRAME)
        c.stroke(_FRAME)
        c.line_width(0.5)
        # Filled and stroked, for a heavier title than the font's single weight; on its own
        # text object because the stroke width must be set for it.
        c.graphic_text(
            PAGE_WIDTH / 2, 766, "专业技术人员继续教育证书", 26, "centre", mode=2, char_space=3
        )
        c.text_fill(_INK)
        self.text(PAGE_WIDTH / 2, 738, f"{self.page.year}年度", 14, "centre")

    def shade(self, x: float, y: float, width: float, height: float) -> None:
        self.canvas.fill(_SHADE)
        self.canvas.rect(x, y, width, height, fill=True)

    def identity(self, top: float) -> float:
        p = self.page
        label_w = 78.0
        value_w = (_WIDTH - 2 * label_w) / 2
        row_h = 22.0
        rows: list[tuple[tuple[str, str], ...]] = [
            (("姓名", p.name), ("身份证号", p.masked_id)),
            (("工作单位", p.employer),),
            (("职称系列/级别", f"{p.series} / {p.title_level.label_zh}"), ("年度", str(p.year))),
            (("证书编号", p.number), ("版次", f"第{p.edition}版（{p.kind.label_zh}）")),
        ]
        y = top
        for cells in rows:
            span = value_w if len(cells) == 2 else _WIDTH - label_w
            base = y - row_h + 7.5
            x = _LEFT
            for label, value in cells:
                self.shade(x, y - row_h, label_w, row_h)
                self.text(x + label_w / 2, base, label, 10, "centre")
                self.fitted(x + label_w + 8, base, value, span - 16, 10.5, "left")
                x += label_w + span
            y -= row_h
        columns = [_LEFT + label_w, _LEFT + label_w + value_w, _LEFT + 2 * label_w + value_w]
        self.grid(top, row_h, len(rows), columns, skip={(1, 1), (1, 2)})
        return y

    def grid(
        self,
        top: float,
        row_h: float,
        rows: int,
        columns: list[float],
        skip: set[tuple[int, int]] | None = None,
    ) -> None:
        """Rule a full-width table: outer box, rows, and inner ``columns`` but ``skip``.

        ``skip`` holds ``(row, index into columns)`` pairs where a cell spans that line.
        """
        c = self.canvas
        c.stroke(_RULE)
        c.line_width(0.5)
        lines = [(_LEFT, top - row_h * r, _RIGHT, top - row_h * r) for r in range(1, rows)]
        for row in range(rows):
            upper = top - row_h * row
            for index, x in enumerate(columns):
                if skip is None or (row, index) not in skip:
                    lines.append((x, upper, x, upper - row_h))
        c.lines(lines)
        c.line_width(0.9)
        c.rect(_LEFT, top - row_h * rows, _WIDTH, row_h * rows, fill=False)

    def section(self, y: float, title: str) -> None:
        self.canvas.fill(_FRAME)
        self.canvas.rect(_LEFT, y - 1, 3, 12, fill=True)
        self.text(_LEFT + 8, y, title, 11.5)

    def hours(self, y: float) -> float:
        self.section(y, "学时完成情况")
        top = y - 8.0
        row_h = 17.0
        summary = self.page.summary
        rows = [("科目类别", "完成学时", "要求学时")]
        # Only the categories the policy has; "—" where it sets no minimum of its own.
        for item in sorted(summary.categories, key=lambda h: list(Category).index(h.category)):
            required = format_hours(item.required) if item.required else "—"
            rows.append((item.category.label_zh, format_hours(item.counted), required))
        rows.append(
            ("合计", format_hours(summary.total_counted), format_hours(summary.total_required))
        )
        col = _WIDTH / 3
        self.shade(_LEFT, top - row_h, _WIDTH, row_h)
        self.shade(_LEFT, top - row_h * len(rows), _WIDTH, row_h)
        for number, row in enumerate(rows):
            base = top - row_h * (number + 1) + 5.5
            for index, cell in enumerate(row):
                self.text(_LEFT + col * (index + 0.5), base, cell, 9.5, "centre")
        self.grid(top, row_h, len(rows), [_LEFT + col, _LEFT + 2 * col])
        return top - row_h * len(rows)

    def activities(self, y: float) -> float:
        self.section(y, "继续教育活动记录")
        top = y - 8.0
        header_h, row_h, size = 16.0, 14.5, 7.5
        headers = ("项目名称", "类别", "形式", "起止日期", "学时", "成绩", "机构")
        widths = (150.0, 44.0, 44.0, 70.0, 30.0, 30.0, _WIDTH - 368.0)
        edges = [_LEFT]
        for width in widths:
            edges.append(edges[-1] + width)
        records = self.page.activities
        overflow = len(records) > MAX_ACTIVITY_ROWS
        shown = records[: MAX_ACTIVITY_ROWS - 1] if overflow else records
        self.shade(_LEFT, top - header_h, _WIDTH, header_h)
        for index, header in enumerate(headers):
            centre = (edges[index] + edges[index + 1]) / 2
            self.text(centre, top - header_h + 5, header, 8.5, "centre")
        y = top - header_h
        for activity in shown:
            base = y - row_h + 4.5
            for index, cell in enumerate(activity_cells(activity)):
                fitted = self.clipped(cell, widths[index] - 6, size)
                if index in (0, 6):  # titles and providers read better left-aligned
                    self.text(edges[index] + 3, base, fitted, size)
                else:
                    self.text((edges[index] + edges[index + 1]) / 2, base, fitted, size, "centre")
            y -= row_h
        lines = [(_LEFT, y + row_h * k, _RIGHT, y + row_h * k) for k in range(len(shown) + 1)]
        lines += [(x, top, x, y) for x in edges[1:-1]]
        extra = len(records) - len(shown)
        if extra or not records:
            note = f"另有 {extra} 项记录，详见登记系统" if extra else "（本年度无继续教育活动记录）"
            self.canvas.text_fill(_MUTED)
            self.text(PAGE_WIDTH / 2, y - row_h + 4.5, note, size, "centre")
            self.canvas.text_fill(_INK)
            y -= row_h
        c = self.canvas
        c.stroke(_RULE)
        c.line_width(0.5)
        c.lines(lines)
        c.line_width(0.9)
        c.rect(_LEFT, y, _WIDTH, top - y, fill=False)
        return y

    def policy(self, y: float) -> None:
        self.canvas.text_fill(_MUTED)
        self.text(_LEFT, y, f"学时要求依据：{self.page.policy_label}", 8.5)
        if self.page.note:
            # Lowest with a full activity table: y ≈ 199.5, above the seal box (184).
            self.text(_LEFT, y - 12.5, self.clipped(self.page.note, _WIDTH, 8.5), 8.5)
        self.canvas.text_fill(_INK)

    def footer(self) -> None:
        p = self.page
        qr_x, qr_y = QR_CORNER
        side = draw_qr(self.canvas, qr_rows(p.qr_text), qr_x, qr_y)
        self.text(qr_x + side / 2, qr_y - 10, QR_CAPTION, 9, "centre")
        # Beside the QR code, up to the seal box's edge; the lines' tops stay below the
        # issuer's name (baseline 126).
        left = qr_x + side + 10
        width = SEAL_BOX[0] - 5 - left
        for number, line in enumerate(verify_note(p.verify_url)):
            y = qr_y + 41 - 11 * number
            if line == p.verify_url:
                # The one thing a reader types: in ink, whole, on one line (shrunk if long).
                self.canvas.text_fill(_INK)
                self.fitted(left, y, line, width, 7.5, "left")
            else:
                self.canvas.text_fill(_MUTED)
                self.text(left, y, line, 7.5)
        # Small, bottom centre, just inside the inner rule (y = 24): clear of the QR
        # caption on the left and of the date on the right.
        self.canvas.text_fill(_MUTED)
        self.text(PAGE_WIDTH / 2, 34, PAGE_COUNT, 8, "centre")
        self.canvas.text_fill(_INK)
        # The stamp covers the issuer's name; the date goes just below the ring, where no
        # seal ink crosses it: inside the ring, under the seal's own words, it does not fit.
        centre = SEAL_CENTRE[0]
        self.fitted(centre, 126, p.issuer_name, 185, 12.5, "centre")
        self.text(centre, _DATE_BASELINE, chinese_date(p.issue_date), _DATE_SIZE, "centre")
