"""The panel report as a printable A4 PDF, in Chinese with English beside it.

Drawn with reportlab and the shared CJK font stack (:mod:`registry.typesetting`): every
character of a name is drawn, rare ones (𠈌) from the fallback fonts, and the text can be
extracted and searched. Long reasons wrap; a long table continues on further pages under a
repeated heading. With a :class:`verifier.panel_table.ReportStamp`, the report ends with its
verification data (who, when, which sources, the report digest) and every page's footer
carries the digest's first groups. The output is deterministic for a given report, time and
stamp.

Not thread-safe (reportlab's font state is shared): one rendering at a time per process.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass

from reportlab.lib.colors import Color
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from registry.titles.model import TitleReport, YearVerdict
from registry.typesetting import Align, FontStack
from verifier.errors import VerifierError
from verifier.panel_table import (
    HOURS_HEADINGS,
    ReportRow,
    ReportStamp,
    StampRow,
    beijing_time,
    conclusion,
    digest_groups,
    report_digest,
    report_rows,
    stamp_rows,
)

PAGE_WIDTH, PAGE_HEIGHT = A4
MARGIN = 15 * mm
LEFT, RIGHT = MARGIN, PAGE_WIDTH - MARGIN
TOP, BOTTOM = PAGE_HEIGHT - MARGIN, MARGIN + 14
"""The footer sits in the 14 points above the bottom margin."""
TITLE_ZH = "职称评审继续教育证书核查报告"
TITLE_EN = "Continuing-education certificates for a title evaluation"

INK = Color(0.13, 0.13, 0.13)
GREY = Color(0.42, 0.42, 0.42)
RULE = Color(0.62, 0.62, 0.62)
HEAD = Color(0.94, 0.92, 0.88)
RED = Color(0.70, 0.15, 0.12)
VERDICT_INK = {
    YearVerdict.MET: Color(0.12, 0.48, 0.21),
    YearVerdict.NOT_MET: RED,
    YearVerdict.MISSING: Color(0.54, 0.43, 0.0),
}
MET_BACK = Color(0.90, 0.96, 0.91)
NOT_MET_BACK = Color(0.99, 0.92, 0.91)

# Table columns: year, verdict, certificate, four hour figures, reasons (points; sum = width).
_FIXED = (34.0, 46.0, 96.0, 36.0, 42.0, 36.0, 36.0)
COLUMNS = (*_FIXED, RIGHT - LEFT - sum(_FIXED))
_PAD = 3.0
_TOKEN = re.compile(r"[\x21-\x7e]+ ?| +|.", re.DOTALL)
"""An ASCII word with one trailing space, a run of spaces, or any one other character."""
_NO_LINE_START = set("，。、；：？！）》」』,.;:?!)%")


def wrap(fonts: FontStack, text: str, size: float, width: float) -> list[str]:
    """Break ``text`` into lines no wider than ``width`` points at ``size``: between Chinese
    characters anywhere, between ASCII words at spaces (inside a word only when the word
    alone is too wide). Closing punctuation never starts a line."""
    lines: list[str] = []
    line = ""
    for token in _TOKEN.findall(text):
        if fonts.width(line + token.rstrip(), size) <= width or (
            line and token[0] in _NO_LINE_START
        ):
            line += token
            continue
        if line.strip():
            lines.append(line.rstrip())
        line = token.lstrip()
        while len(line) > 1 and fonts.width(line.rstrip(), size) > width:
            cut = len(line) - 1
            while cut > 1 and fonts.width(line[:cut], size) > width:
                cut -= 1
            lines.append(line[:cut])
            line = line[cut:]
    if line.strip():
        lines.append(line.rstrip())
    return lines or [""]


@dataclass(frozen=True, slots=True)
class _Line:
    text: str
    size: float
    color: Color
    bold: bool = False


class PanelReportPdf:
    """Renders panel reports. Build once per process and keep: the fonts load once
    (about 0.4 s and 130 MB; ``registry.typesetting.FontsMissing`` if they are absent)."""

    def __init__(self, fonts: FontStack | None = None) -> None:
        self.fonts = FontStack() if fonts is None else fonts

    def render(
        self, report: TitleReport, *, generated_at: dt.datetime, stamp: ReportStamp | None = None
    ) -> bytes:
        """The report as a PDF. ``generated_at`` is printed in China time on every page.
        ``stamp`` (made at ``generated_at``) adds the report's verification data and digest,
        the same as :func:`verifier.panel_table.report_digest` gives.

        Raises ``registry.typesetting.GlyphMissing`` for a character no font has, and
        ``VerifierError('bad_time')`` for a stamp of another time."""
        if stamp is not None and stamp.generated_at != generated_at:
            raise VerifierError("bad_time", "the report's stamp was made at another time")
        pages = _Drawing(self.fonts, report, generated_at, stamp, total_pages=0).run()[1]
        return _Drawing(self.fonts, report, generated_at, stamp, total_pages=pages).run()[0]


class _Drawing:
    """One rendering, top to bottom; ``total_pages`` is known on the second pass."""

    def __init__(
        self,
        fonts: FontStack,
        report: TitleReport,
        generated_at: dt.datetime,
        stamp: ReportStamp | None,
        total_pages: int,
    ) -> None:
        self.fonts = fonts
        self.report = report
        self.generated = beijing_time(generated_at)
        self.digest = report_digest(report, stamp) if stamp is not None else None
        self.stamp_rows = stamp_rows(stamp, self.digest) if stamp and self.digest else ()
        self.total_pages = total_pages
        self.buffer = io.BytesIO()
        self.canvas = Canvas(
            self.buffer,
            pagesize=A4,
            invariant=1,
            pageCompression=1,
            initialFontName=fonts.primary,  # type: ignore[arg-type]  # stub says float
        )
        self.canvas.setTitle(f"{TITLE_ZH} {report.name}")
        self.canvas.setSubject(f"{report.rule_id} {report.evaluation_date.isoformat()}")
        self.canvas.setCreator("cecert")
        self.page = 1
        self.y = TOP

    def run(self) -> tuple[bytes, int]:
        self.header()
        self.table(report_rows(self.report))
        self.notes()
        self.provenance(self.stamp_rows)
        self.footer()
        self.canvas.showPage()
        self.canvas.save()
        return self.buffer.getvalue(), self.page

    # -- text ---------------------------------------------------------------------------

    def text(
        self, x: float, y: float, line: _Line, align: Align = "left", *, color: Color | None = None
    ) -> None:
        self.canvas.setFillColor(color or line.color)
        if line.bold:
            self.canvas.setStrokeColor(color or line.color)
            self.canvas.setLineWidth(line.size / 40)
        self.fonts.draw(
            self.canvas, x, y, line.text, line.size, align, mode=2 if line.bold else None
        )

    def lines(self, text: str, size: float, width: float, color: Color = INK) -> list[_Line]:
        return [_Line(part, size, color) for part in wrap(self.fonts, text, size, width)]

    # -- page furniture -----------------------------------------------------------------

    def new_page(self) -> None:
        self.footer()
        self.canvas.showPage()
        self.page += 1
        self.y = TOP

    def footer(self) -> None:
        pages = f"第 {self.page} / {self.total_pages} 页" if self.total_pages else ""
        text = f"cecert 离线核验 · 生成时间 {self.generated}"
        if self.digest is not None:
            text += f" · 报告摘要 {digest_groups(self.digest[:16])} …"
        small = _Line(text, 7, GREY)
        self.text(LEFT, MARGIN, small)
        self.text(RIGHT, MARGIN, _Line(pages, 7, GREY), "right")

    def header(self) -> None:
        report = self.report
        self.text(PAGE_WIDTH / 2, self.y - 18, _Line(TITLE_ZH, 17, INK, bold=True), "centre")
        self.text(PAGE_WIDTH / 2, self.y - 32, _Line(TITLE_EN, 9, GREY), "centre")
        self.y -= 50
        half = (RIGHT - LEFT) / 2
        fields = (
            (("申报人", "Candidate", report.name), ("身份证号", "ID", report.masked_id)),
            (
                ("申报级别", "Target level", _level(report)),
                ("评审日期", "Evaluation date", report.evaluation_date.isoformat()),
            ),
        )
        for pair in fields:
            for column, (zh, en, value) in enumerate(pair):
                self.field(LEFT + column * half, zh, en, value, half)
            self.y -= 22
        self.field(
            LEFT, "评审规则", "Rule", f"{report.rule_title_zh}（{report.rule_id}）", 2 * half
        )
        self.y -= 26
        self.verdict_box()

    def field(self, x: float, zh: str, en: str, value: str, width: float) -> None:
        self.text(x, self.y, _Line(zh, 9.5, GREY))
        self.text(x, self.y - 9, _Line(en, 6.5, GREY))
        self.text(x + 52, self.y - 2, _Line(value, 11, INK, bold=True))
        self.canvas.setStrokeColor(RULE)
        self.canvas.setLineWidth(0.4)
        self.canvas.line(x + 50, self.y - 6, x + width - 10, self.y - 6)

    def verdict_box(self) -> None:
        zh, en = conclusion(self.report)
        height = 34
        self.canvas.setFillColor(MET_BACK if self.report.met else NOT_MET_BACK)
        self.canvas.setStrokeColor(VERDICT_INK[YearVerdict.MET] if self.report.met else RED)
        self.canvas.setLineWidth(0.8)
        self.canvas.rect(LEFT, self.y - height, RIGHT - LEFT, height, stroke=1, fill=1)
        color = VERDICT_INK[YearVerdict.MET] if self.report.met else RED
        self.text(LEFT + 8, self.y - 15, _Line(f"结论：{zh}", 11.5, color, bold=True))
        self.text(LEFT + 8, self.y - 28, _Line(f"Conclusion: {en}", 8, color))
        self.y -= height + 18

    # -- the table of years -------------------------------------------------------------

    def table(self, rows: Sequence[ReportRow]) -> None:
        self.text(LEFT, self.y, _Line("逐年核查  Year by year", 11, INK, bold=True))
        self.y -= 8
        self.table_heading()
        for row in rows:
            cells = self.cells(row)
            height = max(sum(line.size + 2 for line in cell) for cell in cells) + 2 * _PAD
            if self.y - height < BOTTOM + 10:
                self.new_page()
                self.table_heading()
            self.draw_row(cells, height, row)

    def table_heading(self) -> None:
        heads = [("年度", "year"), ("结论", "verdict"), ("证书编号 / 版次", "certificate")]
        heads += [(zh, en) for zh, en in HOURS_HEADINGS] + [("原因 / 说明", "reasons")]
        cells = [[_Line(zh, 8.5, INK, bold=True), _Line(en, 6.5, GREY)] for zh, en in heads]
        height = 26.0
        self.canvas.setFillColor(HEAD)
        self.canvas.rect(LEFT, self.y - height, RIGHT - LEFT, height, stroke=0, fill=1)
        self.draw_row(cells, height, None)

    def cells(self, row: ReportRow) -> list[list[_Line]]:
        inner = [width - 2 * _PAD for width in COLUMNS]
        ink = VERDICT_INK[row.verdict]
        certificate = self.lines(row.number, 7.5, inner[2])
        note = f"{row.edition} · {row.certificate_note}" if row.edition else ""
        certificate += self.lines(note, 6.5, inner[2], GREY) if note else []
        hours = [[_Line(cell.text, 8, RED if cell.short else INK)] for cell in row.hours] or [
            [_Line("—", 8, GREY)] for _ in HOURS_HEADINGS
        ]
        reasons: list[_Line] = []
        for zh, en in row.reasons:
            reasons += self.lines(zh, 7.5, inner[-1])
            reasons += self.lines(en, 6.5, inner[-1], GREY)
        return [
            [_Line(str(row.year), 9.5, INK, bold=True)],
            [
                _Line(row.verdict_zh, 9.5, ink, bold=True),
                _Line(row.verdict_en, 6.5, ink),
                *self.lines(row.glance_zh, 6.5, inner[1], GREY),
            ],
            certificate,
            *hours,
            reasons or [_Line("—", 7.5, GREY)],
        ]

    def draw_row(
        self, cells: Sequence[Sequence[_Line]], height: float, row: ReportRow | None
    ) -> None:
        x = LEFT
        for index, (width, cell) in enumerate(zip(COLUMNS, cells, strict=True)):
            y = self.y - _PAD
            centred = 3 <= index <= 6 and row is not None
            for line in cell:
                y -= line.size
                if centred:
                    self.text(x + width / 2, y, line, "centre")
                else:
                    self.text(x + _PAD, y, line)
                y -= 2
            x += width
        self.canvas.setStrokeColor(RULE)
        self.canvas.setLineWidth(0.5)
        self.canvas.rect(LEFT, self.y - height, RIGHT - LEFT, height, stroke=1, fill=0)
        x = LEFT
        for width in COLUMNS[:-1]:
            x += width
            self.canvas.line(x, self.y, x, self.y - height)
        self.y -= height

    # -- notes --------------------------------------------------------------------------

    def notes(self) -> None:
        pairs = list(zip(self.report.notes_zh, self.report.notes_en, strict=False))
        if not pairs:
            return
        self.y -= 16
        if self.y - 40 < BOTTOM:
            self.new_page()
        self.text(LEFT, self.y, _Line("说明  Notes", 11, INK, bold=True))
        self.y -= 6
        width = RIGHT - LEFT - 18
        for number, (zh, en) in enumerate(pairs, start=1):
            block = self.lines(zh, 8.5, width) + self.lines(en, 7, width, GREY)
            for index, line in enumerate(block):
                if self.y - line.size - 3 < BOTTOM:
                    self.new_page()
                self.y -= line.size + 3
                if index == 0:
                    self.text(LEFT, self.y, _Line(f"{number}.", 8.5, INK))
                self.text(LEFT + 18, self.y, line)
            self.y -= 3

    # -- the report's own verification data ---------------------------------------------

    def provenance(self, rows: Sequence[StampRow]) -> None:
        """The report's verification data, kept on one page when it fits on one."""
        if not rows:
            return
        indent = 64.0
        width = RIGHT - LEFT - indent
        check = (
            "核对：登录本站“职称评审核查”页面，在“核对报告摘要”处输入上面的报告摘要，"
            "可查明本站是否生成过此报告、由哪个账户于何时生成。",
            "To check: on this site's panel page, enter the report digest under 核对报告摘要.",
        )
        blocks = [
            (row.label_zh, self.lines(row.value, 8.5, width) + self._en(row.value_en, width))
            for row in rows
        ]
        blocks.append(("", self.lines(check[0], 7.5, width, GREY) + self._en(check[1], width)))
        height = 22 + sum(line.size + 3 for _, block in blocks for line in block) + 3 * len(blocks)
        self.y -= 16
        if self.y - height < BOTTOM and TOP - height >= BOTTOM:
            self.new_page()
        self.text(LEFT, self.y, _Line("核验信息  Verification data", 11, INK, bold=True))
        self.y -= 6
        for label, block in blocks:
            for index, line in enumerate(block):
                if self.y - line.size - 3 < BOTTOM:
                    self.new_page()
                self.y -= line.size + 3
                if index == 0 and label:
                    self.text(LEFT, self.y, _Line(label, 8.5, GREY))
                self.text(LEFT + indent, self.y, line)
            self.y -= 3

    def _en(self, text: str, width: float) -> list[_Line]:
        return self.lines(text, 6.5, width, GREY) if text else []


def _level(report: TitleReport) -> str:
    return f"{report.target_level.label_zh}（{report.target_level.value}）"
