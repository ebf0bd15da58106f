"""Progress of a long batch on standard error: count, rate and estimated time left.

On a terminal one line is rewritten in place (at most five times a second); otherwise (a log
file, a pipe, a service's journal) a full line is written every ``every`` seconds, so a
million-person batch leaves a readable trace instead of a megabyte of carriage returns.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TextIO


def _duration(seconds: float) -> str:
    whole = round(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


class ProgressLine:
    """A ``(done, total)`` callback that reports ``label: done/total (pct), rate/s, ETA``."""

    def __init__(
        self,
        label: str,
        stream: TextIO,
        *,
        in_place: bool,
        every: float = 10.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._label = label
        self._stream = stream
        self._in_place = in_place
        self._every = every if not in_place else 0.2
        self._clock = clock
        self._start = clock()
        self._last = self._start
        self._done = 0
        self._total = 0
        self._written = -1

    def text(self, done: int, total: int) -> str:
        """The line for ``done`` of ``total`` now (rate and ETA over the time so far)."""
        elapsed = self._clock() - self._start
        rate = done / elapsed if elapsed > 0 else 0.0
        share = f" ({100 * done / total:.1f} %)" if total else ""
        eta = _duration((total - done) / rate) if rate > 0 and total >= done else "?"
        return (
            f"{self._label}: {done:,}/{total:,}{share}, {rate:,.1f}/s, "
            f"elapsed {_duration(elapsed)}, ETA {eta}"
        )

    def __call__(self, done: int, total: int) -> None:
        self._done, self._total = done, total
        now = self._clock()
        if now - self._last < self._every and done != total:
            return
        self._last = now
        self._write(self.text(done, total))

    def finish(self) -> None:
        """The last line (unless it was just written), ended by a new line on a terminal."""
        if self._written != self._done or self._in_place:
            self._write(self.text(self._done, self._total))
        if self._in_place:
            self._stream.write("\n")
            self._stream.flush()

    def _write(self, line: str) -> None:
        self._written = self._done
        if self._in_place:
            self._stream.write("\r\x1b[2K" + line)
        else:
            self._stream.write(line + "\n")
        self._stream.flush()
