"""Row digests: what the event log records about each row it changes.

Every event names the rows it created or changed with the SHA-256 of their canonical content.
An audit recomputes the digest of every row and compares it with the latest event that
touched the row, so an edit made behind cecert's back (a sqlite3 shell) is found and tied to
the event it contradicts.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Mapping
from typing import Any

KEYS: Mapping[str, tuple[str, ...]] = {
    "people": ("id_number",),
    "activities": ("fingerprint",),
    "certificates": ("number",),
    "documents": ("number", "edition"),
    "employers": ("credit_code",),
    "enrolments": ("id_number",),
    "declarations": ("id",),
    "proofs": ("declaration", "sha256"),
    "applications": ("id",),
    "counter_actions": ("id",),
    "providers": ("credit_code",),
    "class_plans": ("id",),
    "roster_entries": ("plan", "id_number"),
    "provider_tokens": ("id",),
    "verifications": ("id",),
    "verified_people": ("id_number", "year"),
}
"""The key columns that name a row in each audited table."""


def row_key(table: str, row: Mapping[str, Any]) -> str:
    """``table:key`` as events name rows, e.g. ``documents:440100000000010/2``."""
    return f"{table}:" + "/".join(str(row[c]) for c in KEYS[table])


def row_digest(row: Mapping[str, Any]) -> str:
    """SHA-256 hex of the row's canonical JSON (every column, sorted by name)."""
    text = json.dumps(dict(row), ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def digests_of(
    conn: sqlite3.Connection, table: str, where: str, params: tuple[Any, ...]
) -> dict[str, str]:
    """``{row key: digest}`` of the rows of ``table`` matching ``where``, as stored now."""
    cursor = conn.execute(f"SELECT * FROM {table} WHERE {where}", params)  # noqa: S608
    names = [d[0] for d in cursor.description]
    result: dict[str, str] = {}
    for values in cursor.fetchall():
        row = dict(zip(names, values, strict=True))
        result[row_key(table, row)] = row_digest(row)
    return result
