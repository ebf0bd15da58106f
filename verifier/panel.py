"""The title-evaluation panel's check (职称评审): a candidate's certificates, from the registry
or presented and verified, judged year by year under a title rule (POLICIES.md §4).

Pure of Flask: the web page calls :func:`verify_inputs` and :func:`panel_check`; which years
count and whether each is met is :func:`registry.titles.evaluate_title`'s business. This
module decides what counts as *evidence*:

- a registry document is evidence as the registry holds it (status included);
- a presented certificate is evidence only when its QR payload verified (so its claims are
  authentic) and it belongs to the candidate (same name and masked ID as the others, and the
  entered ID number when there is one). Its status comes from its ``registry.status`` check:
  ``superseded``/``revoked`` become that status; a status that could not be checked counts as
  current **and is said so in the notes**; any other failed check (``not_in_registry``,
  ``pdf_not_registered``, ``seal_payload_mismatch`` …) makes it ``authentic=False`` evidence
  whose ``problem`` lists the reasons, so its year shows why it does not count.

Everything else (an unreadable scan, a forged code, someone else's certificate, a duplicate)
is not evidence but a note, Chinese and English, so that nothing presented goes unmentioned.

:func:`report_sources` names what a check verified with (trust list, status source), for the
report's own verification data (:mod:`verifier.panel_table`).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from registry.errors import RegistryError
from registry.idnumber import mask_id_number
from registry.model import Activity, DocumentStatus, Person, TitleLevel
from registry.payload import Claims
from registry.store import DocumentRecord
from registry.titles import evaluate_title, title_rule_refusal
from registry.titles.model import CertificateEvidence, TitleReport
from registry.titles.reporting import evidence_from_documents
from verifier.errors import PanelInputError
from verifier.report import Check, CheckStatus, VerificationReport
from verifier.service import Verifier
from verifier.snapshot import SnapshotStatus
from verifier.sources import Loaded

REGISTRY_SOURCE = "registry"
PRESENTED_SOURCE = "presented"
UNKNOWN_NAME = "（未能确定）"
"""The candidate's name when no certificate verified and the registry has no record."""

_RULE_PROBLEMS_ZH = {
    "unknown_rule": "没有评审规则 {rule}。",
    "policy_not_in_force": "评审规则 {rule} 在评审日期 {date} 不在有效期内。",
    "outside_jurisdiction": "申报人的登记地不在评审规则 {rule} 的适用地区。",
    "bad_dates": "评审日期 {date} 早于取得现职称时间，无法按 {rule} 核查。",
}
"""The title rule's refusals (``RegistryError`` from ``evaluate_title``), in Chinese; any
other refusal is passed on with its reason."""
_STATUS_REASONS = {"superseded": DocumentStatus.SUPERSEDED, "revoked": DocumentStatus.REVOKED}
_JUDGED_ELSEWHERE = frozenset({"registry.status"})
"""Checks whose failure leaves an authentic certificate usable as evidence: the status
becomes the evidence's status. (The hours are not a check: the title rule judges them.)"""


class StatusSourceKind(StrEnum):
    """Where a panel check's registry status came from."""

    REGISTRY = "registry"
    """The registry file, read at the time of the check."""
    SNAPSHOT = "snapshot"
    """A signed status snapshot, as of its ``as_of`` time."""
    NONE = "none"
    """No status data: revocation and supersession were not checked."""


@dataclass(frozen=True, slots=True)
class ReportSources:
    """What a panel check verified with, for its report to name (:func:`report_sources`)."""

    trust_issuer: str
    trust_issued_at: dt.datetime
    trust_sha256: str
    """SHA-256 of the trust list file exactly as read, hex (64 characters)."""
    status: StatusSourceKind
    snapshot_as_of: dt.datetime | None = None
    """With a snapshot as the status source: the time its status data is as of."""
    snapshot_issuer: str | None = None
    """With a snapshot as the status source: the region code of the bureau that signed it."""


def report_sources(loaded: Loaded) -> ReportSources:
    """The sources of ``loaded`` (the files a server verifies with, :mod:`verifier.sources`).
    Read-only. Verify with ``loaded.verifier`` and name ``report_sources(loaded)``: taking
    both from one :class:`Loaded` keeps them the same when a file is replaced meanwhile."""
    trust = loaded.verifier.trust
    status = loaded.verifier.status
    as_of: dt.datetime | None = None
    issuer: str | None = None
    if isinstance(status, SnapshotStatus):
        kind, as_of, issuer = StatusSourceKind.SNAPSHOT, status.as_of, status.issuer
    else:
        kind = StatusSourceKind.NONE if status is None else StatusSourceKind.REGISTRY
    return ReportSources(
        trust_issuer=trust.issuer,
        trust_issued_at=trust.issued_at,
        trust_sha256=hashlib.sha256(loaded.trust_bytes).hexdigest(),
        status=kind,
        snapshot_as_of=as_of,
        snapshot_issuer=issuer,
    )


class CandidateRecords(Protocol):
    """What a panel reads from a registry about one person (``verifier.RegistryStatus`` and
    ``RegistryFileStatus`` provide it; so does ``registry.store.Registry``)."""

    def person(self, id_number: str) -> Person | None: ...

    def documents(self, *, id_number: str) -> Sequence[DocumentRecord]: ...

    def activities(self, id_number: str) -> Sequence[Activity]: ...


@dataclass(frozen=True, slots=True)
class Presented:
    """One presented certificate, verified, and how the notes should name it."""

    report: VerificationReport
    label_zh: str
    """E.g. ``文件 cert.pdf`` or ``第2条二维码文本``."""
    label_en: str


@dataclass(frozen=True, slots=True)
class Gathered:
    """Presented certificates sorted into evidence and notes."""

    evidence: tuple[CertificateEvidence, ...]
    name: str | None
    """The candidate's name as the accepted certificates state it (None: none accepted)."""
    masked_id: str | None
    notes_zh: tuple[str, ...]
    notes_en: tuple[str, ...]


def verify_inputs(
    verifier: Verifier,
    *,
    texts: Sequence[str],
    files: Sequence[tuple[str, bytes]],
    at: dt.datetime,
) -> list[Presented]:
    """Verify every QR text (one per line; blank lines are skipped) and every file
    ``(file name, bytes)`` — PDF or image — at ``at``, in that order."""
    lines = [line.strip() for text in texts for line in text.splitlines() if line.strip()]
    presented = [
        Presented(verifier.verify_text(line, at=at), f"第{n}条二维码文本", f"QR text {n}")
        for n, line in enumerate(lines, start=1)
    ]
    presented += [
        Presented(verifier.verify_bytes(data, at=at), f"文件 {name}", f"file {name}")
        for name, data in files
    ]
    return presented


def evidence_from_reports(reports: Sequence[VerificationReport]) -> list[CertificateEvidence]:
    """The evidence among ``reports`` (see the module docstring); see :func:`gather_presented`
    for the notes about the others."""
    presented = [
        Presented(report, f"第{n}份证书", f"certificate {n}")
        for n, report in enumerate(reports, start=1)
    ]
    return list(gather_presented(presented).evidence)


def evidence_from_registry(records: CandidateRecords, id_number: str) -> list[CertificateEvidence]:
    """Every document the registry holds for ``id_number``, every edition and status, as
    evidence (``source="registry"``). The hours are those the document certifies."""
    return evidence_from_documents(records.documents(id_number=id_number))


def gather_presented(
    presented: Sequence[Presented], *, id_number: str | None = None, name: str | None = None
) -> Gathered:
    """Sort presented certificates into evidence and notes.

    The candidate is the person of ``id_number`` (normalised, as ``parse_id_number`` returns
    it) named ``name`` when given; otherwise the name and masked ID that most verified
    certificates carry (the first one on a tie). A certificate of anyone else is refused with
    a note, as is a second copy of the same number and edition.
    """
    notes_zh: list[str] = []
    notes_en: list[str] = []
    holder = _candidate(
        [
            item.report.claims
            for item in presented
            if item.report.claims is not None
            and (id_number is None or item.report.claims.matches_id_number(id_number))
        ],
        id_number=id_number,
        name=name,
    )
    evidence: list[CertificateEvidence] = []
    unchecked: list[str] = []
    seen: set[tuple[str, int]] = set()
    for item in presented:
        claims = item.report.claims
        if claims is None:
            reasons = ", ".join(item.report.reasons) or "no_checks"
            notes_zh.append(f"{item.label_zh}：未通过验证（{reasons}），年度不明，不作为证据。")
            notes_en.append(
                f"{item.label_en}: did not verify ({reasons}); year unknown, not used as evidence."
            )
            continue
        ident = f"{claims.number} 第{claims.edition}版"
        if (id_number is not None and not claims.matches_id_number(id_number)) or (
            holder != (claims.name, claims.masked_id)
        ):
            notes_zh.append(
                f"{item.label_zh}（{ident}）：持证人 {claims.name}（{claims.masked_id}）"
                "不是本次申报人，不作为证据。"
            )
            notes_en.append(
                f"{item.label_en} ({claims.number} edition {claims.edition}): issued to "
                f"{claims.name} ({claims.masked_id}), not the candidate; not used as evidence."
            )
            continue
        if (claims.number, claims.edition) in seen:
            notes_zh.append(f"{item.label_zh}（{ident}）：重复提交，只计一次。")
            notes_en.append(f"{item.label_en}: the same document was presented twice.")
            continue
        seen.add((claims.number, claims.edition))
        status_check = next((c for c in item.report.checks if c.name == "registry.status"), None)
        if status_check is None or status_check.status is CheckStatus.UNKNOWN:
            unchecked.append(f"{claims.year}年 {ident}")
        evidence.append(_presented_evidence(item.report, claims, status_check))
    if unchecked:
        notes_zh.append(
            "未能核验登记状态（没有登记数据），以下证书按现行有效计，是否已被撤销或替换未经核实："
            + "、".join(unchecked)
            + "。"
        )
        notes_en.append(
            f"Registry status was not checked (no registry data) for {len(unchecked)} "
            "certificate(s); they are counted as current, but revocation and supersession "
            "were NOT verified."
        )
    name_found, masked_found = holder if holder and evidence else (None, None)
    return Gathered(tuple(evidence), name_found, masked_found, tuple(notes_zh), tuple(notes_en))


def _candidate(
    claims: Sequence[Claims], *, id_number: str | None, name: str | None
) -> tuple[str, str] | None:
    masked = mask_id_number(id_number) if id_number is not None else None
    if name is not None and masked is not None:
        return name, masked
    counts = Counter(
        (c.name, c.masked_id)
        for c in claims
        if (masked is None or c.masked_id == masked) and (name is None or c.name == name)
    )
    ranked = counts.most_common()  # stable: on a tie, the first presented wins
    return ranked[0][0] if ranked else None


def _presented_evidence(
    report: VerificationReport, claims: Claims, status_check: Check | None
) -> CertificateEvidence:
    status = DocumentStatus.CURRENT
    problems = [
        c.reason or c.name
        for c in report.checks
        if c.status is not CheckStatus.PASSED and c.name not in _JUDGED_ELSEWHERE
    ]
    if status_check is not None and status_check.status is CheckStatus.FAILED:
        reason = status_check.reason or "registry_status"
        if reason in _STATUS_REASONS:
            status = _STATUS_REASONS[reason]
        else:
            problems.append(reason)
    return CertificateEvidence(
        year=claims.year,
        number=claims.number,
        edition=claims.edition,
        status=status,
        policy_id=claims.policy_id,
        hours=claims.hours,
        source=PRESENTED_SOURCE,
        authentic=not problems,
        problem=", ".join(problems),
    )


def panel_check(
    *,
    rule_id: str,
    target_level: TitleLevel,
    evaluation_date: dt.date,
    presented: Sequence[Presented] = (),
    id_number: str | None = None,
    records: CandidateRecords | None = None,
    title_date: dt.date | None = None,
    direct: bool = False,
) -> TitleReport:
    """Judge a candidate for ``target_level`` under title rule ``rule_id`` on
    ``evaluation_date``.

    Evidence: with ``records`` and an ``id_number`` the registry knows, every registry
    document of that person, plus presented certificates that are not already among them;
    otherwise the presented certificates alone (:func:`gather_presented`). ``id_number`` must
    be normalised (``registry.idnumber.parse_id_number``). ``title_date`` (取得现职称时间)
    defaults to the registry's; an explicit one wins, with a note if they differ.

    Raises :class:`PanelInputError`: ``no_candidate_input`` (nothing presented and no ID
    number); ``no_title_date`` (none given and no registry record); and every refusal of
    ``evaluate_title`` with its own reason (``unknown_rule``, ``rule_not_in_force``,
    ``bad_dates`` for an evaluation before the title date under a cycle rule, …).
    The report's notes end with this module's notes about the presented certificates.
    """
    if not presented and not id_number:
        raise PanelInputError(
            "no_candidate_input",
            "give the candidate's certificates (QR texts, PDFs or images) or an ID number",
            "请提供申报人的证书（二维码文本、证书 PDF 或二维码图片）或身份证号。",
        )
    person = records.person(id_number) if records is not None and id_number else None
    notes_zh: list[str] = []
    notes_en: list[str] = []
    if records is not None and id_number and person is None:
        notes_zh.append("登记系统中没有该身份证号的记录，仅依据提交的证书核查。")
        notes_en.append("The registry has no record of this ID number: presented ones only.")
    gathered = gather_presented(
        presented, id_number=id_number or None, name=person.name if person else None
    )
    evidence: list[CertificateEvidence] = []
    activities: Sequence[Activity] | None = None
    if person is not None and records is not None:
        evidence = evidence_from_registry(records, person.id_number)
        activities = records.activities(person.id_number)
    in_registry = {(e.number, e.edition) for e in evidence}
    evidence += [e for e in gathered.evidence if (e.number, e.edition) not in in_registry]
    chosen = _title_date(title_date, person, notes_zh, notes_en)
    try:
        report = evaluate_title(
            rule_id=rule_id,
            name=person.name if person else gathered.name or UNKNOWN_NAME,
            masked_id=mask_id_number(id_number) if id_number else gathered.masked_id or "—",
            title_date=chosen,
            target_level=target_level,
            evaluation_date=evaluation_date,
            evidence=evidence,
            direct=direct,
            records=activities,
        )
    except RegistryError as exc:
        template = _RULE_PROBLEMS_ZH.get(exc.reason, "无法按评审规则 {rule} 核查（{reason}）。")
        message_zh = template.format(rule=rule_id, date=evaluation_date, reason=exc.reason)
        if exc.reason == "policy_not_in_force":
            refused = title_rule_refusal(rule_id, evaluation_date)
            message_zh = refused[0] if refused else message_zh
        raise PanelInputError(exc.reason, str(exc), message_zh) from exc
    return dataclasses.replace(
        report,
        notes_zh=(*report.notes_zh, *notes_zh, *gathered.notes_zh),
        notes_en=(*report.notes_en, *notes_en, *gathered.notes_en),
    )


def _title_date(
    given: dt.date | None, person: Person | None, notes_zh: list[str], notes_en: list[str]
) -> dt.date:
    if given is None and person is None:
        raise PanelInputError(
            "no_title_date",
            "the date the current title was obtained is required when the registry has no "
            "record of the candidate",
            "登记系统中没有申报人的记录，请填写取得现职称时间。",
        )
    if person is None:
        assert given is not None
        return given
    if given is None:
        notes_zh.append(f"取得现职称时间 {person.title_date.isoformat()} 取自登记系统。")
        notes_en.append(f"Title obtained {person.title_date.isoformat()} (from the registry).")
        return person.title_date
    if given != person.title_date:
        notes_zh.append(
            f"填写的取得现职称时间 {given.isoformat()} 与登记系统的 "
            f"{person.title_date.isoformat()} 不一致，按填写的时间核查。"
        )
        notes_en.append(
            f"The title date entered ({given.isoformat()}) differs from the registry's "
            f"({person.title_date.isoformat()}); the date entered was used."
        )
    return given
