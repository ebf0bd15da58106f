"""How a certificate page is drawn: the frame every page shares, the characters every page
prints, and :class:`PageDrawing`, which draws one page's heading, tables, policy line and
footer (QR code, verification note, issuer's name and date) onto a
:class:`registry.typesetting.PageSurface`.

Where each part sits is described in ``docs/certificate-layout.md``; the figures shared with
the seal are in :mod:`signer.document.geometry`. :class:`signer.document.page.PageRenderer`
prepares the frame and characters once and draws each page with a :class:`PageDrawing`.
"""

from __future__ import annotations

from registry.model import Category, DocumentKind, TitleLevel, format_hours
from registry.typesetting import Align, Graphics, PageSurface
from signer.document.content import CertificatePage
from signer.document.geometry import (
    MAX_ACTIVITY_ROWS,
    PAGE_HEIGHT,
    PAGE_WIDTH,
    QR_CORNER,
    SEAL_BOX,
    SEAL_CENTRE,
    SEAL_RING_OUTER,
)
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


def template_characters() -> str:
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


def frame_operators() -> bytes:
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


class PageDrawing:
    """One page being drawn, top to bottom.

    Graphics go straight onto the canvas; all text but the title goes into one text object
    that lands on top of them at the end.
    """

    def __init__(self, canvas: PageSurface, page: CertificatePage) -> None:
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


__all__ = ["PageDrawing", "frame_operators", "template_characters"]
