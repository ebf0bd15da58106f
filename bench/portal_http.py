"""Portal HTTP benchmark: the professional's year, an employer's review queue and the bureaus'
queues over HTTP, under gunicorn, on a registry filled by ``bench/portal_store.py``.

    .venv/bin/python bench/portal_store.py --people 1000000 --records 10000000 --rounds 0 \\
        --profile-count 0 --reads 0 --load '' --no-alternatives --keep /tmp/cecert-portal
    .venv/bin/python bench/portal_http.py --reuse /tmp/cecert-portal

The kept folder becomes a bureau's home for the portal: a ``cecert.json`` beside its
``registry.sqlite`` and accounts in ``<folder>/portal`` (professionals drawn at random from the
registry's people, the employer with the long queue, the bureaus of 天河区, 广州市 and 广东省,
the health authority). The server is ``cecert portal serve`` itself (the command a bureau runs,
its default workers and threads), a child process; every account logs in through ``/login``.

The load is closed-loop and bounded (wrk, or the Python generator of ``bench/loadtool.py``):
first each page alone, alternating with the **reference from the same run**, ``GET /login``
(the same server, session and template layers, no registry read); then every page at once,
each with its own connections, which is "under concurrent load". The year page rotates
through the professionals' session cookies, so it reads people all over the registry file.
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import os
import random
import re
import signal
import sqlite3
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
from dataclasses import dataclass, replace
from pathlib import Path

from benchlib import print_header
from loadtool import Load, find_wrk, lua_string, median_load, run_closed_loop, run_wrk, server_cpu
from portal_fill import CITY, DISTRICT, PROVINCE, Layout, id_number

from registry import CHINA_TZ, BureauConfig, Home
from registry.store import Registry
from registry.store.migrations import MIGRATIONS, SCHEMA_VERSION, statements
from webcore import ACCOUNTS_FILE, AccountStore, Role

PASSWORD = "portal bench password - not a real one"
COOKIE = "cecert_portal_session"
REFERENCE = "/login"
TARGET_P99_MS = 100.0


@dataclass(frozen=True)
class Target:
    """A page under load: its path and the session cookies it is asked with in turn."""

    name: str
    path: str
    cookies: tuple[str, ...]


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def bring_schema_up(path: Path) -> None:
    """Apply the migrations added since the registry was filled, as SQL: a filled registry
    has no event log, so there is nothing for ``cecert upgrade`` to re-record or sign."""
    conn = sqlite3.connect(path, isolation_level=None)
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    if version < SCHEMA_VERSION:
        started = time.perf_counter()
        conn.execute("BEGIN IMMEDIATE")
        for number in range(version, SCHEMA_VERSION):
            for statement in statements(MIGRATIONS[number]):
                conn.execute(statement)
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        conn.execute("COMMIT")
        took = time.perf_counter() - started
        print(f"schema:   migrations {version + 1}–{SCHEMA_VERSION} applied in {took:.1f} s")
    conn.close()


def prepare_home(root: Path, layout: Layout, professionals: int, seed: int) -> list[str]:
    """Make ``root`` a home for the portal and add the accounts; return the professionals'
    ID numbers (people with records of the current year, drawn at random)."""
    bring_schema_up(root / "registry.sqlite")
    home = Home(root)
    if not home.exists():
        home.write_config(BureauConfig("广东省人力资源和社会保障厅", PROVINCE, "广东省", "gd-2010"))
    instance = root / "portal"
    (instance / ACCOUNTS_FILE).unlink(missing_ok=True)  # the accounts of an earlier run
    store = AccountStore.create(instance)
    at = dt.datetime.now(CHINA_TZ)
    rng = random.Random(seed)
    people = [id_number(p) for p in rng.sample(range(layout.people), professionals)]
    registry = Registry.open(home.registry_path, read_only=True)
    try:
        missing = [n for n in people if registry.person(n) is None]
    finally:
        registry.close()
    if missing:
        raise SystemExit(f"people not in the registry: {missing[:3]}")
    for i, number in enumerate(people):
        store.add(f"p{i:03d}", PASSWORD, Role.PROFESSIONAL, at=at, scope=number)
    store.add("employer", PASSWORD, Role.EMPLOYER, at=at, scope=layout.target)
    for name, area in (("district", DISTRICT), ("city", CITY), ("province", PROVINCE)):
        store.add(name, PASSWORD, Role.BUREAU, at=at, scope=area)
    store.add("health", PASSWORD, Role.AUTHORITY, at=at, scope="health")
    return people


def start_server(root: Path, port: int, workers: int, threads: int) -> subprocess.Popen[bytes]:
    cecert = Path(sys.executable).with_name("cecert")
    command = [
        str(cecert), "portal", "serve", "--home", str(root), "--port", str(port),
        "--workers", str(workers), "--threads", str(threads),
        "--rate-limit-login", "1000000/second",
    ]  # fmt: skip
    server = subprocess.Popen(command, stdout=subprocess.DEVNULL, start_new_session=True)
    for _ in range(400):
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            connection.request("GET", REFERENCE)
            connection.getresponse().read()
            connection.close()
            return server
        except OSError:
            time.sleep(0.05)
    server.kill()
    raise SystemExit("the portal did not answer within 20 s")


def log_in(port: int, username: str) -> str:
    """Log in through the form; return the ``Cookie`` header value of the new session."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    connection.request("GET", "/login")
    response = connection.getresponse()
    page = response.read().decode()
    first = response.getheader("Set-Cookie", "").split(";")[0]
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    if token is None:
        raise SystemExit("no CSRF token on /login")
    body = urllib.parse.urlencode(
        {"username": username, "password": PASSWORD, "csrf_token": token.group(1)}
    )
    headers = {"Content-Type": "application/x-www-form-urlencoded", "Cookie": first}
    connection.request("POST", "/login", body=body, headers=headers)
    response = connection.getresponse()
    response.read()
    connection.close()
    cookie = response.getheader("Set-Cookie", "").split(";")[0]
    if response.status != 302 or not cookie.startswith(COOKIE + "="):
        raise SystemExit(f"login of {username}: {response.status}")
    return cookie


def fetch(port: int, path: str, cookie: str) -> str:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.request("GET", path, headers={"Cookie": cookie})
    response = connection.getresponse()
    text = response.read().decode()
    connection.close()
    if response.status != 200:
        raise SystemExit(f"GET {path}: {response.status}")
    return text


def queue_length(page: str) -> str:
    """What the page says it holds: a queue's length, or the year's hours counted."""
    found = re.search(r"(共 \d+ 条|超过 \d+ 条|合计计入 <strong>[^<]+</strong> 学时)", page)
    return found.group(1) if found else "?"


def write_script(path: Path, cookies: tuple[str, ...], close: bool) -> None:
    """A wrk script sending the cookies in turn (one GET a request); with ``close``, each
    request on a new connection (``Connection: close``), as from many browsers."""
    items = ",\n  ".join(lua_string(c) for c in cookies)
    closing = ", ['Connection'] = 'close'" if close else ""
    path.write_text(
        f"local cookies = {{\n  {items}\n}}\n"
        "local i = 0\n"
        "request = function()\n"
        "  i = i % #cookies + 1\n"
        f"  return wrk.format('GET', nil, {{['Cookie'] = cookies[i]{closing}}}, nil)\n"
        "end\n",
        encoding="ascii",
    )


def one_load(
    wrk: str | None,
    port: int,
    target: Target,
    connections: int,
    seconds: int,
    folder: Path,
    close: bool,
) -> Load:
    if wrk is None:
        headers = {"Cookie": target.cookies[0], **({"Connection": "close"} if close else {})}
        return run_closed_loop(port, target.path, connections, seconds, None, headers=headers)
    script = folder / f"load-{abs(hash(target)) % 10**8}.lua"
    write_script(script, target.cookies, close)
    return run_wrk(wrk, f"http://127.0.0.1:{port}{target.path}", connections, seconds, script)


def alone(
    wrk: str | None, port: int, pid: int, targets: list[Target], args: argparse.Namespace,
    folder: Path,
) -> dict[str, list[Load]]:  # fmt: skip
    """Each page alone, the reference between them, ``args.rounds`` times in turn."""
    results: dict[str, list[Load]] = {t.name: [] for t in targets}
    for _ in range(args.rounds):
        for target in targets:
            cpu = server_cpu(pid)
            load = one_load(wrk, port, target, args.connections, args.duration, folder, args.close)
            results[target.name].append(replace(load, server_cpu=server_cpu(pid) - cpu))
    return results


def together(
    wrk: str | None, port: int, pid: int, targets: list[Target], args: argparse.Namespace,
    folder: Path,
) -> dict[str, Load]:  # fmt: skip
    """Every page at once, each with ``args.each`` connections of its own."""
    found: dict[str, Load] = {}
    cpu = server_cpu(pid)

    def run(target: Target) -> None:
        found[target.name] = one_load(
            wrk, port, target, args.each, args.duration, folder, args.close
        )

    threads = [threading.Thread(target=run, args=(t,)) for t in targets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    spent = server_cpu(pid) - cpu
    total = sum(load.requests for load in found.values())
    return {
        name: replace(load, server_cpu=spent * load.requests / max(total, 1))
        for name, load in found.items()
    }


def show(name: str, load: Load, runs: list[Load] | None = None) -> None:
    each = f"  (runs: {', '.join(f'{r.p99_ms:.1f}' for r in runs)} ms p99)" if runs else ""
    cpu = 1e3 * load.server_cpu / max(load.requests, 1)
    print(
        f"  {name:34} {load.per_second:7.1f} req/s  p50 {load.p50_ms:7.2f}  "
        f"p99 {load.p99_ms:7.2f} ms  server CPU {cpu:5.2f} ms/req  errors {load.errors}{each}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add = parser.add_argument
    add("--reuse", type=Path, required=True, help="a folder kept by bench/portal_store.py")
    add("--professionals", type=int, default=50, help="accounts the year page rotates (50)")
    add("--connections", type=int, default=2, help="per page when alone (2)")
    add("--each", type=int, default=1, help="per page when all run at once (1)")
    add("--duration", type=int, default=10, help="seconds per run (10)")
    add("--rounds", type=int, default=3, help="runs of each page alone (3)")
    add("--together", type=int, default=3, help="runs of every page at once (3)")
    add("--workers", type=int, default=2, help="gunicorn workers (cecert's default, 2)")
    add("--threads", type=int, default=4, help="threads per worker (cecert's default, 4)")
    add("--seed", type=int, default=16)
    add("--load-tool", choices=("wrk", "python"), default="wrk")
    add("--close", action="store_true",
        help="every request on a new connection (Connection: close), as from many browsers; "
             "default: each load connection kept alive, as one busy browser")  # fmt: skip
    args = parser.parse_args(argv)
    root = args.reuse.absolute()
    layout = Layout(**json.loads((root / "layout.json").read_text()))
    print_header(
        "cecert portal HTTP benchmark: year page, review queues, under gunicorn",
        mode="cecert portal serve (child processes) and a load tool",
    )
    size = (root / "registry.sqlite").stat().st_size / 2**30
    print(f"registry: {layout.people:,} people, {layout.records:,} records, {size:.2f} GiB")
    people = prepare_home(root, layout, args.professionals, args.seed)
    wrk = find_wrk(True) if args.load_tool == "wrk" else None
    port = free_port()
    server = start_server(root, port, args.workers, args.threads)
    folder = root / "portal"
    try:
        cookies = {name: log_in(port, name) for name in ("employer", "district", "city",
                                                            "province", "health")}  # fmt: skip
        professionals = tuple(log_in(port, f"p{i:03d}") for i in range(len(people)))
        targets = [
            Target("reference: GET /login", REFERENCE, (cookies["employer"],)),
            Target("professional's year (2025)", f"/me?year={2025}", professionals),
            Target("employer's review queue", "/employer/records", (cookies["employer"],)),
            Target("district bureau 天河区", "/review/records", (cookies["district"],)),
            Target("city bureau 广州市", "/review/records", (cookies["city"],)),
            Target("province bureau 广东省", "/review/records", (cookies["province"],)),
            Target("health authority", "/review/records", (cookies["health"],)),
        ]
        tool = "wrk" if wrk else "python closed loop"
        kept = "a new connection per request" if args.close else "connections kept alive"
        print(f"server: cecert portal serve, {args.workers} workers × {args.threads} threads, "
              f"127.0.0.1:{port}; load: {tool}, {kept}")  # fmt: skip
        for target in targets[1:]:
            started = time.perf_counter()
            page = fetch(port, target.path, target.cookies[0])
            took = 1e3 * (time.perf_counter() - started)
            print(f"  first GET {target.name:30} {took:8.1f} ms  {queue_length(page)}")
        print(f"-- each page alone: {args.connections} connections, {args.duration} s a run, "
              f"{args.rounds} runs in turn; medians of the runs")  # fmt: skip
        results = alone(wrk, port, server.pid, targets, args, folder)
        for target in targets if args.rounds else ():
            show(target.name, median_load(results[target.name]), results[target.name])
        print(f"-- every page at once ({len(targets) - 1} pages, {args.each} connection(s) "
              f"each, {args.duration} s, {args.together} runs; medians)")  # fmt: skip
        runs = [together(wrk, port, server.pid, targets[1:], args, folder)
                for _ in range(args.together)]  # fmt: skip
        reference = statistics.median(r.p50_ms for r in results[targets[0].name] or [Load(
            0, 0, 0, 0, 0, 0, 1)])  # fmt: skip
        worst = 0.0
        for target in targets[1:]:
            each = [run[target.name] for run in runs]
            load = median_load(each)
            worst = max(worst, max(r.p99_ms for r in each))
            show(target.name, load, each)
        print(
            f"worst p99 of any page in any run at once: {worst:.1f} ms (target < "
            f"{TARGET_P99_MS:.0f} ms: {'met' if worst < TARGET_P99_MS else 'NOT met'})"
            + (f"; reference p50 {reference:.2f} ms" if args.rounds else "")
        )
        if any(r.errors for rs in results.values() for r in rs) or any(
            r.errors for run in runs for r in run.values()
        ):
            raise SystemExit("some requests failed: the figures above are not valid")
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    return 0


if __name__ == "__main__":
    sys.exit(main())
