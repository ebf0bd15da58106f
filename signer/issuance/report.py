"""What an issuing run reports: the people it skipped and why (the Chinese labels of the causes
included), grouped by cause, and the tally a run keeps as it goes (:class:`Tally`).

:class:`signer.issuance.issuer.Issuer` fills a :class:`Tally` person by person and returns its
:class:`IssueReport`.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

from registry.documents import DocumentRecord
from registry.hours.reasons import cause_label_zh
from registry.idnumber import mask_id_number
from registry.model import NAME_MAX_CHARS, UNPRINTABLE, Person

Progress = Callable[[int, int], None]
"""Called with (done, total) after each person (after each batch's commit with workers)."""
Issued = Callable[[DocumentRecord], None]
"""Called with each document once it is committed."""


@dataclass(frozen=True, slots=True)
class Skipped:
    """A person who got no certificate, and why."""

    masked_id: str
    name: str
    """The name as a report may print it (:func:`shown_name`)."""
    reason: str
    """``not_met``, ``already_issued``, ``number_revoked``, ``unknown_series`` or a policy refusal
    (``outside_jurisdiction``, ``series_not_covered``, ``level_not_covered``,
    ``series_own_policy``)."""
    detail: str
    """For people: Chinese first, with their figures (what was recorded, what counted, why)."""
    causes: tuple[tuple[str, str], ...] = ()
    """``(code, 中文)`` of why, without the person's figures: what a batch groups by."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "name", shown_name(self.name))


UNMAKEABLE_ZH = {
    "bad_character": "姓名、工作单位或职称系列含控制或格式字符",
    "text_too_long": "姓名过长，二维码将无法核验",
    "glyph_missing": "有字符不在证书字体中",
    "qr_too_long": "二维码内容过长",
}
"""Why one person's document cannot be made, in Chinese. A batch skips that person, reports
them with this cause and issues everyone else. The first two are found before a number is
drawn (stored before import refused such text: :func:`registry.model.check_text`), the
others when the page is drawn (:data:`signer.issuance.workers.PERSON_FAULTS`)."""


def shown_name(name: str) -> str:
    """``name`` as a report may print it: a character of :data:`registry.model.UNPRINTABLE`
    as ``⟨U+202E⟩`` (printed raw, it could turn the line around or drive the terminal), and
    cut with ``…`` after :data:`registry.model.NAME_MAX_CHARS` characters."""
    shown = "".join(
        f"⟨U+{ord(c):04X}⟩" if unicodedata.category(c) in UNPRINTABLE else c
        for c in name[:NAME_MAX_CHARS]
    )
    return shown + ("…" if len(name) > NAME_MAX_CHARS else "")


def unmakeable(person: Person, reason: str, message: str) -> Skipped:
    """The skip of a person whose document cannot be made (:data:`UNMAKEABLE_ZH`)."""
    label = UNMAKEABLE_ZH[reason]
    detail = f"无法制作此人的证书（{label}），已跳过，其余照常签发：{message}"
    masked = mask_id_number(person.id_number)
    return Skipped(masked, person.name, reason, detail, ((reason, label),))


@dataclass(frozen=True, slots=True)
class SkipGroup:
    """The people a batch skipped for the same causes."""

    codes: tuple[str, ...]
    label_zh: str
    count: int


@dataclass(frozen=True, slots=True)
class IssueReport:
    issued: tuple[DocumentRecord, ...]
    """The documents issued, in the order they were committed; empty when the batch ran
    with ``keep_records=False`` (then count with :attr:`issued_count`)."""
    skipped: tuple[Skipped, ...]
    issued_count: int
    """How many documents were issued."""

    def skipped_by_cause(self) -> tuple[SkipGroup, ...]:
        """The skipped people grouped by their causes, the largest group first, so that a
        bureau whose whole sheet lacks a column sees that in one line."""
        groups: dict[tuple[str, ...], tuple[str, int]] = {}
        for item in self.skipped:
            causes = item.causes or ((item.reason, cause_label_zh(item.reason)),)
            codes = tuple(code for code, _label in causes)
            label = "；".join(label for _code, label in causes)
            groups[codes] = (label, groups.get(codes, (label, 0))[1] + 1)
        ordered = sorted(groups.items(), key=lambda item: (-item[1][1], item[0]))
        return tuple(SkipGroup(codes, label, count) for codes, (label, count) in ordered)


class Tally:
    """What a batch did so far: counts, skips, the records if kept; reports progress."""

    def __init__(
        self, total: int, progress: Progress | None, keep: bool, on_issued: Issued | None
    ) -> None:
        self.total = total
        self.done = 0
        self.count = 0
        self.issued: list[DocumentRecord] = []
        self.skipped: list[Skipped] = []
        self._progress = progress
        self._keep = keep
        self._on_issued = on_issued

    def add(self, outcome: DocumentRecord | Skipped) -> None:
        if isinstance(outcome, Skipped):
            self.skipped.append(outcome)
        else:
            self.count += 1
            if self._keep:
                self.issued.append(outcome)
            if self._on_issued is not None:
                self._on_issued(outcome)
        self.done += 1
        if self._progress is not None:
            self._progress(self.done, self.total)

    def report(self) -> IssueReport:
        return IssueReport(tuple(self.issued), tuple(self.skipped), self.count)


__all__ = [
    "UNMAKEABLE_ZH",
    "IssueReport",
    "Issued",
    "Progress",
    "SkipGroup",
    "Skipped",
    "Tally",
    "shown_name",
    "unmakeable",
]
