"""Worker processes that make certificates while the parent keeps the registry.

A :class:`WorkerPool` forks its workers once, after the :class:`~signer.issuance.issuer.Issuer` is
built, so the fonts, page templates, seal artwork and keys are shared copy-on-write instead
of loaded again. A worker receives parcels of :class:`DocumentJob` (number and edition
already drawn by the parent), and for each renders the page and QR code, seals it and writes
the file (temporary file, fsync, rename); it sends back a :class:`MadeDocument` of a few
hundred bytes. Workers never open or touch the registry: its connection was inherited by the
fork and stays unused.

Failure is loud: a job that raises, or a worker that dies (a kill, an out-of-memory kill),
makes :meth:`WorkerPool.map` raise :class:`IssuanceError` (``worker_failed``), and the parent
rolls its open batch back. Not so a document that cannot be made for what it says about its
holder (:data:`PERSON_FAULTS`: a character in none of the fonts): that job comes back
:class:`Unmade`, the others are made, and the parent makes the batch again without that
person (:meth:`signer.issuance.issuer.Issuer.issue` skips and reports them).

When the parent dies, every worker stops at its next job or next file, whichever comes
first: before renaming a file into place a worker checks that its parent is still the one
that forked it, so a worker orphaned by ``kill -9`` cannot replace a file that a later run has
drawn the same number for and recorded. (Between that check and the rename are a few
microseconds; a new run needs seconds to start.)
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
import multiprocessing
import os
import signal
from collections import deque
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from pathlib import Path

from signer.errors import IssuanceError
from signer.issuance.maker import DocumentJob, DocumentMaker, MadeDocument, write_atomically

PARCEL = 4
"""Documents per message to a worker: enough to make the pipe's cost negligible, few enough
that both workers stay busy to the end of a batch."""
FILE_WRITERS = 4
"""Threads per worker writing files (fsync waits for the disk, not for a core)."""
PERSON_FAULTS = frozenset({"glyph_missing", "qr_too_long"})
"""Reasons a document cannot be made because of what it says about its holder (a character
in none of the fonts, a QR text too long), not because of this machine: the job comes back
:class:`Unmade` and the others go on."""


@dataclass(frozen=True, slots=True)
class Unmade:
    """A job whose document could not be made for one of :data:`PERSON_FAULTS`; nothing of
    it was written."""

    reason: str
    message: str


def usable_cores() -> int:
    """The cores this process may run on (its CPU affinity), at least 1."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


_Pending = tuple[int, list[MadeDocument | Unmade], list["Future[None]"]]


def _failure(start: int, exc: Exception) -> tuple[str, int, object]:
    reason = getattr(exc, "reason", "worker_failed")
    return ("failed", start, (str(reason), f"{type(exc).__name__}: {exc}"))


def _finished(pending: _Pending) -> tuple[str, int, object]:
    """The reply for a parcel once all its files are durable (waits for them)."""
    start, made, writes = pending
    try:
        for write in writes:
            write.result()
    except Exception as exc:
        return _failure(start, exc)
    return ("made", start, made)


def _serve(
    maker: DocumentMaker,
    conn: Connection,
    parent_pid: int,
    inherited: list[Connection],
) -> None:
    """A worker's loop: parcels in, results out, until the parent says stop or is gone.

    Each document's file is written (fsync, rename) by a small thread pool while the next
    documents are sealed: fsync waits for the disk, and concurrent fsyncs share the file
    system's journal commits (measured: 64 files of 70 KB, 9-11 ms each one after the
    other, about 2 ms each four at a time). A parcel's results go back once all its files
    are durable; meanwhile the worker goes on with the next parcel if one is waiting, so it
    never sits idle on a disk flush while there is sealing to do."""
    # Ctrl-C goes to the whole process group: the parent handles it and stops the workers.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # SIGTERM ends a worker whatever the parent made of it (a follower that finishes its
    # batch on SIGTERM): closing the pool at once relies on it (``process.terminate``).
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    for other in inherited:  # the parent's ends of the pipes: keep EOF detectable
        other.close()

    def parent_alive() -> bool:
        return os.getppid() == parent_pid

    pending: deque[_Pending] = deque()
    with ThreadPoolExecutor(FILE_WRITERS, thread_name_prefix="cecert-write") as files:
        try:
            while True:
                while pending and all(w.done() for w in pending[0][2]):
                    conn.send(_finished(pending.popleft()))
                if pending and not conn.poll():
                    conn.send(_finished(pending.popleft()))  # nothing else to do: wait
                    continue
                parcel = conn.recv()
                if parcel is None:
                    return
                start, at, jobs = parcel
                made: list[MadeDocument | Unmade] = []
                writes: list[Future[None]] = []
                try:
                    for job in jobs:
                        if not parent_alive():
                            return
                        try:
                            sealed = maker.seal(job, at=at)
                        except Exception as exc:
                            reason = getattr(exc, "reason", None)
                            if reason not in PERSON_FAULTS:
                                raise
                            made.append(Unmade(str(reason), getattr(exc, "message", str(exc))))
                            continue
                        path = Path(sealed.made.pdf_path)
                        writes.append(
                            files.submit(write_atomically, path, sealed.data, keep=parent_alive)
                        )
                        made.append(sealed.made)
                except Exception as exc:
                    conn.send(_failure(start, exc))
                    continue
                pending.append((start, made, writes))
        except (EOFError, OSError):  # the parent is gone (or closed the pipe)
            return


def _send(conn: Connection, message: object) -> None:
    try:
        conn.send(message)
    except OSError as exc:  # BrokenPipeError: the worker is gone
        raise IssuanceError("worker_failed", "an issuing worker process died (killed?)") from exc


class WorkerPool:
    """``workers`` forked processes making documents for one batch run. Close it (or use it
    as a context manager) so that the processes end."""

    def __init__(self, maker: DocumentMaker, workers: int) -> None:
        if workers < 1:
            raise IssuanceError("bad_workers", f"workers must be at least 1, not {workers}")
        context = multiprocessing.get_context("fork")
        self._conns: list[Connection] = []
        self._processes: list[multiprocessing.process.BaseProcess] = []
        parent_pid = os.getpid()
        # Objects that exist now (fonts, templates, seal parts) are never collected in a
        # worker: kept out of its collector, they are not written to, so their pages stay
        # shared with this process instead of being copied on the first collection.
        gc.freeze()
        for _ in range(workers):
            parent_end, child_end = context.Pipe()
            process = context.Process(
                target=_serve,
                args=(maker, child_end, parent_pid, [*self._conns, parent_end]),
                daemon=True,
                name="cecert-issue-worker",
            )
            process.start()
            child_end.close()
            self._conns.append(parent_end)
            self._processes.append(process)
        gc.unfreeze()

    def __enter__(self) -> WorkerPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close(graceful=exc[0] is None)

    def imap(
        self, jobs: Sequence[DocumentJob], *, at: dt.datetime
    ) -> Iterator[MadeDocument | Unmade]:
        """Make every job, sealed at ``at`` (the batch's time); yield the results in the
        order of ``jobs``, each as soon as it and all before it are made (so the caller
        records while the workers work on). A job that cannot be made for one of
        :data:`PERSON_FAULTS` yields :class:`Unmade`.

        Raises ``worker_failed`` (or the reason of the error a job raised) as soon as one
        parcel fails or a worker dies; parcels still out are then abandoned (close the
        pool: their files, if any, are never recorded)."""
        results: dict[int, MadeDocument | Unmade] = {}
        parcels = deque(
            (start, at, list(jobs[start : start + PARCEL])) for start in range(0, len(jobs), PARCEL)
        )
        out: dict[Connection, int] = dict.fromkeys(self._conns, 0)
        for _round in range(2):  # two parcels each in flight: no idle gap between them
            for conn in self._conns:
                if parcels:
                    _send(conn, parcels.popleft())
                    out[conn] += 1
        following = 0
        while any(out.values()):
            for ready in wait([c for c, n in out.items() if n]):
                assert isinstance(ready, Connection)
                try:
                    kind, start, body = ready.recv()
                except (EOFError, OSError) as exc:
                    raise IssuanceError(
                        "worker_failed", "an issuing worker process died (killed?)"
                    ) from exc
                out[ready] -= 1
                if kind == "failed":
                    reason, message = body
                    raise IssuanceError(reason, f"making document {start + 1} failed: {message}")
                for offset, made in enumerate(body):
                    results[start + offset] = made
                if parcels:
                    _send(ready, parcels.popleft())
                    out[ready] += 1
            while following in results:
                yield results.pop(following)
                following += 1
        if following != len(jobs):
            raise IssuanceError("worker_failed", f"{len(jobs) - following} documents not made")

    def close(self, *, graceful: bool = True) -> None:
        """Stop the workers: after their current parcel when ``graceful``, else at once."""
        for conn, process in zip(self._conns, self._processes, strict=True):
            if graceful and process.is_alive():
                with contextlib.suppress(OSError):
                    conn.send(None)
            else:
                process.terminate()
            conn.close()
        for process in self._processes:
            process.join(timeout=30)
            if process.is_alive():
                process.kill()
                process.join()
        self._conns.clear()
        self._processes.clear()


__all__ = ["PERSON_FAULTS", "Unmade", "WorkerPool", "usable_cores"]
