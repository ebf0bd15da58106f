"""Exporting a signed status snapshot of the registry (``docs/snapshots.md``), full or delta,
signed with the bureau's active QR key."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from pathlib import Path

from keys.durable import remove_temporaries, write_durably
from keys.private import KeyRing
from registry.errors import RegistryError
from registry.home import BureauConfig
from registry.snapshot import (
    SnapshotHeader,
    SnapshotKind,
    build_records,
    decode_snapshot,
    delta_records,
    encode_snapshot,
    snapshot_reasons,
)
from registry.store import Registry
from signer.errors import write_failed


def export_snapshot(
    registry: Registry,
    ring: KeyRing,
    config: BureauConfig,
    *,
    at: dt.datetime,
    base: bytes | None = None,
) -> bytes:
    """The registry's status as of ``at`` (the moment it is read; whole seconds), signed by
    ``ring.qr``: every document edition with its status, and the latest checkpoint.

    With ``base`` (the bytes of an older *full* snapshot of this registry) the result is a
    delta: only the records added or changed since, with the hash of the full snapshot it
    stands for. The base's signature is not checked here (it is the bureau's own file); a
    base of another registry is refused (``snapshot_delta_mismatch``), a malformed one
    (``bad_snapshot``).

    Security: the file holds no name, ID number or certificate number — only 8-byte hashes of
    the QR texts — so it may be handed to anyone; whoever holds the QR key can sign any
    snapshot, exactly as they can sign any QR payload.
    """
    older = decode_snapshot(base) if base is not None else None
    if older is not None:
        if older.header.kind is not SnapshotKind.FULL:
            raise RegistryError("bad_snapshot", "the base of a delta must be a full snapshot")
        if older.header.issuer != config.region:
            raise RegistryError(
                "snapshot_delta_mismatch",
                f"the base is a snapshot of region {older.header.issuer}, not {config.region}",
            )
    with registry.snapshot_read() as read:
        reasons = snapshot_reasons(
            read.reasons, base=older.header.reasons if older is not None else ("",)
        )
        records = build_records(read.rows, reasons)
        checkpoint = read.checkpoint
        log_size = read.log_size
    header = SnapshotHeader(
        kind=SnapshotKind.FULL,
        issuer=config.region,
        kid=ring.qr.kid,
        as_of=at.astimezone(dt.UTC).replace(microsecond=0),
        count=len(records),
        total=len(records),
        records_sha256=records.sha256(),
        reasons=reasons,
        checkpoint=checkpoint,
        log_size=log_size,
    )
    if older is None:
        return encode_snapshot(header, records, ring.qr.sign)
    if older.header.as_of > header.as_of:
        raise RegistryError("snapshot_delta_mismatch", "the base is newer than this snapshot")
    changes = delta_records(older.records, records)
    delta = replace(
        header,
        kind=SnapshotKind.DELTA,
        count=len(changes),
        base_records_sha256=older.header.records_sha256,
        base_as_of=older.header.as_of,
    )
    return encode_snapshot(delta, changes, ring.qr.sign)


def write_snapshot(path: Path, data: bytes) -> None:
    """Put a snapshot's ``data`` at ``path`` for verifiers to read: the temporary files of
    ``path`` that killed writers left are removed, then the file is written aside, synced
    and renamed over the old one, and the folder synced (:func:`keys.durable.write_durably`).
    A reader sees the old snapshot or the new one, never part of one.

    ``IssuanceError('write_failed')`` when it cannot be written (disk full, no permission):
    the old file is then unchanged."""
    try:
        remove_temporaries(path.parent, of=path.name)
        write_durably(path, data)
    except OSError as exc:
        raise write_failed(path, exc) from exc
