"""The counter survives a kill of the server mid-request: `cecert portal serve` is killed
(SIGKILL, arbiter and workers) while clerks' requests are in flight, started again, and
every form is sent again with its token. Each token then asked exactly once, nothing is
half-written, and `cecert registry audit` finds the registry consistent."""

from __future__ import annotations

import contextlib
import http.client
import os
import random
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from registry.portal import Actor, PortalRole
from registry.store import Registry
from tests.conftest import IssuedHome
from tests.support.portal import PASSWORD
from tests.support.portal_browser import add_account, free_port

CLERK = Actor("clerk", PortalRole.BUREAU, "440000")
ROUNDS = 4


@contextmanager
def killable_portal(home: Path, port: int) -> Iterator[subprocess.Popen[bytes]]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CECERT_")}
    command = [
        sys.executable, "-m", "cecert", "portal", "serve", "--home", str(home),
        "--port", str(port), "--workers", "2", "--rate-limit-login", "1000/minute",
    ]  # fmt: skip
    process = subprocess.Popen(
        command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        start_new_session=True,
    )  # fmt: skip
    try:
        for _ in range(200):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.05)
        yield process
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


def _request(
    port: int, method: str, path: str, cookie: str = "", body: str = ""
) -> tuple[int, str, str]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    headers = {"Cookie": cookie}
    if body:
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    response: http.client.HTTPResponse | None = None
    try:  # a server killed mid-answer must not leave the socket open (a ResourceWarning)
        connection.request(method, path, body=body or None, headers=headers)
        response = connection.getresponse()
        text = response.read().decode()
        return response.status, text, (response.getheader("Set-Cookie") or "").split(";")[0]
    finally:
        if response is not None:
            response.close()
        connection.close()


def log_in(port: int) -> tuple[str, str]:
    """(cookie, CSRF token) of the clerk's session."""
    _, page, first = _request(port, "GET", "/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert token is not None
    body = urllib.parse.urlencode(
        {"username": CLERK.username, "password": PASSWORD, "csrf_token": token[1]}
    )
    status, _, cookie = _request(port, "POST", "/login", first, body)
    assert status == 302
    _, page, _ = _request(port, "GET", "/counter/", cookie)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert csrf is not None
    return cookie, csrf[1]


def _send(port: int, number: str, form: dict[str, str], cookie: str, csrf: str) -> None:
    """One clerk's form; killed mid-request, the answer never comes (nor all of it)."""
    body = urllib.parse.urlencode({**form, "csrf_token": csrf})
    with contextlib.suppress(OSError, http.client.HTTPException):
        _request(port, "POST", f"/counter/certificates/{number}", cookie, body)


def test_a_kill_mid_request_leaves_every_action_whole_and_asked_once(
    fresh_home: IssuedHome,
) -> None:
    home = fresh_home.home.root
    add_account(home, CLERK.username, "bureau", CLERK.scope)
    numbers = sorted({d.number for d in fresh_home.documents if d.number.startswith("44")})
    assert len(numbers) >= 4
    forms = {
        number: {"token": f"kill-{number}", "kind": "renew", "reason": "", "note": ""}
        for number in numbers
    }
    port = free_port()
    rng = random.Random(17)
    cookie, csrf = "", ""
    for _ in range(ROUNDS):
        with killable_portal(home, port) as server:
            if not cookie:
                cookie, csrf = log_in(port)

            threads = [
                threading.Thread(target=_send, args=(port, n, forms[n], cookie, csrf))
                for n in numbers
            ]
            for thread in threads:
                thread.start()
            time.sleep(rng.uniform(0.0, 0.05))
            os.killpg(server.pid, signal.SIGKILL)
            for thread in threads:
                thread.join()
    with Registry.open(fresh_home.home.registry_path, read_only=True) as registry:
        before = sum(len(registry.counter.of_number(CLERK, n)) for n in numbers)
    with killable_portal(home, port):  # every form once more, answered this time
        for number in numbers:
            body = urllib.parse.urlencode({**forms[number], "csrf_token": csrf})
            status, _, _ = _request(port, "POST", f"/counter/certificates/{number}", cookie, body)
            assert status == 302, (number, status)
    with Registry.open(fresh_home.home.registry_path, read_only=True) as registry:
        for number in numbers:
            asked = registry.counter.of_number(CLERK, number)
            assert [a.requested_by for a in asked] == [CLERK.username], number
        problems = [p for p in registry.audit().problems if p.kind != "log_unsigned"]
    assert problems == []
    print(f"counter under kills: {ROUNDS} kills, {before} of {len(numbers)} asked before the last")
