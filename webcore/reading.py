"""Reading a request that arrives in pieces: where it ends (:class:`RequestReader`) and how
long and how much to wait for it (:class:`ReadLimits`).

The reader only finds where a request ends — its head at the first empty line, its body
after ``Content-Length`` bytes or after the last chunk and its trailer fields; gunicorn
parses it as before, and what the reader does not understand it hands on at once
(:attr:`Progress.WHOLE`). Pure: no sockets, no gunicorn. The worker that reads from the
sockets, keeps the deadlines and answers 408, 431 or 503 is
:class:`webcore.server.BufferingWorker`. Why, measured, and what is left to a reverse
proxy: ``docs/web-security.md`` ("Slow clients"), ``docs/reverse-proxy.md``.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from webcore.errors import WebError

HEADER_TIMEOUT = 10.0
"""Seconds from a connection (or from a kept-alive connection's next byte) to the end of
the request head (nginx: ``client_header_timeout``)."""
BODY_TIMEOUT = 30.0
"""Longest pause, in seconds, between two pieces of a request body (nginx:
``client_body_timeout``)."""
REQUEST_TIMEOUT = 120.0
"""Seconds for a whole request, head and body: a body trickled forever is cut off."""
MAX_HEAD = 32 * 1024
"""Bytes of a request head, request line and all header fields (nginx's default
``large_client_header_buffers 4 8k``)."""
BUFFER_BUDGET = 64 * 1024 * 1024
"""Bytes one worker holds for requests still arriving."""
MAX_BODY = 6 * 1024 * 1024
"""Bytes of a request body the worker reads whole when the app sets no
``MAX_CONTENT_LENGTH`` (the web verifier's upload limit)."""
_MAX_CHUNK_LINE = 1024
_HEX = frozenset(b"0123456789abcdefABCDEF")


@dataclass(frozen=True, slots=True)
class ReadLimits:
    """How long and how much :class:`webcore.server.BufferingWorker` waits for a
    request."""

    max_body: int
    """The app's upload limit (``MAX_CONTENT_LENGTH``), bytes. A body declared larger is
    handed on unread, for the app to refuse (413) without reading it; a chunked body is
    handed on once it has passed this size. (The panel's posts, behind the login, may be
    larger: a thread reads those beyond this size as they come.)"""
    header_timeout: float = HEADER_TIMEOUT
    """Seconds for a whole request head (:data:`HEADER_TIMEOUT`)."""
    body_timeout: float = BODY_TIMEOUT
    """Seconds a body may pause (:data:`BODY_TIMEOUT`)."""
    request_timeout: float = REQUEST_TIMEOUT
    """Seconds for a whole request (:data:`REQUEST_TIMEOUT`)."""
    max_head: int = MAX_HEAD
    """Bytes of a request head (:data:`MAX_HEAD`)."""
    buffer_budget: int = BUFFER_BUDGET
    """Bytes one worker holds for requests still arriving (:data:`BUFFER_BUDGET`)."""

    def __post_init__(self) -> None:
        for name in ("max_body", "header_timeout", "body_timeout", "request_timeout"):
            if not getattr(self, name) > 0:
                raise WebError("bad_config", f"ReadLimits.{name} must be above 0")
        if self.max_head < 1024 or self.buffer_budget < self.max_head:
            raise WebError("bad_config", "ReadLimits: max_head ≥ 1024 ≤ buffer_budget")


class Progress(enum.Enum):
    """How far a request being read has come."""

    MORE = "more"
    """Wait for more bytes."""
    WHOLE = "whole"
    """Hand it to a thread: whole, or not understood here (gunicorn will judge it)."""
    HEAD_TOO_LARGE = "head_too_large"


@dataclass
class RequestReader:
    """Where a request arriving in pieces ends: its head at the first empty line, its body
    after ``Content-Length`` bytes or after the last chunk and its trailer fields."""

    limits: ReadLimits
    data: bytearray = field(default_factory=bytearray)
    head_end: int = -1
    """Offset just past the head's empty line; -1 until it has come."""
    body_end: int = -1
    """With ``Content-Length``: offset of the body's end."""
    chunk_at: int = -1
    """Chunked: offset of the next chunk's size line."""
    expects_continue: bool = False
    """An HTTP/1.1 ``Expect: 100-continue`` whose body is still to come."""
    complete: bool = False
    """The whole request is here, body included (not merely handed on as not understood
    or too large)."""
    _searched: int = 0

    def progress(self) -> Progress:
        if self.head_end < 0:
            start = self._request_line()
            searched = max(start, self._searched)
            end = self.data.find(b"\r\n\r\n", searched, self.limits.max_head + 4)
            if end < 0:
                self._searched = max(0, len(self.data) - 3)
                too_large = len(self.data) > self.limits.max_head
                return Progress.HEAD_TOO_LARGE if too_large else Progress.MORE
            self.head_end = end + 4
            if not self._frame_body(bytes(self.data[start:end])):
                return Progress.WHOLE
        if self.body_end >= 0:
            self.complete = len(self.data) >= self.body_end
            return Progress.WHOLE if self.complete else Progress.MORE
        if self.chunk_at >= 0:
            return self._chunks()
        return Progress.WHOLE

    def _request_line(self) -> int:
        """Where the request line starts: past empty lines that may come before it."""
        start = 0
        while self.data.startswith(b"\r\n", start):
            start += 2
        return start

    def _frame_body(self, head: bytes) -> bool:
        """Learn how the body is framed; False when there is no body to wait for."""
        lines = head.split(b"\r\n")
        lengths, codings = set(), []
        expect = False
        for line in lines[1:]:
            name, colon, value = line.partition(b":")
            name, value = name.strip().lower(), value.strip().lower()
            if not colon:
                continue
            if name == b"content-length":
                lengths.add(value)
            elif name == b"transfer-encoding":
                codings += [c.strip() for c in value.split(b",")]
            elif name == b"expect":
                expect = value == b"100-continue"
        if codings:
            if codings[-1] != b"chunked":
                return False
            self.chunk_at = self.head_end
        elif not lengths or lengths == {b"0"}:
            self.complete = True  # no body
            return False
        elif len(lengths) == 1 and (length := lengths.pop()).isdigit():
            if int(length) > self.limits.max_body:
                return False
            self.body_end = self.head_end + int(length)
        else:
            return False
        self.expects_continue = expect and lines[0].endswith(b" HTTP/1.1")
        return True

    def _chunks(self) -> Progress:
        while True:
            line_end = self.data.find(b"\r\n", self.chunk_at)
            if line_end < 0:
                too_long = len(self.data) - self.chunk_at > _MAX_CHUNK_LINE
                return Progress.WHOLE if too_long else Progress.MORE
            size = bytes(self.data[self.chunk_at : line_end]).split(b";", 1)[0].strip()
            if not size or len(size) > 16 or not _HEX.issuperset(size):
                return Progress.WHOLE
            if int(size, 16) == 0:
                if self.data.find(b"\r\n\r\n", line_end) >= 0:
                    self.complete = True
                    return Progress.WHOLE
                too_long = len(self.data) - line_end > self.limits.max_head
                return Progress.WHOLE if too_long else Progress.MORE
            self.chunk_at = line_end + 2 + int(size, 16) + 2
            if self.chunk_at - self.head_end > self.limits.max_body:
                return Progress.WHOLE
