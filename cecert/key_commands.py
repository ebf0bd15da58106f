"""``cecert keys rotate | revoke | list``: the key ring over time (docs/key-rotation.md)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from cecert.changes import republish
from cecert.choices import BadValue
from cecert.command import Command
from cecert.options import home_option, now, passphrase, resolve_home
from registry import Home

_KIND_ZH = {"seal": "印章", "qr": "二维码密钥"}
_STATE_ZH = {"active": "使用中", "retired": "已停用", "revoked": "已吊销"}


def _moment(text: str) -> dt.datetime:
    """An ISO 8601 time; without a zone it is taken as China time (what a bureau means)."""
    from registry import CHINA_TZ

    try:
        value = dt.datetime.fromisoformat(text)
    except ValueError as exc:
        raise BadValue(
            f"“{text}”不是 ISO 8601 时间 ({text!r} is not an ISO 8601 time)", param_hint="'--from'"
        ) from exc
    return value if value.tzinfo else value.replace(tzinfo=CHINA_TZ)


@click.command("rotate", cls=Command)
@home_option
@click.option(
    "--seal/--no-seal", default=True, show_default=True, help="更换印章 (replace the seal)"
)
@click.option(
    "--qr/--no-qr", default=True, show_default=True, help="更换二维码密钥 (replace the QR key)"
)
def keys_rotate(home: Path | None, seal: bool, qr: bool) -> None:
    """更换印章和/或二维码密钥 (replace the seal and/or QR key).

    \b
    旧的即时停用，仍可核验其签过的证书；
    重写主目录的 trust.json，请分发给每个核验方。

    The old ones are retired now and keep verifying what they signed. Rewrites the home's
    trust.json: give it to every verifier."""
    from signer import rotate

    target = resolve_home(home)
    secret = passphrase()
    manifest = rotate(target, passphrase=secret, at=now(), seal=seal, qr=qr)
    if seal:
        click.echo(f"新印章：{manifest['active_seal']} (new seal)")
    if qr:
        click.echo(f"新二维码密钥：{manifest['active_qr']} (new QR key)")
    _trust_rewritten(target, secret)


def _trust_rewritten(target: Home, secret: bytes) -> None:
    """Say so, then publish the status again, signed with the key in use now: a published
    snapshot signed by a key revoked from before its time would no longer check, and the
    servers following it would keep the previous one."""
    click.echo(
        f"信任列表已重写：{target.trust_list_path}，请分发给每个核验方 "
        "(trust list rewritten: give it to every verifier)"
    )
    if target.registry_path.exists():
        republish(target, secret)


class _KeyCommand(Command):
    """A command whose ``KEY`` may begin with ``-`` (one kid in 64 does): when the parser
    takes it for an option, the message says to write it after ``--``."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        given = list(args)
        try:
            return super().parse_args(ctx, args)
        except click.NoSuchOption as exc:
            token = next((a for a in given if a.startswith(exc.option_name)), exc.option_name)
            raise click.UsageError(
                f"没有选项 {exc.option_name}。若 {token} 是密钥标识，请把它写在 -- 之后："
                f"cecert keys {ctx.info_name} --from … --reason … -- {token} "
                f"(no such option {exc.option_name}; a key id beginning with '-' goes after --)",
                ctx,
            ) from exc


@click.command("revoke", cls=_KeyCommand)
@home_option
@click.argument("key")
@click.option(
    "--from",
    "revoked_from",
    required=True,
    help="自此时刻起不再信任该密钥（ISO 8601；不带时区即北京时间）(from this moment on)",
)
@click.option(
    "--reason", required=True, help="吊销原因，例如 key_compromise (why, e.g. key_compromise)"
)
def keys_revoke(home: Path | None, key: str, revoked_from: str, reason: str) -> None:
    """自某时刻起吊销已停用的密钥或印章 (revoke a retired key).

    \b
    KEY：二维码密钥的 kid，或印章 SHA-256 的前缀。
    此前签过的证书仍然有效；此后用它签的一律拒绝。
    重写主目录的 trust.json，请分发给每个核验方。

    KEY is a QR key's kid or a seal's SHA-256 prefix. Documents it signed before stay valid;
    anything signed with it from then on is refused. Rewrites the home's trust.json.
    """
    from signer import revoke

    target = resolve_home(home)
    moment = _moment(revoked_from)
    secret = passphrase()
    revoke(
        target,
        passphrase=secret,
        key=key,
        revoked_from=moment,
        reason=reason,
        at=now(),
    )
    click.echo(
        f"已吊销密钥 {key}：自 {moment.isoformat()} 起不再信任（{reason}）"
        f"(revoked {key} from {moment.isoformat()})"
    )
    _trust_rewritten(target, secret)


@click.command("list", cls=Command)
@home_option
def keys_list(home: Path | None) -> None:
    """列出印章与二维码密钥及其状态 (list the keys).

    无需口令。

    No passphrase needed.
    """
    from signer import key_inventory

    for row in key_inventory(resolve_home(home)):
        state = row["state"]
        state_zh = _STATE_ZH.get(state.split(maxsplit=1)[0].rstrip(";"), "")
        click.echo(f"{_KIND_ZH[row['kind']]} {row['id']}  {state_zh} ({state})")
