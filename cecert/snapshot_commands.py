"""``cecert snapshot …``: signed status snapshots for verifiers without a registry."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from cecert.command import Group
from cecert.options import home_option, passphrase, resolve_home
from registry import CHINA_TZ
from registry.store import Registry


@click.group("snapshot", cls=Group)
def snapshot_group() -> None:
    """签名的登记状态快照 (signed status snapshots).

    供没有登记库的核验方使用。

    Document status for verifiers without the registry.
    """


@snapshot_group.command("export")
@home_option
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--base",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    default=None,
    help="较早的完整快照：只写出此后的变化（增量快照）(an older full snapshot: write a delta)",
)
def export(home: Path | None, file: Path, base: Path | None) -> None:
    """把每份证书的状态签名后写入 FILE (export a snapshot).

    用二维码密钥签名。

    Signed by the bureau's QR key.
    """
    from keys.private import open_key_ring
    from signer.status import export_snapshot, write_snapshot

    target = resolve_home(home)
    config = target.config()
    ring = open_key_ring(target.keys_dir, passphrase=passphrase())
    at = dt.datetime.now(dt.UTC)
    with Registry.open(target.registry_path, read_only=True) as registry:
        documents = registry.count("documents")
        data = export_snapshot(
            registry, ring, config, at=at, base=base.read_bytes() if base else None
        )
    write_snapshot(file, data)  # aside, synced, renamed: never a truncated file
    kind_zh = f"基于 {base} 的增量快照" if base else "完整快照"
    kind = f"delta over {base}" if base else "full snapshot"
    per = f"，平均每份 {len(data) / documents:.1f} 字节" if documents else ""
    as_of = at.astimezone(CHINA_TZ)
    click.echo(
        f"已写出状态快照 {file}：{kind_zh}，{documents} 份证书，截至 {as_of:%Y-%m-%d %H:%M:%S}"
        f"（北京时间），{len(data)} 字节{per} (wrote {file}: {kind} of {documents} documents "
        f"as of {at:%Y-%m-%dT%H:%M:%SZ}, {len(data)} bytes)"
    )


@snapshot_group.command("publish")
@home_option
@click.option(
    "--watch",
    type=click.FloatRange(min=0.5),
    default=None,
    help="持续运行：每 SECONDS 秒查看登记库，有变化即发布 (keep running, look every SECONDS)",
)
@click.option(
    "--refresh",
    type=click.FloatRange(min=1),
    default=60.0,
    show_default=True,
    help="配合 --watch：无论有无变化，至少每 MINUTES 分钟发布一次 (publish at least every MINUTES)",
)
def publish(home: Path | None, watch: float | None, refresh: float) -> None:
    """发布登记状态快照，供扫码页使用 (publish the status).

    \b
    写出 <home>/published/status.cecs，即 cecert serve 交给扫码页的快照。
    改变证书状态的命令都会自行发布；加 --watch 则按时发布，
    登记库有变化（在别处改动）时也发布。用 Ctrl-C 或 SIGTERM 停止。

    Writes <home>/published/status.cecs, what `cecert serve` hands the scan
    page. Every command that changes a certificate's status publishes by itself; with --watch
    this also publishes on a schedule and whenever the registry's log has grown. Stop it
    with Ctrl-C or SIGTERM."""
    import signal
    import time

    from keys.private import open_key_ring
    from signer.status import publish_status, published_age, published_log_size

    target = resolve_home(home)
    target.config()
    ring = open_key_ring(target.keys_dir, passphrase=passphrase())
    stop = False

    def finish(_signum: int, _frame: object) -> None:
        nonlocal stop
        stop = True

    signal.signal(signal.SIGTERM, finish)

    def once(*, force: bool) -> None:
        now = dt.datetime.now(dt.UTC)
        with Registry.open(target.registry_path, read_only=True) as registry:
            grown = registry.log_size() != published_log_size(target)
            age = published_age(target, now)
            old = age is None or age >= dt.timedelta(minutes=refresh)
            if not (force or grown or old):
                return
            published = publish_status(target, registry, ring, at=now)
        click.echo(
            f"登记状态已发布 (published)：{published.path}，{published.log_size} 条登记事件，"
            f"{published.size} 字节",
            err=watch is not None,
        )

    once(force=True)
    if watch is None:
        return
    while not stop:
        time.sleep(watch)
        if not stop:
            once(force=False)
