"""The full audit: the registry's own checks plus its signed checkpoints."""

from __future__ import annotations

import datetime as dt

from keys import KeysError, parse_trust_list
from registry.errors import RegistryError
from registry.home import Home
from registry.log import Checkpoint, check_checkpoint
from registry.store import Registry
from registry.store.audit import AuditReport, Problem


def run_audit(registry: Registry, home: Home, *, at: dt.datetime) -> AuditReport:
    """Audit ``registry`` with the certificates folder and trust list of ``home``.

    Every stored checkpoint must verify with the trust list and the log must still hash to
    its root: an event deleted from the end, or rewritten with its chain recomputed, escapes
    the chain check but not this one."""
    report = registry.audit(certificates_dir=home.certificates_dir)
    stored = registry.checkpoints()
    if not stored:
        return report
    try:
        trust = parse_trust_list(home.trust_list_path.read_bytes())
    except (OSError, KeysError) as exc:
        report.problems.append(
            Problem("checkpoint_unchecked", "trust.json", None, f"cannot check checkpoints: {exc}")
        )
        return report
    hashes = registry.event_hashes()
    for tree_size, text in stored:
        try:
            check_checkpoint(Checkpoint.from_text(text), hashes, trust, at)
        except (RegistryError, KeysError) as exc:
            report.problems.append(
                Problem(exc.reason, f"checkpoint {tree_size}", tree_size, str(exc))
            )
    return report
