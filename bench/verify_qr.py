"""QR-text verification benchmark: ``Verifier.verify_text`` against a bare ES256 verify.

    .venv/bin/python bench/verify_qr.py --count 5000

Creates a fresh home, issues a few certificates and exports a signed status snapshot (in a
child process, so that the peak RSS printed is the verifier's), then times, in one run:

- the reference: a bare ES256 verify with ``cryptography`` (P-256 public key loaded once,
  the raw 64-byte r||s signature converted to DER once, outside the loop), and
  ``keys.PublicKey.verify`` (which converts r||s on every call, as the verifier does);
- N × ``Verifier.verify_text`` with the registry as status source (opened read-only, as
  ``cecert verify`` opens it), with the snapshot as status source, and with ``status=None``
  (trust list only; verdict ``indeterminate``);
- each stage of the path on its own (Base45, strict CBOR, COSE structure, claims, signature,
  trust-list key, policy, status, report building and JSON);
- unless ``--profile-count 0``, the registry path under cProfile, sorted by own time.

The target of the scale issue is ``verify_text`` within 1.6 × the bare verify. Ratios are
of CPU time, which other processes on the machine disturb less than wall time.
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import io
import pstats
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from benchlib import Timing, issued_home_with_snapshot, peak_rss_mb, print_header, timed
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from keys import parse_trust_list
from registry.payload import decode_payload
from registry.payload.base45 import b45decode
from registry.payload.claims import Claims
from registry.payload.cose import decode_sign1, loads_strict, sig_structure
from registry.store import Registry
from verifier import RegistryStatus, Verdict, Verifier, read_snapshot
from verifier.hours import judge_hours
from verifier.payload import authenticate
from verifier.registry_status import status_check
from verifier.report import VerificationReport

CERTIFICATES = 20
TARGET = 1.6
"""``verify_text`` CPU time over the bare verify's, at most (scale issue)."""


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
        f"{label:40} {1 / each.wall:7.0f} /s  {1e6 * each.wall:6.1f} µs each "
        f"(CPU {1e6 * each.cpu:6.1f} µs)  {each.cpu / reference.cpu:5.2f} × bare verify (CPU)"
    )


def stage(label: str, each: Timing, whole: Timing) -> None:
    print(
        f"  {label:52} {1e6 * each.cpu:6.1f} µs CPU  {100 * each.cpu / whole.cpu:5.1f} % "
        "of verify_text (registry)"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=5000, help="verifications (default 5000)")
    parser.add_argument(
        "--profile-count",
        type=int,
        default=3000,
        help="verify_text calls under cProfile (default 3000; 0 skips the profile)",
    )
    args = parser.parse_args(argv)
    count: int = args.count
    print_header("cecert QR verification benchmark: Verifier.verify_text")

    with tempfile.TemporaryDirectory(prefix="cecert-bench-") as tmp:
        home, snapshot_path = issued_home_with_snapshot(Path(tmp), CERTIFICATES)
        trust = parse_trust_list(home.trust_list_path.read_bytes())
        registry = Registry.open(home.registry_path, read_only=True)
        texts = [d.payload for d in registry.documents()]
        # After the snapshot's as_of (a minute after issuance, itself a minute after now).
        at = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=10)
        online = Verifier(trust, status=RegistryStatus(registry))
        snapshot = Verifier(trust, status=read_snapshot(snapshot_path, trust))
        offline = Verifier(trust, status=None)
        # Each verifier must give the verdict it is meant to, or the timing means nothing.
        for text in texts:
            got = tuple(v.verify_text(text, at=at).verdict for v in (online, snapshot, offline))
            if got != (Verdict.VALID, Verdict.VALID, Verdict.INDETERMINATE):
                raise SystemExit(f"unexpected verdicts {got} for an issued certificate")

        message = decode_payload(texts[0]).message
        data, raw_signature = message.to_be_signed, message.signature
        public = trust.qr_key(message.kid).public_key
        crypto_key = serialization.load_der_public_key(public.spki_der)
        assert isinstance(crypto_key, ec.EllipticCurvePublicKey)
        der_signature = encode_dss_signature(
            int.from_bytes(raw_signature[:32], "big"), int.from_bytes(raw_signature[32:], "big")
        )
        ecdsa = ec.ECDSA(hashes.SHA256())
        crypto_key.verify(der_signature, data, ecdsa)  # raises if it does not verify
        if not public.verify(raw_signature, data):
            raise SystemExit("the reference signature does not verify")

        n = len(texts)
        bare = per_call(count, lambda i: crypto_key.verify(der_signature, data, ecdsa))
        wrapped = per_call(count, lambda i: public.verify(raw_signature, data))
        with_registry = per_call(count, lambda i: online.verify_text(texts[i % n], at=at))
        with_snapshot = per_call(count, lambda i: snapshot.verify_text(texts[i % n], at=at))
        without_status = per_call(count, lambda i: offline.verify_text(texts[i % n], at=at))

        # Stages, each timed alone on the first certificate's text.
        text = texts[0]
        body = text.strip()[len("CEC1:") :]
        cose = b45decode(body)
        sign1 = decode_sign1(cose)
        _, payload = authenticate(text, trust, at=at)
        assert payload is not None
        checks = online.verify_text(text, at=at).checks
        report = online.verify_text(text, at=at)
        m = max(count, 2000)
        stages: list[tuple[str, Timing]] = [
            ("Base45 decode (b45decode)", per_call(m, lambda i: b45decode(body))),
            ("COSE: general strict CBOR of the message (decode+re-encode)",
             per_call(m, lambda i: loads_strict(cose, "COSE message"))),
            ("COSE: decode_sign1 in all (message + header)",
             per_call(m, lambda i: decode_sign1(cose))),
            ("claims: general strict CBOR (decode+re-encode)",
             per_call(m, lambda i: loads_strict(sign1.payload, "claims"))),
            ("claims: Claims.from_cbor in all",
             per_call(m, lambda i: Claims.from_cbor(sign1.payload))),
            ("decode_payload in all (the above + prefix)",
             per_call(m, lambda i: decode_payload(text))),
            ("Sig_structure (written directly)",
             per_call(m, lambda i: sig_structure(sign1.protected, sign1.payload))),
            ("trust list: qr_key(kid)", per_call(m, lambda i: trust.qr_key(sign1.kid))),
            ("signature: PublicKey.verify (r||s→DER + verify)",
             per_call(m, lambda i: public.verify(sign1.signature, data))),
            ("decode_payload, then the signature (as in the path)",
             per_call(m, lambda i: public.verify(sign1.signature, decode_payload(text)
                                                  .message.to_be_signed))),
            ("authenticate in all (decode, key, signature, dates)",
             per_call(m, lambda i: authenticate(text, trust, at=at))),
            ("policy: judge_hours", per_call(m, lambda i: judge_hours(payload.claims))),
            ("status: registry (narrow SQLite look-up)",
             per_call(m, lambda i: status_check(payload, online.status, at=at))),
            ("status: snapshot",
             per_call(m, lambda i: status_check(payload, snapshot.status, at=at))),
            ("report: VerificationReport(...)",
             per_call(m, lambda i: VerificationReport(checks, payload.claims, at))),
            ("report: to_json (HTTP API only, not in verify_text)",
             per_call(m, lambda i: report.to_json())),
        ]  # fmt: skip

        profile = None
        if args.profile_count > 0:
            profiler = cProfile.Profile()
            profiler.enable()
            for i in range(args.profile_count):
                online.verify_text(texts[i % n], at=at)
            profiler.disable()
            out = io.StringIO()
            stats = pstats.Stats(profiler, stream=out)
            stats.sort_stats("tottime").print_stats(22)
            profile = out.getvalue()
        registry.close()

    print(
        f"payloads: {n} certificates, QR text {len(texts[0])} characters, COSE {len(cose)} "
        f"bytes, signature over {len(data)} bytes; {count} calls each"
    )
    line("bare ES256 verify (cryptography, DER once)", bare, bare)
    line("PublicKey.verify (r||s→DER each call)", wrapped, bare)
    line("verify_text, registry status", with_registry, bare)
    line("verify_text, snapshot status", with_snapshot, bare)
    line("verify_text, status=None", without_status, bare)
    for label, each in (("registry", with_registry), ("snapshot", with_snapshot)):
        ratio = each.cpu / bare.cpu
        verdict = "met" if ratio <= TARGET else "NOT met"
        print(f"target verify_text ({label}) <= {TARGET} × bare verify: {ratio:.2f} × — {verdict}")
    print("stages, each timed alone (CPU per call):")
    for label, each in stages:
        stage(label, each, with_registry)
    timings = dict(stages)
    in_path = (
        timings["decode_payload, then the signature (as in the path)"].cpu
        - timings["decode_payload in all (the above + prefix)"].cpu
    )
    print(
        f"signature inside the path (decode + signature − decode alone): {1e6 * in_path:.1f} µs "
        f"CPU, {in_path / bare.cpu:.2f} × the bare verify in its tight loop (the Python work "
        "between two verifications evicts the curve tables and code from the CPU caches)"
    )
    print(f"peak RSS: {peak_rss_mb():.1f} MB")
    if profile is not None:
        print(f"cProfile of {args.profile_count} × verify_text (registry), by own time:")
        print(profile)
    return 0


if __name__ == "__main__":
    sys.exit(main())
