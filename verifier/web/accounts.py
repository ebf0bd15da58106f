"""Accounts of the web verifier: who may look people up, the sessions they hold, and the audit
log of their look-ups. Everything lives in one SQLite file, ``<instance>/accounts.sqlite``
(mode 0600), written with the standard library's :mod:`sqlite3`.

Roles (``docs/accounts.md``): ``panel`` (title-evaluation panels) and ``employer``
(employers confirming their staff's certificates); both may run the panel check, including
the look-up by ID number and the title report. There is no bureau role: reissue and
revocation are never offered over the web.

Security:

- Passwords are stored only as Werkzeug scrypt hashes (:func:`generate_password_hash`), at
  least :data:`MIN_PASSWORD` characters. :meth:`AccountStore.authenticate` compares in
  constant time and, for an unknown username, checks the password against a dummy hash of
  the same cost, so that the answer's timing does not tell which usernames exist.
- A session is a random id in the ``sessions`` table, referenced from the signed cookie:
  logging out, removing the account or changing its password ends it on the server, not
  only in the browser; it also ends :data:`SESSION_LIFETIME` after the login.
- The audit log never holds an ID number in clear, only a keyed hash
  (:func:`id_number_digest`): whoever holds the instance's secret key can tell whether a
  given ID number was looked up, nobody else can read one from the log.
- The file and the secret key are refused when group or others may read them.
"""

from __future__ import annotations

import datetime as dt
import enum
import hashlib
import hmac
import os
import re
import secrets
import sqlite3
import stat
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from werkzeug.security import check_password_hash, generate_password_hash

from verifier.errors import VerifierError

ACCOUNTS_FILE = "accounts.sqlite"
SECRET_KEY_FILE = "secret_key"  # noqa: S105 - a file name
SECRET_KEY_ENV = "CECERT_SECRET_KEY"  # noqa: S105 - a variable name
SECRET_KEY_BYTES = 32
"""Length of a secret key ``cecert accounts add`` creates; also the shortest accepted."""
MIN_PASSWORD = 12
MAX_PASSWORD = 1024
"""Longer passwords are refused before hashing: a login form is not a hashing service."""
SESSION_LIFETIME = dt.timedelta(hours=8)
PASSWORD_METHOD = "scrypt"  # noqa: S105 - a hash method
_USERNAME = re.compile(r"[a-z0-9][a-z0-9._-]{0,63}")
_SCHEMA = """
CREATE TABLE IF NOT EXISTS accounts (
    username TEXT PRIMARY KEY,
    role TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    created_at TEXT NOT NULL,
    password_changed_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS sessions (
    id TEXT PRIMARY KEY,
    username TEXT NOT NULL REFERENCES accounts(username) ON DELETE CASCADE,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS lookups (
    id INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    username TEXT NOT NULL,
    role TEXT NOT NULL,
    action TEXT NOT NULL,
    id_number_hmac TEXT,
    certificates INTEGER NOT NULL
);
"""


class Role(enum.Enum):
    """What an account may do on the web (``docs/accounts.md``)."""

    PANEL = "panel"
    """A title-evaluation panel: the panel check, look-up by ID number, the title report."""
    EMPLOYER = "employer"
    """An employer: the same check, to confirm its staff's certificates before it
    recommends them for a title."""


@dataclass(frozen=True, slots=True)
class Account:
    username: str
    role: Role
    created_at: dt.datetime
    password_changed_at: dt.datetime


@dataclass(frozen=True, slots=True)
class Lookup:
    """One panel check in the audit log: who, when, what; the ID number only as a keyed
    hash (None when the check used only the certificates presented)."""

    at: dt.datetime
    username: str
    role: Role
    action: str
    id_number_hmac: str | None
    certificates: int


def _iso(when: dt.datetime) -> str:
    if when.tzinfo is None:
        raise VerifierError("bad_time", "times must carry a zone")
    return when.astimezone(dt.UTC).isoformat(timespec="seconds")


def _time(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


def check_private_file(path: Path, *, reason: str) -> None:
    """Refuse ``path`` (``VerifierError(reason)``) when its group or others may read or
    write it: a copied accounts file or secret key lets its reader forge sessions."""
    mode = path.stat().st_mode
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise VerifierError(
            reason,
            f"{path} may be read by group or others (mode {stat.S_IMODE(mode):o}): chmod 600",
        )


def check_username(username: str) -> str:
    """The username, if it is 1 to 64 of ``a-z 0-9 . _ -`` starting with a letter or digit."""
    if not _USERNAME.fullmatch(username):
        raise VerifierError(
            "bad_username", "a username is 1 to 64 of a-z 0-9 . _ -, starting with a-z or 0-9"
        )
    return username


def check_password(password: str) -> str:
    """The password, if it has :data:`MIN_PASSWORD` to :data:`MAX_PASSWORD` characters."""
    if not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
        raise VerifierError(
            "weak_password",
            f"a password has {MIN_PASSWORD} to {MAX_PASSWORD} characters",
        )
    return password


@cache
def _dummy_hash() -> str:
    """A hash of the same method and cost as real ones, checked for unknown usernames."""
    return generate_password_hash(secrets.token_urlsafe(16), method=PASSWORD_METHOD)


class AccountStore:
    """The accounts file of an instance folder. Each call opens its own connection (the
    web server's workers and threads share nothing); the file is created, mode 0600, by
    :meth:`create` only: the web app never creates it."""

    def __init__(self, path: Path) -> None:
        self.path = path

    @classmethod
    def create(cls, instance: Path) -> AccountStore:
        """The instance's store, creating the folder (0700) and the file (0600) if missing."""
        instance.mkdir(mode=0o700, parents=True, exist_ok=True)
        path = instance / ACCOUNTS_FILE
        try:
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        except FileExistsError:
            pass
        except OSError as exc:
            raise VerifierError("accounts_unusable", f"{path}: {exc.strerror}") from exc
        store = cls(path)
        with store._connect():
            pass
        return store

    @classmethod
    def open(cls, instance: Path) -> AccountStore | None:
        """The instance's store, or None when it has no accounts file (nobody can log in).
        Refuses a file group or others may read (``accounts_file_permissions``)."""
        path = instance / ACCOUNTS_FILE
        if not path.exists():
            return None
        check_private_file(path, reason="accounts_file_permissions")
        store = cls(path)
        with store._connect():
            pass
        return store

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        try:
            connection = sqlite3.connect(self.path, timeout=10, isolation_level=None)
        except sqlite3.Error as exc:
            raise VerifierError("accounts_unusable", f"{self.path}: {exc}") from exc
        try:
            connection.execute("PRAGMA foreign_keys = ON")
            connection.executescript(_SCHEMA)
            yield connection
        except sqlite3.Error as exc:
            raise VerifierError("accounts_unusable", f"{self.path}: {exc}") from exc
        finally:
            connection.close()

    # --- accounts -----------------------------------------------------------------------

    def add(self, username: str, password: str, role: Role, *, at: dt.datetime) -> Account:
        """Add an account (``account_exists`` if the username is taken)."""
        check_username(username)
        digest = generate_password_hash(check_password(password), method=PASSWORD_METHOD)
        with self._connect() as db:
            try:
                db.execute(
                    "INSERT INTO accounts VALUES (?, ?, ?, ?, ?)",
                    (username, role.value, digest, _iso(at), _iso(at)),
                )
            except sqlite3.IntegrityError as exc:
                raise VerifierError("account_exists", f"account {username!r} exists") from exc
        return Account(username, role, at, at)

    def accounts(self) -> list[Account]:
        with self._connect() as db:
            rows = db.execute(
                "SELECT username, role, created_at, password_changed_at FROM accounts"
                " ORDER BY username"
            ).fetchall()
        return [Account(u, Role(r), _time(c), _time(p)) for u, r, c, p in rows]

    def account(self, username: str) -> Account | None:
        return next((a for a in self.accounts() if a.username == username), None)

    def remove(self, username: str) -> None:
        """Remove the account and end its sessions (``no_such_account``)."""
        with self._connect() as db:
            if db.execute("DELETE FROM accounts WHERE username = ?", (username,)).rowcount == 0:
                raise VerifierError("no_such_account", f"no account {username!r}")

    def set_password(self, username: str, password: str, *, at: dt.datetime) -> None:
        """Set a new password and end every session of the account (``no_such_account``)."""
        digest = generate_password_hash(check_password(password), method=PASSWORD_METHOD)
        with self._connect() as db:
            changed = db.execute(
                "UPDATE accounts SET password_hash = ?, password_changed_at = ? WHERE username = ?",
                (digest, _iso(at), username),
            ).rowcount
            if changed == 0:
                raise VerifierError("no_such_account", f"no account {username!r}")
            db.execute("DELETE FROM sessions WHERE username = ?", (username,))

    def authenticate(self, username: str, password: str) -> Account | None:
        """The account if ``password`` is its password, else None. An unknown username, a
        malformed one and an overlong password cost one hash check like a wrong password."""
        row = None
        if _USERNAME.fullmatch(username) and len(password) <= MAX_PASSWORD:
            with self._connect() as db:
                row = db.execute(
                    "SELECT username, role, created_at, password_changed_at, password_hash"
                    " FROM accounts WHERE username = ?",
                    (username,),
                ).fetchone()
        if row is None:
            self.dummy_check(password)
            return None
        if not check_password_hash(row[4], password):
            return None
        return Account(row[0], Role(row[1]), _time(row[2]), _time(row[3]))

    @staticmethod
    def dummy_check(password: str) -> None:
        """Spend the time of one password check, for a login that cannot succeed."""
        check_password_hash(_dummy_hash(), password[:MAX_PASSWORD])

    # --- sessions -----------------------------------------------------------------------

    def start_session(self, account: Account, *, at: dt.datetime) -> str:
        """A new session id (random, 256 bits) for ``account``, valid for
        :data:`SESSION_LIFETIME`; expired sessions are dropped on the way."""
        session_id = secrets.token_urlsafe(32)
        with self._connect() as db:
            db.execute("DELETE FROM sessions WHERE expires_at <= ?", (_iso(at),))
            db.execute(
                "INSERT INTO sessions VALUES (?, ?, ?, ?)",
                (session_id, account.username, _iso(at), _iso(at + SESSION_LIFETIME)),
            )
        return session_id

    def session_account(self, session_id: str, *, at: dt.datetime) -> Account | None:
        """The account of a live session, or None (unknown, ended or expired)."""
        with self._connect() as db:
            row = db.execute(
                "SELECT a.username, a.role, a.created_at, a.password_changed_at"
                " FROM sessions s JOIN accounts a ON a.username = s.username"
                " WHERE s.id = ? AND s.expires_at > ?",
                (session_id, _iso(at)),
            ).fetchone()
        if row is None:
            return None
        return Account(row[0], Role(row[1]), _time(row[2]), _time(row[3]))

    def end_session(self, session_id: str) -> None:
        with self._connect() as db:
            db.execute("DELETE FROM sessions WHERE id = ?", (session_id,))

    # --- the audit log ------------------------------------------------------------------

    def log_lookup(
        self,
        account: Account,
        *,
        action: str,
        id_number_hmac: str | None,
        certificates: int,
        at: dt.datetime,
    ) -> None:
        """Record one panel check. Pass the ID number through :func:`id_number_digest`
        first: this log never holds one in clear."""
        with self._connect() as db:
            db.execute(
                "INSERT INTO lookups (at, username, role, action, id_number_hmac, certificates)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (_iso(at), account.username, account.role.value, action, id_number_hmac,
                 certificates),
            )  # fmt: skip

    def lookups(self) -> list[Lookup]:
        with self._connect() as db:
            rows = db.execute(
                "SELECT at, username, role, action, id_number_hmac, certificates"
                " FROM lookups ORDER BY id"
            ).fetchall()
        return [Lookup(_time(a), u, Role(r), act, h, n) for a, u, r, act, h, n in rows]


def id_number_digest(secret_key: bytes, id_number: str) -> str:
    """The audit log's keyed hash of an ID number: HMAC-SHA256 under a key derived from the
    instance's secret key, hex. Without the key, the 10^11-odd valid ID numbers cannot be
    tried against it; with it, a bureau can tell whether a given number was looked up."""
    key = hmac.new(secret_key, b"cecert audit id_number", hashlib.sha256).digest()
    return hmac.new(key, id_number.encode("ascii"), hashlib.sha256).hexdigest()


# --- the secret key ---------------------------------------------------------------------


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
            raise VerifierError("secret_key_permissions", f"{path}: {exc.strerror}") from exc
        where = str(path)
    if len(key) < SECRET_KEY_BYTES:
        raise VerifierError(
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
        raise VerifierError("secret_key_permissions", f"{path}: {exc.strerror}") from exc
    with os.fdopen(descriptor, "wb") as file:
        file.write(secrets.token_bytes(SECRET_KEY_BYTES))
    return True
