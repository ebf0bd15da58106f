"""Signed registry status snapshots: the codec (``docs/snapshots.md``). Pure: no I/O, no
cryptography; signing is the caller's ``sign``, checking is the verifier's, through ``keys``.
"""

from registry.snapshot.codec import SignedSnapshot, decode_snapshot, encode_snapshot, read_header
from registry.snapshot.delta import apply_delta, check_delta_base, delta_records
from registry.snapshot.header import SnapshotHeader
from registry.snapshot.model import (
    RECORD_SIZE,
    RecordStatus,
    SnapshotKind,
    SnapshotRecord,
    china_day,
    day_date,
    snapshot_key,
)
from registry.snapshot.rows import DocumentRow, build_records, snapshot_reasons
from registry.snapshot.table import RecordTable

__all__ = [
    "RECORD_SIZE",
    "DocumentRow",
    "RecordStatus",
    "RecordTable",
    "SignedSnapshot",
    "SnapshotHeader",
    "SnapshotKind",
    "SnapshotRecord",
    "apply_delta",
    "build_records",
    "check_delta_base",
    "china_day",
    "day_date",
    "decode_snapshot",
    "delta_records",
    "encode_snapshot",
    "read_header",
    "snapshot_key",
    "snapshot_reasons",
]
