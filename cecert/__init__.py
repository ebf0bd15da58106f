"""The ``cecert`` command line: one program for the bureau (issuing, the registry, keys,
snapshots, accounts) and for anyone who checks a certificate (``cecert verify``, ``cecert
serve``); :func:`main` runs it."""

from cecert.cli import main

__all__ = [
    "main",
]
