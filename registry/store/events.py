"""The append-only event log: every change to the registry, chained by hash.

Each event's ``hash`` is SHA-256 over the previous event's hash and the event's canonical
JSON, so deleting or editing an event breaks every hash after it. Triggers refuse UPDATE and
DELETE on the table.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import sqlite3
from typing import Any

GENESIS = "0" * 64


def event_hash(prev_hash: str, seq: int, at: str, kind: str, subject: str, data: str) -> str:
    body = json.dumps([seq, at, kind, subject, data], ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256((prev_hash + body).encode("utf-8")).hexdigest()


def log_time(at: dt.datetime) -> str:
    """How the registry writes a moment: UTC, to the second (the event log, the portal's
    rows)."""
    return at.astimezone(dt.UTC).isoformat(timespec="seconds")


def append_event(
    conn: sqlite3.Connection, *, kind: str, subject: str, data: dict[str, Any], at: dt.datetime
) -> int:
    """Append one event inside the caller's open transaction; return its sequence number."""
    row = conn.execute("SELECT seq, hash FROM events ORDER BY seq DESC LIMIT 1").fetchone()
    prev_seq, prev_hash = (row[0], row[1]) if row else (0, GENESIS)
    seq = prev_seq + 1
    when = log_time(at)
    text = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    digest = event_hash(prev_hash, seq, when, kind, subject, text)
    conn.execute(
        "INSERT INTO events (seq, at, kind, subject, data, prev_hash, hash)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        (seq, when, kind, subject, text, prev_hash, digest),
    )
    return seq
