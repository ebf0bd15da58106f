"""The signer's error root."""

from __future__ import annotations

from pathlib import Path

from keys import CecertError


class IssuanceError(CecertError):
    """Issuance could not proceed: a document could not be drawn, signed or written.

    ``reason`` is machine-readable (``docs/errors.md``); the message says what and where.
    """


class SlowPathWarning(UserWarning):
    """A fast path could not take its input and the library's reference path did the work,
    correctly but many times slower; the message says why. Production shows it once per
    cause; the test suite turns every warning into an error, so a change that sends the
    common case down the slow path fails the tests instead of quietly costing speed."""


def write_failed(path: Path, exc: OSError) -> IssuanceError:
    """The error of a file that could not be written (disk full, no permission); the
    durable write left nothing half-written behind (:mod:`keys.durable`)."""
    cause = exc.strerror or str(exc)
    return IssuanceError(
        "write_failed",
        f"{path}：文件未能写入（{cause}），请检查磁盘空间与权限 "
        f"(the file could not be written: {cause}; check disk space and permissions)",
    )
