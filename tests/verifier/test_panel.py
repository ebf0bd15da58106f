"""The title-evaluation panel's check: what counts as evidence (pure, hand-built reports and
title reports), the PDF report, and the acceptance scenario in a real registry
(tests/support/panelhome.py). The page itself is tested in tests/web/test_panel_web.py."""

from __future__ import annotations

import dataclasses
import datetime as dt
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from registry.errors import RegistryError
from registry.home import CHINA_TZ
from registry.model import DocumentKind, DocumentStatus, TitleLevel
from registry.payload import Claims, id_digest
from registry.store import Registry
from registry.titles import title_rule_refusal, title_rules
from registry.titles.model import CertificateEvidence, TitleReport, YearCheck, YearVerdict
from registry.typesetting import FontStack
from tests.support.panelhome import (
    CANDIDATE_ID,
    CANDIDATE_NAME,
    EVALUATION_DATE,
    REISSUED_YEAR,
    RULE,
    SHORT_YEAR,
    TITLE_DATE,
    YEARS,
    PanelHome,
)
from verifier import Check, HoursStatus, RegistryStatus, Verdict, VerificationReport, Verifier
from verifier.errors import PanelInputError, VerifierError
from verifier.hours import judge_hours
from verifier.panel import panel_check
from verifier.panel_evidence import (
    Presented,
    evidence_from_registry,
    evidence_from_reports,
    gather_presented,
    verify_inputs,
)
from verifier.panel_pdf import PanelReportPdf, wrap
from verifier.panel_sources import ReportSources, StatusSourceKind
from verifier.panel_table import (
    ReportStamp,
    conclusion,
    digest_groups,
    report_content,
    report_digest,
    report_rows,
    stamp_rows,
)

AT = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
"""Verification time of the direct calls (the web app verifies at the current time)."""
EXPECTED = {year: YearVerdict.MET for year in YEARS} | {SHORT_YEAR: YearVerdict.NOT_MET}


@pytest.fixture
def records(panel_home: PanelHome) -> Iterator[RegistryStatus]:
    registry = Registry.open(panel_home.home.registry_path, read_only=True)
    yield RegistryStatus(registry)
    registry.close()


def scenario(**kwargs: object) -> TitleReport:
    return panel_check(
        rule_id=RULE,
        target_level=TitleLevel.SENIOR,
        evaluation_date=EVALUATION_DATE,
        **kwargs,  # type: ignore[arg-type]
    )


# --- pure: which presented certificates are evidence -------------------------------------

ZHANG = "440106198503120031"
WANG = "440104199001150021"
HOURS = (18 * 60, 42 * 60, 12 * 60, 72 * 60)


def claims(
    year: int = 2023,
    edition: int = 1,
    *,
    id_number: str = ZHANG,
    name: str = "张伟",
    hours: tuple[int, int, int, int] = HOURS,
) -> Claims:
    salt = b"8 bytes!"
    return Claims(
        number="440100000000018",
        edition=edition,
        kind=DocumentKind.ORIGINAL,
        year=year,
        name=name,
        masked_id=id_number[:4] + "*" * 10 + id_number[-4:],
        id_salt=salt,
        id_digest=id_digest(salt, id_number),
        hours=hours,
        policy_id="gd-2010",
        issuer="440100",
        issued_on=dt.date(year + 1, 1, 10),
        title_level=TitleLevel.INTERMEDIATE,
    )


def verified(what: Claims | None, status: Check | None = None, *extra: Check) -> VerificationReport:
    """A report as the verifier makes it: payload checks, hours, status (passed by default)."""
    if what is None:
        return VerificationReport(
            (Check.failed("payload.signature", "bad_signature", "x"),), None, AT
        )
    status = status or Check.passed("registry.status", "current")
    checks = (Check.passed("payload.signature", "ok"), *extra, status)
    return VerificationReport(checks, what, AT)


def test_an_authentic_current_certificate_is_evidence() -> None:
    assert evidence_from_reports([verified(claims())]) == [
        CertificateEvidence(
            2023, "440100000000018", 1, DocumentStatus.CURRENT, "gd-2010", HOURS, "presented"
        )
    ]


@pytest.mark.parametrize(
    ("reason", "status", "authentic"),
    [
        ("superseded", DocumentStatus.SUPERSEDED, True),
        ("revoked", DocumentStatus.REVOKED, True),
        ("not_in_registry", DocumentStatus.CURRENT, False),
        ("payload_mismatch", DocumentStatus.CURRENT, False),
    ],
)
def test_status_comes_from_the_registry_check(
    reason: str, status: DocumentStatus, authentic: bool
) -> None:
    failed = Check.failed("registry.status", reason, "…")
    (evidence,) = evidence_from_reports([verified(claims(), failed)])
    assert (evidence.status, evidence.authentic) == (status, authentic)
    assert evidence.problem == ("" if authentic else reason)


def test_short_hours_are_left_to_the_title_rule_but_a_bad_pdf_is_not() -> None:
    genuine_short = dataclasses.replace(
        verified(claims(hours=(1080, 0, 720, 1800))),
        hours=judge_hours(claims(hours=(1080, 0, 720, 1800))),
    )
    assert genuine_short.hours is not None
    assert genuine_short.hours.status is HoursStatus.NOT_MET
    assert genuine_short.verdict is Verdict.VALID
    assert evidence_from_reports([genuine_short])[0].authentic
    file = Check.failed("pdf.registered", "pdf_not_registered", "…")
    (evidence,) = evidence_from_reports([verified(claims(), None, file)])
    assert not evidence.authentic
    assert evidence.problem == "pdf_not_registered"


def test_what_did_not_verify_or_is_unchecked_is_said_in_the_notes() -> None:
    unknown = Check.unknown("registry.status", "status_not_checked", "…")
    presented = [
        Presented(verified(None), "第1份", "no. 1"),
        Presented(verified(claims(), unknown), "第2份", "no. 2"),
    ]
    gathered = gather_presented(presented)
    (evidence,) = gathered.evidence
    assert evidence.status is DocumentStatus.CURRENT
    assert gathered.notes_zh[0] == "第1份：未通过验证（bad_signature），年度不明，不作为证据。"
    assert "2023年 440100000000018 第1版" in gathered.notes_zh[1]
    assert "NOT verified" in gathered.notes_en[1]
    assert (gathered.name, gathered.masked_id) == ("张伟", "4401**********0031")


def test_only_the_candidates_certificates_count_once_each() -> None:
    presented = [
        Presented(verified(claims(2022, id_number=WANG, name="王𠈌")), "A", "A"),
        Presented(verified(claims(2022)), "B", "B"),
        Presented(verified(claims(2023, 2)), "C", "C"),
        Presented(verified(claims(2023, 2)), "D", "D"),
    ]
    gathered = gather_presented(presented)  # the most frequent holder is the candidate
    assert [(e.year, e.edition) for e in gathered.evidence] == [(2022, 1), (2023, 2)]
    assert gathered.notes_zh[0].startswith("A（440100000000018 第1版）：持证人 王𠈌")
    assert gathered.notes_zh[1] == "D（440100000000018 第2版）：重复提交，只计一次。"
    by_id = gather_presented(presented, id_number=WANG)
    assert [(e.year, e.edition) for e in by_id.evidence] == [(2022, 1)]
    assert by_id.name == "王𠈌"
    forged_name = gather_presented(presented[1:2], id_number=ZHANG, name="张伟伟")
    assert forged_name.evidence == ()


def test_registry_documents_are_evidence_with_their_status(
    panel_home: PanelHome, records: RegistryStatus
) -> None:
    evidence = evidence_from_registry(records, CANDIDATE_ID)
    assert len(evidence) == len(panel_home.documents) == 6
    assert {e.source for e in evidence} == {"registry"}
    assert [e.status for e in evidence].count(DocumentStatus.SUPERSEDED) == 1


def test_panel_check_says_what_is_missing() -> None:
    with pytest.raises(PanelInputError) as nothing:
        scenario()
    assert nothing.value.reason == "no_candidate_input"
    one = [Presented(verified(claims()), "A", "A")]
    with pytest.raises(PanelInputError) as no_date:
        scenario(presented=one)
    assert no_date.value.reason == "no_title_date"
    assert "取得现职称时间" in no_date.value.message_zh
    with pytest.raises(PanelInputError) as rule:
        panel_check(
            rule_id="nowhere-2099",
            target_level=TitleLevel.SENIOR,
            evaluation_date=EVALUATION_DATE,
            presented=one,
            title_date=TITLE_DATE,
        )
    assert rule.value.reason == "unknown_rule"
    with pytest.raises(PanelInputError) as expired:
        panel_check(
            rule_id="ah-guangde-2020",  # in force in 2020 only
            target_level=TitleLevel.SENIOR,
            evaluation_date=EVALUATION_DATE,
            presented=one,
            title_date=TITLE_DATE,
        )
    assert expired.value.reason == "policy_not_in_force"
    assert expired.value.message_zh == (
        "评审规则“广德市2020年度专业技术人员继续教育要求”（ah-guangde-2020）"
        "有效期为2020-01-01至2020-12-31，评审日期 2025-05-01 不在有效期内。"
    )


def test_the_rules_offered_are_those_in_force_on_the_evaluation_date() -> None:
    every = {"foshan-gaoming-2015", "guangzhou-cycle-2016", "shaoguan-2019", "ah-guangde-2020"}
    assert set(title_rules()) == every
    assert set(title_rules(on=dt.date(2016, 12, 31))) == {
        "foshan-gaoming-2015",
        "guangzhou-cycle-2016",
    }
    assert set(title_rules(on=dt.date(2017, 1, 1))) == {"foshan-gaoming-2015"}
    assert set(title_rules(on=dt.date(2020, 6, 1))) == every - {"guangzhou-cycle-2016"}
    assert set(title_rules(on=dt.date(2021, 1, 1))) == {"foshan-gaoming-2015", "shaoguan-2019"}
    assert title_rule_refusal("shaoguan-2019", dt.date(2019, 1, 1)) is None
    assert title_rule_refusal("shaoguan-2019", dt.date(2018, 12, 31)) == (
        "评审规则“韶关市职称评审继续教育证书要求（2019年起）”（shaoguan-2019）"
        "自2019-01-01起有效，评审日期 2018-12-31 不在有效期内。",
        "title rule shaoguan-2019 holds from 2019-01-01, not on 2018-12-31",
    )
    with pytest.raises(RegistryError) as unknown:
        title_rule_refusal("gd-2010", dt.date(2020, 1, 1))  # a policy without a title rule
    assert unknown.value.reason == "unknown_rule"


# --- pure: the report as rows, and as a PDF ------------------------------------------------


GD_2010 = (18 * 60, 42 * 60, 12 * 60, 72 * 60)
"""The minimums evaluate_title judges a gd-2010 certificate against."""


def title_report(years: range, name: str = "王𠈌") -> TitleReport:
    """A hand-built report: every third year missing, every fifth short of hours."""
    checks = []
    for year in years:
        evidence = CertificateEvidence(
            year, "440100000000018", year - years[0] + 1, DocumentStatus.CURRENT, "gd-2010",
            (HOURS[0], 30 * 60, HOURS[2], 60 * 60) if year % 5 == 0 else HOURS, "registry",
        )  # fmt: skip
        if year % 3 == 0:
            checks.append(YearCheck(year, YearVerdict.MISSING, None, ("缺少证书",), ("none",)))
        elif year % 5 == 0:
            reasons_zh = ("专业科目30学时，低于gd-2010要求的42学时" * 3, "合计60学时")
            reasons_en = ("professional 30 h, below the 42 h gd-2010 requires " * 3, "total")
            checks.append(
                YearCheck(year, YearVerdict.NOT_MET, evidence, reasons_zh, reasons_en, GD_2010)
            )
        else:
            checks.append(YearCheck(year, YearVerdict.MET, evidence, ("符合",), ("met",), GD_2010))
    return TitleReport(
        "foshan-gaoming-2015", "佛山市高明区2015年职称评审继续教育证书要求", name,
        "4401**********0021", TitleLevel.SENIOR, dt.date(2026, 5, 1), tuple(checks),
        ("现职称于2010年前取得，从2010年起计算",) * 20, ("counted from 2010",) * 20,
        False,
    )  # fmt: skip


def test_rows_show_hours_against_the_requirement() -> None:
    rows = {row.year: row for row in report_rows(title_report(range(2019, 2022)))}
    assert rows[2019].hours == ()  # missing: no certificate
    assert (rows[2019].number, rows[2019].edition) == ("—", "")
    short = rows[2020]
    assert [cell.text for cell in short.hours] == ["18/18", "30/42", "12/12", "60/72"]
    assert [cell.short for cell in short.hours] == [False, True, False, True]
    assert (short.number, short.edition) == ("440100000000018", "第2版")
    assert short.certificate_note == "登记系统·现行"
    assert (short.verdict_zh, short.verdict_en) == ("不符合", "not met")
    assert conclusion(title_report(range(2019, 2022)))[0] == (
        "不符合（所需 3 个年度中，1 个不符合，1 个缺少证书）"
    )


@pytest.fixture(scope="module")
def fonts() -> FontStack:
    return FontStack()


def test_wrap_keeps_words_and_punctuation(fonts: FontStack) -> None:
    text = "professional 30 h, below the 42 h gd-2010 requires；专业科目三十学时，低于要求。"
    lines = wrap(fonts, text, 8, 60)
    assert all(fonts.width(line, 8) <= 60 for line in lines)
    assert "".join(lines).replace(" ", "") == text.replace(" ", "")
    assert not any(line[0] in "，。；" for line in lines)
    assert any("gd-2010" in line for line in lines)  # words are not split
    assert wrap(fonts, "x" * 40, 8, 60)[0] == "x" * len(wrap(fonts, "x" * 40, 8, 60)[0])
    assert wrap(fonts, "", 8, 60) == [""]


def test_a_long_report_pdf_continues_on_further_pages(fonts: FontStack, tmp_path: Path) -> None:
    report = title_report(range(2010, 2026), name="王𠈌𪜀")
    generated = dt.datetime(2026, 5, 1, 2, 0, tzinfo=dt.UTC)
    data = PanelReportPdf(fonts).render(report, generated_at=generated)
    assert data == PanelReportPdf(fonts).render(report, generated_at=generated)
    path = tmp_path / "long.pdf"
    path.write_bytes(data)
    text = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout
    assert "王𠈌𪜀" in text  # the second and third font, extracted as themselves
    assert all(str(year) in text for year in range(2010, 2026))
    pages = text.split("\f")[:-1]
    assert len(pages) >= 2
    assert all(f"第{n}/{len(pages)}页" in page.replace(" ", "") for n, page in enumerate(pages, 1))
    assert "2026-05-01 10:00" in pages[0]  # generated at, in China time


# --- the report's own verification data -------------------------------------------------

SOURCES = ReportSources(
    trust_issuer="专业技术人员继续教育根证书",
    trust_issued_at=dt.datetime(2026, 4, 1, 0, 0, tzinfo=dt.UTC),
    trust_sha256="ab" * 32,
    status=StatusSourceKind.SNAPSHOT,
    snapshot_as_of=dt.datetime(2026, 4, 30, 16, 0, tzinfo=dt.UTC),
    snapshot_issuer="440608",
)
STAMP = ReportStamp(
    generated_at=dt.datetime(2026, 5, 1, 2, 0, 7, tzinfo=dt.UTC),
    username="gaoming-panel",
    role="panel",
    role_zh="评审委员会",
    sources=SOURCES,
)
GOLDEN_DIGEST = "64fae55a73f18e607a0ed9050e756d405a975e6e995b846b3caf78a2024f5c1e"
"""The digest of ``title_report(range(2019, 2022))`` under :data:`STAMP`: a change of the
canonical content (key names, time format, what is covered) changes every digest a site
has recorded, and must be deliberate."""


def test_the_report_digest_is_a_known_answer_and_covers_everything() -> None:
    report = title_report(range(2019, 2022))
    assert report_digest(report, STAMP) == GOLDEN_DIGEST
    assert report_digest(report, STAMP) == report_digest(report, dataclasses.replace(STAMP))
    later = STAMP.generated_at + dt.timedelta(seconds=1)
    changed = [
        dataclasses.replace(STAMP, generated_at=later),
        dataclasses.replace(STAMP, username="other-panel"),
        dataclasses.replace(STAMP, role="employer"),
        dataclasses.replace(STAMP, sources=dataclasses.replace(SOURCES, trust_sha256="cd" * 32)),
        dataclasses.replace(
            STAMP, sources=dataclasses.replace(SOURCES, status=StatusSourceKind.REGISTRY)
        ),
    ]
    assert len({report_digest(report, stamp) for stamp in changed} | {GOLDEN_DIGEST}) == 6
    years = list(report.years)
    years[0] = dataclasses.replace(years[0], verdict=YearVerdict.MET)
    for other in (
        dataclasses.replace(report, years=tuple(years)),
        dataclasses.replace(report, target_level=TitleLevel.INTERMEDIATE),
        dataclasses.replace(report, evaluation_date=dt.date(2026, 5, 2)),
        dataclasses.replace(report, rule_id="shaoguan-2019"),
        dataclasses.replace(report, name="王𠈌𪜀"),
    ):
        assert report_digest(other, STAMP) != GOLDEN_DIGEST
    # The same instant in China time is the same report.
    china = dataclasses.replace(STAMP, generated_at=STAMP.generated_at.astimezone(CHINA_TZ))
    assert report_digest(report, china) == GOLDEN_DIGEST
    content = report_content(report, STAMP)
    assert content["generated_at"] == "2026-05-01T02:00:07Z"
    assert content["account"] == {"username": "gaoming-panel", "role": "panel"}


def test_the_verification_data_as_printed() -> None:
    rows = {row.label_zh: row for row in stamp_rows(STAMP, GOLDEN_DIGEST)}
    assert rows["生成人"].value == "gaoming-panel（评审委员会）"
    assert rows["生成时间"].value == "2026-05-01 10:00 北京时间"
    assert rows["信任列表"].value == (
        "专业技术人员继续教育根证书，签发于 2026-04-01 08:00 北京时间，"
        "SHA-256 abab abab abab abab …"
    )
    assert rows["登记状态来源"].value == (
        "签名状态快照，数据截至 2026-05-01 00:00 北京时间（签发地区 440608）"
    )
    assert rows["报告摘要"].value == digest_groups(GOLDEN_DIGEST)
    assert rows["报告摘要"].code
    assert len(rows["报告摘要"].value.split()) == 16
    unchecked = dataclasses.replace(
        STAMP, sources=dataclasses.replace(SOURCES, status=StatusSourceKind.NONE)
    )
    status = {row.label_zh: row for row in stamp_rows(unchecked, GOLDEN_DIGEST)}["登记状态来源"]
    assert "未经核实" in status.value


def test_the_pdf_carries_the_verification_data_and_digest(fonts: FontStack, tmp_path: Path) -> None:
    report = title_report(range(2010, 2026), name="王𠈌𪜀")
    data = PanelReportPdf(fonts).render(report, generated_at=STAMP.generated_at, stamp=STAMP)
    path = tmp_path / "stamped.pdf"
    path.write_bytes(data)
    text = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout
    pages = text.split("\f")[:-1]
    digest = report_digest(report, STAMP)
    assert "核验信息" in text
    assert "gaoming-panel（评审委员会）" in text
    assert digest in "".join(pages[-1].split())  # in full, once, on the last page
    short = "".join(digest_groups(digest[:16]).split())
    assert all(short in "".join(page.split()) for page in pages)  # every page's footer
    with pytest.raises(VerifierError) as other_time:
        PanelReportPdf(fonts).render(report, generated_at=AT, stamp=STAMP)
    assert other_time.value.reason == "bad_time"


# --- the acceptance scenario, called directly ---------------------------------------------


def verdicts(report: TitleReport) -> dict[int, YearVerdict]:
    return {check.year: check.verdict for check in report.years}


def check_acceptance(report: TitleReport, panel_home: PanelHome) -> None:
    """The acceptance scenario's answer, whatever the evidence came from."""
    assert verdicts(report) == EXPECTED
    assert list(verdicts(report)) == list(YEARS)
    by_year = {check.year: check for check in report.years}
    short = by_year[SHORT_YEAR]
    assert any("专业科目" in reason for reason in short.reasons_zh)
    assert any("professional" in reason for reason in short.reasons_en)
    reissued = by_year[REISSUED_YEAR].evidence
    assert reissued is not None
    assert reissued.edition == panel_home.document(REISSUED_YEAR).edition
    assert reissued.edition != panel_home.superseded.edition
    assert reissued.status is DocumentStatus.CURRENT
    assert report.name == CANDIDATE_NAME
    assert report.masked_id == CANDIDATE_ID[:4] + "*" * 10 + CANDIDATE_ID[-4:]
    assert report.met is False


def test_acceptance_from_the_registry_by_id_number(
    panel_home: PanelHome, records: RegistryStatus
) -> None:
    assert panel_home.superseded.status is DocumentStatus.SUPERSEDED
    report = scenario(id_number=CANDIDATE_ID, records=records)
    check_acceptance(report, panel_home)
    assert all(c.evidence and c.evidence.source == "registry" for c in report.years)
    assert any("取自登记系统" in note for note in report.notes_zh)


def test_acceptance_from_presented_qr_texts(panel_home: PanelHome, records: RegistryStatus) -> None:
    verifier = Verifier(panel_home.trust, status=records)
    texts = [d.payload for d in panel_home.documents]
    presented = verify_inputs(verifier, texts=["\n".join(texts)], files=[], at=AT)
    report = scenario(presented=presented, title_date=TITLE_DATE)
    check_acceptance(report, panel_home)
    assert all(c.evidence and c.evidence.source == "presented" for c in report.years)
    assert not any("未能核验" in note for note in report.notes_zh)


def test_acceptance_offline_counts_unchecked_status_as_current_and_says_so(
    panel_home: PanelHome,
) -> None:
    verifier = Verifier(panel_home.trust)  # a trust list only: status cannot be checked
    files = [
        (f"{d.year}-{d.edition}.pdf", Path(d.pdf_path).read_bytes()) for d in panel_home.documents
    ]
    presented = verify_inputs(verifier, texts=[], files=files, at=AT)
    report = scenario(presented=presented, title_date=TITLE_DATE)
    check_acceptance(report, panel_home)
    assert any("未能核验登记状态" in note for note in report.notes_zh)
    assert any("NOT verified" in note for note in report.notes_en)


def test_presented_certificates_must_be_the_candidates(
    panel_home: PanelHome, records: RegistryStatus
) -> None:
    verifier = Verifier(panel_home.trust, status=records)
    texts = [panel_home.other.payload, *(d.payload for d in panel_home.documents), "garbage"]
    presented = verify_inputs(verifier, texts=texts, files=[], at=AT)
    report = scenario(presented=presented, title_date=TITLE_DATE, id_number=CANDIDATE_ID)
    check_acceptance(report, panel_home)
    notes = "\n".join(report.notes_zh)
    assert "第1条二维码文本" in notes
    assert "不是本次申报人" in notes
    assert "第8条二维码文本：未通过验证（bad_prefix）" in notes
    # The other person's ID number: every candidate certificate is refused, theirs is used.
    other = scenario(
        presented=presented, title_date=TITLE_DATE, id_number=panel_home.other.id_number
    )
    assert other.name == "李四"
    assert [c.year for c in other.years if c.evidence] == [2023]
