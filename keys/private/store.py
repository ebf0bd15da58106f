"""Private keys at rest: encrypted PKCS#8 PEM files, mode 0600, never written in clear.

Security: a key file that is readable by group or others is refused at load, because it may
already have been copied; a wrong passphrase is reported as such and nothing is written.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from keys.errors import KeysError

MIN_PASSPHRASE = 8


def check_passphrase(passphrase: bytes) -> None:
    """Refuse passphrases too short to protect a key (there is no default passphrase)."""
    if len(passphrase) < MIN_PASSPHRASE:
        raise KeysError(
            "weak_passphrase", f"the passphrase must have at least {MIN_PASSPHRASE} characters"
        )


def write_private_key(path: Path, key: ec.EllipticCurvePrivateKey, passphrase: bytes) -> None:
    """Write ``key`` encrypted under ``passphrase`` to a new file with mode 0600.

    Refuses to overwrite an existing file (``key_exists``).
    """
    check_passphrase(passphrase)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(passphrase),
    )
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError as exc:
        raise KeysError("key_exists", f"{path}: a key file already exists") from exc
    with os.fdopen(fd, "wb") as handle:
        handle.write(pem)
        handle.flush()
        os.fsync(handle.fileno())


def read_private_key(path: Path, passphrase: bytes) -> ec.EllipticCurvePrivateKey:
    """Load an encrypted P-256 key; raise :class:`KeysError` with a precise reason.

    Reasons: ``key_missing``, ``key_file_permissions`` (group/other may read it),
    ``wrong_passphrase``, ``bad_private_key``.
    """
    try:
        info = path.stat()
    except FileNotFoundError as exc:
        raise KeysError("key_missing", f"{path}: private key file not found") from exc
    if stat.S_IMODE(info.st_mode) & 0o077:
        raise KeysError(
            "key_file_permissions",
            f"{path}: private key is readable by others (mode "
            f"{stat.S_IMODE(info.st_mode):o}); run chmod 600 on it",
        )
    data = path.read_bytes()
    try:
        key = serialization.load_pem_private_key(data, password=passphrase)
    except (ValueError, TypeError) as exc:
        if b"ENCRYPTED" in data:
            raise KeysError(
                "wrong_passphrase", f"{path}: the passphrase does not open this key"
            ) from exc
        raise KeysError("bad_private_key", f"{path}: not a readable private key") from exc
    if not isinstance(key, ec.EllipticCurvePrivateKey):
        raise KeysError("bad_private_key", f"{path}: not an ECDSA key")
    return key
