"""The full audit: the registry's own checks plus its signed checkpoints, those it stores and
those held outside it (``docs/transparency.md``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from keys import KeysError, TrustList, parse_trust_list
from registry import Home, RegistryError
from registry.log import Checkpoint, check_checkpoint
from registry.store import Registry
from registry.store.audit import AuditReport, Problem


@dataclass(frozen=True, slots=True)
class OutsideCheckpoint:
    """A checkpoint kept outside the registry: published by the bureau, kept by a verifier."""

    source: str
    """Where it was read from (a file name), for the report."""
    checkpoint: Checkpoint


def run_audit(
    registry: Registry,
    home: Home,
    *,
    at: dt.datetime,
    outside: Sequence[OutsideCheckpoint] = (),
) -> AuditReport:
    """Audit ``registry`` with the certificates folder and trust list of ``home``.

    Every stored checkpoint must verify with the trust list and the log must still hash to
    its root: an event deleted from the end, or rewritten with its chain recomputed, escapes
    the chain check but not this one. Every event must be covered by the latest stored
    checkpoint (``log_unsigned`` otherwise): each change signs one, so events past it were
    written behind cecert's back, or its checkpoints were removed.

    Whoever holds the file can also delete the newest events *and* their checkpoints
    together; only a checkpoint kept **outside** the registry shows that. Each of
    ``outside`` must verify and the log must extend it (``checkpoint_ahead``,
    ``checkpoint_root_mismatch``, as Certificate Transparency monitors compare signed tree
    heads)."""
    report = registry.audit(certificates_dir=home.certificates_dir)
    if any(p.kind == "registry_damaged" for p in report.problems):
        return report  # the log cannot be read back: nothing to hold checkpoints against
    stored = registry.checkpoints()
    hashes = registry.event_hashes()
    covered = max((size for size, _text in stored), default=0)
    if covered < len(hashes):
        first = covered + 1
        report.problems.append(
            Problem(
                "log_unsigned",
                f"events {first}-{len(hashes)}",
                first,
                f"第 {first} 至 {len(hashes)} 条登记事件不在任何签名检查点之内：每次变更都签署"
                "检查点，这些事件是绕过 cecert 写入的，或检查点被删除了 "
                f"(events {first}-{len(hashes)} are covered by no signed checkpoint)",
            )
        )
    if not stored and not outside:
        return report
    trust = _trust(home, report)
    if trust is None:
        return report
    for size, text in stored:
        try:
            check_checkpoint(Checkpoint.from_text(text), hashes, trust, at)
        except (RegistryError, KeysError) as exc:
            report.problems.append(Problem(exc.reason, f"checkpoint {size}", size, str(exc)))
    for kept in outside:
        size = kept.checkpoint.tree_size
        try:
            check_checkpoint(kept.checkpoint, hashes, trust, at)
        except (RegistryError, KeysError) as exc:
            subject = f"{kept.source}: checkpoint {size}"
            message = f"登记库之外保存的检查点 {kept.source}（{size} 条事件）不符：{exc}"
            report.problems.append(Problem(exc.reason, subject, size, message))
    return report


def _trust(home: Home, report: AuditReport) -> TrustList | None:
    try:
        return parse_trust_list(home.trust_list_path.read_bytes())
    except (OSError, KeysError) as exc:
        report.problems.append(
            Problem("checkpoint_unchecked", "trust.json", None, f"cannot check checkpoints: {exc}")
        )
        return None
