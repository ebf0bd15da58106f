"""``cecert verify`` and ``cecert serve``: the verifier's commands.

Both need only a trust list and, for status, a registry file or a signed snapshot; neither
opens a private key (a verifier-only installation runs them).
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import click

from cecert.account_commands import instance_option, resolve_instance
from cecert.command import Command
from cecert.options import checkpoints_in, fail, home_option, now, resolve_home
from cecert.serving_options import (
    listen_options,
    login_rate_limit_option,
    proxy_options,
    rate_limit_option,
)
from keys import KeysError, parse_trust_list
from registry import CHINA_TZ, RegistryError
from registry.store import Registry
from verifier import (
    RegistryStatus,
    StatusSource,
    Verdict,
    VerificationReport,
    Verifier,
    VerifierError,
    held_to_checkpoints,
    read_snapshot,
    time_ago_zh,
)

F = TypeVar("F", bound=Callable[..., Any])
_ERRORS: tuple[type[Exception], ...] = (KeysError, RegistryError, VerifierError)


def _verifier(
    home: Path | None,
    trust: Path | None,
    registry: Path | None,
    pin: str | None,
    snapshot: Path | None = None,
    delta: Path | None = None,
    max_age: int = 30,
    checkpoints: Sequence[Path] = (),
) -> tuple[Verifier, Registry | None]:
    target = resolve_home(home)
    trust_path = trust or target.trust_list_path
    try:
        data = trust_path.read_bytes()
    except OSError as exc:
        raise VerifierError(
            "no_trust_list",
            f"无法读取信任列表 {trust_path}（{exc.strerror}）(cannot read the trust list)",
        ) from exc
    trust_list = parse_trust_list(data, pin=pin)
    if snapshot is not None:
        status = read_snapshot(
            snapshot, trust_list, max_age=dt.timedelta(days=max_age), delta=delta
        )
        return Verifier(trust_list, status=status), None
    registry_path = registry or (target.registry_path if trust is None else None)
    opened = None
    if registry_path is not None:
        opened = Registry.open(registry_path, read_only=True)
    if opened is None:
        return Verifier(trust_list, status=None), None
    live: StatusSource = RegistryStatus(opened)
    if checkpoints:
        kept = [c for file in checkpoints for c in checkpoints_in(file)]
        live = held_to_checkpoints(live, opened, kept, trust_list, at=now())
    return Verifier(trust_list, status=live), opened


def _is_file(path: Path) -> bool:
    """Is INPUT a file? A QR text is not, even when the system cannot even look it up (a
    segment between two '/' of a Base45 text can exceed the 255 bytes a file name may have)."""
    try:
        return len(str(path)) < 4096 and path.is_file()
    except OSError:
        return False


def _print_report(report: VerificationReport) -> None:
    """Chinese first, the answers at the top; the machine words under 技术详情."""
    data = report.to_json()
    zh = data["zh"]
    click.echo(f"验证结果：{zh['verdict']} — {zh['summary']}")
    c = data["certificate"]
    if c:
        hours = c["hours"]
        click.echo(f"  持证人：{c['name']}（{c['masked_id']}）")
        click.echo(
            f"  证书：{c['number']} 第 {c['edition']} 版（{c['kind_zh']}），{c['year']}年度，"
            f"{c['title_level_zh']}"
        )
        click.echo(
            f"  学时：公需科目 {hours['public']} · 专业科目 {hours['professional']} · "
            f"选修科目 {hours['elective']} · 合计 {hours['total']}"
            f"（{c['policy_title_zh'] or c['policy_id']}）"
        )
        bureau = c["issuer_name"] or "信任列表中没有该机关的印章"
        click.echo(f"  发证机关：{bureau}（{c['issuer']}），发证日期 {c['issued_on']}")
    if report.hours:
        click.echo(f"  学时判定：{report.hours.status.label_zh} — {report.hours.detail_zh}")
    if report.snapshot:
        as_of = report.snapshot.as_of.astimezone(CHINA_TZ)
        ago = time_ago_zh(int(report.snapshot.age.total_seconds()))
        stale = "，已过期，状态无法核验" if report.snapshot.too_old else ""
        click.echo(f"  登记状态截至 {as_of:%Y-%m-%d %H:%M}（北京时间，{ago}）{stale}")
    if zh["problems"]:
        click.echo("原因：")
        for problem in zh["problems"]:
            click.echo(f"  · {problem['problem']}：{problem['meaning']}")
    click.echo(f"下一步：{zh['next_step']}")
    click.echo("技术详情 (technical details):")
    click.echo(f"verdict: {report.verdict.value}")
    for check in report.checks:
        reason = f" [{check.reason}]" if check.reason else ""
        click.echo(f"  {check.status.value:8} {check.name}{reason}: {check.detail}")
    if report.hours:
        hours_reason = f" [{report.hours.reason}]" if report.hours.reason else ""
        click.echo(f"hours: {report.hours.status.value}{hours_reason}: {report.hours.detail}")
    if report.snapshot:
        stale = " — too old: status not judged" if report.snapshot.too_old else ""
        click.echo(f"status from: {report.snapshot.describe()}{stale}")
    if c:
        click.echo(f"certificate: {json.dumps(c, ensure_ascii=False)}")


_FILE_SUFFIXES = (".pdf", ".png", ".jpg", ".jpeg", ".gif", ".bmp", ".webp")


def _names_a_file(text: str) -> bool:
    """Does INPUT name a file rather than hold a QR text? A QR text starts with ``CEC1:``;
    anything with a path separator or an image or PDF suffix is a file name."""
    if text[:5].upper() == "CEC1:":
        return False
    return "/" in text or "\\" in text or text.lower().endswith(_FILE_SUFFIXES)


def _trust_and_registry_options(func: F) -> F:
    """``--trust FILE`` and ``--registry FILE``: what the verdict rests on."""
    func = click.option(
        "--registry",
        type=click.Path(dir_okay=False, path_type=Path),
        default=None,
        help=_REGISTRY_HELP,
    )(func)
    return click.option(
        "--trust",
        type=click.Path(dir_okay=False, path_type=Path),
        default=None,
        help=_TRUST_HELP,
    )(func)


def _snapshot_options(func: F) -> F:
    """``--snapshot FILE`` and ``--max-age DAYS``: status from a signed snapshot."""
    func = click.option(
        "--max-age",
        type=click.IntRange(0, 3650),
        default=30,
        show_default=True,
        help="快照超过此天数即过旧，不据以判定状态 (days after which a snapshot is too old)",
    )(func)
    return click.option(
        "--snapshot",
        type=click.Path(dir_okay=False, path_type=Path),
        default=None,
        help="签名的状态快照：没有登记库时据以判定状态 (a signed status snapshot)",
    )(func)


def _check_status_options(registry: Path | None, snapshot: Path | None, delta: Path | None) -> None:
    if registry is not None and snapshot is not None:
        raise click.UsageError(
            "--registry 与 --snapshot 只能给一个 (give --registry or --snapshot, not both)"
        )
    if delta is not None and snapshot is None:
        raise click.UsageError(
            "--delta 需要 --snapshot，即它所基于的完整快照 (--delta needs --snapshot)"
        )


_TRUST_HELP = "信任列表文件；给出时不用主目录的登记库 (trust list; then no home registry)"
_REGISTRY_HELP = "据以判定状态的登记库文件，只读打开 (registry file for status, read-only)"
_PIN_HELP = "信任列表须由此 SHA-256 的根证书签名 (SHA-256 of the root that must sign it)"


@click.command(cls=Command)
@home_option
@click.argument("input_", metavar="INPUT")
@_trust_and_registry_options
@click.option("--pin", default=None, help=_PIN_HELP)
@_snapshot_options
@click.option(
    "--delta",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="先套用于 --snapshot 的增量快照 (a delta snapshot to apply to --snapshot)",
)
@click.option(
    "--checkpoint",
    "checkpoint_files",
    multiple=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="保存的检查点，可重复，登记库须延续它 (checkpoints the registry must extend)",
)
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出 (print the report as JSON)")
def verify(
    home: Path | None,
    input_: str,
    trust: Path | None,
    registry: Path | None,
    pin: str | None,
    snapshot: Path | None,
    max_age: int,
    delta: Path | None,
    checkpoint_files: tuple[Path, ...],
    as_json: bool,
) -> None:
    """验证证书：PDF、二维码照片或二维码内容 (verify a certificate).

    INPUT：证书 PDF、二维码的照片或扫描件，或二维码内容本身（以 CEC1: 开头）。

    INPUT: a PDF, a QR photo or the QR text.

    \b
    退出状态：0 有效；1 无效或无法核验；
    2 用法错误（文件不存在，信任列表或快照不可用）。

    Exit status: 0 valid, 1 invalid or could not verify, 2 usage error (a file that does
    not exist, a trust list or snapshot that cannot be used).

    \b
    --checkpoint：核验方保存的发证机关检查点；登记库的事件日志不延续它（记录被删除或改写）时，
    不据以判定状态（无法核验）。
    With --checkpoint, status is not taken from a registry whose log does not extend it.
    """
    _check_status_options(registry, snapshot, delta)
    if checkpoint_files and snapshot is not None:
        raise click.UsageError(
            "--checkpoint 用于登记库，不用于 --snapshot (--checkpoint is for a registry)"
        )
    try:
        verifier, opened = _verifier(
            home, trust, registry, pin, snapshot, delta, max_age, checkpoint_files
        )
    except (*_ERRORS,) as exc:
        fail(exc, code=2)
    try:
        path = Path(input_)
        at = now()
        if _is_file(path):
            report = verifier.verify_bytes(path.read_bytes(), at=at)
        elif _names_a_file(input_):
            fail(
                VerifierError(
                    "no_such_file",
                    f"没有这个文件：{input_}（请检查路径；二维码内容以 CEC1: 开头）"
                    f" (no such file: {input_})",
                ),
                code=2,
            )
        else:
            report = verifier.verify_text(input_, at=at)
    finally:
        if opened is not None:
            opened.close()
    if as_json:
        click.echo(json.dumps(report.to_json(), ensure_ascii=False, indent=2))
    else:
        _print_report(report)
    sys.exit(0 if report.verdict is Verdict.VALID else 1)


@click.command(cls=Command)
@home_option
@_trust_and_registry_options
@listen_options(port=8000)
@click.option("--pin", default=None, help=_PIN_HELP)
@_snapshot_options
@instance_option
@rate_limit_option("verify", "60/minute", zh="核验次数", en="verifications")
@login_rate_limit_option
@proxy_options
def serve(
    home: Path | None,
    instance: Path | None,
    trust: Path | None,
    registry: Path | None,
    host: str,
    port: int,
    workers: int,
    threads: int,
    pin: str | None,
    snapshot: Path | None,
    max_age: int,
    rate_limit_verify: str,
    rate_limit_login: str,
    proxy_fix: int,
    hsts_max_age: int,
) -> None:
    """运行网页验证服务 (serve the web verifier).

    \b
    上传 PDF 或图片、粘贴二维码内容；/scan 在浏览器中扫码核验，加载后可离线。
    状态来自登记库（主目录的，除非给了 --trust），没有登记库时来自 --snapshot。
    使用主目录且未给 --snapshot 时，扫码页拿到主目录的 published/status.cecs，
    文件更新即跟随；信任列表也跟随（更换密钥无需重启），约 1 秒内生效。

    Upload a PDF or image, or paste the QR text; /scan scans and verifies in the browser,
    offline once loaded. Status comes from the registry (the home's, unless --trust is
    given) or, without one, from --snapshot. With both, the registry judges and the snapshot
    is published for the offline page to cache; with the home and no --snapshot, that is the
    home's published/status.cecs, followed as it is replaced. The trust list is followed too
    (a key rotation needs no restart). Panel accounts and the session secret come from
    --instance."""
    from verifier.web import create_app
    from webcore.server import serve as run_server

    target = resolve_home(home)
    trust_path = trust or target.trust_list_path
    registry_path = registry or (target.registry_path if trust is None else None)
    # A bureau's own server hands the scan page the home's published snapshot by default,
    # and follows it as `cecert snapshot publish` (and every change) replaces it.
    published = snapshot is None and trust is None
    snapshot_path = target.published_snapshot_path if published else snapshot
    app = create_app(
        {
            "TRUST_LIST": str(trust_path),
            "REGISTRY": str(registry_path) if registry_path else None,
            "TRUST_PIN": pin,
            "SNAPSHOT": str(snapshot_path) if snapshot_path else None,
            "SNAPSHOT_OPTIONAL": published,
            "SNAPSHOT_MAX_AGE_DAYS": max_age,
            "RATE_LIMIT_VERIFY": rate_limit_verify,
            "RATE_LIMIT_LOGIN": rate_limit_login,
            "PROXY_FIX": proxy_fix or None,
            "HSTS_MAX_AGE": hsts_max_age or None,
        },
        instance_path=str(resolve_instance(home, instance).absolute()),
    )
    click.echo(f"验证服务：http://{host}:{port}/ (verifier on http://{host}:{port}/)")
    run_server(app, host=host, port=port, workers=workers, threads=threads)
