"""The bureau's counter (窗口): what a clerk asks of a certificate, and when a second clerk must
agree first (dual control). Pure: the store is :mod:`registry.store.counter`, the signer takes
the actions approved (``cecert issue --requests``).

A clerk's action on a certificate number is one of reissue (补办: lost or damaged), renew
(续办), correct (更正: name or ID number, and the editions showing them) or revoke (撤销).
Where the damage is greatest, a second bureau account must approve before it takes effect:
a revocation (one or a list of numbers, as an investigation sends them), and a correction
that changes the holder's name or ID number. The other actions are queued for the signer at
once. Nothing here holds a key: the signer does the action and closes it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from registry.errors import RegistryError
from registry.idnumber import parse_id_number
from registry.model import Person, RevocationReason
from registry.portal.proofs import Proof


class CounterKind(StrEnum):
    """What the clerk asks for."""

    REISSUE = "reissue"
    RENEW = "renew"
    CORRECT = "correct"
    REVOKE = "revoke"

    @property
    def label_zh(self) -> str:
        return _KIND_ZH[self]


_KIND_ZH = {
    CounterKind.REISSUE: "补办",
    CounterKind.RENEW: "续办",
    CounterKind.CORRECT: "更正",
    CounterKind.REVOKE: "撤销",
}


class CounterState(StrEnum):
    """Where an action stands: waiting for the second clerk, queued for the signer, taken by
    it, then done or failed (the signer's answer), or refused by the second clerk, or
    withdrawn by the first before anyone acted."""

    AWAITING_SECOND = "awaiting_second"
    QUEUED = "queued"
    TAKING = "taking"
    """The signer took it and is doing it."""
    DONE = "done"
    FAILED = "failed"
    REFUSED = "refused"
    WITHDRAWN = "withdrawn"

    @property
    def label_zh(self) -> str:
        return _STATE_ZH[self]

    @property
    def open(self) -> bool:
        return self in {CounterState.AWAITING_SECOND, CounterState.QUEUED, CounterState.TAKING}


_STATE_ZH = {
    CounterState.AWAITING_SECOND: "等待另一名工作人员复核",
    CounterState.QUEUED: "已受理，等待签发",
    CounterState.TAKING: "正在签发",
    CounterState.DONE: "已办结",
    CounterState.FAILED: "未能办理",
    CounterState.REFUSED: "复核未通过",
    CounterState.WITHDRAWN: "已撤回",
}


REISSUE_REASONS = ("lost", "damaged")
"""Why a certificate is reissued: lost (遗失) or damaged (损毁); the signer's
``ReissueReason`` has the same values (a test holds them equal)."""
REISSUE_REASON_ZH = {"lost": "遗失", "damaged": "损毁"}


def needs_second(kind: CounterKind, *, name: str | None, id_number: str | None) -> bool:
    """Whether a second bureau account must approve ``kind`` first: every revocation, and a
    correction that changes the holder's name or ID number."""
    if kind is CounterKind.REVOKE:
        return True
    return kind is CounterKind.CORRECT and (name is not None or id_number is not None)


@dataclass(frozen=True, slots=True)
class Holder:
    """A person found at the counter, with their certificate number (None: none issued)."""

    person: Person
    number: str | None


@dataclass(frozen=True, slots=True)
class CounterAction:
    """One action asked at the counter, as the registry holds it."""

    id: int
    kind: CounterKind
    number: str
    year: int | None
    """The year of the edition acted on (reissue, renew); None: the latest."""
    reason: str
    """Reissue: ``lost`` or ``damaged``; revoke: a :class:`registry.model.RevocationReason`;
    renew and correct: empty."""
    note: str
    """The clerk's note (a correction's reason text, printed on the new edition)."""
    name: str | None
    """A correction's new name."""
    id_number: str | None
    """A correction's new ID number."""
    batch: str | None
    """The list a bulk revocation came in (its token), shared by its numbers."""
    region: str
    """The holder's region when asked: which bureaus may see and approve it."""
    requested_by: str
    requested_at: dt.datetime
    second: bool
    """Whether a second clerk must approve it."""
    approved_by: str | None
    approved_at: dt.datetime | None
    state: CounterState
    reproven: tuple[str, ...]
    """A reissue's records proven again at the counter (their fingerprints), where the
    policy carries a category only when proven again."""
    proofs: tuple[Proof, ...]
    """The proof files the holder brought for them (stored by their SHA-256)."""
    accept_shortfall: bool
    """Issue the reissue even when the hours proven fall short (the clerk confirmed)."""
    outcome: str | None
    """Done: ``<number>/<edition>`` of what the signer made or revoked; failed: the reason
    code; refused or withdrawn: None."""
    detail: str | None
    """What the clerk reads: why it failed or was refused (Chinese)."""
    version: int


def checked_fields(
    kind: CounterKind,
    *,
    reason: str,
    note: str,
    name: str | None,
    id_number: str | None,
    at: dt.datetime,
) -> dict[str, Any]:
    """The action's fields, checked for its kind (``bad_counter_action`` names the field)."""
    note = note.strip()
    if len(note) > 500:
        raise _bad_field("note", "备注最多 500 字 (at most 500 characters)")
    if kind is CounterKind.REISSUE and reason not in REISSUE_REASONS:
        raise _bad_field("reason", "补办须选择原因：遗失或损毁 (lost or damaged)")
    if kind is CounterKind.REVOKE:
        if reason not in {r.value for r in RevocationReason}:
            raise _bad_field("reason", "撤销须选择原因 (choose why it is revoked)")
        if not note:
            raise _bad_field("note", "撤销须写明依据，例如调查文书编号 (say on what grounds)")
    if kind in {CounterKind.RENEW, CounterKind.CORRECT}:
        reason = ""
    if kind is CounterKind.CORRECT:
        if not note:
            raise _bad_field("note", "更正须写明理由，将印在新证书上 (the reason is printed)")
        name = name.strip() if name is not None and name.strip() else None
        if id_number is not None and id_number.strip():
            id_number = parse_id_number(id_number, today=at.date())
        else:
            id_number = None
    else:
        name = id_number = None
    return {"reason": reason, "note": note, "name": name, "id_number": id_number}


def _bad_field(field: str, message: str) -> RegistryError:
    return RegistryError("bad_counter_action", f"{field}：{message}")


__all__ = [
    "REISSUE_REASONS",
    "REISSUE_REASON_ZH",
    "CounterAction",
    "CounterKind",
    "CounterState",
    "Holder",
    "checked_fields",
    "needs_second",
]
