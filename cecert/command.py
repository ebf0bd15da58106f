"""The classes of every ``cecert`` command: their built-in ``--help`` speaks Chinese first.

A bare ``click.command`` or ``click.group`` of ``cecert`` takes ``cls=Command`` or
``cls=Group``; a :class:`Group`'s own ``.command()`` and ``.group()`` use them already.
``tests/cli/test_cli.py`` walks the whole command tree to keep every help text Chinese first.
"""

from __future__ import annotations

import click

HELP_HELP = "显示本说明并退出 (show this help and exit)"
"""The help of every command's ``--help``."""


class Command(click.Command):
    """A ``cecert`` command."""

    def get_help_option(self, ctx: click.Context) -> click.Option | None:
        option = super().get_help_option(ctx)
        if option is not None:
            option.help = HELP_HELP
        return option


class Group(click.Group):
    """A ``cecert`` command group; its commands and groups are :class:`Command` and
    :class:`Group` too."""

    command_class = Command
    group_class = type

    def get_help_option(self, ctx: click.Context) -> click.Option | None:
        option = super().get_help_option(ctx)
        if option is not None:
            option.help = HELP_HELP
        return option


__all__ = ["HELP_HELP", "Command", "Group"]
