"""The instance's secret: the key that signs session cookies and keys the audit log's hash
of ID numbers, and the check that the files holding secrets are private.

The key is ``$CECERT_SECRET_KEY``, else ``<instance>/secret_key`` (32 random bytes, mode
0600, made by ``cecert accounts add`` or :func:`ensure_secret_key`); there is no default, and
without one nobody can log in. A file group or others may read is refused.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import stat
from collections.abc import Mapping
from pathlib import Path

from webcore.errors import WebError

SECRET_KEY_FILE = "secret_key"  # noqa: S105 - a file name
SECRET_KEY_ENV = "CECERT_SECRET_KEY"  # noqa: S105 - a variable name
SECRET_KEY_BYTES = 32
"""Length of a secret key ``cecert accounts add`` creates; also the shortest accepted."""


def check_private_file(path: Path, *, reason: str) -> None:
    """Refuse ``path`` (``WebError(reason)``) when its group or others may read or
    write it: a copied accounts file or secret key lets its reader forge sessions."""
    mode = path.stat().st_mode
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise WebError(
            reason,
            f"{path} may be read by group or others (mode {stat.S_IMODE(mode):o}): chmod 600",
        )


def id_number_digest(secret_key: bytes, id_number: str) -> str:
    """The audit log's keyed hash of an ID number: HMAC-SHA256 under a key derived from the
    instance's secret key, hex. Without the key, the 10^11-odd valid ID numbers cannot be
    tried against it; with it, a bureau can tell whether a given number was looked up."""
    key = hmac.new(secret_key, b"cecert audit id_number", hashlib.sha256).digest()
    return hmac.new(key, id_number.encode("ascii"), hashlib.sha256).hexdigest()


def load_secret_key(instance: Path, environ: Mapping[str, str]) -> bytes | None:
    """The session secret: ``$CECERT_SECRET_KEY``, else ``<instance>/secret_key``, else
    None (then nobody can log in). There is no default. A key shorter than
    :data:`SECRET_KEY_BYTES` (``weak_secret_key``) or a file group or others may read
    (``secret_key_permissions``) is refused: the app does not start."""
    text = environ.get(SECRET_KEY_ENV)
    if text:
        key = text.encode("utf-8")
        where = f"${SECRET_KEY_ENV}"
    else:
        path = instance / SECRET_KEY_FILE
        if not path.exists():
            return None
        check_private_file(path, reason="secret_key_permissions")
        try:
            key = path.read_bytes()
        except OSError as exc:
            raise WebError("secret_key_permissions", f"{path}: {exc.strerror}") from exc
        where = str(path)
    if len(key) < SECRET_KEY_BYTES:
        raise WebError(
            "weak_secret_key", f"{where}: a secret key has at least {SECRET_KEY_BYTES} bytes"
        )
    return key


def ensure_secret_key(instance: Path) -> bool:
    """Create ``<instance>/secret_key`` (32 random bytes, mode 0600) unless it exists.
    Returns True when it was created."""
    instance.mkdir(mode=0o700, parents=True, exist_ok=True)
    path = instance / SECRET_KEY_FILE
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return False
    except OSError as exc:
        raise WebError("secret_key_permissions", f"{path}: {exc.strerror}") from exc
    with os.fdopen(descriptor, "wb") as file:
        file.write(secrets.token_bytes(SECRET_KEY_BYTES))
    return True


__all__ = [
    "SECRET_KEY_BYTES",
    "SECRET_KEY_ENV",
    "SECRET_KEY_FILE",
    "check_private_file",
    "ensure_secret_key",
    "id_number_digest",
    "load_secret_key",
]
