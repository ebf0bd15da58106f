"""Closed lists a clerk types: a code or its Chinese word (``--reason 遗失`` or ``--reason lost``).

:class:`Words` is a click parameter type that hands the command the code, whichever was
typed, so the command passes it on to its enum unchanged. Codes match whatever their case;
Chinese words match as written (surrounding spaces ignored). A value outside the list is a
usage error (exit status 2, as click's own), Chinese first, naming the value and every
accepted word.

The lists below name their codes as literals where the enum lives in a package the command
line must not load just to parse its options (``signer``, absent from a verifier-only
installation); ``tests/cli/test_cli.py`` holds them to the enums. (``webcore`` loads no web
framework until its accounts are used: its :class:`Role` is read directly.)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import click

from registry import RevocationReason, TitleLevel
from webcore import Role


class BadValue(click.BadParameter):
    """A bad value, said Chinese first: ``选项 '--reason' 的值无效 (invalid value)：…``."""

    def format_message(self) -> str:
        hint = self.param_hint
        if hint is None and self.param is not None:
            hint = self.param.get_error_hint(self.ctx)
        if hint is None:
            return f"值无效 (invalid value)：{self.message}"
        where = hint if isinstance(hint, str) else " / ".join(hint)
        kind = "参数" if isinstance(self.param, click.Argument) else "选项"
        return f"{kind} {where} 的值无效 (invalid value)：{self.message}"


class Words(click.ParamType[str, str]):
    """A code of a closed list or one of its Chinese words; converts to the code.

    ``choices`` maps each code to its Chinese words, the first being the one shown in the
    help (``[lost 遗失|damaged 损毁]``); ``what`` names the list in the error message
    (``补办原因``)."""

    name = "choice"

    def __init__(self, choices: Mapping[str, Sequence[str]], *, what: str) -> None:
        if not choices or any(not words for words in choices.values()):
            raise ValueError("every code needs at least one Chinese word")
        self.what = what
        self.choices: dict[str, tuple[str, ...]] = {
            code: tuple(words) for code, words in choices.items()
        }
        lookup = {code.casefold(): code for code in self.choices}
        for code, words in self.choices.items():
            for word in words:
                if lookup.setdefault(word, code) != code:
                    raise ValueError(f"{word!r} names two codes")
        self._lookup = lookup

    def get_metavar(self, param: click.Parameter, ctx: click.Context) -> str:
        return "[" + "|".join(f"{code} {words[0]}" for code, words in self.choices.items()) + "]"

    def accepted(self) -> str:
        """Every accepted value: ``lost（遗失、遗失补办）、damaged（损毁、损坏、损毁补办）``."""
        return "、".join(f"{code}（{'、'.join(words)}）" for code, words in self.choices.items())

    def convert(self, value: str, param: click.Parameter | None, ctx: click.Context | None) -> str:
        text = str(value).strip()
        code = self._lookup.get(text) or self._lookup.get(text.casefold())
        if code is None:
            raise BadValue(
                f"“{text}”不是可用的{self.what}；可用：{self.accepted()} "
                f"({text!r} is not one of {', '.join(self.choices)})",
                ctx=ctx,
                param=param,
            )
        return code

    def shell_complete(
        self, ctx: click.Context, param: click.Parameter, incomplete: str
    ) -> list[click.shell_completion.CompletionItem]:
        from click.shell_completion import CompletionItem

        return [CompletionItem(code) for code in self.choices if code.startswith(incomplete)]


REVOCATION_REASON = Words(
    {reason.value: (reason.label_zh,) for reason in RevocationReason}
    | {RevocationReason.WITHDRAWN.value: (RevocationReason.WITHDRAWN.label_zh, "撤回")},
    what="撤销原因",
)
"""``cecert revoke --reason``: :class:`registry.model.RevocationReason`."""

REISSUE_REASON = Words(
    {"lost": ("遗失", "遗失补办"), "damaged": ("损毁", "损坏", "损毁补办")},
    what="补办原因",
)
"""``cecert reissue --reason``: :class:`signer.ReissueReason` (遗失补办, 损毁补办)."""

TITLE_LEVEL = Words({level.value: (level.label_zh,) for level in TitleLevel}, what="职称级别")
"""``--level`` of ``cecert hours check`` and ``cecert title check``: :class:`TitleLevel`."""

_ROLE_ALIASES = {
    "panel": ("评委会",),
    "employer": ("单位",),
    "professional": ("专技人员",),
    "authority": ("主管部门",),
    "bureau": ("人力资源和社会保障局",),
    "provider": ("培训机构", "继续教育基地"),
}
ACCOUNT_ROLE = Words(
    {role.value: (role.label_zh, *_ROLE_ALIASES[role.value]) for role in Role}, what="账户角色"
)
"""``cecert accounts add --role``: :class:`webcore.Role` (评审委员会, 用人单位, 专业技术人员,
行业主管部门, 人社局)."""


__all__ = [
    "ACCOUNT_ROLE",
    "REISSUE_REASON",
    "REVOCATION_REASON",
    "TITLE_LEVEL",
    "BadValue",
    "Words",
]
