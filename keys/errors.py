"""The keys package's error root, and the base every package's error root shares."""

from __future__ import annotations


class CecertError(Exception):
    """The base of the five error roots (:class:`KeysError`, ``registry.RegistryError``,
    ``signer.IssuanceError``, ``verifier.VerifierError``, ``webcore.WebError``); raised only
    through them.

    ``reason`` is a short machine-readable code (see ``docs/errors.md``); ``message``, which is
    also ``str(error)``, says what went wrong and where.
    """

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message


class KeysError(CecertError):
    """A key, certificate or trust list could not be created, loaded or trusted.

    ``reason`` is a short machine-readable code (see ``docs/errors.md``); ``str(error)`` says
    what went wrong and where.
    """
