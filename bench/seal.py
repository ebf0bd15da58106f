"""Seal benchmark: the PAdES B-LTA seal from precomputed parts beside pyHanko's signing flow.

    .venv/bin/python bench/seal.py --count 300 --reference-count 30

Creates a fresh home, issues one certificate and takes its page (the file's first revision,
exactly as ``signer.document.page.PageRenderer`` made it) and QR text. Then, in one process and
one run, times ``SealStamper.seal(page, payload=…, at=…)``:

- N seals with ``Assembly.PARTS`` (the production path: ``signer.pades.revisions`` +
``signer.pades.cms``),
- M seals with ``Assembly.PYHANKO`` (pyHanko's general signing flow, the reference),

each seal's CPU time (``time.process_time``) and wall time; medians and the ratio. Both
stampers are built and used once before timing (the day's OCSP responses, CRL and chain
validation, the templates). One result of each is checked with the verifier's full PDF
check (``verifier.pdf.check_pdf``) or the bench stops. Then the production path's steps
alone, medians over N.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import re
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from benchlib import CONFIG, create_home, issue_all, print_header

from keys import parse_trust_list
from signer.document.geometry import SEAL_BOX
from signer.document.seal_artwork import seal_appearance_pdf
from signer.pades.pdfobjects import read_unsigned
from signer.pades.signature import Assembly, SealStamper
from verifier.pdf import check_pdf


def _cpu_ms(step: Callable[[], object], count: int) -> tuple[float, float]:
    """Median CPU and wall milliseconds of ``count`` calls of ``step``."""
    cpu, wall = [], []
    for _ in range(count):
        c, w = time.process_time(), time.perf_counter()
        step()
        cpu.append(time.process_time() - c)
        wall.append(time.perf_counter() - w)
    return statistics.median(cpu) * 1000, statistics.median(wall) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=300, help="seals from parts")
    parser.add_argument("--reference-count", type=int, default=30, help="seals by pyHanko")
    args = parser.parse_args()
    print_header("seal: PAdES B-LTA from precomputed parts vs pyHanko's signing flow")
    with tempfile.TemporaryDirectory() as tmp:
        bench = create_home(Path(tmp), 1)
        report = issue_all(bench, bench.issuer(), 1)
        document = report.issued[0]
        pdf = (
            bench.home.certificates_dir / str(document.year) / f"{document.number}-1.pdf"
        ).read_bytes()
        end = re.search(rb"%%EOF\r?\n?", pdf)
        assert end is not None
        page, payload = pdf[: end.end()], document.payload
        trust = parse_trust_list(bench.home.trust_list_path.read_bytes())
        # Sealed at the home's creation time, in the past: pyHanko's past validation starts
        # from the machine's clock (docs/long-term-validation.md, limits).
        at = bench.at
        artwork = seal_appearance_pdf(CONFIG.bureau)
        stampers = {
            a: SealStamper(
                bench.ring, seal_pdf=artwork, box=SEAL_BOX, bureau=CONFIG.bureau, assembly=a
            )
            for a in Assembly
        }
        results = {}
        for assembly, stamper in stampers.items():
            sealed = stamper.seal(page, payload=payload, at=at)
            checks, ok = check_pdf(sealed, trust, at=at + dt.timedelta(days=1))
            if ok is None:
                sys.exit(f"{assembly.value}: not valid: {[c.reason for c in checks if c.reason]}")
            results[assembly] = len(sealed)
        counts = {Assembly.PARTS: args.count, Assembly.PYHANKO: args.reference_count}
        print(f"page: {len(page)} bytes; QR text {len(payload)} characters")
        print(f"{'assembly':<10} {'seals':>6} {'CPU ms':>8} {'wall ms':>8} {'PDF bytes':>10}")
        medians = {}
        for assembly, stamper in stampers.items():
            cpu, wall = _cpu_ms(
                lambda s=stamper: s.seal(page, payload=payload, at=at), counts[assembly]
            )
            medians[assembly] = cpu
            print(
                f"{assembly.value:<10} {counts[assembly]:>6} {cpu:>8.3f} {wall:>8.3f} "
                f"{results[assembly]:>10}"
            )
        ratio = medians[Assembly.PYHANKO] / medians[Assembly.PARTS]
        print(f"ratio pyHanko / parts (CPU): {ratio:.1f}x")
        _steps(stampers[Assembly.PARTS], page, payload, at, args.count)
        bench.registry.close()


def _steps(stamper: SealStamper, page: bytes, payload: str, at: dt.datetime, count: int) -> None:
    """The production path's steps alone (the same calls ``SealStamper.seal`` makes)."""
    revision, parts, tsa = stamper._revision, stamper._parts, stamper._tsa
    assert revision is not None
    seal_key = stamper._ring.seal
    unsigned = read_unsigned(page)
    assert unsigned is not None
    daily = stamper._daily_data(at)
    prepared, layout = revision.prepare(unsigned, payload=payload, at=at)
    digest = prepared.digest()
    attributes = parts.signed_attributes(digest)
    signature = seal_key.sign_der(attributes)
    token = tsa.token_der(hashlib.sha256(signature).digest(), "sha256", at=at)
    sealed = prepared.fill(parts.container(attributes, signature, token))
    stamped = daily.revision.prepare(unsigned, sealed, layout)
    steps: list[tuple[str, Callable[[], object]]] = [
        ("read the unsigned page", lambda: read_unsigned(page)),
        ("signature revision (bytes)", lambda: revision.prepare(unsigned, payload=payload, at=at)),
        ("SHA-256 of the byte ranges", prepared.digest),
        ("signed attributes + ECDSA", lambda: seal_key.sign_der(parts.signed_attributes(digest))),
        ("signature timestamp token", lambda: tsa.token_der(digest, "sha256", at=at)),
        ("CMS container", lambda: parts.container(attributes, signature, token)),
        (
            "DSS + timestamp revision (bytes)",
            lambda: daily.revision.prepare(unsigned, sealed, layout),
        ),
        (
            "document timestamp token + fill",
            lambda: stamped.fill(tsa.token_der(digest, "sha256", at=at)),
        ),
    ]
    print("steps of the production path (median CPU ms):")
    for name, step in steps:
        print(f"  {name:<36} {_cpu_ms(step, count)[0]:.3f}")


if __name__ == "__main__":
    main()
