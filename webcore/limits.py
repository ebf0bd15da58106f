"""Rate limits (login, and whatever else an application limits: the verifier's
verification), shared by every worker process of one server.

gunicorn forks several workers; a counter in each worker's memory would multiply every limit
by the number of workers. The counters live instead in one small SQLite file (stdlib
``sqlite3``: a token bucket per client and action, read, refilled and spent by one
statement under the file's write lock, so two workers never both spend the last token). No
external server is needed; the file holds client addresses and counters only, never request
content.

Limited (``POST`` only): ``auth.login`` has the ``login`` bucket (``RATE_LIMIT_LOGIN``,
default ``10/minute``), in every application; an application names its own buckets and
endpoints to :func:`init_app` (the web verifier: ``verify.verify_page`` and
``verify.verify_api`` share the ``verify`` bucket, ``RATE_LIMIT_VERIFY``, default
``60/minute``). A refused request is answered 429 with ``Retry-After``, which the
application renders (the verifier's :mod:`verifier.web.views`: JSON under ``/api/``, a
Chinese page elsewhere).

The client is ``request.remote_addr``. Behind a reverse proxy every request comes from the
proxy's address: set ``PROXY_FIX`` to the number of proxies in front of the app, and
werkzeug's ``ProxyFix`` takes the client from the last ``PROXY_FIX`` entries of
``X-Forwarded-For`` (and the scheme from ``X-Forwarded-Proto``). Without ``PROXY_FIX`` the
header is ignored: a client could otherwise name any address and escape its limit.

Security: the limiter fails closed. If the counter file cannot be written the request is
refused (503), not let through unlimited.
"""

from __future__ import annotations

import contextlib
import math
import os
import re
import sqlite3
import tempfile
import threading
import time
import weakref
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from flask import Flask, current_app, request
from werkzeug.exceptions import ServiceUnavailable, TooManyRequests
from werkzeug.middleware.proxy_fix import ProxyFix

from webcore.errors import WebError

LIMITER = "cecert.limiter"
LIMITED = "cecert.limited"
"""``app.extensions`` key of the app's endpoint → bucket mapping."""
DEFAULT_LOGIN = "10/minute"
LOGIN_BUCKETS: Mapping[str, str] = {"login": "RATE_LIMIT_LOGIN"}
"""Bucket → the configuration key of its rate, in every application."""
LOGIN_ENDPOINTS: Mapping[str, str] = {"auth.login": "login"}
"""Endpoint → bucket, in every application."""
_PERIODS = {"second": 1, "minute": 60, "hour": 3600, "day": 86400}
_RATE = re.compile(r"\s*(\d+)\s*/\s*(second|minute|hour|day)\s*")


@dataclass(frozen=True, slots=True)
class Rate:
    """At most ``count`` requests per ``period`` seconds, refilled evenly (token bucket: a
    client that waited a whole period may send ``count`` at once, never more)."""

    count: int
    period: int
    """Seconds."""

    @classmethod
    def from_text(cls, text: str) -> Rate:
        """Parse ``"60/minute"`` (``second``, ``minute``, ``hour``, ``day``); ``WebError``
        ``bad_config`` otherwise, or for a count of 0."""
        match = _RATE.fullmatch(text) if isinstance(text, str) else None
        if match is None or int(match.group(1)) < 1:
            raise WebError(
                "bad_config", f"rate limit {text!r} is not of the form '60/minute' (count ≥ 1)"
            )
        return cls(int(match.group(1)), _PERIODS[match.group(2)])

    def __str__(self) -> str:
        unit = next(name for name, seconds in _PERIODS.items() if seconds == self.period)
        return f"{self.count}/{unit}"


@dataclass(frozen=True, slots=True)
class Decision:
    """The answer for one request: allowed, or refused with when to try again."""

    allowed: bool
    retry_after: int
    """Whole seconds until one request will be allowed again (0 when allowed)."""


class RateLimiter:
    """Token buckets in a SQLite file, safe across processes and threads.

    Each process and thread keeps one connection (a connection must not cross a ``fork``:
    it is opened again in a process whose id differs from the one that opened it). Opening
    and closing one per request cost ~0.8 ms CPU and several ms of wall time, closing
    checkpoints the WAL. The bucket is read, refilled and spent by one statement, which
    serialises workers on the file's write lock (:meth:`hit`).
    """

    def __init__(self, path: Path, rates: dict[str, Rate]) -> None:
        self.path = path
        self.rates = dict(rates)
        self._local = threading.local()
        db = self._connect()
        try:
            db.execute(
                "CREATE TABLE IF NOT EXISTS buckets (key TEXT PRIMARY KEY, "
                "tokens REAL NOT NULL, updated REAL NOT NULL)"
            )
            db.execute("CREATE INDEX IF NOT EXISTS buckets_updated ON buckets (updated)")
        finally:
            db.close()

    def _connect(self) -> sqlite3.Connection:
        # The counters are not worth an fsync: with synchronous=NORMAL every WAL checkpoint
        # flushed the file to disk inside a request (verify p99 8.7 ms against 2.4 ms with
        # the file on tmpfs). A crash of the server loses nothing that matters; a power
        # loss may leave the file damaged, and the server then refuses to start
        # (bad_config, naming the file) until it is deleted: buckets simply start full.
        db = sqlite3.connect(self.path, timeout=5.0, isolation_level=None)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=OFF")
        return db

    def _connection(self) -> sqlite3.Connection:
        held: tuple[int, sqlite3.Connection] | None = getattr(self._local, "db", None)
        if held is None or held[0] != os.getpid():
            held = (os.getpid(), self._connect())
            self._local.db = held
            self._local.sweep_after = -math.inf
        return held[1]

    def hit(self, bucket: str, client: str, *, at: float) -> Decision:
        """Spend one token of ``client`` in ``bucket`` at ``at`` (Unix seconds).

        One statement reads the bucket, refills it and spends a token only if a whole one
        is there; SQLite runs it under the file's write lock, so two workers never both
        spend the last token. A refused request then stores the refilled bucket (a second
        statement, on the refused path only) and is told when to retry. Buckets untouched
        for the longest period are full again and are swept at most once a minute per
        connection, not on every request. Raises ``sqlite3.Error`` when the file cannot be
        used; callers refuse the request.
        """
        rate = self.rates[bucket]
        full, per_second = float(rate.count), rate.count / rate.period
        values = {"key": f"{bucket} {client}", "count": full, "rate": per_second, "at": at}
        db = self._connection()
        try:
            if at >= self._local.sweep_after:
                longest = max(r.period for r in self.rates.values())
                db.execute("DELETE FROM buckets WHERE updated < ?", (at - longest,))
                self._local.sweep_after = at + _SWEEP_EVERY
            spent = db.execute(_SPEND, values).fetchall()
            if spent:
                return Decision(True, 0)
            kept = db.execute(_REFILL, values).fetchall()
        except BaseException:
            self._local.db = None  # a broken connection is not reused
            db.close()
            raise
        tokens: float = kept[0][0] if kept else full
        return Decision(False, max(1, math.ceil((1.0 - tokens) / per_second)))


_SPEND = (
    "INSERT INTO buckets (key, tokens, updated) VALUES (:key, :count - 1.0, :at) "
    "ON CONFLICT (key) DO UPDATE "
    "SET tokens = min(:count, tokens + max(0.0, :at - updated) * :rate) - 1.0, updated = :at "
    "WHERE min(:count, tokens + max(0.0, :at - updated) * :rate) >= 1.0 "
    "RETURNING tokens"
)
"""A new bucket starts full and spends one; an existing one, refilled evenly since it was
last written (at most full), spends one if it then holds a whole token, and returns a row
only then."""
_REFILL = (
    "UPDATE buckets SET tokens = min(:count, tokens + max(0.0, :at - updated) * :rate), "
    "updated = :at WHERE key = :key RETURNING tokens"
)
"""A refused request: the bucket refilled to ``:at``, nothing spent."""
_SWEEP_EVERY = 60.0
"""Seconds between two sweeps of stale buckets by one connection."""


def _private_store() -> Path:
    """A counter file in a new private directory, removed when the process that made it
    ends (the workers forked from it share it; they never remove it)."""
    folder = Path(tempfile.mkdtemp(prefix="cecert-limits-"))
    return folder / "ratelimit.sqlite"


def _remove_store(path: Path, owner: int) -> None:
    if os.getpid() != owner:
        return
    for name in (path.name, path.name + "-wal", path.name + "-shm"):
        (path.parent / name).unlink(missing_ok=True)
    with contextlib.suppress(OSError):
        path.parent.rmdir()


def init_app(
    app: Flask,
    *,
    from_instance: bool,
    buckets: Mapping[str, str] | None = None,
    endpoints: Mapping[str, str] | None = None,
) -> None:
    """Install the limiter (and, when ``PROXY_FIX`` is set, werkzeug's ``ProxyFix``).

    ``buckets`` (bucket → the configuration key of its rate) and ``endpoints`` (endpoint →
    bucket) are the application's own, beside :data:`LOGIN_BUCKETS` and
    :data:`LOGIN_ENDPOINTS` (the ``login`` bucket's rate is ``RATE_LIMIT_LOGIN``, by default
    :data:`DEFAULT_LOGIN`). Every rate is checked now (``bad_config``).

    ``RATE_LIMIT_STORE`` names the counter file. Unset, it is ``ratelimit.sqlite`` in the
    instance folder when the configuration came from there (``from_instance``: each gunicorn
    worker may build its own app, and they must share one file); when the app is configured
    from a mapping (``cecert serve``, which builds the app once and forks its workers from
    it), a private temporary file made now, whose counters last as long as the server.
    """
    app.config.setdefault("RATE_LIMIT_LOGIN", DEFAULT_LOGIN)
    rates = {
        bucket: Rate.from_text(app.config[key])
        for bucket, key in {**(buckets or {}), **LOGIN_BUCKETS}.items()
    }
    limited = {**(endpoints or {}), **LOGIN_ENDPOINTS}
    if not set(limited.values()) <= set(rates):
        raise WebError("bad_config", f"rate limits: a bucket of {limited} has no rate")
    store = app.config.get("RATE_LIMIT_STORE")
    if store:
        path = Path(store)
    elif from_instance:
        Path(app.instance_path).mkdir(parents=True, exist_ok=True)
        path = Path(app.instance_path) / "ratelimit.sqlite"
    else:
        path = _private_store()
        weakref.finalize(app, _remove_store, path, os.getpid())
    try:
        app.extensions[LIMITER] = RateLimiter(path, rates)
    except sqlite3.Error as exc:
        raise WebError("bad_config", f"rate limit store {path}: {exc}") from exc
    app.extensions[LIMITED] = limited
    proxies = app.config.get("PROXY_FIX")
    if proxies:
        if type(proxies) is not int or proxies < 0:
            raise WebError("bad_config", "PROXY_FIX must be the number of proxies")
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=0, x_port=0, x_prefix=0
        )
    app.before_request(_limit)


def _limit() -> None:
    """Refuse the request (429) when its client has spent its bucket."""
    if request.method != "POST":
        return
    limited: Mapping[str, str] = current_app.extensions[LIMITED]
    bucket = limited.get(request.endpoint or "")
    if bucket is None:
        return
    limiter: RateLimiter = current_app.extensions[LIMITER]
    try:
        decision = limiter.hit(bucket, request.remote_addr or "unknown", at=time.time())
    except sqlite3.Error as exc:
        current_app.logger.error("rate limit store unusable: %s", type(exc).__name__)
        raise ServiceUnavailable() from exc
    if not decision.allowed:
        raise TooManyRequests(retry_after=decision.retry_after)
