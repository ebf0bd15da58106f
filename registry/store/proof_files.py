"""Proof files, stored by content outside the database: ``<home>/proofs/ab/abcdef…``.

A file is named by its SHA-256, written aside, synced and renamed (:func:`keys.durable`),
so the same proof uploaded twice is stored once and a stored file never changes. The
database keeps only the digest (:mod:`registry.store.declarations`); whoever may see a record
may read its proofs, nobody else (:mod:`registry.store.scope`).
"""

from __future__ import annotations

import hashlib
import threading
from pathlib import Path

from keys.durable import write_durably
from registry.errors import RegistryError


class ProofFiles:
    """The content-addressed folder of proof files."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._lock = threading.Lock()

    def path(self, sha256: str) -> Path:
        if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
            raise RegistryError("bad_proof", f"not a SHA-256 digest: {sha256[:70]!r}")
        return self.root / sha256[:2] / sha256

    def store(self, data: bytes) -> str:
        """Keep ``data``; return its SHA-256. Storing the same bytes again does nothing."""
        digest = hashlib.sha256(data).hexdigest()
        target = self.path(digest)
        with self._lock:  # one temporary name per process: one writer at a time
            if not target.exists():
                write_durably(target, data, mode=0o600)
        return digest

    def read(self, sha256: str) -> bytes:
        """The stored bytes, checked against their name (``proof_damaged`` otherwise)."""
        try:
            data = self.path(sha256).read_bytes()
        except FileNotFoundError as exc:
            raise RegistryError(
                "proof_missing", f"证明材料文件缺失 (proof {sha256} is missing)"
            ) from exc
        if hashlib.sha256(data).hexdigest() != sha256:
            raise RegistryError("proof_damaged", f"证明材料文件已损坏 (proof {sha256} is damaged)")
        return data


__all__ = ["ProofFiles"]
