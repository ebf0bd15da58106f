"""``cecert accounts …``: the accounts of the web applications (the verifier's panel and
employer accounts, the portal's), in the instance folder (``<instance>/accounts.sqlite``,
``docs/accounts.md``).

:mod:`webcore.accounts` is imported by the commands themselves (``webcore`` names it
lazily): loading the command line must not load the web framework."""

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
from webcore import WebError

if TYPE_CHECKING:
    from webcore import AccountStore

F = TypeVar("F", bound=Callable[..., Any])
PASSWORD_ENV = "CECERT_ACCOUNT_PASSWORD"  # noqa: S105 - a variable name


PORTAL_INSTANCE = "portal"
"""The portal's instance folder in a home: its accounts are apart from the verifier's,
because anyone may register in the portal (``docs/decisions.md``)."""


def accounts_instance_option(func: F) -> F:
    """``--instance DIR`` and ``--portal`` (the portal's folder, ``<home>/portal``)."""
    func = click.option(
        "--portal",
        is_flag=True,
        default=False,
        help="平台（cecert portal serve）的账户，实例目录 <home>/portal (the portal's accounts)",
    )(func)
    return instance_option(func)


def instance_option(func: F) -> F:
    """``--instance DIR`` (default: ``<home>/instance``)."""
    return click.option(
        "--instance",
        type=click.Path(file_okay=False, path_type=Path),
        default=None,
        help="实例目录（默认：验证服务 <home>/instance）(the instance folder; default: the web "
        "verifier's)",
    )(func)


def resolve_instance(home: Path | None, instance: Path | None, *, portal: bool = False) -> Path:
    """``instance`` if given; else the portal's (``portal``) or the verifier's folder."""
    if instance is not None:
        return instance
    return resolve_home(home).root / (PORTAL_INSTANCE if portal else "instance")


def account_password() -> str:
    """``$CECERT_ACCOUNT_PASSWORD``, else a hidden prompt (twice) on a terminal; no default."""
    from webcore import check_password

    value = os.environ.get(PASSWORD_ENV)
    if not value:
        if not sys.stdin.isatty():
            raise WebError(
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


def _store(home: Path | None, instance: Path | None, portal: bool) -> AccountStore:
    from webcore import ACCOUNTS_FILE, AccountStore

    folder = resolve_instance(home, instance, portal=portal)
    store = AccountStore.open(folder)
    if store is None:
        path = folder / ACCOUNTS_FILE
        raise WebError(
            "no_accounts",
            f"没有账户文件：{path}（先用 cecert accounts add）({path} does not exist)",
        )
    return store


@click.group("accounts", cls=Group)
def accounts_group() -> None:
    """网页服务的登录账户 (accounts of the web services).

    评审委员会与用人单位的账户，用于登录职称评审核查页；专业技术人员、行业主管部门与人社局的账户用于门户。

    Panel and employer accounts (login for the panel check); professional, authority and
    bureau accounts are for the portal.
    """


@accounts_group.command("add")
@home_option
@accounts_instance_option
@click.argument("username")
@click.option(
    "--role",
    type=ACCOUNT_ROLE,
    required=True,
    help="评审委员会（职称评审）、用人单位、专业技术人员、行业主管部门或人社局 "
    "(panel: a title-evaluation panel; employer; professional; authority; bureau)",
)
@click.option(
    "--scope",
    metavar="TEXT",
    default=None,
    help="账户代表的对象：专业技术人员的身份证号、用人单位的统一社会信用代码、"
    "行业主管部门的行业名称、人社局的行政区划代码 (what the account speaks for: an ID "
    "number, a unified social credit code, a sector, a region code)",
)
def add(
    home: Path | None,
    instance: Path | None,
    portal: bool,
    username: str,
    role: str,
    scope: str | None,
) -> None:
    """添加账户 USERNAME (add an account).

    需要时建立账户文件与会话密钥。

    Creates the accounts file and the session secret key if missing.
    """
    from webcore import AccountStore, Role, check_scope, ensure_secret_key

    check_scope(scope)  # before the password is asked for
    # Professionals, authorities, bureaus and providers exist only in the portal.
    portal = portal or Role(role) in {
        Role.PROFESSIONAL, Role.AUTHORITY, Role.BUREAU, Role.PROVIDER,
    }  # fmt: skip
    folder = resolve_instance(home, instance, portal=portal)
    password = account_password()
    store = AccountStore.create(folder)
    store.add(username, password, Role(role), at=dt.datetime.now(dt.UTC), scope=scope)
    speaks_for = f"，{scope}" if scope is not None else ""
    click.echo(
        f"已添加账户 {username}（{Role(role).label_zh}{speaks_for}）：{store.path} "
        f"(added {username}, {role})"
    )
    if ensure_secret_key(folder):
        click.echo(
            f"已生成会话密钥 {folder / 'secret_key'}，请重启 cecert serve "
            "(created the session secret key)"
        )


@accounts_group.command("list")
@home_option
@accounts_instance_option
def list_(home: Path | None, instance: Path | None, portal: bool) -> None:
    """列出账户 (list the accounts).

    用户名、角色、建立时间、密码修改时间、代表的对象（无则留空；表头写到标准错误）。

    Username, role, created, password last changed, scope (empty for none; the header goes
    to standard error).
    """
    accounts = _store(home, instance, portal).accounts()
    click.echo(
        "账户\t角色\t建立时间 (UTC)\t密码修改时间 (UTC)\t代表 "
        "(username, role, created, password changed, scope)",
        err=True,
    )
    for account in accounts:
        click.echo(
            f"{account.username}\t{account.role.label_zh} {account.role.value}\t"
            f"{account.created_at:%Y-%m-%dT%H:%M:%SZ}\t"
            f"{account.password_changed_at:%Y-%m-%dT%H:%M:%SZ}\t"
            f"{account.scope or ''}"
        )


@accounts_group.command("remove")
@home_option
@accounts_instance_option
@click.argument("username")
def remove(home: Path | None, instance: Path | None, portal: bool, username: str) -> None:
    """删除账户 USERNAME (remove an account).

    其会话立即结束。

    Its sessions end at once.
    """
    _store(home, instance, portal).remove(username)
    click.echo(f"已删除账户 {username}，其会话已结束 (removed {username})")


@accounts_group.command("password")
@home_option
@accounts_instance_option
@click.argument("username")
def password(home: Path | None, instance: Path | None, portal: bool, username: str) -> None:
    """为账户 USERNAME 设置新密码 (set a new password).

    其会话立即结束。

    Its sessions end at once.
    """
    store = _store(home, instance, portal)
    store.set_password(username, account_password(), at=dt.datetime.now(dt.UTC))
    click.echo(
        f"已更改账户 {username} 的密码，其会话已结束 (password of {username} changed; "
        "its sessions ended)"
    )
