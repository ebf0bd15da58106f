"""What a reissue carries (补办, Guangde 2020 §4(3), notice 003 四(三)): pure rules.

Professional hours are carried to the new document only for the records whose proof was
provided again; the rest (public, elective) is carried as the replaced edition recorded it.
:func:`match_reproven` ties the re-presented proofs to the registry's records,
:func:`carried_summary` builds the hours the reissue states and :func:`reissue_note` the text
that says so on its page. No I/O here: :meth:`signer.Issuer.reissue` does the rest.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from enum import StrEnum

from registry.hours import Evaluation
from registry.model import (
    Activity,
    Category,
    CategoryHours,
    HoursSummary,
    SupersessionReason,
    format_hours,
)
from registry.store import DocumentRecord
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


def _record_key(activity: Activity) -> _RecordKey:
    return (
        activity.id_number,
        activity.year,
        activity.course_code,
        activity.title,
        activity.start_date,
        activity.end_date,
    )


def needs_proof(evaluation: Evaluation) -> tuple[Activity, ...]:
    """The records of an evaluation whose hours are professional hours — professional
    records, and records the policy converts to professional hours (achievements, degree
    study) — i.e. those a reissue counts only when their proof is provided again."""
    return tuple(
        c.activity
        for c in evaluation.contributions
        if c.activity.category is Category.PROFESSIONAL or c.counted_as is Category.PROFESSIONAL
    )


def match_reproven(
    records: Sequence[Activity], reproven: Sequence[Activity], *, professional: Sequence[Activity]
) -> tuple[Activity, ...]:
    """The registry records, among ``professional``, that the re-proven records stand for.

    A re-proven record matches the registry's records of the same person and year with the
    same course code, title, start date and end date. The proof establishes that this course
    was taken; what it counts is the registry's record (its hours, status and confirmation),
    never the re-proven file's figures. A re-proven record that matches a record whose hours
    are carried anyway (public, elective) is ignored; one that matches no record of
    ``records`` raises ``IssuanceError('reproven_not_found')``. The result is in the order of
    ``records``, each record once.
    """
    by_key: dict[_RecordKey, list[Activity]] = {}
    for record in records:
        by_key.setdefault(_record_key(record), []).append(record)
    wanted = set(professional)
    chosen: set[Activity] = set()
    for proof in reproven:
        found = by_key.get(_record_key(proof))
        if not found:
            dates = f"{proof.start_date or '—'}–{proof.end_date or '—'}"
            raise IssuanceError(
                "reproven_not_found",
                f"re-proven record {proof.title!r} ({proof.course_code or 'no course code'}, "
                f"{dates}, {proof.year}) matches no training record of the holder for that "
                "year in the registry",
            )
        chosen.update(r for r in found if r in wanted)
    return tuple(r for r in records if r in chosen)


def carried_summary(replaced: HoursSummary, professional_minutes: int) -> HoursSummary:
    """``replaced`` with its professional hours set to ``professional_minutes`` and the total
    recomputed: what a reissue states (every other category carried as recorded)."""
    rows = tuple(
        CategoryHours(
            row.category,
            professional_minutes if row.category is Category.PROFESSIONAL else row.counted,
            row.required,
        )
        for row in replaced.categories
    )
    return HoursSummary(
        replaced.policy_id, rows, sum(r.counted for r in rows), replaced.total_required
    )


def reissue_note(
    reason: ReissueReason, replaced: DocumentRecord, *, records: int, minutes: int
) -> str:
    """The reissue's ``carried`` text, printed on its page, e.g.
    ``补办（遗失补办）：公需、选修学时按原证书第1版结转；专业科目学时仅计重新提供证明的2项记录（46学时）``."""
    categories = [row.category for row in replaced.summary.categories]
    kept = [c.label_zh.removesuffix("科目") for c in categories if c is not Category.PROFESSIONAL]
    parts = []
    if kept:
        parts.append(f"{'、'.join(kept)}学时按原证书第{replaced.edition}版结转")
    if Category.PROFESSIONAL in categories:
        parts.append(
            f"专业科目学时仅计重新提供证明的{records}项记录（{format_hours(minutes)}学时）"
        )
    return f"补办（{reason.supersession.label_zh}）：" + "；".join(parts)


__all__ = [
    "ReissueReason",
    "carried_summary",
    "match_reproven",
    "needs_proof",
    "reissue_note",
]
