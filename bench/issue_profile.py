"""Where the time of issuance goes, in one process: wall-clock wrappers around each
stage's entry point, then a cProfile run split by stage, by the seal's own steps and by
library. ``bench/issue.py`` runs both after its throughput figures; alone:

    .venv/bin/python bench/issue_profile.py --timers-count 100 --profile-count 100

Each run creates a fresh home in a temporary directory (random passphrase), issues with
``workers=1`` (the profiler sees one process), and removes the directory at the end.
"""

from __future__ import annotations

import argparse
import cProfile
import functools
import inspect
import pstats
import sys
import tempfile
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from benchlib import create_home, issue_all, print_header, timed

# Stages of one certificate, measured as the cumulative time of their entry points
# (path suffix, function name). Page render excludes the QR code drawn inside it.
_QR = (("signer/document/qr_symbol.py", "qr_rows"), ("signer/document/qr_code.py", "draw_qr"))
_RENDER = (("signer/document/page.py", "render"),)
_SEAL = (("signer/pades/signature.py", "seal"),)
_PAYLOAD = (("registry/payload/text.py", "encode_payload"),)
_REGISTRY = (
    ("registry/store/paging.py", "people_page"),
    ("registry/store/paging.py", "activities_of"),
    ("registry/store/paging.py", "holders"),
    ("registry/store/lifecycle.py", "issuance"),
    ("registry/store/lifecycle.py", "record"),
    ("registry/hours/evaluation.py", "evaluate"),
)
_WRITE = (("signer/issuance/maker.py", "write_atomically"),)
_TOTAL = (("signer/issuance/issuer.py", "issue"),)

# Module groups, for labelling single functions: first match wins.
_GROUPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("QR", ("signer/document/qr_code.py", "signer/document/qr_symbol.py", "/qrcode/")),
    (
        "page render",
        (
            "signer/document/page.py",
            "signer/document/drawing.py",
            "registry/typesetting/",
            "/reportlab/",
        ),
    ),
    ("QR payload", ("registry/payload/", "/cbor2/", "keys/private/signing.py")),
    (
        "seal signature",
        (
            "signer/pades/signature.py",
            "/pyhanko/",
            "/pyhanko_certvalidator/",
            "/asn1crypto/",
            "/cryptography/",
            "/asyncio/",
        ),
    ),
    ("registry", ("registry/", "/sqlite_utils/", "/sqlite3/")),
    (
        "issuance",
        (
            "signer/issuance/issuer.py",
            "signer/issuance/eligibility.py",
            "signer/issuance/report.py",
            "signer/issuance/maker.py",
        ),
    ),
)

# Frames that only pass control on (event loop, context managers, the orchestration).
_PLUMBING = (
    "/asyncio/",
    "/contextlib.py",
    "signer/issuance/issuer.py",
    "signer/issuance/eligibility.py",
    "signer/issuance/report.py",
    "signer/issuance/maker.py",
    "bench/",
)
_PLUMBING_BUILTINS = (
    "<method 'run' of '_contextvars.Context' objects>",
    "<method 'disable' of '_lsprof.Profiler' objects>",
)

Key = tuple[str, int, str]


def _cumulative(stats: pstats.Stats, entries: Iterable[tuple[str, ...]]) -> float:
    """Cumulative time of the functions named by ``entries``: ``(path suffix, name)``, or
    ``(path suffix, name, caller's path suffix, caller's name)`` for the calls from that
    caller only."""
    table: dict[Key, tuple[int, int, float, float, dict[Key, tuple[float, ...]]]]
    table = stats.stats  # type: ignore[attr-defined]
    total = 0.0
    for (path, _line, name), (_cc, _nc, _tt, ct, callers) in table.items():
        for entry in entries:
            if not (path.endswith(entry[0]) and name == entry[1]):
                continue
            if len(entry) == 2:
                total += ct
            else:
                total += sum(
                    figures[3]
                    for (c_path, _c_line, c_name), figures in callers.items()
                    if c_path.endswith(entry[2]) and c_name == entry[3]
                )
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


_PDF_SIGNER = "pyhanko/sign/signers/pdf_signer.py"
_INCREMENTAL = "pyhanko/pdf_utils/incremental_writer.py"

# The seal's own steps, in the order pyHanko runs them (``SealStamper._sign``); lines starting
# with "of which" are inside the step above them.
_SEAL_STEPS: tuple[tuple[str, tuple[tuple[str, ...], ...]], ...] = (
    (
        "parse the unsigned page (incremental writer)",
        ((_INCREMENTAL, "__init__", "signer/pades/signature.py", "seal"),),
    ),
    ("daily validation context (cached)", (("signer/pades/signature.py", "validation_context"),)),
    ("PdfSigner set-up (metadata, stamp style)", ((_PDF_SIGNER, "__init__"),)),
    ("signing session set-up", ((_PDF_SIGNER, "init_signing_session"),)),
    ("pre-sign validation (chain, OCSP, CRL)", ((_PDF_SIGNER, "perform_presign_validation"),)),
    ("field, appearance, size estimate", ((_PDF_SIGNER, "prepare_tbs_document"),)),
    ("  of which seal artwork import", (("signer/pades/signature.py", "render"),)),
    ("write revision + document digest", ((_PDF_SIGNER, "digest_tbs_document"),)),
    ("CMS SignedData, ECDSA, signature TST", ((_PDF_SIGNER, "perform_signature"),)),
    ("DSS + document timestamp", ((_PDF_SIGNER, "post_signature_processing"),)),
    (
        "  of which DSS into the writer",
        (("pyhanko/sign/validation/dss.py", "supply_dss_in_writer"),),
    ),
    (
        "  of which re-reading the signed file",
        ((_INCREMENTAL, "__init__", _PDF_SIGNER, "post_signature_processing"),),
    ),
    ("  of which document timestamp", ((_PDF_SIGNER, "async_timestamp_pdf"),)),
)
# Cross-cutting costs, spread over the steps above.
_SEAL_ACROSS: tuple[tuple[str, tuple[tuple[str, ...], ...]], ...] = (
    ("RFC 3161 tokens (all, ours)", (("signer/pades/timestamps.py", "token"),)),
    ("ECDSA signatures (seal, TSA, QR)", (("keys/private/signing.py", "sign_der"),)),
    (
        "PDF writer output (all revisions)",
        (
            (_INCREMENTAL, "write"),
            (_INCREMENTAL, "write_in_place"),
        ),
    ),
    (
        "asyncio.run: loop set-up, signals, close",
        (
            ("asyncio/runners.py", "__enter__"),
            ("asyncio/runners.py", "__exit__"),
            ("signal.py", "signal", "asyncio/runners.py", "run"),
            ("signal.py", "getsignal", "asyncio/runners.py", "run"),
        ),
    ),
)
_LIBRARIES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("asn1crypto (DER parse/encode)", ("/asn1crypto/",)),
    ("pyHanko + certvalidator", ("/pyhanko/", "/pyhanko_certvalidator/")),
    ("reportlab", ("/reportlab/",)),
    ("qrcode", ("/qrcode/",)),
    (
        "cecert (keys, registry, signer)",
        ("/work/main/keys/", "/work/main/registry/", "/work/main/signer/"),
    ),
    ("sqlite_utils", ("/sqlite_utils/",)),
    ("asyncio", ("/asyncio/",)),
    ("C functions (hashing, ECDSA, zlib, sqlite, I/O, str/bytes)", ("~",)),
)


def _library(path: str) -> str:
    for label, needles in _LIBRARIES:
        if any(n in path if n != "~" else path == "~" for n in needles):
            return label
    return "other Python (stdlib)"


def _print_stages(
    stats: pstats.Stats,
    title: str,
    stages: Iterable[tuple[str, float]],
    total: float,
    count: int,
) -> None:
    print(title)
    for label, seconds in stages:
        share = 100 * seconds / total if total else 0.0
        print(f"  {label:42} {share:5.1f} %  {1000 * seconds / count:7.2f} ms/cert")


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
    table: dict[Key, tuple[int, int, float, float, object]] = stats.stats  # type: ignore[attr-defined]
    total = _cumulative(stats, _TOTAL)
    qr = _cumulative(stats, _QR)
    seal = _cumulative(stats, _SEAL)
    stages = [
        ("page render (reportlab, fonts; excl. QR)", _cumulative(stats, _RENDER) - qr),
        ("QR matrix + drawing", qr),
        ("seal signature (pyHanko PAdES B-LTA)", seal),
        ("registry (SQLite reads/writes, hours)", _cumulative(stats, _REGISTRY)),
        ("QR payload (CBOR, COSE ES256, Base45)", _cumulative(stats, _PAYLOAD)),
        ("file write (fsync, rename)", _cumulative(stats, _WRITE)),
    ]
    stages.append(("other (issuance glue)", total - sum(s for _, s in stages)))
    print()
    print(f"profile: cProfile, {count} certificates, {total:.2f} s under the profiler")
    print("  (the profiler inflates Python-heavy stages; read the shares, not the times)")
    _print_stages(stats, "stages (cumulative time of their entry points):", stages, total, count)
    steps = [(label, _cumulative(stats, entries)) for label, entries in _SEAL_STEPS]
    top_level = sum(s for label, s in steps if not label.startswith("  "))
    steps.append(("other: work in asyncio tasks of pyHanko, glue", seal - top_level))
    _print_stages(stats, "the seal's steps (shares of the whole run):", steps, total, count)
    across = [(label, _cumulative(stats, entries)) for label, entries in _SEAL_ACROSS]
    _print_stages(stats, "cross-cutting (inside the steps above):", across, total, count)

    by_library: dict[str, float] = {}
    for (path, _line, _name), (_cc, _nc, tt, _ct, _callers) in table.items():
        label = _library(path)
        by_library[label] = by_library.get(label, 0.0) + tt
    own = sorted(by_library.items(), key=lambda item: item[1], reverse=True)
    _print_stages(stats, "own time (tottime) by library, whole run:", own, total, count)

    print()
    print("top 12 functions by cumulative time (event loop and glue left out), with their group:")
    ranked = sorted(table.items(), key=lambda item: item[1][3], reverse=True)
    shown = 0
    for (path, line, name), (_cc, nc, _tt, ct, _callers) in ranked:
        if any(part in path for part in _PLUMBING) or (path == "~" and name in _PLUMBING_BUILTINS):
            continue
        share = 100 * ct / total if total else 0.0
        label = _group(path, name)
        print(f"  {share:5.1f} %  {nc:7d} calls  [{label}]  {_short(path, line, name)}")
        shown += 1
        if shown == 12:
            break
    print()
    print("top 15 functions by own time (tottime), with their group:")
    ranked = sorted(table.items(), key=lambda item: item[1][2], reverse=True)
    for (path, line, name), (_cc, nc, tt, _ct, _callers) in ranked[:15]:
        share = 100 * tt / total if total else 0.0
        label = _group(path, name)
        print(f"  {share:5.1f} %  {nc:7d} calls  [{label}]  {_short(path, line, name)}")


# Entry points timed by plain wall-clock wrappers (no profiler): (label, owner, attribute).
# Indented labels are inside the line above them.
def _timer_targets() -> list[tuple[str, Any, str]]:
    from pyhanko.sign.signers import pdf_signer

    import signer.document.drawing
    import signer.document.page
    import signer.issuance.eligibility
    import signer.issuance.maker
    import signer.pades.signature
    import signer.pades.timestamps
    from registry.store import Registry

    return [
        ("eligibility: records of a page of people", Registry, "activities_of"),
        ("eligibility: hours evaluate", signer.issuance.eligibility, "evaluate"),
        ("already issued? (a page of people)", Registry, "holders"),
        ("QR payload (CBOR, COSE ES256, Base45)", signer.issuance.maker, "encode_payload"),
        ("page render, QR included", signer.document.page.PageRenderer, "render"),
        ("  of which QR matrix", signer.document.drawing, "qr_rows"),
        ("  of which QR drawing", signer.document.drawing, "draw_qr"),
        ("seal (SealStamper.seal)", signer.pades.signature.SealStamper, "seal"),
        ("  signing session set-up", pdf_signer.PdfSigner, "init_signing_session"),
        ("  pre-sign validation", pdf_signer.PdfSigningSession, "perform_presign_validation"),
        ("  field, appearance, sizing", pdf_signer.PdfSigningSession, "prepare_tbs_document"),
        (
            "    of which seal artwork import",
            getattr(signer.pades.signature, "_SealArtwork", None),
            "render",
        ),
        ("  write revision + digest", pdf_signer.PdfTBSDocument, "digest_tbs_document"),
        ("  CMS, ECDSA, signature TST", pdf_signer.PdfTBSDocument, "perform_signature"),
        ("  DSS + doc timestamp", pdf_signer.PdfPostSignatureDocument, "post_signature_processing"),
        ("    of which document timestamp", pdf_signer.PdfTimeStamper, "async_timestamp_pdf"),
        ("  RFC 3161 tokens (all)", signer.pades.timestamps.TimeStampingUnit, "token"),
        ("file write (fsync, rename)", signer.issuance.maker, "write_atomically"),
        ("registry record (row, event, commit)", Registry, "record"),
    ]  # fmt: skip


def _wrapped(original: Any, label: str, spent: dict[str, float]) -> Any:
    if inspect.iscoroutinefunction(original):

        @functools.wraps(original)
        async def timed_async(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                return await original(*args, **kwargs)
            finally:
                spent[label] = spent.get(label, 0.0) + time.perf_counter() - start

        return timed_async

    @functools.wraps(original)
    def timed_sync(*args: Any, **kwargs: Any) -> Any:
        start = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            spent[label] = spent.get(label, 0.0) + time.perf_counter() - start

    return timed_sync


def stage_timers(count: int) -> None:
    """Issue ``count`` certificates in a fresh home with wall-clock wrappers around the
    stages' entry points (``perf_counter``, no profiler), and print ms per certificate."""
    spent: dict[str, float] = {}
    targets = [
        (label, next(k for k in owner.__mro__ if name in k.__dict__), name)
        if isinstance(owner, type)
        else (label, owner, name)
        for label, owner, name in _timer_targets()
        if owner is not None and hasattr(owner, name)  # the seal's steps change as it is tuned
    ]
    originals = [(owner, name, owner.__dict__[name]) for _label, owner, name in targets]
    with tempfile.TemporaryDirectory(prefix="cecert-bench-") as tmp:
        bench = create_home(Path(tmp), count)
        issuer = bench.issuer()
        try:
            for label, owner, name in targets:
                setattr(owner, name, _wrapped(owner.__dict__[name], label, spent))
            with timed() as run:
                issue_all(bench, issuer, count)
        finally:
            for owner, name, original in originals:
                setattr(owner, name, original)
        bench.registry.close()
    print()
    print(f"stage timers: {count} certificates, wall-clock wrappers, no profiler")
    print(f"  {'whole issue call':42} {1000 * run.wall / count:7.2f} ms/cert")
    for label, _owner, _name in targets:
        print(f"  {label:42} {1000 * spent.get(label, 0.0) / count:7.2f} ms/cert")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--timers-count", type=int, default=100, help="0 skips the timers")
    parser.add_argument("--profile-count", type=int, default=100, help="0 skips cProfile")
    args = parser.parse_args(argv)
    print_header("cecert issuance profile: Issuer.issue(year=2025), one process")
    if args.timers_count > 0:
        stage_timers(args.timers_count)
    if args.profile_count > 0:
        profile(args.profile_count)
    return 0


if __name__ == "__main__":
    sys.exit(main())
