"""The registry's error root."""

from __future__ import annotations


class RegistryError(Exception):
    """Anything the registry refuses: bad input, a broken store, an unknown policy.

    ``reason`` is a short machine-readable code (documented in ``docs/errors.md``);
    ``str(error)`` is the human message that says what and where.
    """

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message


class ImportRejected(RegistryError):
    """An import file had bad rows; nothing of it was stored.

    ``problems`` lists ``(line, message)`` for every bad row, in file order.
    """

    def __init__(self, source: str, problems: list[tuple[int, str]]) -> None:
        lines = "\n".join(f"  line {line}: {message}" for line, message in problems)
        super().__init__(
            "import_rejected",
            f"{source}: {len(problems)} bad row(s), nothing was imported:\n{lines}",
        )
        self.source = source
        self.problems = problems
