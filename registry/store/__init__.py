"""The SQLite system of record (the only place that imports sqlite-utils)."""

from registry.store.database import ImportResult, Registry
from registry.store.lifecycle import PERSONAL_REFUSALS, Clock, IssueSlot, moment, number_revoked
from registry.store.records import DocumentRecord

__all__ = [
    "PERSONAL_REFUSALS",
    "Clock",
    "DocumentRecord",
    "ImportResult",
    "IssueSlot",
    "Registry",
    "moment",
    "number_revoked",
]
