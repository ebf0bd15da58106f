"""The signer's error root."""

from __future__ import annotations


class IssuanceError(Exception):
    """Issuance could not proceed: a document could not be drawn, signed or written.

    ``reason`` is machine-readable (``docs/errors.md``); the message says what and where.
    """

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message
