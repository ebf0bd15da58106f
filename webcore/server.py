"""Serving a cecert web application (the verifier, the portal) with gunicorn: pre-forked
worker processes, a pool of threads in each, and every request read whole before a thread
is given to it.

gunicorn's workers, as they come, let slow clients stop the service: a *sync* worker reads
a request in the process that answers it, and the *gthread* worker gives each connection to
a thread that reads the request with blocking reads and no deadline (workers × threads
clients trickling a byte a second suffice). :class:`BufferingWorker` is gthread reading as
a buffering proxy does: its event loop (non-blocking sockets) reads each request — head,
then a body of declared length or a chunked one, up to the upload limit — and hands it to a
thread only once whole, for every request on a connection. Deadlines and sizes are
:class:`webcore.reading.ReadLimits` (408, 431 or 503 beyond, and the connection
closed). It also closes connections without blocking its event loop
(:meth:`BufferingWorker.linger`). The reader (:mod:`webcore.reading`) only finds where
a request ends; gunicorn parses it as before, and what the reader does not understand it
hands on at once. Why, measured, and what is left to a reverse proxy:
``docs/web-security.md`` ("Slow clients"), ``docs/reverse-proxy.md``.
"""

from __future__ import annotations

import contextlib
import errno
import selectors
import socket
import threading
import time
from dataclasses import dataclass
from functools import partial
from typing import Any, ClassVar

from flask import Flask
from gunicorn import http
from gunicorn.app.base import BaseApplication
from gunicorn.workers.gthread import TConn, ThreadWorker

from webcore.reading import MAX_BODY, Progress, ReadLimits, RequestReader

THREADS = 4
"""Threads per worker process, by default."""
LINGER = 2.0
"""Seconds a closed connection's last bytes from the client are still read and dropped, so
that closing does not reset the connection before the client has read its answer
(gunicorn's ``close_graceful``, which waits for them in the event loop itself)."""
_READ_SIZE = 256 * 1024
_CONTINUE = b"HTTP/1.1 100 Continue\r\n\r\n"
_REFUSALS = {
    408: ("Request Timeout", "请求超时：请求未在限定时间内发送完毕。(request timed out)"),
    431: ("Request Header Fields Too Large", "请求头过大。(request header fields too large)"),
    503: ("Service Unavailable", "服务繁忙，请稍后再试。(server busy, try again later)"),
}


def _refusal(code: int) -> bytes:
    """A whole answer, written by the event loop itself: the connection is closed after it."""
    phrase, message = _REFUSALS[code]
    body = (message + "\n").encode()
    head = (
        f"HTTP/1.1 {code} {phrase}\r\nContent-Type: text/plain; charset=utf-8\r\n"
        f"Content-Length: {len(body)}\r\nCache-Control: no-store\r\n"
        "X-Content-Type-Options: nosniff\r\nConnection: close\r\n\r\n"
    )
    return head.encode() + body


class _Connection(TConn):  # type: ignore[misc]
    """gthread's connection, whose graceful close is left to the worker's event loop
    (:meth:`BufferingWorker.linger`): gunicorn's own closes with blocking reads, up to 2 s
    in the event loop, while a client that neither reads nor closes stops everything."""

    def __init__(self, worker: BufferingWorker, *args: Any) -> None:
        self.worker = worker
        self.body_unread = False
        """Its request was handed on before its body had come (declared too large, or not
        understood): the connection is closed after the answer, not drained."""
        super().__init__(*args)

    def close(self, graceful: bool = False) -> None:
        if graceful and threading.current_thread() is threading.main_thread():
            self.worker.linger(self.sock)
        else:
            super().close(graceful)


@dataclass
class _Lingering:
    sock: socket.socket
    deadline: float
    drained: int = 0


@dataclass
class _Incoming:
    conn: Any
    """gunicorn's ``TConn``."""
    reader: RequestReader
    started: float
    last_read: float
    registered: bool = False
    continued: bool = False

    def deadline(self) -> float:
        limits = self.reader.limits
        if self.reader.head_end < 0:
            return self.started + limits.header_timeout
        return min(self.started + limits.request_timeout, self.last_read + limits.body_timeout)


class BufferingWorker(ThreadWorker):  # type: ignore[misc]
    """gunicorn's gthread worker whose event loop reads every request whole before a
    thread is given to it (see the module's docstring).

    It overrides gthread's ``accept``, ``enqueue_req``, ``_keepalive_after`` and
    ``murder_keepalived`` and uses its ``TConn``: gunicorn 27's, pinned in
    ``pyproject.toml``. A gunicorn upgrade needs ``tests/web/test_hostile_clients.py`` to pass
    again."""

    limits: ClassVar[ReadLimits] = ReadLimits(max_body=MAX_BODY)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._incoming: dict[Any, _Incoming] = {}
        self._held = 0
        self._lingering: dict[socket.socket, _Lingering] = {}

    def accept(self, listener: socket.socket) -> None:
        """gthread's ``accept``, making connections of :class:`_Connection`."""
        try:
            sock, client = listener.accept()
        except OSError as exc:
            if exc.errno not in (errno.EAGAIN, errno.ECONNABORTED, errno.EWOULDBLOCK):
                raise
            return
        self.nr_conns += 1
        self.enqueue_req(_Connection(self, self.cfg, sock, client, listener.getsockname()))

    def enqueue_req(self, conn: Any) -> None:
        """Called by gthread, on the event loop, for a new connection, for a kept-alive one
        that became readable and for one whose next request was already read in part:
        read the request whole first."""
        if self.cfg.is_ssl:  # the TLS handshake happens in gthread's thread
            super().enqueue_req(conn)
            return
        pending = conn.parser.unreader.take_buffered() if conn.parser is not None else b""
        now = time.monotonic()
        reader = RequestReader(self.limits, bytearray(pending))
        incoming = _Incoming(conn, reader, started=now, last_read=now)
        self._incoming[conn] = incoming
        self._held += len(pending)
        conn.sock.setblocking(False)
        self._advance(incoming)

    def _on_readable(self, incoming: _Incoming, _sock: socket.socket) -> None:
        room = self.limits.buffer_budget - self._held
        try:
            data = incoming.conn.sock.recv(max(1, min(_READ_SIZE, room)))
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            data = b""
        if not data:  # the client went away
            self._drop(incoming, None)
            return
        if len(data) > room:
            self._drop(incoming, _refusal(503))
            return
        incoming.reader.data += data
        incoming.last_read = time.monotonic()
        self._held += len(data)
        self._advance(incoming)

    def _advance(self, incoming: _Incoming) -> None:
        progress = incoming.reader.progress()
        if progress is Progress.WHOLE:
            self._hand_over(incoming)
        elif progress is Progress.HEAD_TOO_LARGE:
            self._drop(incoming, _refusal(431))
        else:
            if incoming.reader.expects_continue and not incoming.continued:
                incoming.continued = True  # gunicorn may send one more later: allowed
                _send(incoming.conn.sock, _CONTINUE)
            if not incoming.registered:
                incoming.registered = True
                callback = partial(self._on_readable, incoming)
                self.poller.register(incoming.conn.sock, selectors.EVENT_READ, callback)

    def _forget(self, incoming: _Incoming) -> None:
        del self._incoming[incoming.conn]
        self._held -= len(incoming.reader.data)
        if incoming.registered:
            self.poller.unregister(incoming.conn.sock)

    def _hand_over(self, incoming: _Incoming) -> None:
        self._forget(incoming)
        conn = incoming.conn
        if conn.parser is None:
            conn.parser = http.get_parser(self.cfg, conn.sock, conn.client)
        conn.parser.unreader.unread(bytes(incoming.reader.data))
        conn.data_ready = True  # gthread's thread need not wait for a first byte
        if isinstance(conn, _Connection):
            conn.body_unread = not incoming.reader.complete
        super().enqueue_req(conn)

    def _keepalive_after(self, conn: Any, keepalive: bool) -> bool:
        """After an answer, in the thread: gthread reads what is left of an unread body, for
        up to 5 s, to keep the connection. A body not read whole by the event loop is
        trickled at the client's will: close instead, and linger on the event loop."""
        if isinstance(conn, _Connection) and conn.body_unread:
            return False
        return bool(super()._keepalive_after(conn, keepalive))

    def _drop(self, incoming: _Incoming, answer: bytes | None) -> None:
        """Close a connection whose request did not come, after ``answer`` if any."""
        self._forget(incoming)
        self.nr_conns -= 1
        if answer is None:
            incoming.conn.close()
        else:
            _send(incoming.conn.sock, answer)
            self.linger(incoming.conn.sock)

    def linger(self, sock: socket.socket) -> None:
        """Close ``sock`` after its answer: send the end of the stream now, then read and
        drop what the client still sends, until it closes, :data:`LINGER` seconds have
        passed or 64 KiB have come (on the event loop, without waiting)."""
        try:
            sock.shutdown(socket.SHUT_WR)
            sock.setblocking(False)
        except OSError:
            sock.close()
            return
        lingering = _Lingering(sock, time.monotonic() + LINGER)
        self._lingering[sock] = lingering
        self.poller.register(sock, selectors.EVENT_READ, partial(self._drain, lingering))

    def _drain(self, lingering: _Lingering, _sock: socket.socket) -> None:
        try:
            data = lingering.sock.recv(65536)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            data = b""
        lingering.drained += len(data)
        if not data or lingering.drained >= 65536:
            self._end_linger(lingering)

    def _end_linger(self, lingering: _Lingering) -> None:
        del self._lingering[lingering.sock]
        self.poller.unregister(lingering.sock)
        lingering.sock.close()

    def murder_keepalived(self, force: bool = False) -> None:
        """gthread calls this on every turn of its event loop: also cut off requests past
        their deadline, and every unfinished one when the worker stops; end lingering."""
        super().murder_keepalived(force)
        now = time.monotonic()
        stopping = force or not self.alive
        for incoming in list(self._incoming.values()):
            if stopping:
                self._drop(incoming, None)
            elif now >= incoming.deadline():
                self._drop(incoming, _refusal(408))
        for lingering in list(self._lingering.values()):
            if stopping or now >= lingering.deadline:
                self._end_linger(lingering)


def _send(sock: socket.socket, data: bytes) -> None:
    """Best effort, never blocking: a client that does not read loses the answer."""
    with contextlib.suppress(OSError):
        sock.send(data)


class _Server(BaseApplication):  # type: ignore[misc]
    def __init__(self, app: Flask, options: dict[str, Any]) -> None:
        self._app = app
        self._options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self._options.items():
            self.cfg.set(key, value)

    def load(self) -> Flask:
        return self._app


def serve(
    app: Flask,
    *,
    host: str,
    port: int,
    workers: int = 2,
    threads: int = THREADS,
    limits: ReadLimits | None = None,
) -> None:
    """Serve ``app`` on ``host:port`` until interrupted, with ``workers`` processes of
    ``threads`` threads each (:class:`BufferingWorker`). Workers are forked after the app
    (the verifier's: with its trust list) is loaded; each opens its own connections (the
    verifier's: its read-only registry connection). ``limits``: by default the module's, with
    the app's ``MAX_CONTENT_LENGTH`` (else :data:`webcore.reading.MAX_BODY`)."""
    if limits is None:
        limits = ReadLimits(max_body=int(app.config.get("MAX_CONTENT_LENGTH") or MAX_BODY))
    worker = type("CecertWorker", (BufferingWorker,), {"limits": limits})
    options = {
        "bind": f"{host}:{port}",
        "workers": workers,
        "worker_class": worker,
        "threads": threads,
        "accesslog": None,
        "errorlog": "-",
        "loglevel": "warning",
        "limit_request_line": 8190,
        "limit_request_fields": 50,
        "timeout": 30,
        "keepalive": 5,
    }
    _Server(app, options).run()
