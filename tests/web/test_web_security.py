"""The web service's defences: rate limits (across gunicorn workers), security headers,
upload and decompression limits, logs without personal data, error pages without detail.

Rate limits and logs are tested on a real `cecert serve` (gunicorn, 2 workers, real HTTP);
headers and error pages also through the Flask test client, route by route."""

from __future__ import annotations

import contextlib
import http.client
import http.cookiejar
import json
import os
import re
import socket
import struct
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from registry.payload import decode_payload
from tests.conftest import IssuedHome
from tests.support.paths import ROOT
from verifier.pdflimits import MAX_DECODED_BYTES, check_pdf_limits
from verifier.web import create_app
from verifier.web.views import CONTENT_SECURITY_POLICY
from webcore import Rate, RateLimiter, WebError

TEMPLATES = ROOT / "verifier" / "web" / "templates"
ROUTES = (
    "/",
    "/scan",
    "/sw.js",
    "/offline/trust.json",
    "/offline/policies.json",
    "/offline/snapshot",
    "/static/style.css",
    "/login",
    "/panel",
    "/no-such-page",
)


# --- a real server whose output is kept ---------------------------------------------------


@dataclass
class Server:
    base: str
    log: Path
    port: int
    pid: int
    """The gunicorn arbiter's; its children are the workers."""

    def output(self) -> str:
        return self.log.read_text("utf-8", errors="replace")


@contextmanager
def server(home: Path, log: Path, *extra: str) -> Iterator[Server]:
    """`cecert serve` for ``home`` with 2 workers, its stdout and stderr kept in ``log``."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if not k.startswith("CECERT_")}
    command = [sys.executable, "-m", "cecert", "serve", "--home", str(home)]
    command += ["--port", str(port), "--workers", "2", *extra]
    base = f"http://127.0.0.1:{port}"
    with log.open("wb") as out:
        process = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT)
        try:
            for _ in range(150):
                try:
                    urllib.request.urlopen(base + "/", timeout=1).close()
                    break
                except OSError:
                    time.sleep(0.1)
            yield Server(base, log, port, process.pid)
        finally:
            process.terminate()
            process.wait(timeout=10)


def post(
    url: str, data: bytes, content_type: str, *, opener: urllib.request.OpenerDirector | None = None
) -> tuple[int, dict[str, str], bytes]:
    """POST over real HTTP; the status, headers and body, whatever the status."""
    request = urllib.request.Request(url, data=data, headers={"Content-Type": content_type})
    try:
        with (opener or urllib.request.build_opener()).open(request, timeout=30) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def post_declaring(port: int, path: str, size: int, content_type: str) -> tuple[int, bytes]:
    """Send only the headers of a POST whose body would be ``size`` bytes, and read the
    answer: the server must refuse from the declared length, before reading any body.
    (Sending the body too races the server closing the connection: a broken pipe.)"""
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(
            f"POST {path} HTTP/1.1\r\nHost: localhost\r\nContent-Type: {content_type}\r\n"
            f"Content-Length: {size}\r\nConnection: close\r\n\r\n".encode()
        )
        response = http.client.HTTPResponse(sock)
        response.begin()
        return response.status, response.read()


def post_json(url: str, value: object) -> tuple[int, dict[str, str], bytes]:
    return post(url, json.dumps(value).encode(), "application/json")


# --- rate limits ------------------------------------------------------------------------


def worker_of(running: Server, connection: http.client.HTTPConnection) -> int:
    """The gunicorn worker process that holds the server's end of ``connection`` (Linux:
    the socket's inode in ``/proc/net/tcp``, looked for among the workers' descriptors)."""
    assert connection.sock is not None
    client_port = connection.sock.getsockname()[1]
    inodes = [
        fields[9]
        for fields in (line.split() for line in Path("/proc/net/tcp").read_text().splitlines())
        if fields[1].endswith(f":{running.port:04X}") and fields[2].endswith(f":{client_port:04X}")
    ]
    assert len(inodes) == 1, inodes
    children = Path(f"/proc/{running.pid}/task/{running.pid}/children").read_text().split()
    for child in children:
        for descriptor in Path(f"/proc/{child}/fd").iterdir():
            with contextlib.suppress(OSError):
                if os.readlink(descriptor) == f"socket:[{inodes[0]}]":
                    return int(child)
    raise AssertionError("no worker holds the connection")


def _verify_on(
    connection: http.client.HTTPConnection, payload: str
) -> tuple[int, http.client.HTTPMessage, bytes]:
    body = json.dumps({"qr": payload}).encode()
    connection.request("POST", "/api/v1/verify", body, {"Content-Type": "application/json"})
    response = connection.getresponse()
    return response.status, response.headers, response.read()


def test_verify_is_limited_across_two_workers(issued_home: IssuedHome, tmp_path: Path) -> None:
    """With 5 a minute: 5 verifications answered by one worker, then a 6th answered by the
    *other* worker is refused. Counters per process would have let it through. (Which
    worker holds a kept-alive connection is read from ``/proc``.)"""
    payload = issued_home.documents[0].payload
    with server(
        issued_home.home.root, tmp_path / "log", "--rate-limit-verify", "5/minute"
    ) as running:
        by_worker: dict[int, http.client.HTTPConnection] = {}
        for _ in range(50):
            connection = http.client.HTTPConnection("127.0.0.1", running.port, timeout=30)
            connection.request("GET", "/scan")
            connection.getresponse().read()
            worker = worker_of(running, connection)
            if worker in by_worker:
                connection.close()
            by_worker.setdefault(worker, connection)
            if len(by_worker) == 2:
                break
        assert len(by_worker) == 2
        first, other = by_worker.values()
        assert [_verify_on(first, payload)[0] for _ in range(5)] == [200] * 5
        status, headers, body = _verify_on(other, payload)
        for connection in by_worker.values():
            connection.close()
        assert status == 429
        refused = json.loads(body)
        assert refused["reason"] == "rate_limited"
        assert set(refused) == {"error", "reason", "message"}
        assert 1 <= int(headers["Retry-After"]) <= 12
        # The HTML form spends the same bucket; its refusal is a Chinese page.
        status, page_headers, page = post(
            running.base + "/",
            urllib.parse.urlencode({"qr": payload}).encode(),
            "application/x-www-form-urlencoded",
        )
        assert status == 429
        assert "请求过于频繁" in page.decode()
        assert int(page_headers["Retry-After"]) >= 1
        # Reading is not limited.
        assert urllib.request.urlopen(running.base + "/scan", timeout=10).status == 200


def test_login_is_limited(issued_home: IssuedHome, tmp_path: Path) -> None:
    """With 3 a minute: 3 wrong passwords are answered 401, the 4th attempt 429, however
    right its CSRF token."""
    instance = tmp_path / "instance"
    instance.mkdir()
    secret = instance / "secret_key"
    secret.write_bytes(os.urandom(48))
    secret.chmod(0o600)
    with server(
        issued_home.home.root,
        tmp_path / "log",
        "--instance",
        str(instance),
        "--rate-limit-login",
        "3/minute",
    ) as running:
        jar = http.cookiejar.CookieJar()
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        with opener.open(running.base + "/login", timeout=10) as page:
            token = re.search(r'name="csrf_token" value="([^"]+)"', page.read().decode())
        assert token is not None
        form = {"csrf_token": token.group(1), "username": "panel1", "password": "wrong " * 3}
        data = urllib.parse.urlencode(form).encode()
        kind = "application/x-www-form-urlencoded"
        statuses = [post(running.base + "/login", data, kind, opener=opener) for _ in range(4)]
        assert [status for status, _, _ in statuses] == [401, 401, 401, 429]
        _, headers, body = statuses[3]
        assert int(headers["Retry-After"]) >= 1
        assert "请求过于频繁" in body.decode()


def test_a_bucket_refills_evenly_and_says_when(tmp_path: Path) -> None:
    limiter = RateLimiter(tmp_path / "limits.sqlite", {"verify": Rate.from_text("5/minute")})
    at = 1_000_000.0
    assert all(limiter.hit("verify", "10.0.0.1", at=at).allowed for _ in range(5))
    refused = limiter.hit("verify", "10.0.0.1", at=at + 1)
    assert not refused.allowed
    assert refused.retry_after == 11  # one token every 12 s; 1 s has passed
    assert limiter.hit("verify", "10.0.0.2", at=at + 1).allowed  # another client
    assert limiter.hit("verify", "10.0.0.1", at=at + 12).allowed
    assert not limiter.hit("verify", "10.0.0.1", at=at + 12).allowed
    # A second limiter on the same file (another worker) sees the same counters.
    other = RateLimiter(tmp_path / "limits.sqlite", {"verify": Rate.from_text("5/minute")})
    assert not other.hit("verify", "10.0.0.1", at=at + 13).allowed


@pytest.mark.parametrize("text", ["", "60", "0/minute", "5/fortnight", "-1/second", "x/hour"])
def test_a_malformed_rate_stops_the_app(text: str, issued_home: IssuedHome) -> None:
    with pytest.raises(WebError) as caught:
        create_app({"TRUST_LIST": str(issued_home.home.trust_list_path), "RATE_LIMIT_VERIFY": text})
    assert caught.value.reason == "bad_config"
    assert str(Rate.from_text(" 60 / minute ")) == "60/minute"


def test_forwarded_addresses_count_only_behind_a_configured_proxy(
    issued_home: IssuedHome,
) -> None:
    """Without ``PROXY_FIX`` a client cannot escape its limit by sending X-Forwarded-For;
    with ``PROXY_FIX=1`` each forwarded client has its own limit."""
    payload = {"qr": issued_home.documents[0].payload}

    def statuses(app: Flask, forwarded: list[str]) -> list[int]:
        client = app.test_client()
        return [
            client.post(
                "/api/v1/verify",
                json=payload,
                headers={"X-Forwarded-For": address},
                environ_base={"REMOTE_ADDR": "192.0.2.1"},
            ).status_code
            for address in forwarded
        ]

    config = {"TRUST_LIST": str(issued_home.home.trust_list_path), "RATE_LIMIT_VERIFY": "2/hour"}
    spoofed = ["10.0.0.1", "10.0.0.2", "10.0.0.3"]
    assert statuses(create_app(config), spoofed) == [200, 200, 429]
    behind_proxy = create_app(config | {"PROXY_FIX": 1})
    assert statuses(behind_proxy, spoofed) == [200, 200, 200]
    assert statuses(behind_proxy, ["10.0.0.9, 10.0.0.1"] * 3)[-1] == 429


# --- headers ----------------------------------------------------------------------------


@pytest.fixture
def app(issued_home: IssuedHome) -> Flask:
    return create_app(
        {
            "TRUST_LIST": str(issued_home.home.trust_list_path),
            "REGISTRY": str(issued_home.home.registry_path),
            "SECRET_KEY": "k" * 48,
        }
    )


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def _responses(client: FlaskClient, payload: str) -> Iterator[tuple[str, object]]:
    for route in ROUTES:
        yield route, client.get(route)
    yield "POST /api/v1/verify", client.post("/api/v1/verify", json={"qr": payload})
    yield "POST /", client.post("/", data={"qr": payload})
    yield "PUT /api/v1/verify", client.put("/api/v1/verify")
    yield "POST /api/v1/verify (nothing)", client.post("/api/v1/verify", json={})


def test_security_headers_on_every_route(client: FlaskClient, issued_home: IssuedHome) -> None:
    for route, response in _responses(client, issued_home.documents[0].payload):
        headers = response.headers  # type: ignore[attr-defined]
        assert headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY, route
        assert "script-src 'self';" in headers["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
        assert headers["X-Content-Type-Options"] == "nosniff", route
        assert headers["Referrer-Policy"] == "no-referrer", route
        assert headers["Cross-Origin-Opener-Policy"] == "same-origin", route
        camera = "camera=(self)" if route == "/scan" else "camera=()"
        assert camera in headers["Permissions-Policy"], route
        if route.startswith("/static/"):
            assert headers.get("Cache-Control") != "no-store", route
        elif route.startswith("/offline/") and response.status_code == 200:  # type: ignore[attr-defined]
            # Public signed data the phone page keeps offline: revalidated on every fetch
            # (ETag), so that a new trust list or snapshot reaches it at once.
            assert headers["Cache-Control"] == "no-cache", route
            assert headers["ETag"], route
        else:
            assert headers["Cache-Control"] == "no-store", route
        assert "Strict-Transport-Security" not in headers, route
        response.close()  # type: ignore[attr-defined]


def test_hsts_only_when_configured(issued_home: IssuedHome) -> None:
    app = create_app(
        {"TRUST_LIST": str(issued_home.home.trust_list_path), "HSTS_MAX_AGE": 31536000}
    )
    for route in ("/", "/no-such-page", "/static/style.css"):
        with app.test_client().get(route) as response:
            assert response.headers["Strict-Transport-Security"] == "max-age=31536000"


def test_templates_carry_no_inline_script_or_style() -> None:
    """The CSP forbids inline script and style; a template that used them would break."""
    for template in TEMPLATES.glob("*.html"):
        html = template.read_text("utf-8")
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), template.name
        assert not re.search(r"<style\b|\sstyle=|\son[a-z]+=|javascript:", html), template.name


# --- upload and decompression limits ------------------------------------------------------


def test_an_upload_over_6_mb_is_refused_with_413(issued_home: IssuedHome, tmp_path: Path) -> None:
    size = 6 * 1024 * 1024 + 10
    with server(issued_home.home.root, tmp_path / "log") as running:
        status, body = post_declaring(running.port, "/api/v1/verify", size, "application/pdf")
        assert status == 413
        assert json.loads(body)["reason"] == "too_large"
        kind = "multipart/form-data; boundary=cecert"
        status, page = post_declaring(running.port, "/", size, kind)
        assert status == 413
        assert "上传的文件过大" in page.decode()
        # A body that comes without a declared length is cut off at the limit all the same.
        connection = http.client.HTTPConnection("127.0.0.1", running.port, timeout=30)
        chunks = (b"0" * 65536 for _ in range(200))
        try:
            connection.request(
                "POST",
                "/api/v1/verify",
                body=chunks,
                encode_chunked=True,
                headers={"Content-Type": "application/pdf"},
            )
            answer = connection.getresponse()
            assert answer.status == 413
        except (BrokenPipeError, ConnectionResetError):
            pass  # refused before the whole body was sent: also a refusal
        finally:
            connection.close()


def _with_bomb(pdf: bytes, stream: bytes, filters: bytes = b"/FlateDecode") -> bytes:
    """The genuine certificate with an incremental update appending one more stream."""
    update = b"\n99 0 obj\n<< /Length %d /Filter %s >>\nstream\n" % (len(stream), filters)
    return pdf + update + stream + b"\nendstream\nendobj\n"


def _zeros_deflated(size: int) -> bytes:
    deflater = zlib.compressobj(9)
    chunk = bytes(1 << 20)
    return b"".join(deflater.compress(chunk) for _ in range(size >> 20)) + deflater.flush()


def test_a_genuine_certificate_is_within_the_limits(issued_home: IssuedHome) -> None:
    for document in issued_home.documents[:3]:
        assert check_pdf_limits(issued_home.pdf(document).read_bytes()) is None


def test_a_decompression_bomb_pdf_is_refused_quickly(
    client: FlaskClient, issued_home: IssuedHome
) -> None:
    pdf = issued_home.pdf(issued_home.documents[0]).read_bytes()
    flat = _zeros_deflated(200 << 20)  # 200 MiB of zeros in ~200 kB
    stacked = zlib.compress(zlib.compress(bytes(64 << 20), 9), 9)  # 64 MiB in ~1 kB
    bombs = {
        "flate": _with_bomb(pdf, flat),
        "stacked": _with_bomb(pdf, stacked, b"[/FlateDecode /FlateDecode]"),
        "indirect filter": _with_bomb(pdf, flat, b"12 0 R"),
    }
    for name, bomb in bombs.items():
        assert len(bomb) < 1024 * 1024
        started = time.perf_counter()
        response = client.post("/api/v1/verify", data=bomb, content_type="application/pdf")
        elapsed = time.perf_counter() - started
        body = response.get_json()
        assert body["verdict"] == "invalid", name
        assert body["reasons"] == ["pdf_decompression_limit"], name
        assert elapsed < 2.0, f"{name}: {elapsed:.2f} s"
    hidden = _with_bomb(pdf, stacked.hex().encode() + b">", b"[/AHx /Fl /Fl]")
    assert check_pdf_limits(hidden) is not None
    escaped = _with_bomb(pdf, stacked.hex().encode() + b">", b"[/A#48x /Fl /Fl]")
    refused = check_pdf_limits(escaped)
    assert refused is not None
    assert refused.reason == "pdf_unsupported_filter"
    # Just under the bound is not refused for its size.
    assert check_pdf_limits(_with_bomb(pdf, _zeros_deflated(MAX_DECODED_BYTES // 2))) is None


def _png(width: int, height: int) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    deflater = zlib.compressobj(9)
    row = bytes(width + 1)
    pixels = b"".join(deflater.compress(row) for _ in range(height)) + deflater.flush()
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


@pytest.mark.parametrize(("width", "height"), [(7000, 7000), (10000, 10000), (20000, 20000)])
def test_an_image_bomb_is_refused(client: FlaskClient, width: int, height: int) -> None:
    """Over our 40 million pixels, over Pillow's warning limit, over its error limit: each
    is the verdict ``image_too_large``, before a pixel is decoded."""
    image = _png(width, height)
    assert len(image) < 512 * 1024
    started = time.perf_counter()
    response = client.post("/api/v1/verify", data=image, content_type="image/png")
    assert time.perf_counter() - started < 1.0
    # A photo too large to read is a mistake to fix, not a forgery: "could not verify".
    assert response.get_json()["verdict"] == "indeterminate"
    assert response.get_json()["reasons"] == ["image_too_large"]


# --- error pages and logs -----------------------------------------------------------------

SECRET = "110101199003074514 张三 /work/secret/path.py"


def _failing_app(issued_home: IssuedHome) -> Flask:
    app = create_app({"TRUST_LIST": str(issued_home.home.trust_list_path)})

    def fail() -> str:
        raise RuntimeError(SECRET)

    app.add_url_rule("/api/v1/fail", "fail_api", fail)
    app.add_url_rule("/fail", "fail_page", fail)
    return app


def test_error_pages_carry_no_detail(
    issued_home: IssuedHome, caplog: pytest.LogCaptureFixture
) -> None:
    app = _failing_app(issued_home)
    app.config["MAX_CONTENT_LENGTH"] = 1000
    client = app.test_client()
    cases = {
        ("GET", "/api/v1/fail"): (500, "internal_error"),
        ("GET", "/fail"): (500, None),
        ("GET", "/api/v1/nothing"): (404, "not_found"),
        ("GET", "/nothing"): (404, None),
        ("GET", "/api/v1/verify"): (405, "method_not_allowed"),
        ("PUT", "/"): (405, None),
        ("POST", "/api/v1/verify"): (413, "too_large"),
        ("POST", "/"): (413, None),
    }
    for (method, path), (code, reason) in cases.items():
        data = b"x" * 5000 if code == 413 else None
        response = client.open(path, method=method, data=data, content_type="application/pdf")
        text = response.get_data(as_text=True)
        assert response.status_code == code, path
        for leak in ("Traceback", "RuntimeError", "110101199003074514", "张三", "/work", ".py"):
            assert leak not in text, (path, leak)
        if reason is None:
            assert response.mimetype == "text/html"
            assert f"错误 {code}" in text
        else:
            assert response.get_json() == {
                "error": response.get_json()["error"],
                "reason": reason,
                "message": response.get_json()["message"],
            }
        if code == 405:
            assert "POST" in response.headers["Allow"] or "GET" in response.headers["Allow"]
    logged = caplog.text
    assert "unexpected error in fail_api: RuntimeError" in logged
    assert "110101199003074514" not in logged
    assert "张三" not in logged


def test_the_real_server_logs_no_personal_data(fresh_home: IssuedHome, tmp_path: Path) -> None:
    """Verifications of real certificates, garbage carrying a name and an ID number, a
    too-large upload, a refused rate, a registry file destroyed under the running server
    (status becomes indeterminate, ``bad_registry`` or ``registry_damaged``): the server's
    whole output names nobody."""
    documents = fresh_home.documents[:3]
    claims = [decode_payload(d.payload).claims for d in documents]
    secrets = {d.id_number for d in documents} | {c.name for c in claims}
    secrets |= {c.masked_id for c in claims} | {d.payload[:40] for d in documents}
    with server(
        fresh_home.home.root, tmp_path / "log", "--rate-limit-verify", "12/minute"
    ) as running:
        api = running.base + "/api/v1/verify"
        for document, claim in zip(documents, claims, strict=True):
            pdf = fresh_home.pdf(document).read_bytes()
            assert post(api, pdf, "application/pdf")[0] == 200
            garbage = f"CEC1:{document.id_number} {claim.name}"
            assert post_json(api, {"qr": garbage})[0] == 200
            assert post_declaring(running.port, "/api/v1/verify", 7 << 20, "text/plain")[0] == 413
        registry = fresh_home.home.registry_path
        for suffix in ("-wal", "-shm"):
            Path(str(registry) + suffix).unlink(missing_ok=True)
        registry.write_bytes(b"not a database " * 1000)
        # 9 of the 12 verifications of the minute are spent: 3 answered, then refused.
        answers = [post_json(api, {"qr": d.payload}) for d in [*documents, documents[0]]]
        assert [status for status, _, _ in answers[:-1]] == [200] * (len(answers) - 1)
        assert answers[-1][0] == 429
        for _, _, raw in answers[:-1]:
            body = json.loads(raw)
            assert body["verdict"] == "indeterminate", body
            # A thread that had the file open reads a malformed file (registry_damaged),
            # one that opens it now finds no database (bad_registry).
            assert {"bad_registry", "registry_damaged"} & set(body["reasons"]), body
        output = running.output()
    for secret in secrets:
        assert secret not in output, secret
    assert "Traceback" not in output
