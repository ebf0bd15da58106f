"""Private keys at rest: encrypted PKCS#8 PEM files, mode 0600, never written in clear.

The passphrase is first stretched with scrypt (N=2^17, r=8, p=1, a random salt kept in the
key ring's manifest); the result, hex-encoded, is the PKCS#8 password. PKCS#8's own PBKDF2
(2048 rounds in OpenSSL's default) alone would let a stolen key file be guessed quickly.

Security: a key file that is readable by group or others is refused at load, because it may
already have been copied; a wrong passphrase is reported as such and nothing is written.
"""

from __future__ import annotations

import base64
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from keys.errors import KeysError

MIN_PASSPHRASE = 8
SCRYPT_N = 2**17
SCRYPT_R = 8
SCRYPT_P = 1


@dataclass(frozen=True, slots=True)
class KeyPassword:
    """The PKCS#8 password derived from a passphrase. Never stored; derive it per session."""

    value: bytes = field(repr=False)


def new_kdf_parameters() -> dict[str, Any]:
    """Fresh scrypt parameters (with a random salt) for a new key ring's manifest."""
    return {
        "kdf": "scrypt",
        "n": SCRYPT_N,
        "r": SCRYPT_R,
        "p": SCRYPT_P,
        "salt": base64.b64encode(os.urandom(16)).decode("ascii"),
    }


def derive_key_password(passphrase: bytes, parameters: dict[str, Any]) -> KeyPassword:
    """Stretch ``passphrase`` with the manifest's scrypt parameters (about 0.3 s)."""
    if parameters.get("kdf") != "scrypt":
        raise KeysError("bad_key_ring", f"unknown key derivation {parameters.get('kdf')!r}")
    try:
        kdf = Scrypt(
            salt=base64.b64decode(parameters["salt"]),
            length=32,
            n=int(parameters["n"]),
            r=int(parameters["r"]),
            p=int(parameters["p"]),
        )
    except (KeyError, ValueError, TypeError) as exc:
        raise KeysError("bad_key_ring", f"bad key derivation parameters: {exc}") from exc
    return KeyPassword(kdf.derive(passphrase).hex().encode("ascii"))


def check_passphrase(passphrase: bytes) -> None:
    """Refuse passphrases too short to protect a key (there is no default passphrase)."""
    if len(passphrase) < MIN_PASSPHRASE:
        raise KeysError(
            "weak_passphrase", f"the passphrase must have at least {MIN_PASSPHRASE} characters"
        )


def write_private_key(path: Path, key: ec.EllipticCurvePrivateKey, password: KeyPassword) -> None:
    """Write ``key`` encrypted under ``password`` to a new file with mode 0600.

    Refuses to overwrite an existing file (``key_exists``).
    """
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(password.value),
    )
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError as exc:
        raise KeysError("key_exists", f"{path}: a key file already exists") from exc
    with os.fdopen(fd, "wb") as handle:
        handle.write(pem)
        handle.flush()
        os.fsync(handle.fileno())


def read_private_key(path: Path, password: KeyPassword) -> ec.EllipticCurvePrivateKey:
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
        key = serialization.load_pem_private_key(data, password=password.value)
    except (ValueError, TypeError) as exc:
        if b"ENCRYPTED" in data:
            raise KeysError(
                "wrong_passphrase", f"{path}: the passphrase does not open this key"
            ) from exc
        raise KeysError("bad_private_key", f"{path}: not a readable private key") from exc
    if not isinstance(key, ec.EllipticCurvePrivateKey):
        raise KeysError("bad_private_key", f"{path}: not an ECDSA key")
    return key
