"""What counts as evidence in the title-evaluation panel's check
(:func:`verifier.panel.panel_check`): a candidate's certificates, from the registry or
presented and verified, sorted into evidence and notes.

Pure of Flask: which years count and whether each is met is
:func:`registry.titles.evaluate_title`'s business. This module decides what counts as
*evidence*:

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
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from registry.documents import DocumentRecord
from registry.idnumber import mask_id_number
from registry.model import Activity, DocumentStatus, Person
from registry.payload import Claims
from registry.titles.model import CertificateEvidence
from registry.titles.reporting import evidence_from_documents
from verifier.report import Check, CheckStatus, VerificationReport
from verifier.service import Verifier

REGISTRY_SOURCE = "registry"
PRESENTED_SOURCE = "presented"
_STATUS_REASONS = {"superseded": DocumentStatus.SUPERSEDED, "revoked": DocumentStatus.REVOKED}
_JUDGED_ELSEWHERE = frozenset({"registry.status"})
"""Checks whose failure leaves an authentic certificate usable as evidence: the status
becomes the evidence's status. (The hours are not a check: the title rule judges them.)"""


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
