"""The counter's actions, done where the keys are.

A bureau clerk asks at the counter for a reissue, a renewal, a correction or a revocation;
where a second clerk must approve, the action waits for them (:mod:`registry.store.counter`).
Once queued, :func:`take_counter_actions` does each with the issuer's own methods (the same
rules, carry-over, numbering and seal as ``cecert reissue``, ``renew``, ``correct`` and
``revoke``) and closes it: done, with the number and edition made or revoked, or failed, with
the reason the issuer or the registry gave, which the clerk reads at the counter.

The signer takes an action (one transaction) before doing it and closes it after. One it
stopped in is found taken at a later run and closed failed, ``interrupted``, for the clerk
to look at the certificate's history: it is never done a second time by itself, so a crash
cannot make an extra edition or report a revocation done twice.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from registry.errors import RegistryError
from registry.model import Activity, RevocationReason
from registry.portal.counter import CounterAction, CounterKind
from registry.store import Clock, DocumentRecord, Registry
from registry.store.records import activity_row
from signer.errors import IssuanceError
from signer.issuance.carry_over import ReissueReason
from signer.issuance.issuer import Issuer

ACTIONS = 64
"""Actions taken per call, at most."""
STALLED = dt.timedelta(minutes=10)
"""An action taken this long ago and not closed: the signer stopped in it (an action takes
well under a second)."""
INTERRUPTED_ZH = (
    "签发服务在办理此业务时中断，未确认是否已办理：请查看证书历史，确认未办理的再重新提交 "
    "(the signer stopped while doing this action: check the certificate's history)"
)


@dataclass(frozen=True, slots=True)
class Done:
    """A counter action taken and closed."""

    action: CounterAction
    documents: tuple[DocumentRecord, ...]
    """What it made (a correction may make one edition per year) or revoked; empty: failed."""
    reason: str | None = None
    """Failed: the reason code (``reissue_falls_short``, ``already_revoked``, …)."""
    detail: str | None = None

    @property
    def done(self) -> bool:
        return self.reason is None


def take_counter_actions(
    registry: Registry,
    issuer: Issuer,
    *,
    at: dt.datetime,
    clock: Clock | None = None,
    limit: int = ACTIONS,
) -> list[Done]:
    """Do up to ``limit`` queued counter actions with ``issuer`` (built on ``registry``),
    oldest first, and close each; what became of them. Errors of no one action (the seal
    key, the disk) go on to the caller, and the action stays queued."""
    taken: list[Done] = []
    for stalled in registry.counter_queue.stalled(before=at - STALLED):
        outcome = Done(stalled, (), "interrupted", INTERRUPTED_ZH)
        if registry.counter_queue.close(
            stalled.id, done=False, outcome="interrupted", detail=INTERRUPTED_ZH,
            at=clock() if clock is not None else at,
        ):  # fmt: skip
            taken.append(outcome)
    for queued in registry.counter_queue.queued(limit=limit):
        action = registry.counter_queue.take(queued.id, at=clock() if clock is not None else at)
        if action is None:
            continue  # another taker has it
        moment = clock() if clock is not None else at
        try:
            documents = _do(registry, issuer, action, at=moment)
        except (RegistryError, IssuanceError) as exc:
            if exc.reason in _NOT_THE_ACTIONS:
                raise
            outcome = Done(action, (), exc.reason, exc.message)
        else:
            outcome = Done(action, documents)
        closed = registry.counter_queue.close(
            action.id,
            done=outcome.done,
            outcome=_outcome(outcome),
            detail=outcome.detail,
            at=clock() if clock is not None else at,
        )
        if closed:
            taken.append(outcome)
    return taken


_NOT_THE_ACTIONS = frozenset(
    {"commit_failed", "write_failed", "registry_damaged", "qr_key_expired"}
)
"""Failures of the signer's own (its disk, its keys), which no clerk can mend by asking
again: the run stops and the action waits."""


def _do(
    registry: Registry, issuer: Issuer, action: CounterAction, *, at: dt.datetime
) -> tuple[DocumentRecord, ...]:
    if action.kind is CounterKind.REISSUE:
        made = issuer.reissue(
            action.number, reason=ReissueReason(action.reason), year=action.year,
            reproven=_reproven(registry, action), accept_shortfall=action.accept_shortfall,
            at=at,
        )  # fmt: skip
        return (made,)
    if action.kind is CounterKind.RENEW:
        return (issuer.renew(action.number, year=action.year, at=at),)
    if action.kind is CounterKind.CORRECT:
        return issuer.correct(
            action.number, name=action.name, id_number=action.id_number,
            reason_text=action.note, at=at,
        )  # fmt: skip
    revoked = registry.revoke(
        action.number, reason=RevocationReason(action.reason), note=action.note, at=at
    )
    return (revoked,)


def _reproven(registry: Registry, action: CounterAction) -> list[Activity]:
    """The holder's records the clerk marked as proven again at the counter."""
    if not action.reproven:
        return []
    holder = registry.history(action.number)[-1].id_number
    wanted = set(action.reproven)
    return [a for a in registry.activities(holder) if activity_row(a)["fingerprint"] in wanted]


def _outcome(outcome: Done) -> str:
    if outcome.reason is not None:
        return outcome.reason
    return ",".join(f"{d.number}/{d.edition}" for d in outcome.documents)


__all__ = ["ACTIONS", "Done", "take_counter_actions"]
