"""HTTP verification benchmark: ``POST /api/v1/verify`` beside a trivial endpoint of the same app.

    .venv/bin/python bench/http_verify.py            # --connections 2 --duration 10 --rounds 3

Creates a fresh home, issues a few certificates and exports a signed status snapshot (in a
forked child), builds the verifier app with ``verifier.web.create_app`` as ``cecert serve``
builds it (registry status by default; ``--status snapshot`` for a snapshot and no
registry), adds to that same app object a trivial route ``GET /bench/trivial`` returning a
small JSON (only here, never in the product), and serves it with
``webcore.server.serve`` (gunicorn, 2 workers by default) in a child process on
127.0.0.1. The rate limits are raised (``RATE_LIMIT_VERIFY``, ``RATE_LIMIT_LOGIN``) so that
no request is refused; the limiter still runs (one SQLite transaction per verify request),
as it does in production.

The load tool is ``wrk`` (Debian package ``wrk``; installed with apt-get when missing and
running as root), a closed-loop load generator: N connections, each sending its next request
when the previous answer has arrived, for a fixed duration, recording every latency. The
verify requests carry ``{"qr": "CEC1:…"}`` JSON, cycling over the QR texts of 20 distinct
certificates; every answer must be 200 (wrk counts any other status). Without wrk, a small
closed-loop generator (threads, ``http.client``) does the same, more slowly; both are in
``bench/loadtool.py``.

The two endpoints are measured in alternation, ``--rounds`` times each, and the medians
are printed with their ratio. Targets of the scale issue: verify at least 85 % of the
trivial endpoint's requests per second, p99 under 5 ms at 2 connections. The load tool runs
on the same machine as the server and takes CPU from it: its own CPU time is printed.
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import io
import json
import multiprocessing
import os
import pstats
import shutil
import signal
import socket
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from benchlib import Timing, issued_home_with_snapshot, print_header, timed
from flask import Flask, Response, jsonify
from loadtool import Load, find_wrk, median_load, run_closed_loop, run_wrk, server_cpu, write_lua

from registry.home import Home
from registry.store import Registry
from verifier.web import create_app
from webcore.limits import LIMITER, RateLimiter
from webcore.server import serve

CERTIFICATES = 20
TRIVIAL = "/bench/trivial"
VERIFY = "/api/v1/verify"
UNLIMITED = "1000000000/second"
TARGET_RATIO = 0.85
TARGET_P99_MS = 5.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def build_app(
    home: Home, snapshot: Path, status: str, instance: Path, limit_store: Path | None = None
) -> Flask:
    """The app as ``cecert serve`` builds it, plus the trivial bench route. ``limit_store``:
    the rate limiter's counter file (default: a private temporary file, as in production)."""
    app = create_app(
        {
            "RATE_LIMIT_STORE": str(limit_store) if limit_store is not None else None,
            "TRUST_LIST": str(home.trust_list_path),
            "REGISTRY": str(home.registry_path) if status == "registry" else None,
            "SNAPSHOT": str(snapshot) if status == "snapshot" else None,
            "RATE_LIMIT_VERIFY": UNLIMITED,
            "RATE_LIMIT_LOGIN": UNLIMITED,
        },
        instance_path=str(instance),
    )

    @app.get(TRIVIAL)
    def trivial() -> Response:
        return jsonify({"ok": True})

    return app


def run_server(
    home: Home,
    snapshot: Path,
    status: str,
    instance: Path,
    port: int,
    workers: int,
    limit_store: Path | None,
) -> None:
    app = build_app(home, snapshot, status, instance, limit_store)
    serve(app, host="127.0.0.1", port=port, workers=workers)


def wait_ready(base: str) -> None:
    for _ in range(200):
        try:
            urllib.request.urlopen(base + TRIVIAL, timeout=1).close()
            return
        except OSError:
            time.sleep(0.05)
    raise SystemExit("the server did not answer within 10 s")


def post_json(url: str, body: bytes) -> dict[str, object]:
    request = urllib.request.Request(
        url, data=body, headers={"Content-Type": "application/json"}, method="POST"
    )
    with urllib.request.urlopen(request, timeout=5) as response:
        result: dict[str, object] = json.loads(response.read())
        return result


def per_call(count: int, call: Callable[[int], object]) -> Timing:
    """Wall and CPU seconds per call of ``call(i)`` (after 50 warm-up calls)."""
    for i in range(min(50, count)):
        call(i)
    with timed() as total:
        for i in range(count):
            call(i)
    return Timing(total.wall / count, total.cpu / count)


def in_process(app: Flask, texts: list[str], bodies: list[bytes], count: int) -> None:
    """The same requests through Flask's test client in this process (no gunicorn, no
    socket), their parts timed alone, and the verify request under cProfile."""
    client = app.test_client()
    verifier = app.extensions["cecert.verifier"]
    limiter: RateLimiter = app.extensions[LIMITER]
    n = len(bodies)
    headers = {"Content-Type": "application/json"}
    for body in bodies:
        answer = client.post(VERIFY, data=body, headers=headers)
        if answer.status_code != 200 or answer.get_json()["verdict"] != "valid":
            raise SystemExit(f"in-process verify answered {answer.status_code}")
    now = dt.datetime.now(dt.UTC)
    parts = [
        ("GET  /bench/trivial (test client)", per_call(count, lambda i: client.get(TRIVIAL))),
        ("POST /api/v1/verify (test client)",
         per_call(count, lambda i: client.post(VERIFY, data=bodies[i % n], headers=headers))),
        ("  rate limiter: RateLimiter.hit (SQLite)",
         per_call(count, lambda i: limiter.hit("verify", "127.0.0.1", at=time.time()))),
        ("  Verifier.verify_text",
         per_call(count, lambda i: verifier.verify_text(texts[i % n], at=now))),
        ("  verify_text + to_json + json.dumps",
         per_call(count, lambda i: json.dumps(verifier.verify_text(texts[i % n], at=now).to_json())
         )),
    ]  # fmt: skip
    print(f"in process ({count} calls each; wall and CPU per call):")
    for label, each in parts:
        print(f"  {label:44} {1e6 * each.wall:7.1f} µs wall  {1e6 * each.cpu:7.1f} µs CPU")
    profiler = cProfile.Profile()
    profiler.enable()
    for i in range(count):
        client.post(VERIFY, data=bodies[i % n], headers=headers)
    profiler.disable()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(25)
    print(f"cProfile of {count} × POST /api/v1/verify (test client), by own time:")
    print(out.getvalue())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--connections", type=int, nargs="+", default=[2])
    parser.add_argument("--duration", type=int, default=10, help="seconds per run (10)")
    parser.add_argument("--rounds", type=int, default=3, help="runs per endpoint (3)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (2)")
    parser.add_argument("--status", choices=("registry", "snapshot"), default="registry")
    parser.add_argument(
        "--load-tool", choices=("wrk", "python"), default="wrk", help="python: the fallback"
    )
    parser.add_argument("--no-install", action="store_true", help="never apt-get install wrk")
    parser.add_argument(
        "--limit-store",
        type=Path,
        default=None,
        help="folder for the rate limiter's counter file (e.g. /dev/shm; default: the "
        "bench's temporary directory, like the private file cecert serve makes)",
    )
    parser.add_argument(
        "--profile-count",
        type=int,
        default=2000,
        help="requests timed and profiled in process after the load runs (0 skips)",
    )
    args = parser.parse_args(argv)
    print_header(
        "cecert HTTP verification benchmark: POST /api/v1/verify under gunicorn",
        mode="gunicorn server processes and a load tool",
    )

    wrk = find_wrk(not args.no_install) if args.load_tool == "wrk" else None
    if args.load_tool == "wrk" and wrk is None:
        print("wrk is not available: using the closed-loop load generator in this file")
    with tempfile.TemporaryDirectory(prefix="cecert-bench-") as tmp:
        root = Path(tmp)
        home, snapshot = issued_home_with_snapshot(root, CERTIFICATES)
        registry = Registry.open(home.registry_path, read_only=True)
        texts = [d.payload for d in registry.documents()]
        registry.close()
        bodies = [json.dumps({"qr": text}).encode("ascii") for text in texts]
        script = root / "post.lua"
        write_lua(script, bodies)

        # The counter file in the bench's temporary directory (on the same file system as
        # the private file cecert serve makes in the system temporary directory): the server
        # child ends without running finalizers, so a file of its own would be left behind.
        store = root / "limits" / "ratelimit.sqlite"
        if args.limit_store is not None:
            store = Path(tempfile.mkdtemp(dir=args.limit_store, prefix="cecert-limits-"))
            store = store / "ratelimit.sqlite"
        store.parent.mkdir(exist_ok=True)
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        server = multiprocessing.get_context("fork").Process(
            target=run_server,
            args=(home, snapshot, args.status, root / "instance", port, args.workers, store),
        )
        server.start()
        try:
            wait_ready(base)
            verdicts = {str(post_json(base + VERIFY, body)["verdict"]) for body in bodies}
            print(
                f"server: gunicorn, {args.workers} workers, 127.0.0.1:{port}; status from the "
                f"{args.status}; verdicts of the {len(bodies)} QR texts: {sorted(verdicts)}"
            )
            if verdicts != {"valid"}:
                raise SystemExit(f"expected every verdict to be 'valid', got {sorted(verdicts)}")
            tool = f"wrk ({wrk})" if wrk else "closed-loop threads (python)"
            print(
                f"load: {tool}; {args.duration} s per run, {args.rounds} runs per endpoint, "
                f"alternating; medians; body {len(bodies[0])} bytes of JSON"
            )
            for connections in args.connections:
                results: dict[str, list[Load]] = {TRIVIAL: [], VERIFY: []}
                for _ in range(args.rounds):
                    for path in (TRIVIAL, VERIFY):
                        posted = bodies if path == VERIFY else None
                        cpu = server_cpu(server.pid or 0)
                        if wrk:
                            load = run_wrk(
                                wrk,
                                base + path,
                                connections,
                                args.duration,
                                script if posted else None,
                            )
                        else:
                            load = run_closed_loop(port, path, connections, args.duration, posted)
                        spent = server_cpu(server.pid or 0) - cpu
                        results[path].append(replace(load, server_cpu=spent))
                report(connections, results)
        finally:
            if server.pid is not None and server.is_alive():
                os.kill(server.pid, signal.SIGTERM)
            server.join(timeout=15)
        try:
            if args.profile_count > 0:
                app = build_app(home, snapshot, args.status, root / "instance-profile", store)
                in_process(app, texts, bodies, args.profile_count)
        finally:
            if args.limit_store is not None:
                shutil.rmtree(store.parent, ignore_errors=True)
    return 0


def report(connections: int, results: dict[str, list[Load]]) -> None:
    trivial, verify = median_load(results[TRIVIAL]), median_load(results[VERIFY])
    print(f"-- {connections} connections")
    for label, load, runs in (
        (f"GET  {TRIVIAL}", trivial, results[TRIVIAL]),
        (f"POST {VERIFY}", verify, results[VERIFY]),
    ):
        each = ", ".join(f"{r.per_second:.0f}" for r in runs)
        print(
            f"{label:22} {load.per_second:7.0f} req/s  p50 {load.p50_ms:5.2f} ms  "
            f"p99 {load.p99_ms:5.2f} ms  errors {load.errors}  (runs: {each} req/s; "
            f"load tool {100 * load.tool_cpu / load.seconds:.0f} % of a core)"
        )
        print(
            f"{'':22} server (gunicorn arbiter + workers) CPU "
            f"{1e6 * load.server_cpu / load.requests:6.0f} µs per request, "
            f"{100 * load.server_cpu / load.seconds:.0f} % of a core"
        )
    ratio = verify.per_second / trivial.per_second
    print(
        f"verify / trivial: {100 * ratio:.1f} % (target >= {100 * TARGET_RATIO:.0f} %: "
        f"{'met' if ratio >= TARGET_RATIO else 'NOT met'}); verify p99 {verify.p99_ms:.2f} ms "
        f"(target < {TARGET_P99_MS:.0f} ms: "
        f"{'met' if verify.p99_ms < TARGET_P99_MS else 'NOT met'})"
    )
    if trivial.errors or verify.errors:
        raise SystemExit("some requests failed: the figures above are not valid")


if __name__ == "__main__":
    sys.exit(main())
