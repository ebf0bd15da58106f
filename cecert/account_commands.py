"""``cecert accounts …``: the web verifier's panel and employer accounts, in the instance
folder (``<instance>/accounts.sqlite``, ``docs/accounts.md``).

:mod:`verifier.web.accounts` is imported by the commands themselves: loading the command
line must not load the web framework."""

from __future__ import annotations

import datetime as dt
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from cecert.choices import ACCOUNT_ROLE
from cecert.command import Group
from cecert.options import home_option, resolve_home
from verifier import VerifierError

if TYPE_CHECKING:
    from verifier.web import AccountStore

F = TypeVar("F", bound=Callable[..., Any])
PASSWORD_ENV = "CECERT_ACCOUNT_PASSWORD"  # noqa: S105 - a variable name


def instance_option(func: F) -> F:
    """``--instance DIR`` (default: ``<home>/instance``)."""
    return click.option(
        "--instance",
        type=click.Path(file_okay=False, path_type=Path),
        default=None,
        help="验证服务的实例目录（默认 <home>/instance）(the web verifier's instance folder)",
    )(func)


def resolve_instance(home: Path | None, instance: Path | None) -> Path:
    return instance if instance is not None else resolve_home(home).root / "instance"


def account_password() -> str:
    """``$CECERT_ACCOUNT_PASSWORD``, else a hidden prompt (twice) on a terminal; no default."""
    from verifier.web import check_password

    value = os.environ.get(PASSWORD_ENV)
    if not value:
        if not sys.stdin.isatty():
            raise VerifierError(
                "no_account_password",
                f"需要账户密码：请设置 {PASSWORD_ENV}，或在终端上运行以输入密码 "
                f"(set {PASSWORD_ENV} or run on a terminal to be asked for the password)",
            )
        value = click.prompt(
            "账户密码 (password)",
            hide_input=True,
            confirmation_prompt="再次输入密码 (repeat the password)",
        )
    return check_password(value)


def _store(home: Path | None, instance: Path | None) -> AccountStore:
    from verifier.web import ACCOUNTS_FILE, AccountStore

    folder = resolve_instance(home, instance)
    store = AccountStore.open(folder)
    if store is None:
        path = folder / ACCOUNTS_FILE
        raise VerifierError(
            "no_accounts",
            f"没有账户文件：{path}（先用 cecert accounts add）({path} does not exist)",
        )
    return store


@click.group("accounts", cls=Group)
def accounts_group() -> None:
    """网页验证服务的登录账户 (accounts of the web verifier).

    评审委员会与用人单位的账户，用于登录职称评审核查页。

    Panel and employer accounts (login for the panel check).
    """


@accounts_group.command("add")
@home_option
@instance_option
@click.argument("username")
@click.option(
    "--role",
    type=ACCOUNT_ROLE,
    required=True,
    help="评审委员会（职称评审）或用人单位 (panel: a title-evaluation panel; employer)",
)
def add(home: Path | None, instance: Path | None, username: str, role: str) -> None:
    """添加账户 USERNAME (add an account).

    需要时建立账户文件与会话密钥。

    Creates the accounts file and the session secret key if missing.
    """
    from verifier.web import AccountStore, Role, ensure_secret_key

    folder = resolve_instance(home, instance)
    password = account_password()
    store = AccountStore.create(folder)
    store.add(username, password, Role(role), at=dt.datetime.now(dt.UTC))
    click.echo(
        f"已添加账户 {username}（{Role(role).label_zh}）：{store.path} (added {username}, {role})"
    )
    if ensure_secret_key(folder):
        click.echo(
            f"已生成会话密钥 {folder / 'secret_key'}，请重启 cecert serve "
            "(created the session secret key)"
        )


@accounts_group.command("list")
@home_option
@instance_option
def list_(home: Path | None, instance: Path | None) -> None:
    """列出账户 (list the accounts).

    用户名、角色、建立时间、密码修改时间（表头写到标准错误）。

    Username, role, created, password last changed (the header goes to standard error).
    """
    accounts = _store(home, instance).accounts()
    click.echo(
        "账户\t角色\t建立时间 (UTC)\t密码修改时间 (UTC) "
        "(username, role, created, password changed)",
        err=True,
    )
    for account in accounts:
        click.echo(
            f"{account.username}\t{account.role.label_zh} {account.role.value}\t"
            f"{account.created_at:%Y-%m-%dT%H:%M:%SZ}\t"
            f"{account.password_changed_at:%Y-%m-%dT%H:%M:%SZ}"
        )


@accounts_group.command("remove")
@home_option
@instance_option
@click.argument("username")
def remove(home: Path | None, instance: Path | None, username: str) -> None:
    """删除账户 USERNAME (remove an account).

    其会话立即结束。

    Its sessions end at once.
    """
    _store(home, instance).remove(username)
    click.echo(f"已删除账户 {username}，其会话已结束 (removed {username})")


@accounts_group.command("password")
@home_option
@instance_option
@click.argument("username")
def password(home: Path | None, instance: Path | None, username: str) -> None:
    """为账户 USERNAME 设置新密码 (set a new password).

    其会话立即结束。

    Its sessions end at once.
    """
    store = _store(home, instance)
    store.set_password(username, account_password(), at=dt.datetime.now(dt.UTC))
    click.echo(
        f"已更改账户 {username} 的密码，其会话已结束 (password of {username} changed; "
        "its sessions ended)"
    )
