"""The web service under hostile clients: connections that trickle their requests one byte
a second (or send nothing), login redirects aimed at other sites, JSON nested too deep for
the parser.

Slow clients are tested on a real `cecert serve` (gunicorn, real sockets, real time); the
login redirect over real HTTP and through the app, value by value."""

from __future__ import annotations

import http.client
import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from registry.home import Home
from tests.conftest import IssuedHome, serving
from tests.support.logins import PASSWORD, csrf_of, make_instance
from verifier.web import create_app
from webcore.reading import Progress, ReadLimits, RequestReader

# --- slow clients -----------------------------------------------------------------------

SLOW_KINDS = ("not closing", "silent", "head", "body", "chunked", "kept-alive")
JUNK = b"a" * 200


@dataclass
class SlowClient:
    """One hostile connection: it sends ``head`` at once, then ``trickle`` a byte at a
    time (:meth:`step`), and never finishes its request."""

    kind: str
    sock: socket.socket
    trickle: bytes
    sent: int = 0
    closed_after: float | None = None
    answer: bytes = b""

    def step(self) -> None:
        if self.closed_after is None and self.sent < len(self.trickle):
            try:
                self.sock.send(self.trickle[self.sent : self.sent + 1])
                self.sent += 1
            except OSError:
                pass  # cut off by the server: seen when read

    def read(self, elapsed: float) -> None:
        """Keep what the server sent, without waiting; note when it closed."""
        if self.closed_after is not None:
            return
        self.sock.setblocking(False)
        try:
            while chunk := self.sock.recv(65536):
                self.answer += chunk
            self.closed_after = elapsed
        except BlockingIOError:
            pass
        except OSError:
            self.closed_after = elapsed
        finally:
            self.sock.setblocking(True)


def _slow_client(kind: str, port: int, body: bytes) -> SlowClient:
    """``silent`` sends nothing; ``head`` trickles a head from its first byte; ``body``
    and ``chunked`` send a whole head and trickle the body; ``kept-alive`` has a request
    answered, then trickles the next head on the same connection; ``not closing`` sends a
    whole request with ``Connection: close``, reads nothing and closes nothing."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    post = b"POST /api/v1/verify HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
    head, trickle = b"", b"GET / HTTP/1.1\r\nHost: localhost\r\nX-Slow: " + JUNK
    if kind == "silent":
        trickle = b""
    elif kind == "not closing":
        head, trickle = b"GET /scan HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n", b""
    elif kind == "body":
        head = post + f"Content-Length: {len(body) + len(JUNK)}\r\n\r\n".encode()
        trickle = body + JUNK
    elif kind == "chunked":
        head = post + b"Transfer-Encoding: chunked\r\n\r\n"
        trickle = f"{len(body):x}\r\n".encode() + body + b"\r\n" + JUNK
    elif kind == "kept-alive":
        first = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        first.sock = sock
        first.request("GET", "/")
        answer = first.getresponse()
        answer.read()
        assert answer.status == 200
    sock.sendall(head)
    return SlowClient(kind, sock, trickle)


def _answer_time(url: str, data: bytes | None = None) -> float:
    """Send one ordinary request; how long its answer took (it must be 200)."""
    started = time.monotonic()
    headers = {"Content-Type": "application/json"} if data else {}
    request = urllib.request.Request(url, data=data, headers=headers)
    with urllib.request.urlopen(request, timeout=5) as response:
        response.read()
        assert response.status == 200
    return time.monotonic() - started


def test_slow_clients_do_not_stop_the_service(issued_home: IssuedHome) -> None:
    """24 connections, 4 of each kind, trickling a byte a second, silent, or holding on to
    a closed exchange: three times the threads of `cecert serve` by default (2 workers × 4),
    twelve times its processes. Ordinary requests, a page and a verification, are still
    answered at once."""
    body = json.dumps({"qr": issued_home.documents[0].payload}).encode()
    with serving(issued_home.home.root, "--workers", "2") as base:
        port = urllib.parse.urlsplit(base).port
        assert port is not None
        clients = [_slow_client(k, port, body) for k in SLOW_KINDS for _ in range(4)]
        started = time.monotonic()
        answered: list[float] = []
        try:
            for second in range(4):
                for client in clients:
                    client.step()
                if second in (1, 3):
                    answered.append(_answer_time(base + "/"))
                    answered.append(_answer_time(base + "/api/v1/verify", body))
                time.sleep(max(0.0, started + second + 1 - time.monotonic()))
            for client in clients:
                client.read(time.monotonic() - started)
        finally:
            for client in clients:
                client.sock.close()
    assert max(answered) < 2.0, answered
    # They were waited for, not cut off: none of them is past a deadline yet.
    cut_off = [c.kind for c in clients if c.closed_after is not None]
    assert cut_off == ["not closing"] * 4  # answered, then closed by the server


@contextmanager
def serving_with(home: Path, **limits: float) -> Iterator[int]:
    """The server of `cecert serve` (1 worker, 1 thread) with shorter :class:`ReadLimits`,
    for ``home``'s trust list; yield its port."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    code = (
        "import json, sys\n"
        "from verifier.web import create_app\n"
        "from webcore.reading import ReadLimits\n"
        "from webcore.server import serve\n"
        "app = create_app({'TRUST_LIST': sys.argv[1]})\n"
        "limits = json.loads(sys.argv[3])\n"
        "limits = ReadLimits(max_body=app.config['MAX_CONTENT_LENGTH'], **limits)\n"
        "serve(app, host='127.0.0.1', port=int(sys.argv[2]), workers=1, threads=1, limits=limits)\n"
    )
    trust = str(Home(home).trust_list_path)
    env = {k: v for k, v in os.environ.items() if not k.startswith("CECERT_")}
    command = [sys.executable, "-c", code, trust, str(port), json.dumps(limits)]
    process = subprocess.Popen(
        command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        for _ in range(150):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=1).close()
                break
            except OSError:
                time.sleep(0.1)
        yield port
    finally:
        process.terminate()
        process.wait(timeout=10)


def _exchange(port: int, data: bytes, answers: int = 1) -> list[http.client.HTTPResponse]:
    """Send ``data`` at once on a new connection; read ``answers`` answers."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    sock.sendall(data)
    read = []
    for _ in range(answers):
        response = http.client.HTTPResponse(sock)
        response.begin()
        response.read()
        read.append(response)
    sock.close()
    return read


def test_a_request_too_slow_or_too_large_is_cut_off(issued_home: IssuedHome) -> None:
    """With 1 thread, a 2 s head deadline, 1.5 s of pause allowed in a body, 4 s for a whole
    request and 1 MiB held for unfinished requests: each slow client is answered 408 at its
    deadline and closed; a head over 32 KiB is 431 at once, a body beyond what may be held
    503; clients that close nothing after their answer hold nothing, nor does a body
    declared too large (413 and closed, not drained in a thread). Meanwhile ordinary,
    pipelined, chunked and ``Expect: 100-continue`` requests are answered by the one
    thread."""
    body = json.dumps({"qr": issued_home.documents[0].payload}).encode()
    limits = {"header_timeout": 2.0, "body_timeout": 1.5, "request_timeout": 4.0}
    with serving_with(issued_home.home.root, **limits, buffer_budget=1 << 20) as port:
        large = _exchange(port, b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 40_000)
        assert large[0].status == 431
        post = f"POST /api/v1/verify HTTP/1.1\r\nHost: x\r\nContent-Length: {1 << 20}\r\n\r\n"
        held = socket.create_connection(("127.0.0.1", port), timeout=10)
        held.sendall(post.encode() + bytes(600_000))
        time.sleep(0.3)  # read by the server before the next one comes
        over = _slow_client("silent", port, body)
        over.kind = "over budget"
        over.sock.sendall(post.encode() + bytes(600_000))
        clients = [_slow_client(kind, port, body) for kind in SLOW_KINDS]
        clients += [_slow_client("not closing", port, body) for _ in range(2)]
        too_large = _slow_client("silent", port, body)
        too_large.sock.sendall(post.replace(f"{1 << 20}", f"{7 << 20}").encode())
        too_large.kind, too_large.trickle = "declared too large", body + JUNK
        clients.append(too_large)
        paused = _slow_client("body", port, body)
        paused.sock.sendall(paused.trickle[:10])
        paused.kind, paused.trickle = "paused", b""
        clients += [paused, over]
        started = time.monotonic()
        try:
            for step in range(26):
                for client in clients:
                    client.step()
                if step == 2:
                    _ordinary_requests(port, body)
                time.sleep(max(0.0, started + (step + 1) / 4 - time.monotonic()))
                for client in clients:
                    client.read(time.monotonic() - started)
        finally:
            held.close()
            for client in clients:
                client.sock.close()
    cut_off = {c.kind: (c.closed_after, c.answer.split(b"\r\n", 1)[0]) for c in clients}
    deadlines = {"silent": 2, "head": 2, "kept-alive": 2, "paused": 1.5, "body": 4, "chunked": 4}
    for kind, deadline in deadlines.items():
        closed_after, status_line = cut_off[kind]
        assert closed_after is not None, kind
        assert deadline - 0.5 <= closed_after <= deadline + 1.5, (kind, closed_after)
        assert status_line == b"HTTP/1.1 408 Request Timeout", kind
    assert cut_off["over budget"][1] == b"HTTP/1.1 503 Service Unavailable"
    assert "请求超时" in next(c for c in clients if c.kind == "silent").answer.decode()
    answered = {"not closing": b"HTTP/1.1 200 OK\r\n", "declared too large": b"HTTP/1.1 413 "}
    for client in clients:
        if client.kind in answered:  # answered, then closed by the server at once
            assert client.answer.startswith(answered[client.kind]), client.kind
            assert client.closed_after is not None
            assert client.closed_after <= 1.0, client.kind


def _ordinary_requests(port: int, body: bytes) -> None:
    """Two GETs pipelined on one connection, a chunked verification, a verification that
    waits for ``100 Continue``: all answered at once."""
    started = time.monotonic()
    get = b"GET /scan HTTP/1.1\r\nHost: x\r\n\r\n"
    assert [r.status for r in _exchange(port, get + get, answers=2)] == [200, 200]
    chunked = (
        b"POST /api/v1/verify HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        b"Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
        + f"{len(body):x}\r\n".encode()
        + body
        + b"\r\n0\r\n\r\n"
    )
    (answer,) = _exchange(port, chunked)
    assert answer.status == 200
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    sock.sendall(
        b"POST /api/v1/verify HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        + f"Expect: 100-continue\r\nContent-Length: {len(body)}\r\n\r\n".encode()
    )
    assert sock.recv(100) == b"HTTP/1.1 100 Continue\r\n\r\n"
    sock.sendall(body)
    response = http.client.HTTPResponse(sock)
    response.begin()  # skips any further 100 Continue
    assert response.status == 200
    assert json.loads(response.read())["certificate"] is not None
    sock.close()
    assert time.monotonic() - started < 2.0


CHUNKED = b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
FRAMINGS = {
    "head coming": (b"GET / HTTP/1.1\r\nHost: x\r\n", Progress.MORE),
    "head": (b"GET / HTTP/1.1\r\nHost: x\r\n\r\n", Progress.WHOLE),
    "empty lines first": (b"\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n", Progress.MORE),
    "body coming": (b"POST / HTTP/1.1\r\nContent-Length: 5\r\n\r\nabc", Progress.MORE),
    "body": (b"POST / HTTP/1.1\r\ncontent-length:5\r\n\r\nabcde", Progress.WHOLE),
    "two lengths": (
        b"POST / HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n",
        Progress.WHOLE,
    ),
    "length not a number": (b"POST / HTTP/1.1\r\nContent-Length: -5\r\n\r\n", Progress.WHOLE),
    "over the limit": (b"POST / HTTP/1.1\r\nContent-Length: 1001\r\n\r\n", Progress.WHOLE),
    "chunk coming": (CHUNKED + b"5\r\nabcde\r\n", Progress.MORE),
    "chunks": (CHUNKED + b"5\r\nabcde\r\n0\r\n\r\n", Progress.WHOLE),
    "trailer coming": (CHUNKED + b"5;x=1\r\nabcde\r\n0\r\nT: 1\r\n", Progress.MORE),
    "trailer": (CHUNKED + b"5;x=1\r\nabcde\r\n0\r\nT: 1\r\n\r\n", Progress.WHOLE),
    "a chunk over the limit": (CHUNKED + b"3e9\r\n", Progress.WHOLE),
    "not a chunk size": (CHUNKED + b"zz\r\n", Progress.WHOLE),
    "not chunked last": (
        b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked, gzip\r\n\r\n",
        Progress.WHOLE,
    ),
    "chunked and a length": (
        b"POST / HTTP/1.1\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\nabc",
        Progress.MORE,
    ),
    "head too large": (b"GET / HTTP/1.1\r\nX: " + b"a" * 40_000, Progress.HEAD_TOO_LARGE),
}
"""What the reader makes of a request: wait for more, or hand it on. Whatever it does not
understand it hands on (gunicorn refuses it)."""
COMPLETE = {FRAMINGS[name][0] for name in ("head", "body", "chunks", "trailer")}


@pytest.mark.parametrize(("data", "expected"), FRAMINGS.values(), ids=FRAMINGS.keys())
def test_the_reader_finds_where_a_request_ends(data: bytes, expected: Progress) -> None:
    """The same answer for the bytes at once and a byte at a time (then, until the last
    byte, always "more")."""
    limits = ReadLimits(max_body=1000)
    whole = RequestReader(limits, bytearray(data))
    assert whole.progress() is expected
    reader = RequestReader(limits)
    seen = []
    for byte in data:
        reader.data.append(byte)
        seen.append(reader.progress())
        if seen[-1] is not Progress.MORE:
            break
    assert seen[-1] is expected
    assert set(seen[:-1]) <= {Progress.MORE}
    if expected is Progress.WHOLE:
        assert len(seen) == len(data)
    # Whole, or only handed on (gunicorn refuses it, or the app before reading the body).
    assert whole.complete is reader.complete is (data in COMPLETE)


# --- the login redirect -----------------------------------------------------------------

HOSTILE_NEXT = (
    "/\t/evil.example",
    "/\t/evil.example/panel",
    "//evil.example",
    "//evil.example/panel",
    "/\\evil.example",
    "\\\\evil.example",
    "/\\/evil.example",
    "https://evil.example",
    "https:evil.example",
    "http:/evil.example",
    "javascript:alert(1)",
    " //evil.example",
    "\x00//evil.example",
    "/\r\n/evil.example",
    "/\rSet-Cookie:x",
    "/\r\nSet-Cookie: x=1",
    "\r",
    "\n",
    "\t",
    "",
    " ",
    "/%2F/evil.example",
    "/%5Cevil.example",
    "/panel/../..//evil.example",
    "evil.example",
    "panel",
    "/no-such-page",
    "/logout",
    "/面板",
    "/panel\x7f",
    "/panel\x1b[31m",
    "/" * 3000,
)
"""``next`` values (as decoded by the server) that must not survive a login."""
LOCAL_NEXT = {"/panel": "/panel", "/panel/check": "/panel/check", "/": "/", "/scan": "/scan"}
"""Pages of this site: kept."""
DEFAULT = "/panel"


def _a_local_path(location: str) -> bool:
    """What a ``Location`` after login may be: a path on this site. No scheme or host, no
    second slash or backslash after the first (a browser reads ``//`` and ``/\\`` as
    another host), nothing a browser drops or a header splits on, ASCII only."""
    return (
        re.fullmatch(r"/[!-~]*", location) is not None
        and not location.startswith(("//", "/\\"))
        and "\\" not in location
    )


@pytest.fixture
def login_app(issued_home: IssuedHome, tmp_path: Path) -> Flask:
    instance = make_instance(tmp_path / "instance")
    return create_app(
        {
            "TRUST_LIST": str(issued_home.home.trust_list_path),
            "RATE_LIMIT_LOGIN": "10000/minute",
        },
        instance_path=str(instance),
    )


def _log_in(client: FlaskClient, target: str, *, in_query: bool) -> tuple[int, str | None]:
    token = csrf_of(client.get("/login").get_data(as_text=True))
    form = {"csrf_token": token, "username": "panel", "password": PASSWORD}
    if in_query:
        url = "/login?" + urllib.parse.urlencode({"next": target})
        response = client.post(url, data=form)
    else:
        response = client.post("/login", data=form | {"next": target})
    return response.status_code, response.headers.get("Location")


@pytest.mark.parametrize("in_query", [False, True], ids=["form", "query"])
def test_login_goes_only_to_a_page_of_this_site(login_app: Flask, in_query: bool) -> None:
    """Every hostile ``next`` (form field or query string) ends on the default page, never
    a 500; pages of this site are kept."""
    for target in HOSTILE_NEXT:
        status, location = _log_in(login_app.test_client(), target, in_query=in_query)
        assert (status, location) == (302, DEFAULT), repr(target)
    for target, expected in LOCAL_NEXT.items():
        status, location = _log_in(login_app.test_client(), target, in_query=in_query)
        assert (status, location) == (302, expected), repr(target)
        assert location is not None
        assert _a_local_path(location)


def test_the_login_page_offers_only_a_local_next(login_app: Flask) -> None:
    """The login form carries ``next`` on to its POST: a hostile one is not even offered."""
    client = login_app.test_client()
    for target in ("/\t/evil.example", "//evil.example", "/\r\nSet-Cookie:x"):
        page = client.get("/login?" + urllib.parse.urlencode({"next": target})).text
        assert 'name="next" value="/panel"' in page, repr(target)
    assert 'name="next" value="/panel/check"' in client.get("/login?next=/panel/check").text


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


def test_the_served_login_redirect_stays_on_this_site(
    issued_home: IssuedHome, tmp_path: Path
) -> None:
    """Over real HTTP, percent-encoded as a browser or an attacker sends them: a tab
    (``%09``, which a browser drops, making ``//evil.example``), CR LF (``%0d%0a``, a
    header split: a 500 after the session was made), a lone ``%0d``."""
    instance = make_instance(tmp_path / "instance")
    queries = (
        "/%09/evil.example",
        "/%0d%0aSet-Cookie:x",
        "%0d",
        "%2F%2Fevil.example",
        "/%5Cevil.example",
        "https%3A%2F%2Fevil.example",
    )
    extra = ("--instance", str(instance), "--rate-limit-login", "1000/minute")
    with serving(issued_home.home.root, "--workers", "1", *extra) as base:
        for query in (*queries, "/panel/check"):
            opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(), _NoRedirect)
            with opener.open(base + "/login", timeout=10) as page:
                token = csrf_of(page.read().decode())
            form = {"csrf_token": token, "username": "panel", "password": PASSWORD}
            request = urllib.request.Request(
                f"{base}/login?next={query}", data=urllib.parse.urlencode(form).encode()
            )
            try:
                with opener.open(request, timeout=10) as response:
                    status, location = response.status, response.headers.get("Location")
            except urllib.error.HTTPError as error:
                status, location = error.code, error.headers.get("Location")
            expected = "/panel/check" if query == "/panel/check" else DEFAULT
            assert (status, location) == (302, expected), query


# --- JSON nested too deep ---------------------------------------------------------------


@pytest.fixture
def client(issued_home: IssuedHome) -> FlaskClient:
    app = create_app({"TRUST_LIST": str(issued_home.home.trust_list_path)})
    return app.test_client()


def _nested(depth: int) -> Iterator[tuple[str, bytes]]:
    yield "arrays", b"[" * depth + b"]" * depth
    yield "open arrays", b"[" * depth
    yield "objects", b'{"qr":' * depth + b'"x"' + b"}" * depth
    yield "inside qr", b'{"qr":' + b"[" * depth + b"]" * depth + b"}"


@pytest.mark.parametrize("depth", [100_000, 5_000])
def test_json_nested_too_deep_is_a_400(client: FlaskClient, depth: int) -> None:
    """The JSON parser gives up on deep nesting with a RecursionError: a 400 with a reason
    code and a Chinese message, never a 500. Malformed JSON is the same 400."""
    for name, body in [*_nested(depth), ("malformed", b'{"qr": "CEC1:')]:
        response = client.post("/api/v1/verify", data=body, content_type="application/json")
        assert response.status_code == 400, name
        answer = response.get_json()
        assert answer["reason"] == "bad_json", name
        assert set(answer) == {"error", "reason", "message"}
        assert "JSON" in answer["message"]
        assert re.search(r"[\u4e00-\u9fff]", answer["message"]), answer["message"]
    # The HTML form answers the same mistake with the Chinese page.
    page = client.post("/", data=b"[" * depth, content_type="application/json")
    assert page.status_code == 400
    assert "JSON" in page.get_data(as_text=True)
    # Shallow nesting is an ordinary verification.
    shallow = client.post("/api/v1/verify", json={"qr": "CEC1:x", "deep": [[[[[]]]]]})
    assert shallow.status_code == 200
