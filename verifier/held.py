"""Holding a registry to a checkpoint the verifier kept (``docs/transparency.md``).

A verifier that was given the bureau's latest signed checkpoint (the text ``cecert registry
checkpoint`` prints and ``<home>/published/checkpoint.txt`` holds) refuses status from a
registry whose event log does not extend it: whoever deleted or rewrote events after that
checkpoint (a revocation, say) could otherwise make a revoked certificate read as current.
The refusal is "status unknown" (``registry_rewritten``), so the verdict cannot be valid.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from keys import KeysError, TrustList
from registry.documents import DocumentRecord
from registry.errors import RegistryError
from registry.log import Checkpoint, check_checkpoint
from registry.payload import Claims
from registry.store import Registry
from verifier.errors import VerifierError
from verifier.payload import AuthenticPayload
from verifier.registry_status import StatusSource
from verifier.report import Check, SnapshotAge

REWRITTEN = frozenset({"checkpoint_ahead", "checkpoint_root_mismatch"})
"""What :func:`registry.log.check_checkpoint` says of a log that does not extend the checkpoint;
its other reasons are about the checkpoint itself."""


class WithheldStatus:
    """A status source whose every answer is "unknown", with the reason it was withheld."""

    def __init__(self, reason: str, detail: str) -> None:
        self.reason = reason
        self.detail = detail

    def status_check(self, payload: AuthenticPayload, *, at: dt.datetime) -> Check:
        del payload, at
        return Check.unknown("registry.status", self.reason, self.detail)

    def pdf_check(self, claims: Claims, pdf_sha256: str) -> Check | None:
        return None

    def history(self, number: str) -> list[DocumentRecord] | None:
        return None

    def snapshot_age(self, at: dt.datetime) -> SnapshotAge | None:
        return None


def held_to_checkpoints(
    status: StatusSource,
    registry: Registry,
    checkpoints: Sequence[Checkpoint],
    trust: TrustList,
    *,
    at: dt.datetime,
) -> StatusSource:
    """``status`` (read from ``registry``) when the registry's log extends every one of
    ``checkpoints``, else a :class:`WithheldStatus` (``registry_rewritten``).

    A checkpoint that is not the bureau's (not signed by a trust-list QR key valid when it
    was made, dated after ``at``) is the verifier's own input gone wrong:
    ``VerifierError('bad_checkpoint')``, naming why."""
    hashes = registry.event_hashes()
    for checkpoint in checkpoints:
        try:
            check_checkpoint(checkpoint, hashes, trust, at)
        except RegistryError as exc:
            if exc.reason not in REWRITTEN:
                raise _unusable(exc) from exc
            return WithheldStatus(
                "registry_rewritten",
                f"the registry's log does not extend the checkpoint of {checkpoint.tree_size} "
                f"events signed {checkpoint.at.isoformat()} ({exc.reason}): {exc}",
            )
        except KeysError as exc:
            raise _unusable(exc) from exc
    return status


def _unusable(exc: RegistryError | KeysError) -> VerifierError:
    return VerifierError(
        "bad_checkpoint",
        f"检查点不是发证机关签署的，或不可用（{exc.reason}）：{exc} (unusable checkpoint)",
    )


__all__ = ["REWRITTEN", "WithheldStatus", "held_to_checkpoints"]
