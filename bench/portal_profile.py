"""Where a declaration's time goes, for ``bench/portal_store.py``: every SQL statement
and store step timed, and a cProfile."""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import functools
import io
import pstats
import re
import sqlite3
import sys
import time
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

from benchlib import timed
from portal_declare import Declarers, declare_all, ms

import registry.store.declarations as declarations_module
from registry.store import Registry


def label(sql: str) -> str:
    text = re.sub(r"\(\?(, \?)*\)", "(?…)", re.sub(r"\s+", " ", sql).strip())
    return text if len(text) <= 64 else text[:63] + "…"


class Spy(sqlite3.Connection):
    """A connection that adds the time of each statement's ``execute`` (a SELECT's first step:
    all of a one-row read) to :attr:`times` under its text, and keeps the statements run."""

    times: ClassVar[dict[str, float]] = defaultdict(float)
    calls: ClassVar[dict[str, int]] = defaultdict(int)
    seen: ClassVar[list[tuple[str, Any]]] = []

    def execute(self, sql: str, parameters: Any = (), /) -> sqlite3.Cursor:
        start = time.perf_counter()
        try:
            return super().execute(sql, parameters)
        finally:
            Spy.note("sql: " + label(sql), time.perf_counter() - start)
            Spy.seen.append((sql, parameters))

    def executemany(self, sql: str, parameters: Any, /) -> sqlite3.Cursor:
        start = time.perf_counter()
        try:
            return super().executemany(sql, parameters)
        finally:
            Spy.note("sql: " + label(sql), time.perf_counter() - start)

    @staticmethod
    def note(key: str, seconds: float) -> None:
        Spy.times[key] += seconds
        Spy.calls[key] += 1


@contextlib.contextmanager
def spied() -> Iterator[None]:
    """``sqlite3.connect`` makes :class:`Spy` connections while the block runs."""
    original = sqlite3.connect
    sqlite3.connect = functools.partial(original, factory=Spy)  # type: ignore[assignment]
    try:
        yield
    finally:
        sqlite3.connect = original


_STEPS = {
    "_draft_values": "draft values (activity_row: fingerprint JSON + SHA-256)",
    "_enrolled": "_enrolled (enrolment + person read, person_from_row)",
    "_add_proofs": "_add_proofs (INSERT proofs)",
    "_event": "_event (digests, fingerprint read, append_event)",
    "digests_of": "digests_of (SELECT * + canonical JSON + SHA-256 per row)",
    "append_event": "append_event (last event, JSON, hash chain, INSERT)",
    "one": "one (read back the declaration with its proofs)",
}
"""The steps of ``declare`` timed, by their names in ``registry.store.declarations`` (module
functions, or methods of ``Declarations``); a name the store no longer has is left out."""


@contextlib.contextmanager
def step_timers() -> Iterator[list[str]]:
    """Inclusive wall-clock timers around :data:`_STEPS`; yields the names wrapped."""
    cls = declarations_module.Declarations
    saved: list[tuple[Any, str, Any]] = []
    for name, label in _STEPS.items():
        owner: Any = cls if name in cls.__dict__ else declarations_module
        raw = owner.__dict__.get(name) if owner is cls else getattr(owner, name, None)
        if raw is None:
            continue
        fn = raw.__func__ if isinstance(raw, staticmethod) else raw

        def timed_step(*a: Any, _fn: Any = fn, _key: str = "step: " + label, **k: Any) -> Any:
            start = time.perf_counter()
            try:
                return _fn(*a, **k)
            finally:
                Spy.note(_key, time.perf_counter() - start)

        setattr(
            owner, name, staticmethod(timed_step) if isinstance(raw, staticmethod) else timed_step
        )
        saved.append((owner, name, raw))
    try:
        yield [name for _, name, _ in saved]
    finally:
        for owner, name, raw in saved:
            setattr(owner, name, raw)


def profile_writes(path: Path, declarers: Declarers, args: argparse.Namespace) -> None:
    per = args.per_person
    with spied():
        registry = Registry.open(path)
    declare_all(registry, declarers.jobs(4, per))  # warm-up
    Spy.times.clear()
    Spy.calls.clear()
    jobs = declarers.jobs(max(1, args.profile_count // per), per)
    with step_timers() as wrapped, timed() as t:
        declare_all(registry, jobs)
    registry.close()
    n, sql = len(jobs), sum(v for k, v in Spy.times.items() if k.startswith("sql: "))
    print(f"\nwhere a declaration's time goes: {n} declarations, one writer, each statement and "
          f"step timed ({ms(t.wall / n)} ms wall, {ms(t.cpu / n)} ms CPU each with the timers)."
          "\n  SQL statements, ms per declaration (time inside execute):")  # fmt: skip
    for prefix in ("sql: ", "step: "):
        if prefix == "step: ":
            print(f"    {1000 * sql / n:7.3f}       all SQL; the rest, {ms((t.wall - sql) / n)} ms,"
                  " is Python\n  store steps, inclusive (_event holds digests_of and "
                  "append_event), ms per declaration:")  # fmt: skip
        for key, value in sorted(Spy.times.items(), key=lambda kv: -kv[1]):
            if key.startswith(prefix):
                print(
                    f"    {1000 * value / n:7.3f}  x{Spy.calls[key] / n:<3.0f} {key[len(prefix) :]}"
                )
    missing = sorted(set(_STEPS) - set(wrapped))
    if missing:
        print(f"    (not in the store any more, not timed: {', '.join(missing)})")

    jobs = declarers.jobs(max(1, args.profile_count // per), per)
    profiler = cProfile.Profile()
    with Registry.open(path) as registry:
        profiler.runcall(declare_all, registry, jobs)
    stream = io.StringIO()
    pstats.Stats(profiler, stream=stream).sort_stats("tottime").print_stats(args.profile_top)
    lines = stream.getvalue().splitlines()
    start = next(i for i, line in enumerate(lines) if line.lstrip().startswith("ncalls"))
    print(f"\ncProfile of {len(jobs)} declarations, top {args.profile_top} by own time:")
    for line in lines[start : start + args.profile_top + 1]:
        print("  " + line.replace(f"{Path.cwd()}/", "").replace(f"{sys.base_prefix}/lib/", ""))
