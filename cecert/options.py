"""What every ``cecert`` command shares: finding the home and asking for the passphrase."""

from __future__ import annotations

import datetime as dt
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from keys import KeysError
from registry import Home, RegistryError
from registry.log import Checkpoint, read_checkpoints

F = TypeVar("F", bound=Callable[..., Any])


def now() -> dt.datetime:
    """The time now: the one clock of the commands, handed down as ``at`` or as a clock."""
    return dt.datetime.now(dt.UTC)


def home_option(func: F) -> F:
    """``--home DIR`` (else ``$CECERT_HOME``, else ``./var``)."""
    return click.option(
        "--home",
        type=click.Path(file_okay=False, path_type=Path),
        default=None,
        help="主目录（默认 $CECERT_HOME，否则 ./var）(cecert home)",
    )(func)


def resolve_home(home: Path | None) -> Home:
    return Home.resolve(home, os.environ)


def passphrase(*, confirm: bool = False) -> bytes:
    """``$CECERT_PASSPHRASE``, else a prompt on a terminal; there is no default."""
    value = os.environ.get("CECERT_PASSPHRASE")
    if value:
        return value.encode("utf-8")
    if not sys.stdin.isatty():
        raise KeysError(
            "no_passphrase",
            "需要私钥口令：请设置 CECERT_PASSPHRASE，或在终端上运行以输入口令 "
            "(set CECERT_PASSPHRASE or run on a terminal to be asked for it)",
        )
    text: str = click.prompt(
        "私钥口令 (passphrase)",
        hide_input=True,
        confirmation_prompt="再次输入口令 (repeat the passphrase)" if confirm else False,
    )
    return text.encode("utf-8")


def fail(exc: Exception, *, code: int = 1) -> None:
    """End the command with one line, ``error [reason]: message``, and exit status ``code``."""
    reason = getattr(exc, "reason", "error")
    click.echo(f"error [{reason}]: {exc}", err=True)
    sys.exit(code)


def checkpoints_in(file: Path) -> list[Checkpoint]:
    """Every checkpoint in a file a bureau published or a verifier kept (``--checkpoint``);
    ``bad_checkpoint`` naming the file when it cannot be read or holds none."""
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise RegistryError(
            "bad_checkpoint", f"无法读取检查点文件 {file}：{exc} (cannot read {file})"
        ) from exc
    return read_checkpoints(text, str(file))
