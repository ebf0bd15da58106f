"""Jiangxi's one person, one certificate, one card (一人一证一卡制, notice 004 §7, §12, §14),
printed from the registry: the registration card (继续教育登记卡) the employer keeps in the
person's file, and the summary form (继续教育情况登记汇总表) that goes with a verification
request, in three copies. A4, Chinese, one table each, as many pages as the rows need; the
bureau's verification (验证专用章, §13) is printed where it has been recorded.

Drawn with the certificate's own typesetting (:mod:`registry.typesetting`); no signature, no
key: these are the paper forms the notice names, made from the records instead of by hand.
"""

from __future__ import annotations

import datetime as dt
import functools
import io
import threading
from collections.abc import Sequence

import pikepdf

from registry.forms.values import JIANGXI, SummaryRow, Verified, is_jiangxi
from registry.model import Activity, Category, Confirmer, Person, format_hours
from registry.typesetting.fonts import FontStack
from registry.typesetting.surface import PageSurface
from registry.typesetting.writers import PageWriterKind, page_writer

WIDTH, HEIGHT = 595.28, 841.89
MARGIN = 42.0
ROW = 20.0
MEASURES = "《江西省专业技术人员继续教育登记考核管理办法（试行）》"
KIND_ZH = {
    "online_course": "网络课程", "face_to_face": "面授培训", "seminar": "研修班",
    "further_study": "进修", "conference": "学术会议", "lecture": "学术讲座",
    "visit": "学术访问", "vocational_training": "职业技能培训", "degree": "学历教育",
    "paper": "论文", "patent": "专利", "monograph": "专著", "project": "课题项目",
}  # fmt: skip
_LOCK = threading.Lock()
"""The page writer's glyph caches grow as glyphs are first used: one page at a time."""


@functools.cache
def _writer() -> object:
    return page_writer(PageWriterKind.DIRECT, FontStack())


def _stamped_by(activity: Activity) -> str:
    """Who registered and stamped the record (notice 004 §10)."""
    if activity.confirmed_by is Confirmer.BASE:
        return "继续教育基地"
    return "所在单位"


class _Table:
    """A table over as many A4 pages as its rows need, each with the title and header."""

    def __init__(self, title: str, facts: str, columns: Sequence[tuple[str, float]]) -> None:
        self.title, self.facts, self.columns = title, facts, columns
        self.pages: list[bytes] = []
        self.surface: PageSurface | None = None
        self.y = 0.0

    def _new_page(self) -> PageSurface:
        if self.surface is not None:
            self.pages.append(self.surface.pdf({"Title": self.title, "Creator": "cecert"}))
        writer = _writer()
        surface: PageSurface = writer.page(WIDTH, HEIGHT)  # type: ignore[attr-defined]
        surface.text(WIDTH / 2, HEIGHT - MARGIN - 10, self.title, 16, align="centre")
        surface.text(MARGIN, HEIGHT - MARGIN - 34, self.facts, 9)
        self.surface, self.y = surface, HEIGHT - MARGIN - 50
        self._row([name for name, _ in self.columns], bold=True)
        return surface

    def _row(self, cells: Sequence[str], *, bold: bool = False) -> None:
        surface = self.surface
        assert surface is not None
        x = MARGIN
        surface.line_width(0.8 if bold else 0.4)
        surface.lines([(MARGIN, self.y, WIDTH - MARGIN, self.y)])
        for (_, width), cell in zip(self.columns, cells, strict=True):
            text = cell
            while text and surface.width(text, 8.5) > width - 4:
                text = text[:-1]
            surface.text(x + 2, self.y - 13, text + ("…" if text != cell else ""), 8.5)
            x += width
        self.y -= ROW
        surface.lines([(MARGIN, self.y, WIDTH - MARGIN, self.y)])

    def add(self, cells: Sequence[str]) -> None:
        if self.surface is None or self.y < MARGIN + 60:
            self._new_page()
        self._row(cells)

    def finish(self, footer: str) -> bytes:
        if self.surface is None:
            self._new_page()
        assert self.surface is not None
        y = max(self.y - 24, MARGIN + 24)
        for line in _wrapped(self.surface, footer, 9, WIDTH - 2 * MARGIN):
            self.surface.text(MARGIN, y, line, 9)
            y -= 13
        self.pages.append(self.surface.pdf({"Title": self.title, "Creator": "cecert"}))
        return _joined(self.pages)


def _wrapped(surface: PageSurface, text: str, size: float, width: float) -> list[str]:
    lines, line = [], ""
    for char in text:
        if surface.width(line + char, size) > width:
            lines.append(line)
            line = ""
        line += char
    return [*lines, line] if line else lines


def _joined(pages: Sequence[bytes]) -> bytes:
    if len(pages) == 1:
        return pages[0]
    whole = pikepdf.new()
    for page in pages:
        with pikepdf.open(io.BytesIO(page)) as one:
            whole.pages.extend(one.pages)
    out = io.BytesIO()
    whole.save(out, deterministic_id=True)
    return out.getvalue()


def registration_card(
    person: Person,
    employer: str,
    activities: Sequence[Activity],
    verified: Sequence[Verified],
    *,
    made: dt.date,
) -> bytes:
    """The registration card (继续教育登记卡) of ``person``: every confirmed record, year by
    year, who stamped it, and the bureau's verification of each year where recorded."""
    seals = {v.year: v for v in verified}
    facts = (f"姓名：{person.name}　身份证号：{person.id_number}　工作单位：{employer}　"
             f"职称系列：{person.series}（{person.title_level.label_zh}）")  # fmt: skip
    columns = (("年度", 30.0), ("项目名称", 130.0), ("形式", 52.0), ("起止时间", 122.0),
               ("类别", 34.0), ("学时", 30.0), ("成绩", 30.0), ("登记盖章", 70.0))  # fmt: skip
    with _LOCK:
        table = _Table("江西省专业技术人员继续教育登记卡", facts, columns)
        for a in sorted((a for a in activities if a.counts), key=lambda a: (a.year, a.title)):
            dates = f"{a.start_date or ''}—{a.end_date or ''}" if a.start_date else "—"
            table.add([str(a.year), a.title, KIND_ZH.get(a.kind, a.kind), dates,
                       a.category.label_zh[:2], format_hours(a.minutes),
                       "" if a.score is None else f"{a.score:f}", _stamped_by(a)])  # fmt: skip
        for year in sorted(seals):
            seal = seals[year]
            table.add([str(year), "人社局验证（验证专用章）", seal.by, seal.on.isoformat(),
                       "", "", "", "已验证"])  # fmt: skip
        return table.finish(f"本卡由用人单位保管，存入个人业务档案（{MEASURES}第七、十四条）。"
                            f"根据继续教育登记库生成于 {made.isoformat()}。")  # fmt: skip


def summary_form(
    employer: str, credit_code: str, year: int, rows: Sequence[SummaryRow],
    verified: Verified | None, *, made: dt.date,
) -> bytes:  # fmt: skip
    """The summary form (继续教育情况登记汇总表) of an employer's staff for ``year``, to go
    with a verification request in three copies (notice 004 §12)."""
    facts = f"单位：{employer}（统一社会信用代码 {credit_code}）　年度：{year}　共 {len(rows)} 人"
    columns = (("序号", 30.0), ("姓名", 56.0), ("身份证号", 112.0), ("职称系列", 70.0),
               ("公需", 40.0), ("专业", 40.0), ("选修", 40.0), ("合计", 40.0),
               ("完成情况", 83.0))  # fmt: skip
    with _LOCK:
        table = _Table("专业技术人员继续教育情况登记汇总表", facts, columns)
        for n, row in enumerate(rows, start=1):
            m = row.minutes
            total = sum(m.values())
            state = "无法核算" if row.met is None else ("已完成" if row.met else "未完成")
            table.add([str(n), row.person.name, row.person.id_number, row.person.series,
                       *(format_hours(m.get(c, 0)) for c in Category), format_hours(total),
                       state])  # fmt: skip
        seal = (f"人社局验证：已验证（验证专用章），{verified.on.isoformat()}，{verified.by}"
                if verified else "人社局验证：（待验证）")  # fmt: skip
        return table.finish(f"{seal}。一式三份（{MEASURES}第十二条）。"
                            f"根据继续教育登记库生成于 {made.isoformat()}。")  # fmt: skip


__all__ = ["JIANGXI", "SummaryRow", "Verified", "is_jiangxi", "registration_card", "summary_form"]
