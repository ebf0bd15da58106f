"""``cecert registry …``: audit, backup, restore and checkpoints of the system of record."""

from __future__ import annotations

import datetime as dt
import json
import sys
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING

import click

from cecert.command import Group
from cecert.options import checkpoints_in, home_option, passphrase, resolve_home
from registry import RegistryError
from registry.store import Registry

if TYPE_CHECKING:
    from cecert.full_audit import OutsideCheckpoint


@click.group("registry", cls=Group)
def registry_group() -> None:
    """登记库的核查、备份、恢复与检查点 (audit, backup, restore, checkpoints)."""


@registry_group.command("audit")
@home_option
@click.option(
    "--registry",
    "registry_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="核查此登记库文件（如恢复的备份）而非主目录的 (audit this registry file instead)",
)
@click.option(
    "--checkpoint",
    "checkpoint_files",
    multiple=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="登记库之外保存的检查点文件，可重复，登记库须延续它 (checkpoints kept outside)",
)
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出 (print the report as JSON)")
def audit(
    home: Path | None, registry_path: Path | None, checkpoint_files: tuple[Path, ...], as_json: bool
) -> None:
    """核查登记库，报告不符之处 (audit the registry).

    \b
    重新核算事件日志、每一行、每份 PDF 与检查点。
    一切相符时退出状态为 0，否则为 1（最先发现的问题最先列出）。

    Recompute the log, every row, every PDF and the checkpoints. Exit status 0 when
    everything adds up, 1 otherwise (the first problem is printed first).

    \b
    --checkpoint：检查点文件（cecert registry checkpoint 的输出、主目录 published/checkpoint.txt
    的副本，或核验方保存的），登记库须延续其中每个检查点，否则说明登记记录被删除或改写。
    With --checkpoint FILE, the log must extend every checkpoint in FILE (one the bureau
    published or a verifier kept): deleted or rewritten history shows there.
    """
    from cecert.full_audit import run_audit

    target = resolve_home(home)
    path = registry_path or target.registry_path
    outside = _outside_checkpoints(checkpoint_files)
    with Registry.open(path, read_only=True) as registry:
        report = run_audit(registry, target, at=dt.datetime.now(dt.UTC), outside=outside)
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


def _outside_checkpoints(files: tuple[Path, ...]) -> list[OutsideCheckpoint]:
    """Every checkpoint of every file, named by its file; a file that cannot be read or holds
    no valid checkpoint text is a usage error that names it."""
    from cecert.full_audit import OutsideCheckpoint

    found: list[OutsideCheckpoint] = []
    for file in files:
        try:
            checkpoints = checkpoints_in(file)
        except RegistryError as exc:
            raise click.BadParameter(exc.message, param_hint="--checkpoint") from exc
        found += [OutsideCheckpoint(str(file), c) for c in checkpoints]
    return found


@registry_group.command("backup")
@home_option
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
def backup(home: Path | None, file: Path) -> None:
    """把登记库备份到 FILE (back up the registry).

    \b
    使用中也可备份，副本完整一致。先写入同一文件夹的临时文件，
    经 SQLite 完整性检查并同步到磁盘后才改名为 FILE；
    已损坏的登记库不予备份，已有的 FILE 不会被覆盖。

    A consistent copy, while the registry is in use: written aside, checked by SQLite's
    integrity check and synced before it is named FILE. A damaged registry is not backed up;
    an existing FILE is never overwritten.
    """
    target = resolve_home(home)
    target.config()
    with Registry.open(target.registry_path, read_only=True) as registry:
        registry.backup(file)
    click.echo(
        f"已备份 {target.registry_path} 到 {file}，副本经完整性检查无误；核查备份：cecert "
        f"registry audit --registry {file} (backed up and checked; audit it with the home)"
    )


@registry_group.command("restore")
@home_option
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
def restore(home: Path | None, file: Path) -> None:
    """用备份 FILE 恢复登记库 (restore the registry from a backup).

    \b
    先停止 cecert serve、snapshot publish --watch 与签发。
    备份先复制到主目录、经完整性检查与核查（同 cecert registry audit），
    无误才替换登记库；原登记库改名保留（registry.sqlite.replaced-<时间>），不删除。
    备份之后签发、登记库中没有的证书，其编号不再签发给他人。

    Stop the server, the publisher and any issuing first. The backup is copied into the
    home, checked by SQLite and audited against the home (as `cecert registry audit`), and
    only then replaces the registry; the registry it replaces is moved aside, never deleted.
    Numbers of certificates issued after the backup are never drawn again.
    """
    from cecert.backup_restore import restore_registry

    target = resolve_home(home)
    restored = restore_registry(target, file, at=dt.datetime.now(dt.UTC))
    report = restored.report
    click.echo(
        f"已从 {file} 恢复登记库 {restored.registry}：{restored.events} 条登记事件、"
        f"{restored.documents} 份证书，核查无误 (restored: {restored.events} events, "
        f"{restored.documents} documents, audited)"
    )
    if restored.replaced is not None:
        click.echo(f"  原登记库已改名保留：{restored.replaced} (the replaced registry, kept)")
    for problem in report.problems:
        click.echo(f"  ! 注意 [{problem.kind}]：{problem.message}")
    if report.orphans:
        click.echo(
            f"  · 登记库中没有的证书文件 {len(report.orphans)} 份（备份之后签发，或中断的运行留下）"
            f" ({len(report.orphans)} certificate files the restored registry does not record):"
        )
        for orphan in report.orphans:
            click.echo(f"    {orphan}")
    if restored.reserved is not None:
        click.echo(
            f"  编号计数已调至 {restored.reserved}，上述编号不会再签发给他人 (the serial counter "
            f"is now {restored.reserved}: those numbers are never drawn again)"
        )
    click.echo(
        "下一步：cecert snapshot publish 重新发布登记状态；备份之后签发的证书须重新签发 "
        "(next: publish the status again; reissue what was issued after the backup)"
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
    from signer.status import publish_checkpoint, write_checkpoint

    target = resolve_home(home)
    config = target.config()
    ring = open_key_ring(target.keys_dir, passphrase=passphrase())
    with Registry.open(target.registry_path) as registry:
        signed = write_checkpoint(registry, ring, config, at=dt.datetime.now(dt.UTC))
    publish_checkpoint(target, signed)
    click.echo(
        "已签署检查点，请在登记库之外公布以下文本 (checkpoint signed: publish the text below)",
        err=True,
    )
    click.echo(signed.to_text(), nl=False)
