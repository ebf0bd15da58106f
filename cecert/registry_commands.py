"""``cecert registry …``: audit, backup and checkpoints of the system of record."""

from __future__ import annotations

import datetime as dt
import json
import sys
from dataclasses import asdict
from pathlib import Path

import click

from cecert.command import Group
from cecert.options import home_option, passphrase, resolve_home
from registry.store import Registry


@click.group("registry", cls=Group)
def registry_group() -> None:
    """登记库的核查、备份与检查点 (audit, backup, checkpoints)."""


@registry_group.command("audit")
@home_option
@click.option(
    "--registry",
    "registry_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="核查此登记库文件（如恢复的备份）而非主目录的 (audit this registry file instead)",
)
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出 (print the report as JSON)")
def audit(home: Path | None, registry_path: Path | None, as_json: bool) -> None:
    """核查登记库，报告不符之处 (audit the registry).

    \b
    重新核算事件日志、每一行、每份 PDF 与检查点。
    一切相符时退出状态为 0，否则为 1（最先发现的问题最先列出）。

    Recompute the log, every row, every PDF and the checkpoints. Exit status 0 when
    everything adds up, 1 otherwise (the first problem is printed first).
    """
    from cecert.auditing import run_audit

    target = resolve_home(home)
    path = registry_path or target.registry_path
    with Registry.open(path, read_only=True) as registry:
        report = run_audit(registry, target, at=dt.datetime.now(dt.UTC))
    if as_json:
        click.echo(
            json.dumps(
                {
                    "ok": report.ok,
                    "events": report.events,
                    "rows": report.rows,
                    "pdfs": report.pdfs,
                    "problems": [asdict(p) for p in report.problems],
                    "orphans": report.orphans,
                },
                ensure_ascii=False,
                indent=2,
            )
        )
    else:
        verdict = "一致" if report.ok else f"发现 {len(report.problems)} 个问题"
        english = "consistent" if report.ok else f"{len(report.problems)} problem(s)"
        click.echo(
            f"核查完毕：{report.events} 条登记事件、{report.rows} 行、{report.pdfs} 份 PDF，"
            f"{verdict} (audited {report.events} events, {report.rows} rows, "
            f"{report.pdfs} PDFs: {english})"
        )
        for problem in report.problems:
            event = f"（第 {problem.event_seq} 条事件）" if problem.event_seq else ""
            click.echo(f"  ✗ 问题 [{problem.kind}]{event}：{problem.message}")
        for orphan in report.orphans:
            click.echo(
                f"  · 未签发，中断的运行留下的文件：{orphan} (not issued, left by an "
                "interrupted run)"
            )
    sys.exit(0 if report.ok else 1)


@registry_group.command("backup")
@home_option
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
def backup(home: Path | None, file: Path) -> None:
    """把登记库备份到 FILE (back up the registry).

    使用中也可备份，副本完整一致。

    A consistent copy, while the registry is in use.
    """
    target = resolve_home(home)
    target.config()
    with Registry.open(target.registry_path, read_only=True) as registry:
        registry.backup(file)
    click.echo(
        f"已备份 {target.registry_path} 到 {file}；核查备份：cecert registry audit "
        f"--registry {file} (backed up; check it with the audit)"
    )


@registry_group.command("checkpoint")
@home_option
def checkpoint(home: Path | None) -> None:
    """签署并输出事件日志的检查点 (sign a checkpoint).

    \b
    检查点存入登记库并输出，请在登记库之外公布。
    检查点文本写到标准输出，说明写到标准错误。

    Sign a checkpoint of the event log now, store it and print it (publish it): its text to
    standard output, the note about it to standard error."""
    from keys.private import open_key_ring
    from signer.checkpointing import write_checkpoint

    target = resolve_home(home)
    config = target.config()
    ring = open_key_ring(target.keys_dir, passphrase=passphrase())
    with Registry.open(target.registry_path) as registry:
        signed = write_checkpoint(registry, ring, config, at=dt.datetime.now(dt.UTC))
    click.echo(
        "已签署检查点，请在登记库之外公布以下文本 (checkpoint signed: publish the text below)",
        err=True,
    )
    click.echo(signed.to_text(), nl=False)
