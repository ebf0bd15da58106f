"""The full audit: the registry's own checks plus its signed checkpoints."""

from __future__ import annotations

from registry.home import Home
from registry.store import Registry
from registry.store.audit import AuditReport


def run_audit(registry: Registry, home: Home) -> AuditReport:
    """Audit ``registry`` with the certificates folder and trust list of ``home``."""
    return registry.audit(certificates_dir=home.certificates_dir)
