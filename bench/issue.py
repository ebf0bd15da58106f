"""Issuance benchmark: ``Issuer.issue`` for N synthetic people, one process, one core.

    .venv/bin/python bench/issue.py --count 300

Creates a fresh home in a temporary directory (random passphrase), imports N people with
records meeting gd-2010 through the registry's Python API, times one ``Issuer.issue`` call
for all of them, then profiles a separate small run with cProfile to show where the time
goes. The temporary directory is removed at the end.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import sys
import tempfile
from collections.abc import Iterable
from pathlib import Path

from benchlib import create_home, issue_all, peak_rss_mb, print_header, timed

# Stages of one certificate, measured as the cumulative time of their entry points
# (path suffix, function name). Page render excludes the QR code drawn inside it.
_QR = (("signer/qr.py", "qr_matrix"), ("signer/qr.py", "draw_qr"))
_RENDER = (("signer/layout.py", "render"),)
_SEAL = (("signer/pades.py", "seal"),)
_PAYLOAD = (("registry/payload/text.py", "encode_payload"),)
_REGISTRY = (
    ("registry/store/database.py", "people"),
    ("registry/store/database.py", "activities"),
    ("registry/store/database.py", "current_document"),
    ("registry/store/database.py", "issuance"),
    ("registry/store/database.py", "record"),
    ("registry/hours/engine.py", "evaluate"),
)
_WRITE = (("signer/issuance.py", "write_atomically"),)
_TOTAL = (("signer/issuance.py", "issue"),)

# Module groups, for labelling single functions: first match wins.
_GROUPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("QR", ("signer/qr.py", "/qrcode/")),
    ("page render", ("signer/layout.py", "registry/typesetting/fonts.py", "/reportlab/")),
    ("QR payload", ("registry/payload/", "/cbor2/", "keys/private/signing.py")),
    (
        "seal signature",
        (
            "signer/pades.py",
            "/pyhanko/",
            "/pyhanko_certvalidator/",
            "/asn1crypto/",
            "/cryptography/",
            "/asyncio/",
        ),
    ),
    ("registry", ("registry/", "/sqlite_utils/", "/sqlite3/")),
    ("issuance", ("signer/issuance.py",)),
)

# Frames that only pass control on (event loop, context managers, the orchestration).
_PLUMBING = ("/asyncio/", "/contextlib.py", "signer/issuance.py", "bench/")
_PLUMBING_BUILTINS = (
    "<method 'run' of '_contextvars.Context' objects>",
    "<method 'disable' of '_lsprof.Profiler' objects>",
)

Key = tuple[str, int, str]


def _cumulative(stats: pstats.Stats, entries: Iterable[tuple[str, str]]) -> float:
    wanted = set(entries)
    table: dict[Key, tuple[int, int, float, float, object]] = stats.stats  # type: ignore[attr-defined]
    total = 0.0
    for (path, _line, name), (_cc, _nc, _tt, ct, _callers) in table.items():
        if any(path.endswith(suffix) and name == fn for suffix, fn in wanted):
            total += ct
    return total


def _group(path: str, name: str) -> str:
    for label, needles in _GROUPS:
        if any(n in path for n in needles):
            return label
    if path == "~":
        return "builtin"
    return "other"


def _short(path: str, line: int, name: str) -> str:
    if path == "~":
        return name
    for marker in ("site-packages/", "/work/main/", "/lib/python3"):
        if marker in path:
            path = path.split(marker, 1)[1]
            break
    return f"{path}:{line}({name})"


def profile(count: int) -> None:
    """Profile issuing ``count`` certificates in a fresh home (after the timed run, so
    one-time imports are not in it) and print the split and the top functions."""
    with tempfile.TemporaryDirectory(prefix="cecert-bench-") as tmp:
        bench = create_home(Path(tmp), count)
        issuer = bench.issuer()
        profiler = cProfile.Profile()
        profiler.enable()
        issue_all(bench, issuer, count)
        profiler.disable()
        bench.registry.close()
    stats = pstats.Stats(profiler)
    total = _cumulative(stats, _TOTAL)
    qr = _cumulative(stats, _QR)
    stages = [
        ("page render (reportlab, fonts; excl. QR)", _cumulative(stats, _RENDER) - qr),
        ("QR matrix + drawing", qr),
        ("seal signature (pyHanko PAdES)", _cumulative(stats, _SEAL)),
        ("registry (SQLite reads/writes, hours)", _cumulative(stats, _REGISTRY)),
        ("QR payload (CBOR, COSE ES256, Base45)", _cumulative(stats, _PAYLOAD)),
        ("file write (fsync, rename)", _cumulative(stats, _WRITE)),
    ]
    stages.append(("other (issuance glue)", total - sum(s for _, s in stages)))
    print()
    print(f"profile: cProfile, {count} certificates, {total:.2f} s under the profiler")
    print("  (the profiler inflates Python-heavy stages; read the shares, not the times)")
    for label, seconds in stages:
        share = 100 * seconds / total if total else 0.0
        print(f"  {label:42} {share:5.1f} %  {1000 * seconds / count:7.2f} ms/cert")
    print()
    print("top 10 functions by cumulative time (event loop and glue left out), with their group:")
    table: dict[Key, tuple[int, int, float, float, object]] = stats.stats  # type: ignore[attr-defined]
    ranked = sorted(table.items(), key=lambda item: item[1][3], reverse=True)
    shown = 0
    for (path, line, name), (_cc, nc, _tt, ct, _callers) in ranked:
        if any(part in path for part in _PLUMBING) or (path == "~" and name in _PLUMBING_BUILTINS):
            continue
        share = 100 * ct / total if total else 0.0
        label = _group(path, name)
        print(f"  {share:5.1f} %  {nc:7d} calls  [{label}]  {_short(path, line, name)}")
        shown += 1
        if shown == 10:
            break


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=200, help="certificates (default 200)")
    parser.add_argument(
        "--profile-count", type=int, default=30, help="certificates in the profiled run"
    )
    args = parser.parse_args(argv)
    count: int = args.count
    print_header("cecert issuance benchmark: Issuer.issue(year=2025)")

    with tempfile.TemporaryDirectory(prefix="cecert-bench-") as tmp:
        with timed() as setup:
            bench = create_home(Path(tmp), count)
        with timed() as start:
            issuer = bench.issuer()
        with timed() as run:
            report = issue_all(bench, issuer, count)
        sizes = [Path(d.pdf_path).stat().st_size for d in report.issued]
        documents = bench.registry.count("documents")
        bench.registry.close()
    rss = peak_rss_mb()

    mean_kib = sum(sizes) / len(sizes) / 1024
    print(f"setup:           home + {count} people, {5 * count} records: {setup.wall:.2f} s")
    print(f"issuer start:    fonts loaded, seal drawn: {start.wall:.2f} s")
    print(f"certificates:    {count} issued, {documents} in the registry")
    print(f"mean PDF size:   {mean_kib:.1f} KiB")
    print(f"seconds:         {run.wall:.2f} wall, {run.cpu:.2f} CPU")
    print(f"throughput:      {count / run.wall:.1f} certificates/s")
    wall_ms, cpu_ms = 1000 * run.wall / count, 1000 * run.cpu / count
    print(f"per certificate: {wall_ms:.1f} ms wall, {cpu_ms:.1f} ms CPU")
    print(f"peak RSS:        {rss:.1f} MB")
    if args.profile_count > 0:
        profile(args.profile_count)
    return 0


if __name__ == "__main__":
    sys.exit(main())
