"""A running verifier that follows its files: the trust list and the status snapshot.

A bureau rotates its keys (``cecert keys rotate`` rewrites ``trust.json``) and publishes a
fresh signed snapshot after every change of the registry (``cecert snapshot publish``). A
server must pick both up by itself, without a restart: :class:`LiveSources` looks at the
files' identity (inode, size, modification time) at most once per ``interval`` and reads a
file again when it changed. A new file is used only once it checks (the trust list's root
signature and pin, the snapshot's signature by a key of the trust list); a file that does
not check leaves the last good one in use and is reported (``problems``), never a server
that verifies nothing or with nothing checked.

The same bytes that were checked are what the offline page is served (``trust_bytes``,
``snapshot_bytes``), with a digest for HTTP revalidation. Thread-safe: a lock serialises
the reloads; readers see one consistent :class:`Loaded` at a time.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from keys import KeysError, TrustList, parse_trust_list
from verifier.errors import VerifierError
from verifier.registry_status import StatusSource
from verifier.service import Verifier
from verifier.snapshot import SnapshotStatus, load_snapshot

FileIdentity = tuple[int, int, int]
"""(inode, size, modification time in ns): a file replaced or rewritten changes it."""


def _identity(path: Path) -> FileIdentity | None:
    try:
        stat = os.stat(path)
    except OSError:
        return None
    return (stat.st_ino, stat.st_size, stat.st_mtime_ns)


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:32]


@dataclass(frozen=True, slots=True)
class Loaded:
    """What the server verifies with now."""

    verifier: Verifier
    trust_bytes: bytes
    trust_digest: str
    snapshot: SnapshotStatus | None
    snapshot_bytes: bytes | None
    snapshot_digest: str | None


class LiveSources:
    """The trust list and snapshot files a server verifies with, read again when changed.

    ``registry`` is the status source when the server has the registry (a bureau's own
    server): the snapshot is then only published for the offline page. Without it, the
    snapshot is the status source. ``snapshot_optional``: the snapshot file may not exist
    yet (a bureau's server before the first publication): it is used once it appears.
    Raises like :func:`parse_trust_list` and :func:`verifier.snapshot.read_snapshot` when the
    files do not check at start-up."""

    def __init__(
        self,
        *,
        trust_path: Path,
        pin: str | None,
        snapshot_path: Path | None,
        max_age: dt.timedelta,
        registry: StatusSource | None,
        snapshot_optional: bool = False,
        interval: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
        warn: Callable[[str], None] | None = None,
    ) -> None:
        self._trust_path = trust_path
        self._pin = pin
        self._snapshot_path = snapshot_path
        self._max_age = max_age
        self._registry = registry
        self._interval = interval
        self._clock = clock
        self._warn = warn or (lambda message: None)
        self._lock = threading.Lock()
        self.problems: dict[str, str] = {}
        """File name → why its newest version is not in use (empty when all are)."""
        trust_bytes = self._read(trust_path, "no_trust_list")
        trust = parse_trust_list(trust_bytes, pin=pin)
        snapshot_bytes: bytes | None = None
        snapshot: SnapshotStatus | None = None
        if snapshot_path is not None and (not snapshot_optional or snapshot_path.exists()):
            snapshot_bytes = self._read(snapshot_path, "no_snapshot")
            snapshot = load_snapshot(
                snapshot_bytes, trust, max_age=max_age, name=str(snapshot_path)
            )
        self._trust_identity = _identity(trust_path)
        self._snapshot_identity = (
            _identity(snapshot_path)
            if snapshot_path is not None and snapshot_bytes is not None
            else None
        )
        self._loaded = self._build(trust, trust_bytes, snapshot, snapshot_bytes)
        self._checked_at = clock()

    @staticmethod
    def _read(path: Path, reason: str) -> bytes:
        try:
            return path.read_bytes()
        except OSError as exc:
            raise VerifierError(reason, f"{path}: cannot read it ({exc.strerror})") from exc

    def _build(
        self,
        trust: TrustList,
        trust_bytes: bytes,
        snapshot: SnapshotStatus | None,
        snapshot_bytes: bytes | None,
    ) -> Loaded:
        status = self._registry if self._registry is not None else snapshot
        return Loaded(
            Verifier(trust, status=status),
            trust_bytes,
            _digest(trust_bytes),
            snapshot,
            snapshot_bytes,
            _digest(snapshot_bytes) if snapshot_bytes is not None else None,
        )

    def current(self) -> Loaded:
        """The checked files in use, after reading again whichever changed (at most once
        per ``interval``)."""
        now = self._clock()
        if now - self._checked_at < self._interval:
            return self._loaded
        with self._lock:
            if now - self._checked_at >= self._interval:
                self._refresh()
                self._checked_at = self._clock()
        return self._loaded

    def verifier(self) -> Verifier:
        return self.current().verifier

    def _refresh(self) -> None:
        loaded = self._loaded
        trust = loaded.verifier.trust
        trust_bytes = loaded.trust_bytes
        trust_changed = False
        identity = _identity(self._trust_path)
        if identity is not None and identity != self._trust_identity:
            try:
                data = self._trust_path.read_bytes()
                if data != trust_bytes:
                    trust = parse_trust_list(data, pin=self._pin)
                    trust_bytes, trust_changed = data, True
                self._trust_identity = identity
                self.problems.pop(str(self._trust_path), None)
            except (OSError, KeysError) as exc:
                self._problem(self._trust_path, exc)
        snapshot, snapshot_bytes = loaded.snapshot, loaded.snapshot_bytes
        path = self._snapshot_path
        if path is not None:
            identity = _identity(path)
            if identity is not None and (identity != self._snapshot_identity or trust_changed):
                try:
                    data = path.read_bytes()
                    if data != snapshot_bytes or trust_changed:
                        snapshot = load_snapshot(data, trust, max_age=self._max_age, name=str(path))
                        snapshot_bytes = data
                    self._snapshot_identity = identity
                    self.problems.pop(str(path), None)
                except (OSError, VerifierError) as exc:
                    self._problem(path, exc)
        if trust_bytes is not loaded.trust_bytes or snapshot_bytes is not loaded.snapshot_bytes:
            self._loaded = self._build(trust, trust_bytes, snapshot, snapshot_bytes)

    def _problem(self, path: Path, exc: Exception) -> None:
        message = f"{path}: not used, the previous version stays in use ({exc})"
        if self.problems.get(str(path)) != message:
            self._warn(message)
        self.problems[str(path)] = message


__all__ = ["LiveSources", "Loaded"]
