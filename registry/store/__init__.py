"""The SQLite system of record (the only place that imports sqlite-utils)."""

from registry.store.database import ImportResult, IssueSlot, Registry
from registry.store.records import DocumentRecord

__all__ = ["DocumentRecord", "ImportResult", "IssueSlot", "Registry"]
