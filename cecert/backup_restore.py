"""Restoring the registry from a backup, audited before it replaces anything
(``docs/keys-and-home.md``, "Backup and restore").

The backup is copied beside the registry and checked by SQLite (:mod:`registry.store.backups`),
opened (an older backup is migrated), then audited against the home's certificates folder and
trust list exactly as ``cecert registry audit`` would (:func:`cecert.full_audit.run_audit`).
Only a copy that passes takes the registry's place; the registry it replaces is moved aside,
never deleted.

Certificates issued after the backup was made are PDF files in the home that the restored
registry does not record. Their numbers were printed and perhaps handed out: the region's
serial counter is raised past them, so that none is ever drawn again for someone else.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path

from cecert.full_audit import run_audit
from registry import SERIAL_DIGITS, Home, RegistryError
from registry.store import Registry
from registry.store.audit import AuditReport
from registry.store.backups import discard, install_restore, stage_restore

TOLERATED = frozenset({"log_unsigned"})
"""Audit problems a backup may have and still be restored: events after its last checkpoint
(a backup taken while a change was being made; the next change signs them)."""
_PDF = re.compile(r"(?P<number>[0-9]{14}[0-9X])-[1-9][0-9]*\.pdf")


@dataclass(frozen=True, slots=True)
class Restored:
    """What a restore put in place, and what it set aside."""

    registry: Path
    replaced: Path | None
    """Where the registry it replaced was moved, or ``None`` when there was none."""
    report: AuditReport
    """The audit of the restored registry against the home."""
    events: int
    documents: int
    reserved: int | None
    """The serial counter, when it was raised past numbers on files the backup does not
    record (``None`` when there were none)."""


def restore_registry(home: Home, backup: Path, *, at: dt.datetime) -> Restored:
    """Put the registry in ``backup`` in place of ``home``'s, once it is checked and audited.

    Refuses a file that is not a whole cecert registry (``bad_registry``, ``no_registry``), a
    damaged one (``registry_damaged``), one whose audit against the home finds a problem
    (``restore_refused``, each problem named; :data:`TOLERATED` ones are reported only),
    and a registry that another process has open (``registry_in_use``). ``at`` names the
    file the replaced registry is moved to."""
    config = home.config()
    staged = stage_restore(backup, home.registry_path)
    try:
        Registry.open(staged, migrate_at=at).close()  # an older backup: migrated, logged
        with Registry.open(staged, read_only=True) as candidate:
            report = run_audit(candidate, home, at=at)
        refused = [p for p in report.problems if p.kind not in TOLERATED]
        if refused:
            listed = "; ".join(f"[{p.kind}] {p.message}" for p in refused[:5])
            raise RegistryError(
                "restore_refused",
                f"{backup}：核查发现 {len(refused)} 个问题，未恢复 (the audit of the backup "
                f"against the home found {len(refused)} problem(s); nothing was restored): "
                f"{listed}",
            )
        highest = max(_serials(report.orphans, config.region), default=0)
        with Registry.open(staged) as candidate:
            reserved = candidate.reserve_serials(config.region, highest) if highest else None
            events = candidate.count("events")
            documents = candidate.count("documents")
        replaced = install_restore(staged, home.registry_path, at=at)
    except BaseException:
        discard(staged)
        raise
    return Restored(home.registry_path, replaced, report, events, documents, reserved)


def _serials(files: list[str], region: str) -> list[int]:
    """The serials of certificate files of ``region`` among ``files`` (``<number>-<edition>
    .pdf``; anything else is not a certificate of this bureau)."""
    found: list[int] = []
    for file in files:
        match = _PDF.fullmatch(Path(file).name)
        if match and match["number"].startswith(region):
            found.append(int(match["number"][len(region) : len(region) + SERIAL_DIGITS]))
    return found


__all__ = ["TOLERATED", "Restored", "restore_registry"]
