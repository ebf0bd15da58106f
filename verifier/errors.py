"""The verifier's error root (for misuse and broken configuration, not for bad documents:
a bad document is a verdict, never an exception)."""

from __future__ import annotations

from keys import CecertError


class VerifierError(CecertError):
    """The verifier could not be set up or used as asked (e.g. unreadable trust list).

    ``reason`` is machine-readable (``docs/errors.md``); the message says what and where.
    """


class PanelInputError(VerifierError):
    """A panel check lacks what it needs (no certificates and no ID number, no title date,
    an unknown rule). ``message_zh`` says the same in Chinese, for the panel's page."""

    def __init__(self, reason: str, message: str, message_zh: str) -> None:
        super().__init__(reason, message)
        self.message_zh = message_zh
