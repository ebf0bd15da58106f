"""The declarations ``bench/portal_store.py`` times, and running work in threads or
processes started together."""

from __future__ import annotations

import dataclasses
import datetime as dt
import multiprocessing
import resource
import secrets
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

from portal_fill import CATEGORIES, CURRENT, MINUTES, PROVIDERS, TITLES, Layout, id_number

from registry.model import Activity, Category, RecordStatus
from registry.portal import Actor, DeclarationState, PortalRole, Proof, Stage, check_proof
from registry.store import Registry

AT = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
"""When the timed declarations are made."""
_KIND = {Category.PUBLIC: "online_course", Category.PROFESSIONAL: "face_to_face",
         Category.ELECTIVE: "conference"}  # fmt: skip
_PDF = b"%PDF-1.7\n% a proof of attendance\n"


def pct(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def ms(seconds: float) -> str:
    return f"{1000 * seconds:.2f}"


@dataclasses.dataclass(frozen=True, slots=True)
class Job:
    """One declaration: who, what, its proof, the form's token."""

    actor: Actor
    record: Activity
    proof: Proof
    token: str


class Declarers:
    """Professionals to declare, from the last person down (never the long queue's staff)."""

    def __init__(self, layout: Layout) -> None:
        self.layout = layout
        self.next = layout.people - 1

    def jobs(self, people: int, per_person: int) -> list[Job]:
        made = []
        for _ in range(people):
            while self.layout.is_staff(self.next):
                self.next -= 1
            if self.next < 0:
                raise SystemExit("no professional left to declare: more --people")
            number = id_number(self.next)
            actor = Actor(f"p{self.next}", PortalRole.PROFESSIONAL, number)
            self.next -= 1
            for k in range(per_person):
                token = secrets.token_urlsafe(16)
                category = CATEGORIES[k % len(CATEGORIES)]
                day = dt.date(CURRENT, 1 + k % 12, 10)
                record = Activity(
                    id_number=number, year=CURRENT, category=category, kind=_KIND[category],
                    title=f"{TITLES[category][k % 2]}（申报{k + 1}）", course_code="",
                    minutes=MINUTES[k % len(MINUTES)], start_date=day,
                    end_date=day + dt.timedelta(days=2), provider=PROVIDERS[k % 3],
                    score=None, role=None, status=RecordStatus.DECLARED,
                )  # fmt: skip
                proof = check_proof(_PDF + token.encode(), "结业证书.pdf")
                made.append(Job(actor, record, proof, token))
        return made


def declare_all(registry: Registry, jobs: Sequence[Job]) -> list[float]:
    """Declare each job; seconds per declaration. Stops on a wrong result."""
    latencies = []
    clock, declare = time.perf_counter, registry.declarations.declare
    for job in jobs:
        start = clock()
        made = declare(job.actor, job.record, proofs=[job.proof], token=job.token, at=AT)
        latencies.append(clock() - start)
        if made.state is not DeclarationState.DECLARED or made.stage is not Stage.EMPLOYER:
            raise SystemExit(f"declaration {made.id} is {made.state}/{made.stage}")
    return latencies


def in_threads(work: Callable[[int], Any], count: int) -> tuple[float, float, list[Any]]:
    """``work(i)`` in ``count`` threads started together: (wall from the start to the last
    end, this process's CPU seconds, the results)."""
    gate = threading.Barrier(count + 1)
    results: list[Any] = [None] * count
    failed: list[BaseException] = []

    def run(i: int) -> None:
        gate.wait()
        try:
            results[i] = work(i)
        except BaseException as exc:
            failed.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    cpu = time.process_time()
    gate.wait()
    start = time.perf_counter()
    for t in threads:
        t.join()
    if failed:
        raise SystemExit(f"a thread failed: {failed[0]!r}")
    return time.perf_counter() - start, time.process_time() - cpu, results


def _child(work: Callable[[int], Any], i: int, gate: Any, out: Any) -> None:
    gate.wait()
    start = time.perf_counter()  # CLOCK_MONOTONIC: one clock for every process
    result = work(i)
    out.put((i, start, time.perf_counter(), result))


def in_processes(work: Callable[[int], Any], count: int) -> tuple[float, float, list[Any]]:
    """``work(i)`` in ``count`` forked processes started together: (wall from the first start
    to the last end, the children's CPU seconds, the results)."""
    ctx = multiprocessing.get_context("fork")
    gate, out = ctx.Barrier(count), ctx.Queue()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    children = [ctx.Process(target=_child, args=(work, i, gate, out)) for i in range(count)]
    for c in children:
        c.start()
    got = sorted((out.get() for _ in children), key=lambda g: int(g[0]))
    for c in children:
        c.join()
        if c.exitcode != 0:
            raise SystemExit(f"a worker process failed (exit code {c.exitcode})")
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    return max(g[2] for g in got) - min(g[1] for g in got), cpu, [g[3] for g in got]
