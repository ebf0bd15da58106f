"""What a reissue (补办) carries to the new edition: pure rules, from the policy's data.

A policy may require that the hours of some categories be proven again on reissue (Guangde's
paper booklets, notice 003 四(三): professional hours only with their proof presented
again); without such a clause (Guangdong's electronic certificates), a reissue carries every
hour as the replaced edition states it. :func:`plan_reissue` works out, before anything is
issued, what the new edition would state and whether it would fall short of the policy, so
that the clerk can present the proofs or confirm; :meth:`signer.Issuer.reissue` does the rest.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from registry.documents import DocumentRecord
from registry.hours import Evaluation, Policy, Subject, evaluate
from registry.hours.clauses import ReissueRule
from registry.model import (
    Activity,
    Category,
    CategoryHours,
    HoursSummary,
    SupersessionReason,
    format_hours,
)
from signer.errors import IssuanceError

_RecordKey = tuple[str, int, str, str, dt.date | None, dt.date | None]


class ReissueReason(StrEnum):
    """Why a certificate is reissued (补办)."""

    LOST = "lost"
    """The holder lost it (遗失)."""
    DAMAGED = "damaged"
    """It was damaged (损毁)."""

    @property
    def supersession(self) -> SupersessionReason:
        """The registry's reason for superseding the replaced edition."""
        if self is ReissueReason.LOST:
            return SupersessionReason.REISSUE_LOST
        return SupersessionReason.REISSUE_DAMAGED


@dataclass(frozen=True, slots=True)
class ReissuePlan:
    """What a reissue would state, worked out before it is issued."""

    summary: HoursSummary
    """The hours the new edition states."""
    evaluation: Evaluation
    """The records it lists (those that count, re-proven ones among them)."""
    carried: str
    """The text printed on the page saying what was carried, e.g.
    ``补办（遗失补办）：公需学时按原证书第1版结转；专业科目学时仅计重新提供证明的2项记录（46学时）``."""
    rule: ReissueRule | None
    """The policy's carry-over clause; ``None``: everything carried as recorded."""
    proven: tuple[Activity, ...]
    """The registry records the re-presented proofs stand for."""
    shortfalls_zh: tuple[str, ...]
    """How the stated hours fall short of the policy (empty: they meet it)."""

    @property
    def falls_short(self) -> bool:
        return bool(self.shortfalls_zh)

    def warning_zh(self, number: str) -> str:
        """What the clerk is told before a short reissue is confirmed."""
        stated = "，".join(
            f"{row.category.label_zh}{format_hours(row.counted)}学时"
            for row in self.summary.categories
        )
        reproof = "、".join(c.label_zh for c in Category if self.rule and c in self.rule.reproof)
        return (
            f"证书 {number} 补办后将载明：{stated}，合计{format_hours(self.summary.total_counted)}"
            f"学时，{'；'.join(self.shortfalls_zh)}。按{self.rule.cite if self.rule else ''}，"
            f"{reproof}学时须重新提供证明方可结转。请提供证明（--reproven），"
            "或确认按上述学时补办（--accept-shortfall）"
        )


def _record_key(activity: Activity) -> _RecordKey:
    return (
        activity.id_number,
        activity.year,
        activity.course_code,
        activity.title,
        activity.start_date,
        activity.end_date,
    )


def needs_proof(evaluation: Evaluation, categories: frozenset[Category]) -> tuple[Activity, ...]:
    """The records of an evaluation whose hours are of ``categories`` — records of those
    categories, and records the policy converts into one of them (achievements, degree
    study) — i.e. those a reissue counts only when their proof is provided again."""
    return tuple(
        c.activity
        for c in evaluation.contributions
        if c.activity.category in categories or c.counted_as in categories
    )


def match_reproven(
    records: Sequence[Activity], reproven: Sequence[Activity], *, owed: Sequence[Activity]
) -> tuple[Activity, ...]:
    """The registry records, among ``owed``, that the re-proven records stand for.

    A re-proven record matches the registry's records of the same person and year with the
    same course code, title, start date and end date. The proof establishes that this course
    was taken; what it counts is the registry's record (its hours, status and confirmation),
    never the re-proven file's figures. A re-proven record that matches a record whose hours
    are carried anyway is ignored; one that matches no record of ``records`` raises
    ``IssuanceError('reproven_not_found')``. The result is in the order of ``records``, each
    record once.
    """
    by_key: dict[_RecordKey, list[Activity]] = {}
    for record in records:
        by_key.setdefault(_record_key(record), []).append(record)
    wanted = set(owed)
    chosen: set[Activity] = set()
    for proof in reproven:
        found = by_key.get(_record_key(proof))
        if not found:
            dates = f"{proof.start_date or '—'}–{proof.end_date or '—'}"
            raise IssuanceError(
                "reproven_not_found",
                f"重新提供证明的记录《{proof.title}》（{proof.course_code or '无课程代码'}，"
                f"{dates}，{proof.year}年度）在登记系统中找不到对应的学习记录 (re-proven record "
                f"{proof.title!r} matches no training record of the holder for that year)",
            )
        chosen.update(r for r in found if r in wanted)
    return tuple(r for r in records if r in chosen)


def _carried_summary(
    replaced: HoursSummary, categories: frozenset[Category], evaluation: Evaluation
) -> HoursSummary:
    """``replaced`` with the hours of ``categories`` taken from ``evaluation`` and the total
    recomputed: what a reissue states (every other category carried as recorded)."""
    rows = tuple(
        CategoryHours(
            row.category,
            evaluation.summary.counted(row.category) if row.category in categories else row.counted,
            row.required,
        )
        for row in replaced.categories
    )
    return HoursSummary(
        replaced.policy_id, rows, sum(r.counted for r in rows), replaced.total_required
    )


def _shortfalls_zh(summary: HoursSummary) -> tuple[str, ...]:
    found = [
        f"{row.category.label_zh}{format_hours(row.counted)}学时，低于要求的"
        f"{format_hours(row.required)}学时"
        for row in summary.categories
        if row.counted < row.required
    ]
    if summary.total_counted < summary.total_required:
        found.append(
            f"合计{format_hours(summary.total_counted)}学时，低于要求的"
            f"{format_hours(summary.total_required)}学时"
        )
    return tuple(found)


def plan_reissue(
    policy: Policy,
    replaced: DocumentRecord,
    records: Sequence[Activity],
    reproven: Sequence[Activity],
    *,
    subject: Subject,
    reason: ReissueReason,
) -> ReissuePlan:
    """What a reissue of ``replaced`` (judged by ``policy``, the policy it names) states.

    Where the policy requires re-proof of some categories for the replaced edition's year
    (:meth:`Policy.reissue_rule`), their hours are those the records in ``reproven`` count
    (:func:`match_reproven` finds them in the registry; the engine applies conversions and
    caps); every other category is carried as the replaced edition states it. Without such
    a clause, everything is carried as recorded. ``records`` are the registry's records of
    the person and year."""
    prefix = f"补办（{reason.supersession.label_zh}）："
    rule = policy.reissue_rule(replaced.year)
    everything = evaluate(policy, records, year=replaced.year, subject=subject)
    if rule is None:
        carried = f"{prefix}学时按原证书第{replaced.edition}版结转"
        return ReissuePlan(
            replaced.summary, everything, carried, None, (), _shortfalls_zh(replaced.summary)
        )
    owed = needs_proof(everything, rule.reproof)
    proven = match_reproven(records, reproven, owed=owed)
    owed_set = set(owed)
    kept = [r for r in records if r not in owed_set]
    evaluation = evaluate(policy, [*kept, *proven], year=replaced.year, subject=subject)
    summary = _carried_summary(replaced.summary, rule.reproof, evaluation)
    shown = [row.category for row in replaced.summary.categories]
    others = [c.label_zh.removesuffix("科目") for c in shown if c not in rule.reproof]
    parts = [f"{'、'.join(others)}学时按原证书第{replaced.edition}版结转"] if others else []
    for category in (c for c in shown if c in rule.reproof):
        minutes = summary.counted(category)
        count = sum(1 for r in proven if r.category is category)
        parts.append(
            f"{category.label_zh}学时仅计重新提供证明的{count}项记录（{format_hours(minutes)}学时）"
        )
    carried = prefix + "；".join(parts) + f"（{rule.cite}）"
    return ReissuePlan(summary, evaluation, carried, rule, proven, _shortfalls_zh(summary))


__all__ = ["ReissuePlan", "ReissueReason", "match_reproven", "needs_proof", "plan_reissue"]
