"""The snapshot file, byte by byte (``docs/snapshots.md``)::

    magic "CECS" | version 0x01 | hlen (uint32 BE) | header (canonical JSON)
    | body (zlib of the columnar records block) | signature (64 bytes raw ES256)

The signature covers every byte before it. This module encodes and decodes only: the
signature is made by the caller's ``sign`` and checked by the verifier through ``keys``.
Decoding is strict (one spelling of everything), so the bytes checked are the bytes received.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from keys import canonical_json
from registry.errors import RegistryError
from registry.snapshot.header import SnapshotHeader
from registry.snapshot.model import MAX_RECORDS, RECORD_SIZE, SnapshotKind, bad_snapshot
from registry.snapshot.table import RecordTable

MAGIC = b"CECS"
VERSION_BYTE = 1
SIGNATURE_SIZE = 64
"""Bytes of the raw ES256 signature (``r || s``) that ends the file."""
MAX_HEADER = 65_536
"""Bytes. A header is about 400 (with a checkpoint); anything larger is refused."""
_PREFIX = len(MAGIC) + 1 + 4
ZLIB_LEVEL = 6
"""Measured at ten million records (``docs/snapshots.md``): level 9 took seven times as long
for a file 0.6 % smaller. Any level decodes the same; the signature covers the bytes sent."""


@dataclass(frozen=True, slots=True)
class SignedSnapshot:
    """A decoded snapshot file whose signature has **not** been checked yet."""

    header: SnapshotHeader
    records: RecordTable
    """The records of this file's body (for a delta: only the changes)."""
    signed: bytes
    """Every byte the signature covers (magic to body), exactly as received."""
    signature: bytes
    """64 bytes, raw ES256."""


def encode_snapshot(
    header: SnapshotHeader, records: RecordTable, sign: Callable[[bytes], bytes]
) -> bytes:
    """The file for ``header`` and ``records``, signed with ``sign`` (raw ES256, 64 bytes:
    ``KeyRing.qr.sign``). The header must describe the records: ``count``, and for a full
    snapshot ``records_sha256``."""
    if header.count != len(records):
        raise bad_snapshot(f"header count {header.count} but {len(records)} records")
    if header.kind is SnapshotKind.FULL and header.records_sha256 != records.sha256():
        raise bad_snapshot("records_sha256 does not describe the records")
    head = canonical_json(header.to_json())
    signed = (
        MAGIC
        + bytes([VERSION_BYTE])
        + len(head).to_bytes(4, "big")
        + head
        + zlib.compress(records.block(), ZLIB_LEVEL)
    )
    signature = sign(signed)
    if len(signature) != SIGNATURE_SIZE:
        raise RegistryError("bad_snapshot", "the signer did not return a 64-byte signature")
    return signed + signature


def _unique(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise bad_snapshot(f"header member {key!r} appears twice")
        result[key] = value
    return result


def _refuse(text: str) -> Any:
    raise bad_snapshot(f"{text} is not allowed in a snapshot header")


def read_header(data: bytes) -> tuple[SnapshotHeader, bytes, bytes]:
    """The header, the signed bytes and the signature of a snapshot file, without decoding
    the body (so that a verifier can check the signature before anything else); raise
    ``RegistryError('bad_snapshot')`` when the framing or the header is malformed."""
    if len(data) < _PREFIX + SIGNATURE_SIZE:
        raise bad_snapshot(f"{len(data)} bytes: too short for a snapshot (truncated?)")
    if data[:4] != MAGIC:
        raise bad_snapshot("not a snapshot file (no CECS magic)")
    if data[4] != VERSION_BYTE:
        raise bad_snapshot(f"snapshot format version {data[4]} is not supported")
    hlen = int.from_bytes(data[5:9], "big")
    if hlen > MAX_HEADER or _PREFIX + hlen + SIGNATURE_SIZE > len(data):
        raise bad_snapshot(f"header length {hlen} does not fit the file (truncated?)")
    head = data[_PREFIX : _PREFIX + hlen]
    try:
        obj = json.loads(
            head.decode("utf-8"),
            object_pairs_hook=_unique,
            parse_float=_refuse,
            parse_constant=_refuse,
        )
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise bad_snapshot(f"the header is not UTF-8 JSON: {exc}") from exc
    if not isinstance(obj, dict):
        raise bad_snapshot("the header is not a JSON object")
    header = SnapshotHeader.from_json(obj)
    if canonical_json(obj) != head:
        raise bad_snapshot("the header is not in canonical JSON")
    return header, data[:-SIGNATURE_SIZE], data[-SIGNATURE_SIZE:]


def decode_snapshot(data: bytes) -> SignedSnapshot:
    """Split and check a snapshot file; raise ``RegistryError('bad_snapshot')`` for anything
    malformed or truncated. The signature is returned, not checked."""
    header, signed, signature = read_header(data)
    body = signed[_PREFIX + int.from_bytes(data[5:9], "big") :]
    size = header.count * RECORD_SIZE
    if header.count > MAX_RECORDS:
        raise bad_snapshot(f"{header.count} records is more than any registry holds")
    inflater = zlib.decompressobj()
    try:
        block = inflater.decompress(body, size + 1)
    except zlib.error as exc:
        raise bad_snapshot(f"the body is not zlib data ({exc}; truncated?)") from exc
    if not inflater.eof or inflater.unused_data or inflater.unconsumed_tail:
        raise bad_snapshot("the body does not end where the signature starts (truncated?)")
    records = RecordTable.from_block(block, header.count, len(header.reasons))
    if header.kind is SnapshotKind.FULL and records.sha256() != header.records_sha256:
        raise bad_snapshot("the records do not match the header's records_sha256")
    return SignedSnapshot(header, records, signed, signature)
