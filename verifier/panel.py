"""The title-evaluation panel's check (职称评审): a candidate's certificates, from the registry
or presented and verified, judged year by year under a title rule (POLICIES.md §4).

Pure of Flask: the web page calls :func:`verifier.panel_evidence.verify_inputs` and
:func:`panel_check`; which years count and whether each is met is
:func:`registry.titles.evaluate_title`'s business, and what counts as evidence (a registry
document as the registry holds it; a presented certificate only when it verified and
belongs to the candidate; everything else a note) is :mod:`verifier.panel_evidence`'s.

:func:`verifier.panel_sources.report_sources` names what a check verified with (trust list,
status source), for the report's own verification data (:mod:`verifier.panel_table`).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence

from registry.errors import RegistryError
from registry.idnumber import mask_id_number
from registry.model import Activity, Person, TitleLevel
from registry.titles import evaluate_title, title_rule_refusal
from registry.titles.model import CertificateEvidence, TitleReport
from verifier.errors import PanelInputError
from verifier.panel_evidence import (
    CandidateRecords,
    Presented,
    evidence_from_registry,
    gather_presented,
)

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
    otherwise the presented certificates alone
    (:func:`verifier.panel_evidence.gather_presented`). ``id_number`` must be normalised
    (``registry.idnumber.parse_id_number``). ``title_date`` (取得现职称时间) defaults to the
    registry's; an explicit one wins, with a note if they differ.

    Raises :class:`PanelInputError`: ``no_candidate_input`` (nothing presented and no ID
    number); ``no_title_date`` (none given and no registry record); and every refusal of
    ``evaluate_title`` with its own reason (``unknown_rule``, ``rule_not_in_force``,
    ``bad_dates`` for an evaluation before the title date under a cycle rule, …).
    The report's notes end with this check's notes and those about the presented
    certificates (:func:`verifier.panel_evidence.gather_presented`).
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
