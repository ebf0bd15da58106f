"""The SQLite system of record (the only place that imports sqlite-utils)."""

from registry.store.database import ImportResult, Registry
from registry.store.lifecycle import PERSONAL_REFUSALS, IssueSlot, number_revoked
from registry.store.records import DocumentRecord

__all__ = [
    "PERSONAL_REFUSALS",
    "DocumentRecord",
    "ImportResult",
    "IssueSlot",
    "Registry",
    "number_revoked",
]
