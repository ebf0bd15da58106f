"""What a title-evaluation panel check verified with (trust list, status source), for the
report's own verification data (:mod:`verifier.panel_table`): :func:`report_sources` names
it. The check itself is :mod:`verifier.panel`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from enum import StrEnum

from verifier.snapshot import SnapshotStatus
from verifier.sources import Loaded


class StatusSourceKind(StrEnum):
    """Where a panel check's registry status came from."""

    REGISTRY = "registry"
    """The registry file, read at the time of the check."""
    SNAPSHOT = "snapshot"
    """A signed status snapshot, as of its ``as_of`` time."""
    NONE = "none"
    """No status data: revocation and supersession were not checked."""


@dataclass(frozen=True, slots=True)
class ReportSources:
    """What a panel check verified with, for its report to name (:func:`report_sources`)."""

    trust_issuer: str
    trust_issued_at: dt.datetime
    trust_sha256: str
    """SHA-256 of the trust list file exactly as read, hex (64 characters)."""
    status: StatusSourceKind
    snapshot_as_of: dt.datetime | None = None
    """With a snapshot as the status source: the time its status data is as of."""
    snapshot_issuer: str | None = None
    """With a snapshot as the status source: the region code of the bureau that signed it."""


def report_sources(loaded: Loaded) -> ReportSources:
    """The sources of ``loaded`` (the files a server verifies with, :mod:`verifier.sources`).
    Read-only. Verify with ``loaded.verifier`` and name ``report_sources(loaded)``: taking
    both from one :class:`Loaded` keeps them the same when a file is replaced meanwhile."""
    trust = loaded.verifier.trust
    status = loaded.verifier.status
    as_of: dt.datetime | None = None
    issuer: str | None = None
    if isinstance(status, SnapshotStatus):
        kind, as_of, issuer = StatusSourceKind.SNAPSHOT, status.as_of, status.issuer
    else:
        kind = StatusSourceKind.NONE if status is None else StatusSourceKind.REGISTRY
    return ReportSources(
        trust_issuer=trust.issuer,
        trust_issued_at=trust.issued_at,
        trust_sha256=hashlib.sha256(loaded.trust_bytes).hexdigest(),
        status=kind,
        snapshot_as_of=as_of,
        snapshot_issuer=issuer,
    )
