"""QR-text verification benchmark: ``Verifier.verify_text``, with and without registry status.

    .venv/bin/python bench/verify_qr.py --count 5000

Creates a fresh home and issues a few certificates (in a child process, so that the peak
RSS printed is the verifier's), then times N verifications of their QR texts (a) with the
registry as status source, opened read-only as ``cecert verify`` opens it, and (b) with
``status=None`` (trust list only; verdict ``indeterminate``). As a reference it times, in the
same run, the bare ES256 verification inside every QR check: ``keys.PublicKey.verify`` of
the 64-byte signature over the payload's COSE Sig_structure. Ratios are of CPU time, which
other processes on the machine disturb less than wall time.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from benchlib import Timing, issued_home, peak_rss_mb, print_header, timed

from keys import PublicKey, parse_trust_list
from registry.payload import decode_payload
from registry.store import Registry
from verifier import RegistryStatus, Verdict, Verifier

CERTIFICATES = 5


def per_call(count: int, call: Callable[[int], object]) -> Timing:
    """Wall and CPU seconds per call of ``call(i)`` over ``count`` calls (after 50 warm-up
    calls)."""
    for i in range(min(50, count)):
        call(i)
    with timed() as total:
        for i in range(count):
            call(i)
    return Timing(total.wall / count, total.cpu / count)


def line(label: str, each: Timing, reference: Timing) -> None:
    print(
        f"{label:30} {1 / each.wall:7.0f} /s  {1e6 * each.wall:6.1f} µs each "
        f"(CPU {1e6 * each.cpu:6.1f} µs)  {each.cpu / reference.cpu:4.1f} × bare verify (CPU)"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=5000, help="verifications (default 5000)")
    args = parser.parse_args(argv)
    count: int = args.count
    print_header("cecert QR verification benchmark: Verifier.verify_text")

    with tempfile.TemporaryDirectory(prefix="cecert-bench-") as tmp:
        home = issued_home(Path(tmp), CERTIFICATES)
        trust = parse_trust_list(home.trust_list_path.read_bytes())
        registry = Registry.open(home.registry_path, read_only=True)
        texts = [d.payload for d in registry.documents()]
        at = dt.datetime.now(dt.UTC)
        online = Verifier(trust, status=RegistryStatus(registry))
        offline = Verifier(trust, status=None)
        # Each verifier must give the verdict it is meant to, or the timing means nothing.
        for text in texts:
            got = online.verify_text(text, at=at).verdict, offline.verify_text(text, at=at).verdict
            if got != (Verdict.VALID, Verdict.INDETERMINATE):
                raise SystemExit(f"unexpected verdicts {got} for an issued certificate")

        message = decode_payload(texts[0]).message
        data, signature = message.to_be_signed, message.signature
        key: PublicKey = trust.qr_key(message.kid).public_key
        if not key.verify(signature, data):
            raise SystemExit("the reference signature does not verify")

        n = len(texts)
        bare = per_call(count, lambda i: key.verify(signature, data))
        with_status = per_call(count, lambda i: online.verify_text(texts[i % n], at=at))
        without_status = per_call(count, lambda i: offline.verify_text(texts[i % n], at=at))
        registry.close()

    print(
        f"payloads: {n} certificates, QR text {len(texts[0])} characters, "
        f"signature over {len(data)} bytes; {count} calls each"
    )
    line("bare ES256 verify (PublicKey)", bare, bare)
    line("verify_text, registry status", with_status, bare)
    line("verify_text, status=None", without_status, bare)
    print(f"peak RSS: {peak_rss_mb():.1f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
