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

from cecert.options import home_option, resolve_home
from verifier.errors import VerifierError

if TYPE_CHECKING:
    from verifier.web.accounts import AccountStore

F = TypeVar("F", bound=Callable[..., Any])
PASSWORD_ENV = "CECERT_ACCOUNT_PASSWORD"  # noqa: S105 - a variable name
ROLES = ("panel", "employer")
"""The values of :class:`verifier.web.accounts.Role`."""


def instance_option(func: F) -> F:
    """``--instance DIR`` (default: ``<home>/instance``)."""
    return click.option(
        "--instance",
        type=click.Path(file_okay=False, path_type=Path),
        default=None,
        help="The web verifier's instance folder (default: <home>/instance).",
    )(func)


def resolve_instance(home: Path | None, instance: Path | None) -> Path:
    return instance if instance is not None else resolve_home(home).root / "instance"


def account_password() -> str:
    """``$CECERT_ACCOUNT_PASSWORD``, else a hidden prompt (twice) on a terminal; no default."""
    from verifier.web.accounts import check_password

    value = os.environ.get(PASSWORD_ENV)
    if not value:
        if not sys.stdin.isatty():
            raise VerifierError(
                "no_account_password",
                f"set {PASSWORD_ENV} or run on a terminal to be asked for the password",
            )
        value = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    return check_password(value)


def _store(home: Path | None, instance: Path | None) -> AccountStore:
    from verifier.web.accounts import ACCOUNTS_FILE, AccountStore

    folder = resolve_instance(home, instance)
    store = AccountStore.open(folder)
    if store is None:
        raise VerifierError("no_accounts", f"{folder / ACCOUNTS_FILE} does not exist")
    return store


@click.group("accounts")
def accounts_group() -> None:
    """Panel and employer accounts of the web verifier (login for the panel check)."""


@accounts_group.command("add")
@home_option
@instance_option
@click.argument("username")
@click.option(
    "--role",
    type=click.Choice(ROLES),
    required=True,
    help="panel: title-evaluation panel; employer: an employer.",
)
def add(home: Path | None, instance: Path | None, username: str, role: str) -> None:
    """Add USERNAME; creates the accounts file and the session secret key if missing."""
    from verifier.web.accounts import AccountStore, Role, ensure_secret_key

    folder = resolve_instance(home, instance)
    password = account_password()
    store = AccountStore.create(folder)
    store.add(username, password, Role(role), at=dt.datetime.now(dt.UTC))
    click.echo(f"added {username} ({role}) to {store.path}")
    if ensure_secret_key(folder):
        click.echo(f"created the session secret key {folder / 'secret_key'}")


@accounts_group.command("list")
@home_option
@instance_option
def list_(home: Path | None, instance: Path | None) -> None:
    """List the accounts: username, role, created, password last changed."""
    for account in _store(home, instance).accounts():
        click.echo(
            f"{account.username}\t{account.role.value}\t"
            f"created {account.created_at:%Y-%m-%dT%H:%M:%SZ}\t"
            f"password {account.password_changed_at:%Y-%m-%dT%H:%M:%SZ}"
        )


@accounts_group.command("remove")
@home_option
@instance_option
@click.argument("username")
def remove(home: Path | None, instance: Path | None, username: str) -> None:
    """Remove USERNAME; its sessions end at once."""
    _store(home, instance).remove(username)
    click.echo(f"removed {username}")


@accounts_group.command("password")
@home_option
@instance_option
@click.argument("username")
def password(home: Path | None, instance: Path | None, username: str) -> None:
    """Set a new password for USERNAME; its sessions end at once."""
    store = _store(home, instance)
    store.set_password(username, account_password(), at=dt.datetime.now(dt.UTC))
    click.echo(f"password of {username} changed; its sessions ended")
