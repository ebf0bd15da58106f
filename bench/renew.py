"""Renewal and reissue benchmark: ``Issuer.renew`` and ``Issuer.reissue`` for N certificates.

    .venv/bin/python bench/renew.py --count 10000

Creates a fresh home in a temporary directory (random passphrase), imports N people with
records meeting gd-2010, issues their 2025 certificates (timed, for comparison), then times
renewing all N (one ``Issuer.renew`` call each: the hours evaluated again, a new edition that
supersedes the first) and reissuing all N (one ``Issuer.reissue(reason=lost)`` each, with the
person's two professional records re-proven: public and elective hours carried, professional
hours counted again, superseding the renewal). One process, one core. The temporary
directory is removed at the end.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from benchlib import YEAR, create_home, issue_all, peak_rss_mb, print_header, timed

from registry.model import Category, DocumentKind, DocumentStatus
from signer import ReissueReason


def _line(label: str, count: int, wall: float, cpu: float) -> None:
    print(
        f"{label:9} {count} in {wall:7.1f} s wall, {cpu:7.1f} s CPU: "
        f"{count / wall:5.1f} certificates/s, {1000 * wall / count:5.1f} ms each "
        f"({1000 * cpu / count:.1f} ms CPU)"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=10_000, help="certificates (default 10000)")
    args = parser.parse_args(argv)
    count: int = args.count
    print_header("cecert renewal and reissue benchmark: Issuer.renew, Issuer.reissue")

    with tempfile.TemporaryDirectory(prefix="cecert-bench-") as tmp:
        with timed() as setup:
            bench = create_home(Path(tmp), count)
        issuer = bench.issuer()
        with timed() as issued:
            report = issue_all(bench, issuer, count)
        numbers = [d.number for d in report.issued]
        registry = bench.registry
        # The re-presented proofs, read before the clock starts (a bureau has them on paper).
        proofs = {
            d.number: [
                a
                for a in registry.activities(d.id_number, year=YEAR)
                if a.category is Category.PROFESSIONAL
            ]
            for d in report.issued
        }
        renew_at = bench.issue_at.replace(microsecond=0)
        started = time.monotonic()
        with timed() as renewed:
            for number in numbers:
                document = issuer.renew(number, at=renew_at)
                if document.edition != 2:
                    raise SystemExit(f"{number}: renewal drew edition {document.edition}")
        with timed() as reissued:
            for number in numbers:
                document = issuer.reissue(
                    number, reason=ReissueReason.LOST, reproven=proofs[number], at=renew_at
                )
                if document.edition != 3 or document.summary.total_counted != 78 * 60:
                    raise SystemExit(f"{number}: unexpected reissue {document}")
        elapsed = time.monotonic() - started
        history = registry.history(numbers[-1])
        expected = [
            (DocumentKind.ORIGINAL, DocumentStatus.SUPERSEDED),
            (DocumentKind.RENEWAL, DocumentStatus.SUPERSEDED),
            (DocumentKind.REISSUE, DocumentStatus.CURRENT),
        ]
        if [(d.kind, d.status) for d in history] != expected:
            raise SystemExit(f"unexpected history {history}")
        documents = registry.count("documents")
        events = registry.count("events")
        size = bench.home.registry_path.stat().st_size / 2**20
        registry.close()
    print(f"setup:     home + {count} people, {5 * count} records: {setup.wall:.1f} s")
    _line("issue", count, issued.wall, issued.cpu)
    _line("renew", count, renewed.wall, renewed.cpu)
    _line("reissue", count, reissued.wall, reissued.cpu)
    print(f"registry:  {documents} documents, {events} events, {size:.1f} MiB")
    print(f"renew + reissue: {elapsed / 60:.1f} min; peak RSS {peak_rss_mb():.1f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
