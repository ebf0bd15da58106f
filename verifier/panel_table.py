"""A panel report as rows for people: what the HTML page and the PDF both show, worded once,
and the report's own verification data (:class:`ReportStamp`): who produced it, when, from
which sources, and its digest.

Pure: it reads a :class:`registry.titles.TitleReport` and the policies (for the hours each
year requires) and returns strings; the page and the PDF only lay them out.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from registry.home import CHINA_TZ
from registry.model import DocumentStatus, format_hours
from registry.titles.model import CertificateEvidence, TitleReport, YearCheck, YearVerdict
from registry.titles.reporting import title_json
from verifier.errors import VerifierError
from verifier.panel_sources import ReportSources, StatusSourceKind

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


# --- the report's own verification data ---------------------------------------------------

DIGEST_FORMAT = "cecert-panel-report-1"
"""Names the canonical content :func:`report_digest` hashes; a new layout gets a new name."""


@dataclass(frozen=True, slots=True)
class ReportStamp:
    """Who produced a panel report, when, and with which sources. Printed on the page and
    in the PDF; :func:`report_digest` covers it together with the report."""

    generated_at: dt.datetime
    """When the check ran (aware; the digest keeps whole seconds, the page shows minutes)."""
    username: str
    role: str
    """The account's role as the accounts store names it (``panel``, ``employer``)."""
    role_zh: str
    """The role in Chinese, as printed (``评审委员会``, ``用人单位``)."""
    sources: ReportSources


@dataclass(frozen=True, slots=True)
class StampRow:
    """One line of a report's verification data: Chinese label, English label, value."""

    label_zh: str
    label_en: str
    value: str
    value_en: str = ""
    code: bool = False
    """A code to copy or compare (the digest): monospaced, and it may wrap anywhere."""


def beijing_time(when: dt.datetime) -> str:
    """``YYYY-MM-DD HH:MM 北京时间``: how every time on a panel report is printed."""
    return f"{_utc(when).astimezone(CHINA_TZ):%Y-%m-%d %H:%M} 北京时间"


def digest_groups(hex_digest: str) -> str:
    """A hex digest in groups of four characters (``3f2a 91bc …``), to read aloud or compare
    by eye."""
    return " ".join(hex_digest[i : i + 4] for i in range(0, len(hex_digest), 4))


def _utc(when: dt.datetime) -> dt.datetime:
    if when.tzinfo is None:
        raise VerifierError("bad_time", "a panel report's times must carry a zone")
    return when.astimezone(dt.UTC)


def _instant(when: dt.datetime) -> str:
    """UTC, to the second: ``2026-05-01T02:00:07Z``."""
    return f"{_utc(when):%Y-%m-%dT%H:%M:%SZ}"


def report_content(report: TitleReport, stamp: ReportStamp) -> dict[str, Any]:
    """What :func:`report_digest` covers, as plain data: the report as ``cecert title check
    --json`` gives it (rule, level, evaluation date, candidate, every required year with its
    verdict, reasons and certificate: number, edition, status, hours), the conclusion, the
    clauses applied, the time to the second, the account and the sources."""
    sources = stamp.sources
    return {
        "format": DIGEST_FORMAT,
        "report": title_json(report),
        "conclusion_zh": conclusion(report)[0],
        "clauses": sorted(report.clauses),
        "generated_at": _instant(stamp.generated_at),
        "account": {"username": stamp.username, "role": stamp.role},
        "sources": {
            "trust_list": {
                "issuer": sources.trust_issuer,
                "issued_at": _instant(sources.trust_issued_at),
                "sha256": sources.trust_sha256,
            },
            "status": {
                "source": sources.status.value,
                "as_of": _instant(sources.snapshot_as_of) if sources.snapshot_as_of else None,
                "issuer": sources.snapshot_issuer,
            },
        },
    }


def report_digest(report: TitleReport, stamp: ReportStamp) -> str:
    """SHA-256 (hex) of :func:`report_content` as canonical JSON: keys sorted, no spaces,
    UTF-8 without escapes. The same check by the same account at the same second from the
    same sources gives the same digest; anything else a different one.

    The digest identifies a report, it does not sign it: anyone can compute one over any
    content. What vouches for a report is that the site that produced it recorded the digest
    (the accounts' audit log) and answers for it (``/panel/check``)."""
    text = json.dumps(
        report_content(report, stamp), ensure_ascii=False, sort_keys=True, separators=(",", ":")
    )
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


_STATUS_SOURCE = {
    StatusSourceKind.REGISTRY: (
        "登记系统（核查时实时查询）",
        "the registry, read at the time of the check",
    ),
    StatusSourceKind.NONE: (
        "无登记状态数据：证书是否已被撤销或替换未经核实",
        "none: revocation and supersession were NOT checked",
    ),
}


def stamp_rows(stamp: ReportStamp, digest: str) -> tuple[StampRow, ...]:
    """A report's verification data as printed, page and PDF alike."""
    sources = stamp.sources
    if sources.status is StatusSourceKind.SNAPSHOT:
        as_of = sources.snapshot_as_of
        status = (
            f"签名状态快照，数据截至 {beijing_time(as_of) if as_of else '—'}"
            f"（签发地区 {sources.snapshot_issuer}）",
            f"signed status snapshot as of {_instant(as_of) if as_of else '—'}",
        )
    else:
        status = _STATUS_SOURCE[sources.status]
    return (
        StampRow("生成人", "produced by", f"{stamp.username}（{stamp.role_zh}）"),
        StampRow(
            "生成时间", "generated", beijing_time(stamp.generated_at), _instant(stamp.generated_at)
        ),
        StampRow(
            "信任列表",
            "trust list",
            f"{sources.trust_issuer}，签发于 {beijing_time(sources.trust_issued_at)}，"
            f"SHA-256 {digest_groups(sources.trust_sha256[:16])} …",
            f"issued {_instant(sources.trust_issued_at)}",
        ),
        StampRow("登记状态来源", "status source", *status),
        StampRow("报告摘要", "report digest (SHA-256)", digest_groups(digest), code=True),
    )
