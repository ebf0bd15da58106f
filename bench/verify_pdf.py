"""PDF verification benchmark: ``Verifier.verify_pdf`` of an issued certificate.

    .venv/bin/python bench/verify_pdf.py --count 100

Creates a fresh home, issues a few certificates (in a child process, so that the peak RSS
printed is the verifier's) and times N full verifications of one PDF with the registry as
status source (opened read-only): PAdES B-LTA validation with pyHanko (seal signature,
signature timestamp, document timestamp, embedded OCSP responses and CRL, offline), the
signed QR payload, the hours and registry checks and the file's SHA-256. Verification runs
one day after issuance.

The certificates are issued at the home's creation time, not a minute later as the other
benches do: pyHanko's past validation starts from the machine's clock, so a document
timestamped ahead of that clock does not verify (docs/long-term-validation.md, limits).
"""

from __future__ import annotations

import argparse
import datetime as dt
import multiprocessing
import sys
import tempfile
from pathlib import Path

from benchlib import YEAR, create_home, peak_rss_mb, print_header, timed

from keys import parse_trust_list
from registry.home import Home
from registry.store import Registry
from verifier import RegistryStatus, Verdict, Verifier

CERTIFICATES = 3


def _issue_in_child(root: Path, count: int) -> None:
    bench = create_home(root, count)
    report = bench.issuer().issue(year=YEAR, at=bench.at)
    bench.registry.close()
    if len(report.issued) != count:
        raise SystemExit(f"expected {count} certificates, got {len(report.issued)}")


def issued_home(root: Path, count: int) -> Home:
    """A home with ``count`` certificates issued at its creation time, made in a forked
    child process (the peak RSS printed is then the verifier's own)."""
    child = multiprocessing.get_context("fork").Process(target=_issue_in_child, args=(root, count))
    child.start()
    child.join()
    if child.exitcode != 0:
        raise SystemExit(f"issuing the test certificates failed (exit code {child.exitcode})")
    return Home(root / "home")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=100, help="verifications (default 100)")
    args = parser.parse_args(argv)
    count: int = args.count
    print_header("cecert PDF verification benchmark: Verifier.verify_pdf")

    with tempfile.TemporaryDirectory(prefix="cecert-bench-") as tmp:
        home = issued_home(Path(tmp), CERTIFICATES)
        trust = parse_trust_list(home.trust_list_path.read_bytes())
        registry = Registry.open(home.registry_path, read_only=True)
        pdf = Path(registry.documents()[0].pdf_path).read_bytes()
        verifier = Verifier(trust, status=RegistryStatus(registry))
        at = dt.datetime.now(dt.UTC) + dt.timedelta(days=1)
        with timed() as first:
            verdict = verifier.verify_pdf(pdf, at=at).verdict
        if verdict is not Verdict.VALID:
            raise SystemExit(f"the issued certificate did not verify: {verdict.value}")
        with timed() as run:
            for _ in range(count):
                verifier.verify_pdf(pdf, at=at)
        registry.close()

    print(
        f"document: {len(pdf) / 1024:.1f} KiB, one page, PAdES B-LTA seal signature "
        "(signature timestamp, DSS, document timestamp)"
    )
    print(f"first verification (imports, caches): {1000 * first.wall:.1f} ms")
    print(f"verifications:   {count} in {run.wall:.2f} s wall, {run.cpu:.2f} CPU")
    print(f"throughput:      {count / run.wall:.1f} verifications/s")
    wall_ms, cpu_ms = 1000 * run.wall / count, 1000 * run.cpu / count
    print(f"per verification: {wall_ms:.1f} ms wall, {cpu_ms:.1f} ms CPU")
    print(f"peak RSS:        {peak_rss_mb():.1f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
