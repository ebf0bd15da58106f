"""The verifier's error root (for misuse and broken configuration, not for bad documents:
a bad document is a verdict, never an exception)."""

from __future__ import annotations


class VerifierError(Exception):
    """The verifier could not be set up or used as asked (e.g. unreadable trust list).

    ``reason`` is machine-readable (``docs/errors.md``); the message says what and where.
    """

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message


class PanelInputError(VerifierError):
    """A panel check lacks what it needs (no certificates and no ID number, no title date,
    an unknown rule). ``message_zh`` says the same in Chinese, for the panel's page."""

    def __init__(self, reason: str, message: str, message_zh: str) -> None:
        super().__init__(reason, message)
        self.message_zh = message_zh
