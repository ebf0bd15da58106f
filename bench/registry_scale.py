"""Registry scale benchmark: point look-ups, snapshot export and file size at N documents.

    .venv/bin/python bench/registry_scale.py --documents 10000000 --keep /tmp/cecert-scale
    .venv/bin/python bench/registry_scale.py --reuse /tmp/cecert-scale     # measure again

Creates a home (random passphrase) and fills its registry with N synthetic documents in SQL
(a recursive CTE, one transaction per million rows; no PDFs: issuing ten million certificates
would measure issuance, not the registry). The rows look like real ones: a ``certificates``
row per number (a valid certificate number and a valid resident ID number), edition 1 of
each, and for 8 % of the documents a superseded edition 1 with its current edition 2
(renewal, reissue or correction); statuses 90 % current, 8 % superseded, 2 % revoked, change
dates spread over two years; a QR-like payload of 410 characters and a 64-digit PDF digest
per document, an hours summary as the registry writes it. The event log is not filled (see
``docs/performance.md``).

Then, in one process on one core, it times the look-ups a verifier and the bureau make —
``Registry.document(number, edition)`` (QR status), ``Registry.document_by_sha256`` (exact
bytes), ``Registry.current_document(id_number, issuer=, year=)`` (issuance), each over random
existing keys, one call at a time (median and p99 per call, wall and CPU) — then the
reference export (the export as first written) and ``export_snapshot`` (full), checking
that both give the same records, the file's size per document, ``load_snapshot`` of it, and
the registry's size per document and per table and index, beside a registry of
``--real`` certificates issued for real.

With ``--keep DIR`` the home stays in ``DIR`` (its passphrase in ``DIR/passphrase``, mode
0600: a synthetic throw-away home) for ``--reuse DIR``; otherwise the temporary directory is
removed at the end.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import secrets
import sqlite3
import statistics
import struct
import sys
import tempfile
import time
import zlib
from collections.abc import Callable, Sequence
from pathlib import Path

from benchlib import CONFIG, issued_home, peak_rss_mb, print_header, timed
from registry_fill import fill, numbers_for

from keys import parse_trust_list
from keys.private import open_key_ring
from registry.home import Home
from registry.snapshot import china_day, decode_snapshot, snapshot_key, snapshot_reasons
from registry.store import Registry
from signer import init_home
from signer.status.snapshots import export_snapshot
from verifier.snapshot import load_snapshot


def percentiles(samples: Sequence[float]) -> tuple[float, float]:
    """Median and 99th percentile, in microseconds."""
    ordered = sorted(samples)
    return (
        1e6 * statistics.median(ordered),
        1e6 * ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))],
    )


def time_calls(
    call: Callable[[tuple[object, ...]], object], keys: list[tuple[object, ...]]
) -> tuple[list[float], list[float]]:
    """Seconds per call, wall and CPU, each call timed on its own; every call must find its
    document. On a shared machine the wall p99 shows the scheduler, the CPU p99 the call."""
    walls: list[float] = []
    cpus: list[float] = []
    wall, cpu = time.perf_counter, time.thread_time
    for key in keys:
        start, start_cpu = wall(), cpu()
        found = call(key)
        cpus.append(cpu() - start_cpu)
        walls.append(wall() - start)
        if found is None:
            raise SystemExit(f"look-up of {key!r} found nothing")
    return walls, cpus


def sample_keys(path: Path, count: int, rng: random.Random) -> dict[str, list[tuple[object, ...]]]:
    """Random existing documents, by rowid: their (number, edition), digest, and holder."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    top = conn.execute("SELECT MAX(rowid) FROM documents").fetchone()[0]
    rows = [
        conn.execute(
            "SELECT d.number, d.edition, d.pdf_sha256, c.id_number, d.status FROM documents d"
            " JOIN certificates c ON c.number = d.number WHERE d.rowid = ?",
            (rng.randrange(1, top + 1),),
        ).fetchone()
        for _ in range(count)
    ]
    conn.close()
    return {
        "document": [(r[0], r[1]) for r in rows],
        "document_by_sha256": [(r[2],) for r in rows],
        # A person's current document: holders of a current edition (revoked ones have none).
        "current_document": [(r[3],) for r in rows if r[4] == "current"],
    }


def sample_payloads(path: Path, count: int, rng: random.Random) -> list[object]:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    top = conn.execute("SELECT MAX(rowid) FROM documents").fetchone()[0]
    found = [
        conn.execute(
            "SELECT payload FROM documents WHERE rowid = ?", (rng.randrange(1, top + 1),)
        ).fetchone()[0]
        for _ in range(count)
    ]
    conn.close()
    return found


def sizes(path: Path) -> list[tuple[str, int]]:
    """Bytes per table and index (``dbstat``), largest first."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        rows = conn.execute(
            "SELECT name, SUM(pgsize) FROM dbstat GROUP BY name ORDER BY 2 DESC"
        ).fetchall()
    except sqlite3.OperationalError:
        rows = []
    conn.close()
    return [(str(n), int(b)) for n, b in rows]


def reference_export(registry: Registry, sign: Callable[[bytes], bytes]) -> bytes:
    """The export as first written, as the reference measured in the same run: the payload
    as text through ``snapshot_key``, a tuple per record sorted, the columns packed with
    ``struct``, zlib level 9. Returns the signed body (no header: its cost is nil)."""
    with registry.snapshot_read() as read:
        reasons = snapshot_reasons(read.reasons)
        index = {r: i for i, r in enumerate(reasons)}
        codes = {"current": 0, "superseded": 1, "revoked": 2}
        records = []
        for payload, status, reason, by, changed in read.rows:
            text = payload.decode() if isinstance(payload, bytes) else payload
            code = codes[status]
            if code == 0:
                records.append((snapshot_key(text), 0, 0, 0, 0))
                continue
            day = china_day(dt.datetime.fromisoformat(changed)) if changed else 0
            records.append(
                (snapshot_key(text), code, index[reason or ""], (by or 0) if code == 1 else 0, day)
            )
    records.sort()
    n = len(records)
    block = (
        b"".join(r[0] for r in records)
        + bytes(r[1] for r in records)
        + bytes(r[2] for r in records)
        + struct.pack(f">{n}H", *(r[3] for r in records))
        + struct.pack(f">{n}H", *(r[4] for r in records))
    )
    body = zlib.compress(block, 9)
    return body + sign(body)


def print_sizes(path: Path, count: int) -> None:
    for name, nbytes in sizes(path):
        if nbytes >= 8192:
            print(f"  {name:32} {nbytes / 2**20:9.1f} MiB {nbytes / count:7.1f} bytes/document")


def real_sizes(count: int) -> None:
    """The reference for the synthetic rows: a registry with ``count`` certificates issued
    for real (people, records, event log and all), its bytes per document by table."""
    with tempfile.TemporaryDirectory(prefix="cecert-scale-real-") as tmp:
        home = issued_home(Path(tmp), count)
        conn = sqlite3.connect(home.registry_path)
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        (payload,) = conn.execute("SELECT AVG(LENGTH(payload)) FROM documents").fetchone()
        conn.close()
        size = home.registry_path.stat().st_size
        print(
            f"reference: {count} certificates issued for real: {size / count:.0f} bytes per "
            f"document in the file, payload {payload:.0f} characters; by table and index:"
        )
        print_sizes(home.registry_path, count)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=10_000_000, help="default 1e7")
    parser.add_argument("--lookups", type=int, default=20_000, help="per kind (default 2e4)")
    parser.add_argument("--keep", type=Path, help="fill a home in this new directory, keep it")
    parser.add_argument("--reuse", type=Path, help="measure the home kept in this directory")
    parser.add_argument(
        "--reference",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="also time the reference export (default: yes)",
    )
    parser.add_argument("--exports", type=int, default=1, help="full exports timed (default 1)")
    parser.add_argument(
        "--real",
        type=int,
        default=200,
        help="certificates issued for real as the size reference (default 200, 0: none)",
    )
    args = parser.parse_args(argv)
    print_header("cecert registry scale benchmark: look-ups, export_snapshot, size")
    rng = random.Random(2026)
    at = dt.datetime(2027, 1, 10, 8, 0, tzinfo=dt.UTC)
    with tempfile.TemporaryDirectory(prefix="cecert-scale-") as tmp:
        root = args.reuse or args.keep or Path(tmp)
        home = Home(root / "home")
        secret = root / "passphrase"
        if args.reuse is None:
            root.mkdir(parents=True, exist_ok=True)
            passphrase = secrets.token_urlsafe().encode("ascii")
            if args.keep is not None:
                fd = os.open(secret, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
                with os.fdopen(fd, "wb") as out:
                    out.write(passphrase)
            init_home(home, config=CONFIG, passphrase=passphrase, at=at)
            numbers = numbers_for(args.documents)
            with timed() as fill_time:
                fill(home.registry_path, numbers, issuer=CONFIG.region)
            print(f"fill:    {numbers:,} numbers in {fill_time.wall:.0f} s wall")
        else:
            passphrase = secret.read_bytes()
        ring = open_key_ring(home.keys_dir, passphrase=passphrase)
        registry = Registry.open(home.registry_path, read_only=True)
        count = registry.count("documents")
        size = home.registry_path.stat().st_size
        print(
            f"registry: {count:,} documents, {registry.count('certificates'):,} numbers, "
            f"{size / 2**30:.2f} GiB = {size / count:.0f} bytes per document"
        )
        print_sizes(home.registry_path, count)
        if args.real:
            real_sizes(args.real)

        keys = sample_keys(home.registry_path, args.lookups, rng)
        calls: dict[str, Callable[[tuple[object, ...]], object]] = {
            "document": lambda k: registry.document(str(k[0]), int(str(k[1]))),
            "document_by_sha256": lambda k: registry.document_by_sha256(str(k[0])),
            "current_document": lambda k: registry.current_document(
                str(k[0]), issuer=CONFIG.region, year=2025
            ),
        }
        for name, call in calls.items():
            time_calls(call, keys[name][:1000])  # warm the page cache for this index
            walls, cpus = time_calls(call, keys[name])
            median, p99 = percentiles(walls)
            cpu_median, cpu_p99 = percentiles(cpus)
            print(
                f"lookup:  {name:20} wall median {median:6.1f} µs, p99 {p99:7.1f} µs; "
                f"CPU median {cpu_median:5.1f} µs, p99 {cpu_p99:6.1f} µs ({len(walls)} calls)"
            )

        if args.reference:
            with timed() as reference_time:
                reference = reference_export(registry, ring.qr.sign)
            print(
                f"export:  reference (tuple sort, zlib 9) in {reference_time.wall:.1f} s wall, "
                f"{reference_time.cpu:.1f} s CPU; {len(reference):,} bytes"
            )
        for _ in range(args.exports):
            with timed() as export_time:
                full = export_snapshot(registry, ring, CONFIG, at=at)
            print(
                f"export:  full snapshot in {export_time.wall:.1f} s wall, "
                f"{export_time.cpu:.1f} s CPU; {len(full):,} bytes, "
                f"{len(full) / count:.2f} bytes per document"
            )
            if args.reference:
                if zlib.decompress(reference[:-64]) != decode_snapshot(full).records.block():
                    raise SystemExit("the export's records differ from the reference's")
                print(
                    f"export:  same records as the reference; "
                    f"{reference_time.cpu / export_time.cpu:.2f}x less CPU, "
                    f"{reference_time.wall / export_time.wall:.2f}x less wall time"
                )
        registry.close()
        trust = parse_trust_list(home.trust_list_path.read_bytes())
        with timed() as load_time:
            status = load_snapshot(full, trust, max_age=dt.timedelta(days=3650))
        texts = [str(t) for t in sample_payloads(home.registry_path, 1000, rng)]
        if any(status.lookup(t) is None for t in texts):
            raise SystemExit("a recorded payload is missing from the snapshot")
        print(
            f"load:    load_snapshot in {load_time.wall:.1f} s wall, {load_time.cpu:.1f} s CPU "
            f"({len(status):,} records; 1,000 recorded payloads all found)"
        )
        print(f"peak RSS {peak_rss_mb():.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
