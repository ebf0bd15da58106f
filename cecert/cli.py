"""The ``cecert`` command: a thin skin over the packages' Python APIs.

Every command parses its options, calls one public function with the same parameter names,
and prints the result. Errors of every package end here and become one line ``error
[reason]: message`` with exit status 1 (2 for usage errors, as click does).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from cecert.account_commands import accounts_group
from cecert.changes import print_issued, signed_change
from cecert.command import Group
from cecert.counter_commands import counter_group
from cecert.key_commands import keys_list, keys_revoke, keys_rotate
from cecert.options import fail, home_option, now, passphrase, resolve_home
from cecert.portal_commands import portal_group
from cecert.registry_commands import registry_group
from cecert.rules_commands import hours, title
from cecert.snapshot_commands import snapshot_group
from cecert.verify_commands import serve, verify
from keys import KeysError
from registry import BureauConfig, RegistryError
from registry.file_imports import ImportKind, load_file, store_file
from verifier import (
    VerifierError,
)
from webcore import WebError

F = TypeVar("F", bound=Callable[..., Any])
_ERRORS: tuple[type[Exception], ...] = (KeysError, RegistryError, VerifierError, WebError)


def _signer_errors() -> tuple[type[Exception], ...]:
    try:
        from signer import IssuanceError
    except ImportError:  # a verifier-only installation has no signer
        return ()
    return (IssuanceError,)


@click.group(cls=Group)
@click.version_option(package_name="cecert", help="显示版本并退出 (show the version and exit)")
def cli() -> None:
    """继续教育证书的签发与核验，离线可用 (continuing-education certificates).

    cecert: continuing-education certificates (继续教育证书), issued and verified offline.
    """


@cli.command()
@home_option
@click.option(
    "--bureau",
    default="广州市人力资源和社会保障局",
    show_default=True,
    help="发证机关，印章与证书上的名称 (issuing bureau)",
)
@click.option(
    "--region",
    default="440100",
    show_default=True,
    help="发证机关的六位行政区划代码，证书编号以之开头 (six-digit region code)",
)
@click.option(
    "--province",
    default="广东省人力资源和社会保障厅",
    show_default=True,
    help="根证书的持有者 (holder of the root CA)",
)
@click.option(
    "--policy",
    "default_policy",
    default="gd-2010",
    show_default=True,
    help="默认学时政策 (default hours policy)",
)
@click.option(
    "--verify-url",
    default="",
    metavar="URL",
    help="核验网址，印在证书二维码旁（http:// 或 https://，至多 60 个字符）；不填时证书写明"
    "将 PDF 提交发证机关核验。 Verification address printed beside the QR code (http or "
    "https, at most 60 characters); without it the page says to present the PDF to the "
    "issuing bureau.",
)
def init(
    home: Path | None,
    bureau: str,
    region: str,
    province: str,
    default_policy: str,
    verify_url: str,
) -> None:
    """建立主目录：根证书、印章、二维码密钥、登记库 (create a home).

    \b
    建立根证书、时间戳证书、印章证书、二维码密钥、空登记库、
    发证机关配置与信任列表 trust.json；已有主目录则拒绝。

    Root CA, seal certificate, QR key, empty registry, trust list; refuses an existing home.
    """
    from signer import init_home

    target = resolve_home(home)
    config = BureauConfig(
        bureau=bureau,
        region=region,
        province=province,
        default_policy=default_policy,
        verify_url=verify_url,
    )
    init_home(target, config=config, passphrase=passphrase(confirm=True), at=now())
    click.echo(f"已建立主目录 {target.root}：{bureau}（{region}）(initialised)")
    click.echo(f"信任列表：{target.trust_list_path} (trust list)")


@cli.command()
@home_option
def upgrade(home: Path | None) -> None:
    """把较早版本建立的主目录升级到本版本 (upgrade a home made by an earlier cecert).

    \b
    密钥环、登记库结构与信任列表就地升级：根证书、密钥、证书编号与已发证书不变；
    登记库的更改记入日志（migrate 事件），随后签署检查点并发布状态。可重复运行。

    Upgrades the key ring, the registry's schema (logged) and the trust list in place, then
    signs a checkpoint and publishes the status. The root, keys, numbers and documents stay.
    """
    from signer import upgrade_home

    target = resolve_home(home)
    done = upgrade_home(target, passphrase=passphrase(), at=now())
    if done.key_ring_from is not None:
        click.echo(
            f"密钥环：已从版本 {done.key_ring_from} 升级，新增时间戳服务证书 "
            f"(key ring upgraded from version {done.key_ring_from})"
        )
    migrated = done.registry
    if migrated is not None and migrated.changed:
        click.echo(
            f"登记库：结构版本 {migrated.from_version} → {migrated.to_version}，"
            f"重新记录 {migrated.rerecorded} 行，按现状接收 {migrated.adopted} 行 "
            f"(registry schema {migrated.from_version} → {migrated.to_version}: "
            f"{migrated.rerecorded} rows re-recorded, {migrated.adopted} adopted as found)"
        )
    if done.trust_rewritten:
        click.echo(
            f"信任列表：已重新签发 {target.trust_list_path}，请交给所有核验方 "
            "(trust list signed anew: hand it to every verifier)"
        )
    if done.key_ring_from is None and migrated is None and not done.trust_rewritten:
        click.echo("主目录已是本版本，无需升级 (the home is up to date)")
    click.echo(
        f"检查点：覆盖 {done.checkpoint_size} 个事件，已发布 {target.published_checkpoint_path} "
        f"(checkpoint of {done.checkpoint_size} events published)"
    )


@cli.group()
def keys() -> None:
    """密钥与信任列表 (key ring and trust list)."""


@keys.command("export-trust")
@home_option
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
def export_trust(home: Path | None, file: Path) -> None:
    """把签名的信任列表写入 FILE，交给核验方 (write the trust list).

    Write the signed trust list a verifier needs to FILE and print the root's fingerprint.
    """
    from signer import describe_trust
    from signer import export_trust as export

    data = export(resolve_home(home), passphrase=passphrase(), at=now())
    file.write_bytes(data)
    summary = describe_trust(data)
    click.echo(
        f"已写出信任列表 {file}；根证书 SHA-256（请公布，供核验方固定）："
        f"{summary['root_sha256']} (wrote {file}; root SHA-256, publish it for pinning)"
    )


@cli.group("import")
def import_() -> None:
    """导入人员名单或学时记录 (import people or training records).

    文件格式：CSV、XLSX 或 JSON Lines (CSV, XLSX, JSON Lines).
    """


def _import(kind: ImportKind, home: Path | None, file: Path) -> None:
    target = resolve_home(home)
    target.config()  # not a home: say so before anything else
    at = now()
    loaded = load_file(kind, file, today=at.date())  # a bad row stops here, nothing asked
    with signed_change(target, publish=False) as change:
        result = store_file(change.registry, loaded, at=at)
    what = "人员名单" if kind is ImportKind.PEOPLE else "学时记录"
    click.echo(
        f"已导入{what}：新增 {result.added}，更新 {result.updated}，未变 {result.unchanged} "
        f"({kind.value}: {result.added} added, {result.updated} updated, "
        f"{result.unchanged} unchanged)"
    )


@import_.command("people")
@home_option
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
def import_people(home: Path | None, file: Path) -> None:
    """从 FILE 导入人员名单 (import people).

    有一行出错则整个文件不导入。导入后签署检查点，需要口令。

    A file with any bad row is rejected whole. Signs a checkpoint: needs the passphrase.
    """
    _import(ImportKind.PEOPLE, home, file)


@import_.command("activities")
@home_option
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
def import_activities(home: Path | None, file: Path) -> None:
    """从 FILE 导入学时记录 (import training records).

    有一行出错则整个文件不导入。导入后签署检查点，需要口令。

    A file with any bad row is rejected whole. Signs a checkpoint: needs the passphrase.
    """
    _import(ImportKind.ACTIVITIES, home, file)


@cli.command()
@home_option
@click.option(
    "--year", type=int, default=None, help="发证年度；不用 --requests 时必填 (the year to certify)"
)
@click.option("--policy", "policy_id", default=None, help="学时政策（默认：主目录的）(policy id)")
@click.option(
    "--person",
    "id_numbers",
    multiple=True,
    help="只为此身份证号发证，可重复 (only this ID number, repeatable)",
)
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="证书 PDF 的存放目录（默认 <home>/certificates）(where PDFs go)",
)
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    default=None,
    help="制作证书的进程数（默认：可用的 CPU 核数；1：全在本进程）(processes making documents)",
)
@click.option(
    "--requests",
    is_flag=True,
    help="办理网上申报经审核的签发申请，按年度签发，逐件办结 (take the portal's issuance requests)",
)
@click.option(
    "--follow",
    is_flag=True,
    help="配合 --requests：持续运行，办理新到的申请并及时签署检查点 (keep running)",
)
@click.option(
    "--interval",
    type=click.FloatRange(min=0.1),
    default=2.0,
    show_default=True,
    help="配合 --follow：每隔几秒查看一次登记库 (seconds between looks)",
)
def issue(
    home: Path | None,
    year: int | None,
    policy_id: str | None,
    id_numbers: tuple[str, ...],
    out_dir: Path | None,
    workers: int | None,
    requests: bool,
    follow: bool,
    interval: float,
) -> None:
    """为学时达标的每个人签发该年度证书 (issue the year's certificates).

    \b
    只计已认定的学时记录；未发证的人逐一说明原因。
    加 --requests 则办理网上申报经审核的签发申请：签发或说明不签发的原因；
    再加 --follow 则持续运行，用 Ctrl-C 或 SIGTERM 停止。

    Issue the YEAR certificate to everyone whose confirmed records meet the policy; with
    --requests, take the portal's approved requests instead (--follow: keep taking them).
    """
    from cecert.progress import ProgressLine
    from signer import Issuer, usable_cores

    target = resolve_home(home)
    if requests:
        if year is not None or policy_id is not None or id_numbers:
            raise click.UsageError(
                "--requests 按申请的年度签发，不能与 --year、--policy、--person 同用 "
                "(--requests takes each request's year: no --year, --policy or --person)"
            )
        from cecert.issue_requests import issue_requests

        issue_requests(target, out_dir=out_dir, workers=workers, follow=follow, interval=interval)
        return
    if follow:
        raise click.UsageError("--follow 须与 --requests 同用 (--follow needs --requests)")
    if year is None:
        raise click.UsageError("缺少选项 --year (missing option --year)")
    with signed_change(target) as change:
        issuer = Issuer(
            registry=change.registry,
            ring=change.ring,
            config=change.config,
            out_dir=out_dir or target.certificates_dir,
        )
        progress = ProgressLine("签发进度 issuing", sys.stderr, in_place=sys.stderr.isatty())
        report = issuer.issue(
            year=year,
            at=now(),
            policy_id=policy_id,
            id_numbers=list(id_numbers) or None,
            progress=progress,
            workers=workers or usable_cores(),
            keep_records=False,
            on_issued=print_issued,
            clock=now,
        )
        progress.finish()
    for skipped in report.skipped:
        click.echo(
            f"未发证 {skipped.masked_id} {skipped.name}：{skipped.detail}（{skipped.reason}）"
        )
    groups = report.skipped_by_cause()
    if groups:
        click.echo("未发证原因汇总 (skipped, by cause):")
        for group in groups:
            click.echo(f"  {group.count} 人：{group.label_zh}（{', '.join(group.codes)}）")
    click.echo(
        f"发证 {report.issued_count} 份，未发证 {len(report.skipped)} 人 "
        f"({report.issued_count} issued, {len(report.skipped)} skipped)"
    )


cli.add_command(verify)
cli.add_command(serve)
cli.add_command(hours)
cli.add_command(title)
cli.add_command(registry_group)
cli.add_command(snapshot_group)
cli.add_command(accounts_group)
cli.add_command(portal_group)
cli.add_command(counter_group)
keys.add_command(keys_rotate)
keys.add_command(keys_revoke)
keys.add_command(keys_list)
from cecert.lifecycle_commands import add_lifecycle_commands  # noqa: E402 - with the others

add_lifecycle_commands(cli)


def main() -> None:
    """Entry point: run the command group, turning our errors into one clear line."""
    errors = (*_ERRORS, *_signer_errors())
    try:
        cli.main(standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("已中止 (aborted)", err=True)
        sys.exit(1)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except errors as exc:
        fail(exc)
    except KeyboardInterrupt:
        sys.exit(130)
