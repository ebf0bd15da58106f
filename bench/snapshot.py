"""Status snapshot benchmark: export, size, delta and verifier look-ups for N documents.

    .venv/bin/python bench/snapshot.py --count 1000000

Creates a fresh home in a temporary directory (random passphrase) and fills its registry's
``documents`` table directly with N synthetic document rows (issuing a million real PDFs
would take hours and measure issuance, not snapshots): each has a random QR-like payload text
of 410 characters (the length of a real ``CEC1:`` payload) and a realistic mix of statuses —
90 % current, 8 % superseded (renewal, reissue_lost, reissue_damaged, correction), 2 %
revoked (fraud, altered, issued_in_error, records_invalid, withdrawn) — with change dates
spread over two years. Then it times, in one process on one core:

- ``export_snapshot`` (full): the read transaction, hashing every payload, sorting, zlib,
  the signature; the file's size and bytes per document;
- 1 % changes (0.5 % of the documents change status, 0.5 % are added), then
  ``export_snapshot(base=…)`` (delta) and its size;
- in the verifier: ``load_snapshot`` (signature, decompression, sorted-key check) of the
  full snapshot and of full + delta, and ``SnapshotStatus.lookup`` of random payloads.

The temporary directory is removed at the end.
"""

from __future__ import annotations

import argparse
import base64
import datetime as dt
import random
import secrets
import sqlite3
import sys
import tempfile
from pathlib import Path

from benchlib import CONFIG, peak_rss_mb, print_header, timed

from keys import parse_trust_list
from keys.private import open_key_ring
from registry.home import Home
from registry.store import Registry
from signer import init_home
from signer.status.checkpoints import write_checkpoint
from signer.status.snapshots import export_snapshot
from verifier.snapshot import load_snapshot

SUPERSEDED = ("renewal", "reissue_lost", "reissue_damaged", "correction")
REVOKED = ("fraud", "altered", "issued_in_error", "records_invalid", "withdrawn")
_BATCH = 50_000


def payload(rng: random.Random) -> str:
    """410 characters from the Base45 alphabet's upper-case letters and digits."""
    raw = base64.b32encode(rng.randbytes(255)).decode("ascii")
    return "CEC1:" + raw[:405]


def document_rows(
    start: int, count: int, rng: random.Random, base: dt.datetime
) -> list[tuple[object, ...]]:
    rows: list[tuple[object, ...]] = []
    for i in range(start, start + count):
        number = f"440100{i:08d}{i % 10}"
        draw = rng.random()
        changed = (base + dt.timedelta(minutes=rng.randrange(2 * 365 * 24 * 60))).isoformat(
            timespec="seconds"
        )
        if draw < 0.90:
            status, reason, by, at = "current", None, None, None
        elif draw < 0.98:
            status, reason, by, at = "superseded", rng.choice(SUPERSEDED), 2, changed
        else:
            status, reason, by, at = "revoked", rng.choice(REVOKED), None, changed
        rows.append(
            (
                number,
                1,
                "original",
                2025,
                "gd-2010",
                "{}",
                payload(rng),
                secrets.token_hex(32),
                f"certificates/2025/{number}-1.pdf",
                status,
                "2026-01-05T08:00:00+00:00",
                by,
                at,
                reason,
            )
        )
    return rows


_INSERT = (
    "INSERT INTO documents (number, edition, kind, year, policy_id, hours, payload, pdf_sha256,"
    " pdf_path, status, issued_at, superseded_by, status_changed_at, status_reason)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)


def fill(path: Path, start: int, count: int, rng: random.Random, base: dt.datetime) -> None:
    """Insert document rows straight into the table (no certificates rows: the foreign key
    is not enforced on this connection, and the snapshot reads ``documents`` only)."""
    conn = sqlite3.connect(path)
    try:
        for offset in range(0, count, _BATCH):
            size = min(_BATCH, count - offset)
            with conn:
                conn.executemany(_INSERT, document_rows(start + offset, size, rng, base))
    finally:
        conn.close()


def change(path: Path, changes: int, rng: random.Random, base: dt.datetime) -> None:
    """``changes`` current documents become superseded or revoked."""
    conn = sqlite3.connect(path)
    numbers = [
        r[0]
        for r in conn.execute("SELECT number FROM documents WHERE status = 'current'").fetchall()
    ]
    picked = rng.sample(numbers, changes)
    at = (base + dt.timedelta(days=800)).isoformat(timespec="seconds")
    with conn:
        conn.executemany(
            "UPDATE documents SET status = 'revoked', status_reason = 'fraud',"
            " status_changed_at = ? WHERE number = ?",
            [(at, n) for n in picked],
        )
    conn.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1_000_000, help="documents (default 1e6)")
    parser.add_argument("--lookups", type=int, default=100_000, help="look-ups (default 1e5)")
    args = parser.parse_args(argv)
    count: int = args.count
    print_header("cecert status snapshot benchmark: export_snapshot, load_snapshot")
    rng = random.Random(2026)
    base = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)

    with tempfile.TemporaryDirectory(prefix="cecert-bench-") as tmp:
        passphrase = secrets.token_urlsafe().encode("ascii")
        at = dt.datetime.now(dt.UTC).replace(microsecond=0)
        home = init_home(Home(Path(tmp) / "home"), config=CONFIG, passphrase=passphrase, at=at)
        ring = open_key_ring(home.keys_dir, passphrase=passphrase)
        trust = parse_trust_list(home.trust_list_path.read_bytes())
        with timed() as setup:
            fill(home.registry_path, 0, count, rng, base)
        registry = Registry.open(home.registry_path, read_only=True)
        with Registry.open(home.registry_path) as writer:
            write_checkpoint(writer, ring, CONFIG, at=at)
        size_db = home.registry_path.stat().st_size / 2**20
        print(f"setup:   {count} document rows inserted in {setup.wall:.1f} s ({size_db:.0f} MiB)")

        with timed() as full_time:
            full = export_snapshot(registry, ring, CONFIG, at=at)
        registry.close()
        print(
            f"export:  full snapshot in {full_time.wall:.2f} s wall, {full_time.cpu:.2f} s CPU; "
            f"{len(full)} bytes = {len(full) / 2**20:.2f} MiB, "
            f"{len(full) / count:.2f} bytes per document"
        )

        changes = count // 200
        later = at + dt.timedelta(days=1)
        change(home.registry_path, changes, rng, base)
        fill(home.registry_path, count, changes, rng, base)
        registry = Registry.open(home.registry_path, read_only=True)
        with timed() as delta_time:
            delta = export_snapshot(registry, ring, CONFIG, at=later, base=full)
        with timed() as second_time:
            second = export_snapshot(registry, ring, CONFIG, at=later)
        registry.close()
        print(
            f"delta:   {2 * changes} records (1 %: {changes} changed, {changes} added) in "
            f"{delta_time.wall:.2f} s; {len(delta)} bytes = {len(delta) / 2**10:.0f} KiB "
            f"({len(delta) / (2 * changes):.2f} bytes per changed record); "
            f"new full snapshot {len(second)} bytes in {second_time.wall:.2f} s"
        )

        with timed() as load_time:
            status = load_snapshot(full, trust)
        with timed() as merge_time:
            merged = load_snapshot(full, trust, delta=delta)
        if merged.header.records_sha256 != load_snapshot(second, trust).header.records_sha256:
            raise SystemExit("full + delta differs from the new full snapshot")
        print(
            f"load:    full snapshot {load_time.wall:.2f} s wall ({load_time.cpu:.2f} s CPU); "
            f"full + delta {merge_time.wall:.2f} s"
        )

        conn = sqlite3.connect(home.registry_path)
        texts = [
            r[0]
            for r in conn.execute(
                "SELECT payload FROM documents WHERE rowid % ? = 0",
                (max(1, (count + changes) // args.lookups),),
            )
        ]
        conn.close()
        found = 0
        with timed() as lookup_time:
            for text in texts:
                found += merged.lookup(text) is not None
        if found != len(texts):
            raise SystemExit(f"only {found} of {len(texts)} payloads found")
        missing = [payload(rng) for _ in range(1000)]
        if any(status.lookup(t) is not None for t in missing):
            raise SystemExit("a random payload was found")
        each = lookup_time.wall / len(texts)
        print(f"lookup:  {len(texts)} payloads, {1e6 * each:.1f} µs each ({1 / each:,.0f}/s)")
        print(f"peak RSS {peak_rss_mb():.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
