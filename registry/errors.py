"""The registry's error root."""

from __future__ import annotations

from keys import CecertError


class RegistryError(CecertError):
    """Anything the registry refuses: bad input, a broken store, an unknown policy.

    ``reason`` is a short machine-readable code (documented in ``docs/errors.md``);
    ``str(error)`` is the human message that says what and where.
    """


class ImportRejected(RegistryError):
    """An import file had bad rows; nothing of it was stored.

    ``problems`` lists ``(line, message)`` for every bad row, in file order.
    """

    SHOWN = 100
    """At most this many bad rows are listed in the message; ``problems`` holds them all."""

    def __init__(self, source: str, problems: list[tuple[int, str]]) -> None:
        shown = problems[: self.SHOWN]
        lines = "\n".join(f"  第 {line} 行 (line {line}): {message}" for line, message in shown)
        more = len(problems) - len(shown)
        if more:
            lines += (
                f"\n  …另有 {more} 行错误未列出，共 {len(problems)} 行 "
                f"({more} more bad rows not listed, {len(problems)} in all)"
            )
        super().__init__(
            "import_rejected",
            f"{source}：{len(problems)} 行有误，未导入任何内容 "
            f"({len(problems)} bad row(s), nothing was imported):\n{lines}",
        )
        self.source = source
        self.problems = problems
