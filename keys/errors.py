"""The keys package's error root."""

from __future__ import annotations


class KeysError(Exception):
    """A key, certificate or trust list could not be created, loaded or trusted.

    ``reason`` is a short machine-readable code (see ``docs/errors.md``); ``str(error)`` says
    what went wrong and where.
    """

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message
