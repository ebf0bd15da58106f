"""The SQLite system of record (the only place that imports sqlite-utils)."""

from registry.store.database import ImportResult, Registry
from registry.store.lifecycle import IssueSlot
from registry.store.records import DocumentRecord

__all__ = ["DocumentRecord", "ImportResult", "IssueSlot", "Registry"]
