"""The SQLite system of record (the only place that imports sqlite-utils)."""

from registry.documents import DocumentRecord
from registry.store.database import Registry
from registry.store.imports import ImportResult
from registry.store.lifecycle import PERSONAL_REFUSALS, Clock
from registry.store.slots import IssueSlot, number_revoked

__all__ = [
    "PERSONAL_REFUSALS",
    "Clock",
    "DocumentRecord",
    "ImportResult",
    "IssueSlot",
    "Registry",
    "number_revoked",
]
