"""``cecert issue --requests [--follow]``: the portal's issuance requests, taken where the keys
are (:func:`signer.take_requests`), signed and published as every change is
(:mod:`cecert.changes`).

Once, every waiting request is taken, then one checkpoint is signed and the status
published, as ``cecert issue`` does. Following, the key ring is opened once and the registry
looked at every ``interval`` seconds: each batch of requests taken is signed and published at
once; when there were none but the log has grown past the last signed checkpoint (the portal
writes its events without a key), a checkpoint is signed over them, so the tail of events no
checkpoint covers (``log_unsigned`` in ``cecert registry audit``) stays a few seconds long.
SIGTERM or Ctrl-C lets the batch under way finish, signed, and ends with status 0.
"""

from __future__ import annotations

import signal
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import click

from cecert.changes import Change, announce, held_change, sign_change, signed_change
from cecert.options import now
from registry import Home

if TYPE_CHECKING:
    from signer import Done, Issuer, Taken

_STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)
_NAP = 0.1
"""Seconds between looks at the stop flag while waiting for the next poll."""


def issue_requests(
    home: Home, *, out_dir: Path | None, workers: int | None, follow: bool, interval: float
) -> None:
    """Take the waiting requests of ``home`` (``follow``: and those to come, every
    ``interval`` seconds, until SIGTERM or Ctrl-C), printing one line per request."""
    from signer import usable_cores

    cores = workers or usable_cores()
    if not follow:
        with signed_change(home) as change:
            taken, actions = _take_waiting(change, _issuer(change, out_dir), workers=cores)
        if not taken and not actions:
            click.echo("没有待签发的申请或窗口业务 (no requests or counter actions waiting)")
            return
        if taken:
            issued = sum(1 for outcome in taken if outcome.issued)
            held = sum(1 for outcome in taken if outcome.reason == "already_issued")
            before = f"（其中此前已签发 {held} 件）" if held else ""
            click.echo(
                f"办结申请 {len(taken)} 件：签发 {issued} 件{before}，"
                f"未签发 {len(taken) - issued} 件 ({len(taken)} requests: {issued} issued, "
                f"{held} of them before, {len(taken) - issued} refused)"
            )
        if actions:
            done = sum(1 for action in actions if action.done)
            failed = len(actions) - done
            click.echo(
                f"办结窗口业务 {len(actions)} 件：办理 {done} 件，未能办理 {failed} 件 "
                f"({len(actions)} counter actions: {done} done, {failed} failed)"
            )
        return
    with held_change(home) as change:
        _follow(change, _issuer(change, out_dir), workers=cores, interval=interval)


def _issuer(change: Change, out_dir: Path | None) -> Issuer:
    """An issuer as ``cecert issue`` builds it, over the change's registry and key ring."""
    from signer import Issuer

    return Issuer(
        registry=change.registry,
        ring=change.ring,
        config=change.config,
        out_dir=out_dir or change.home.certificates_dir,
    )


def _take_waiting(
    change: Change, issuer: Issuer, *, workers: int
) -> tuple[list[Taken], list[Done]]:
    """Take batches until none waits, the counter's actions too; print each one's line."""
    taken: list[Taken] = []
    done: list[Done] = []
    while True:
        requests, actions = _take_batch(change, issuer, workers=workers)
        if not requests and not actions:
            return taken, done
        taken += requests
        done += actions


def _take_batch(change: Change, issuer: Issuer, *, workers: int) -> tuple[list[Taken], list[Done]]:
    """One batch of the portal's requests and of the counter's actions, each line printed."""
    from signer import take_counter_actions, take_requests

    requests = take_requests(change.registry, issuer, at=now(), clock=now, workers=workers)
    for outcome in requests:
        click.echo(request_line(outcome))
    actions = take_counter_actions(change.registry, issuer, at=now(), clock=now)
    for done in actions:
        click.echo(counter_line(done))
    return requests, actions


def _follow(change: Change, issuer: Issuer, *, workers: int, interval: float) -> None:
    """Take requests as they come and keep the log signed, until asked to stop."""
    stop = False

    def finish(_signum: int, _frame: object) -> None:
        nonlocal stop
        stop = True

    previous = {number: signal.signal(number, finish) for number in _STOP_SIGNALS}
    try:
        signed = max((size for size, _text in change.registry.checkpoints()), default=0)
        click.echo(
            f"持续办理签发申请，每 {interval:g} 秒查看一次；Ctrl-C 或 SIGTERM 停止 "
            f"(following requests every {interval:g} s; stop with Ctrl-C or SIGTERM)"
        )
        while not stop:
            requests, actions = _take_batch(change, issuer, workers=workers)
            if requests or actions:
                checkpoint, published = sign_change(change, publish=True)
                signed = checkpoint.tree_size
                if published is not None:
                    announce(published)
                continue  # more may be waiting: look again at once
            if change.registry.log_size() > signed:
                checkpoint, _published = sign_change(change, publish=False)
                signed = checkpoint.tree_size
                click.echo(
                    f"已签署检查点：覆盖 {signed} 条登记事件 "
                    f"(checkpoint signed over {signed} events)"
                )
            _pause(interval, lambda: stop)
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
    click.echo("已停止办理签发申请 (stopped following requests)")


def _pause(seconds: float, stopped: Callable[[], bool]) -> None:
    """Wait ``seconds``, or less once ``stopped()`` says so."""
    deadline = time.monotonic() + seconds
    while not stopped() and (left := deadline - time.monotonic()) > 0:
        time.sleep(min(left, _NAP))


def request_line(outcome: Taken) -> str:
    """One request's line, Chinese first: ``申请 12：已签发 440100000000010 第1版（张伟，
    2025年度）(request 12 issued: 440100000000010 edition 1)``."""
    from signer.issuance.report import shown_name

    request = outcome.request
    ident = request.id
    who = f"{shown_name(request.name)}，{request.year}年度"
    document = outcome.document
    if document is None:
        return (
            f"申请 {ident}：未签发（{who}）：{outcome.detail}（{outcome.reason}） "
            f"(request {ident} refused: {outcome.reason})"
        )
    held = f"{document.number} 第{document.edition}版"
    if outcome.reason == "already_issued":
        return (
            f"申请 {ident}：已持有 {held}，按已签发办结（{who}） "
            f"(request {ident} closed as issued: {document.number} edition {document.edition}, "
            "held already)"
        )
    return (
        f"申请 {ident}：已签发 {held}（{who}）：{document.pdf_path} "
        f"(request {ident} issued: {document.number} edition {document.edition})"
    )


def counter_line(outcome: Done) -> str:
    """One counter action's line: ``窗口业务 3（补办 440100000000010）：已办结，第2版
    (counter action 3 done: 440100000000010 edition 2)``."""
    action = outcome.action
    what = f"{action.kind.label_zh} {action.number}"
    if not outcome.done:
        return (
            f"窗口业务 {action.id}（{what}）：未能办理：{outcome.detail}（{outcome.reason}） "
            f"(counter action {action.id} failed: {outcome.reason})"
        )
    editions = "、".join(f"第{d.edition}版" for d in outcome.documents)
    return (
        f"窗口业务 {action.id}（{what}）：已办结，{editions} "
        f"(counter action {action.id} done: {action.kind.value} {action.number})"
    )


__all__ = ["counter_line", "issue_requests", "request_line"]
