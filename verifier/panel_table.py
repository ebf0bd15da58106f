"""A panel report as rows for people: what the HTML page and the PDF both show, worded once.

Pure: it reads a :class:`registry.titles.TitleReport` and the policies (for the hours each
year requires) and returns strings; the page and the PDF only lay them out.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from registry.model import DocumentStatus, format_hours
from registry.titles.model import CertificateEvidence, TitleReport, YearCheck, YearVerdict

HOURS_HEADINGS = (
    ("公需", "public"),
    ("专业", "professional"),
    ("选修", "elective"),
    ("合计", "total"),
)
"""Column headings of the four hour figures, in the order of ``CertificateEvidence.hours``."""

_STATUS_ZH: Mapping[DocumentStatus, str] = {
    DocumentStatus.CURRENT: "现行",
    DocumentStatus.SUPERSEDED: "已被替换",
    DocumentStatus.REVOKED: "已撤销",
}
_SOURCE_ZH = {"registry": "登记系统", "presented": "提交"}


@dataclass(frozen=True, slots=True)
class HoursCell:
    """One hour figure of a year: what the certificate counts, against what is required."""

    counted: str
    """Hours, e.g. ``"42"`` or ``"1.5"``."""
    required: str | None
    """Required hours, or None when the requirement is unknown or there is none."""
    short: bool

    @property
    def text(self) -> str:
        return self.counted if self.required is None else f"{self.counted}/{self.required}"


@dataclass(frozen=True, slots=True)
class ReportRow:
    """One required year of a panel report, ready to print."""

    year: int
    verdict: YearVerdict
    verdict_zh: str
    verdict_en: str
    number: str
    """Number of the certificate judged, or ``—`` when no certificate was judged."""
    edition: str
    """Its edition, e.g. ``第2版``; empty without a certificate."""
    certificate_note: str
    """Where it came from and its status, e.g. ``登记系统·现行``; empty without a certificate."""
    hours: tuple[HoursCell, ...]
    """Public, professional, elective, total; empty when no certificate was judged."""
    reasons: tuple[tuple[str, str], ...]
    """``(Chinese, English)`` reasons, as the evaluation gave them."""
    genuine_zh: str = "—"
    """The first answer, at a glance: is the certificate genuine and current
    (``真实有效``, ``已被替换``, ``已撤销``, ``未通过验证``, ``缺少证书``)?"""
    hours_zh: str = "—"
    """The second answer: do its hours meet the requirement (``学时达标``, ``学时未达标``;
    ``—`` when they were not judged)?"""

    @property
    def glance_zh(self) -> str:
        """Both answers on one line, e.g. ``真实有效 · 学时未达标``."""
        return self.genuine_zh if self.hours_zh == "—" else f"{self.genuine_zh} · {self.hours_zh}"


def report_rows(report: TitleReport) -> tuple[ReportRow, ...]:
    """One row per year the rule requires, in the report's order."""
    return tuple(_row(report, check) for check in report.years)


def _row(report: TitleReport, check: YearCheck) -> ReportRow:
    evidence = check.evidence
    reasons = tuple(zip(check.reasons_zh, check.reasons_en, strict=False))
    if evidence is None:
        return ReportRow(
            year=check.year,
            verdict=check.verdict,
            verdict_zh=check.verdict.label_zh,
            verdict_en=_en(check.verdict),
            number="—",
            edition="",
            certificate_note="",
            hours=(),
            reasons=reasons,
            genuine_zh="缺少证书",
        )
    note = f"{_SOURCE_ZH.get(evidence.source, evidence.source)}·{_STATUS_ZH[evidence.status]}"
    if not evidence.authentic:
        note += "·未通过验证"
    return ReportRow(
        year=check.year,
        verdict=check.verdict,
        verdict_zh=check.verdict.label_zh,
        verdict_en=_en(check.verdict),
        number=evidence.number,
        edition=f"第{evidence.edition}版",
        certificate_note=note,
        hours=(cells := _hours(check, evidence)),
        reasons=reasons,
        genuine_zh=_genuine_zh(evidence),
        hours_zh=(
            "—"
            if check.required is None
            else "学时未达标"
            if any(cell.short for cell in cells)
            else "学时达标"
        ),
    )


def _genuine_zh(evidence: CertificateEvidence) -> str:
    if not evidence.authentic:
        return "未通过验证"
    if evidence.status is DocumentStatus.CURRENT:
        return "真实有效"
    return _STATUS_ZH[evidence.status]


def _en(verdict: YearVerdict) -> str:
    return verdict.value.replace("_", " ")


def _hours(check: YearCheck, evidence: CertificateEvidence) -> tuple[HoursCell, ...]:
    """Counted hours beside the minimums the evaluation judged them against."""
    required = check.required
    cells = []
    for index, counted in enumerate(evidence.hours):
        need = required[index] if required is not None else None
        cells.append(
            HoursCell(
                counted=format_hours(counted),
                required=format_hours(need) if need is not None else None,
                short=need is not None and counted < need,
            )
        )
    return tuple(cells)


def conclusion(report: TitleReport) -> tuple[str, str]:
    """The overall conclusion line, ``(Chinese, English)``."""
    count = len(report.years)
    not_met = sum(1 for c in report.years if c.verdict is YearVerdict.NOT_MET)
    missing = sum(1 for c in report.years if c.verdict is YearVerdict.MISSING)
    if report.met:
        return (
            f"符合（所需 {count} 个年度均有有效证书，学时达到要求）",
            f"Met (all {count} required year(s) have a valid certificate whose hours are met)",
        )
    if not count:
        return ("不符合（见说明）", "Not met (see the notes)")
    return (
        f"不符合（所需 {count} 个年度中，{not_met} 个不符合，{missing} 个缺少证书）",
        f"Not met (of {count} required year(s), {not_met} not met, {missing} missing)",
    )
