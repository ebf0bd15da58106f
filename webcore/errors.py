"""The error root of what cecert's web applications share (accounts, sessions, the secret
key, rate limits, the server's reading of requests): misuse and broken configuration."""

from __future__ import annotations

from keys import CecertError


class WebError(CecertError):
    """An account, a session, the instance's secret key or the web server's configuration
    could not be set up or used as asked (e.g. a weak password, an accounts file others may
    read, a bad rate limit).

    ``reason`` is machine-readable (``docs/errors.md``); the message says what and where.
    """
