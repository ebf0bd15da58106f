"""The load tool of ``bench/http_verify.py``: wrk, or a closed-loop generator in Python.

Both are closed loops: N connections, each sending its next request when the previous answer
has arrived, for a fixed duration, recording every latency. ``wrk`` is the Debian package
(installed with apt-get when missing and running as root); POST bodies go through a small
Lua script that sends them in turn, so many distinct QR texts rotate through the load.
The CPU time of the load tool and of the server process tree is read around each run.
"""

from __future__ import annotations

import http.client
import os
import re
import resource
import shutil
import statistics
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, slots=True)
class Load:
    """One load run against one endpoint."""

    requests: int
    per_second: float
    p50_ms: float
    p99_ms: float
    errors: int
    """Answers other than 2xx/3xx, plus socket errors and timeouts."""
    tool_cpu: float
    """CPU seconds the load tool itself used."""
    seconds: float
    server_cpu: float = 0.0
    """CPU seconds the gunicorn arbiter and workers used during the run."""


def find_wrk(install: bool) -> str | None:
    """The wrk executable; installed with apt-get when missing, allowed and running as root."""
    found = shutil.which("wrk")
    if found is None and install and os.geteuid() == 0 and shutil.which("apt-get"):
        print("wrk not found: installing the Debian package wrk with apt-get")
        subprocess.run(
            ["apt-get", "install", "-y", "-q", "wrk"],
            check=False,
            stdout=subprocess.DEVNULL,
            env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"},
        )
        found = shutil.which("wrk")
    return found


def lua_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def write_lua(path: Path, bodies: list[bytes]) -> None:
    """A wrk script that POSTs the JSON bodies in turn."""
    items = ",\n  ".join(lua_string(b.decode("ascii")) for b in bodies)
    path.write_text(
        f"local bodies = {{\n  {items}\n}}\n"
        "local headers = {['Content-Type'] = 'application/json'}\n"
        "local i = 0\n"
        "request = function()\n"
        "  i = i % #bodies + 1\n"
        "  return wrk.format('POST', nil, headers, bodies[i])\n"
        "end\n",
        encoding="ascii",
    )


_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3}


def _ms(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s)", text)
    if match is None:
        raise SystemExit(f"cannot read wrk latency {text!r}")
    return float(match.group(1)) * _UNITS[match.group(2)]


def server_cpu(pid: int) -> float:
    """CPU seconds (user + system) used so far by process ``pid`` and its children (the
    gunicorn arbiter and its workers), from /proc."""
    try:
        kids = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return 0.0
    total = 0
    for each in [str(pid), *kids]:
        try:
            fields = Path(f"/proc/{each}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14, 15)
    return total / os.sysconf("SC_CLK_TCK")


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_wrk(wrk: str, url: str, connections: int, seconds: int, script: Path | None) -> Load:
    command = [wrk, "-t1", f"-c{connections}", f"-d{seconds}s", "--latency", "--timeout", "5s"]
    if script is not None:
        command += ["-s", str(script)]
    cpu = children_cpu()
    out = subprocess.run([*command, url], check=True, capture_output=True, text=True).stdout
    tool_cpu = children_cpu() - cpu

    def grab(pattern: str) -> str:
        match = re.search(pattern, out, re.MULTILINE)
        if match is None:
            raise SystemExit(f"cannot read wrk output ({pattern!r}):\n{out}")
        return match.group(1)

    errors = 0
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if non_2xx:
        errors += int(non_2xx.group(1))
    socket_errors = re.search(r"Socket errors: (.*)", out)
    if socket_errors:
        errors += sum(int(n) for n in re.findall(r"\d+", socket_errors.group(1)))
    requests = int(grab(r"(\d+) requests in"))
    return Load(
        requests=requests,
        per_second=float(grab(r"Requests/sec:\s+([\d.]+)")),
        p50_ms=_ms(grab(r"^\s+50%\s+(\S+)")),
        p99_ms=_ms(grab(r"^\s+99%\s+(\S+)")),
        errors=errors,
        tool_cpu=tool_cpu,
        seconds=seconds,
    )


def run_closed_loop(
    port: int,
    path: str,
    connections: int,
    seconds: int,
    bodies: list[bytes] | None,
    headers: dict[str, str] | None = None,
) -> Load:
    """The fallback load generator: ``connections`` threads, each with its own connection
    (reopened when the server closes it), one request at a time, for ``seconds``;
    ``headers`` go with every request (a session cookie)."""
    latencies: list[list[float]] = [[] for _ in range(connections)]
    errors = [0] * connections
    deadline = time.perf_counter() + seconds
    cpu = time.process_time()

    def client(slot: int) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        i = slot
        while time.perf_counter() < deadline:
            start = time.perf_counter()
            try:
                if bodies is None:
                    connection.request("GET", path, headers=headers or {})
                else:
                    body = bodies[i % len(bodies)]
                    i += 1
                    connection.request(
                        "POST",
                        path,
                        body=body,
                        headers={**(headers or {}), "Content-Type": "application/json"},
                    )
                response = connection.getresponse()
                response.read()
                ok = 200 <= response.status < 400
                if response.will_close:
                    connection.close()
            except OSError:
                connection.close()
                ok = False
            latencies[slot].append(time.perf_counter() - start)
            if not ok:
                errors[slot] += 1
        connection.close()

    started = time.perf_counter()
    threads = [threading.Thread(target=client, args=(slot,)) for slot in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    every = sorted(x for each in latencies for x in each)
    return Load(
        requests=len(every),
        per_second=len(every) / elapsed,
        p50_ms=1e3 * every[len(every) // 2],
        p99_ms=1e3 * every[min(len(every) - 1, int(len(every) * 0.99))],
        errors=sum(errors),
        tool_cpu=time.process_time() - cpu,
        seconds=elapsed,
    )


def median_load(runs: list[Load]) -> Load:
    return Load(
        requests=sum(r.requests for r in runs),
        per_second=statistics.median(r.per_second for r in runs),
        p50_ms=statistics.median(r.p50_ms for r in runs),
        p99_ms=statistics.median(r.p99_ms for r in runs),
        errors=sum(r.errors for r in runs),
        tool_cpu=sum(r.tool_cpu for r in runs),
        seconds=sum(r.seconds for r in runs),
        server_cpu=sum(r.server_cpu for r in runs),
    )
