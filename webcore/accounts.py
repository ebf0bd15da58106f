"""Accounts of cecert's web applications: who may log in, what each speaks for, the sessions
they hold, and the audit log of their look-ups. Everything lives in one SQLite file,
``<instance>/accounts.sqlite`` (mode 0600), written with the standard library's
:mod:`sqlite3`.

Roles (``docs/accounts.md``): ``panel`` (title-evaluation panels) and ``employer``
(employers confirming their staff's certificates) may run the web verifier's panel check,
including the look-up by ID number and the title report; ``professional`` (专业技术人员),
``authority`` (行业主管部门) and ``bureau`` (人社局) are for the portal, and the verifier
admits none of them. Reissue and revocation are never offered over the web. An account's
``scope`` says what it speaks for: a professional's ID number, an employer's unified social
credit code, an authority's sector, a bureau's region code (None for panels and for
accounts made before schema version 2).

Security:

- Passwords are stored only as Werkzeug scrypt hashes (:func:`generate_password_hash`), at
  least :data:`MIN_PASSWORD` characters. :meth:`AccountStore.authenticate` compares in
  constant time and, for an unknown username, checks the password against a dummy hash of
  the same cost, so that the answer's timing does not tell which usernames exist.
- A session is a random id in the ``sessions`` table, referenced from the signed cookie:
  logging out, removing the account or changing its password ends it on the server, not
  only in the browser; it also ends :data:`SESSION_LIFETIME` after the login.
- The audit log never holds an ID number in clear, only a keyed hash
  (:func:`webcore.secret_key.id_number_digest`): whoever holds the instance's
  secret key can tell whether a given ID number was looked up, nobody else can read one
  from the log.
- The file and the secret key are refused when group or others may read them.

The file's layout, its versions and their migration: :mod:`webcore.accounts_schema`.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import secrets
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from werkzeug.security import check_password_hash, generate_password_hash

from webcore.accounts_schema import SCHEMA, has_column, migrate
from webcore.errors import WebError
from webcore.roles import Role, check_scope
from webcore.secret_key import check_private_file

ACCOUNTS_FILE = "accounts.sqlite"
MIN_PASSWORD = 12
MAX_PASSWORD = 1024
"""Longer passwords are refused before hashing: a login form is not a hashing service."""
SESSION_LIFETIME = dt.timedelta(hours=8)
PASSWORD_METHOD = "scrypt"  # noqa: S105 - a hash method
_USERNAME = re.compile(r"[a-z0-9][a-z0-9._-]{0,63}")


@dataclass(frozen=True, slots=True)
class Account:
    username: str
    role: Role
    created_at: dt.datetime
    password_changed_at: dt.datetime
    scope: str | None = None
    """What the account speaks for (see the module docstring); None for panels and for
    accounts made before schema version 2."""


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
    report_digest: str | None = None
    """SHA-256 (hex) of the report the check produced (None: it produced none, or the row
    predates schema version 1)."""


def _iso(when: dt.datetime) -> str:
    if when.tzinfo is None:
        raise WebError("bad_time", "times must carry a zone")
    return when.astimezone(dt.UTC).isoformat(timespec="seconds")


def _time(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


def check_username(username: str) -> str:
    """The username, if it is 1 to 64 of ``a-z 0-9 . _ -`` starting with a letter or digit."""
    if not _USERNAME.fullmatch(username):
        raise WebError(
            "bad_username", "a username is 1 to 64 of a-z 0-9 . _ -, starting with a-z or 0-9"
        )
    return username


def check_password(password: str) -> str:
    """The password, if it has :data:`MIN_PASSWORD` to :data:`MAX_PASSWORD` characters."""
    if not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
        raise WebError(
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
        self._prepared = False
        """Whether this store has made sure of the file's tables and layout (once: every
        page's session lookup opens a connection, and the schema script cost ≈ 0.5 ms)."""

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
            raise WebError("accounts_unusable", f"{path}: {exc.strerror}") from exc
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
            raise WebError("accounts_unusable", f"{self.path}: {exc}") from exc
        try:
            connection.execute("PRAGMA foreign_keys = ON")
            if not self._prepared:
                connection.executescript(SCHEMA)
                migrate(connection)
                self._prepared = True
            yield connection
        except sqlite3.Error as exc:
            raise WebError("accounts_unusable", f"{self.path}: {exc}") from exc
        finally:
            connection.close()

    # --- accounts -----------------------------------------------------------------------

    def add(
        self,
        username: str,
        password: str,
        role: Role,
        *,
        at: dt.datetime,
        scope: str | None = None,
    ) -> Account:
        """Add an account (``account_exists`` if the username is taken), speaking for
        ``scope`` (:func:`check_scope`)."""
        check_username(username)
        check_scope(scope)
        digest = generate_password_hash(check_password(password), method=PASSWORD_METHOD)
        with self._connect() as db:
            try:
                db.execute(
                    "INSERT INTO accounts (username, role, password_hash, created_at,"
                    " password_changed_at, scope) VALUES (?, ?, ?, ?, ?, ?)",
                    (username, role.value, digest, _iso(at), _iso(at), scope),
                )
            except sqlite3.IntegrityError as exc:
                raise WebError("account_exists", f"account {username!r} exists") from exc
        return Account(username, role, at, at, scope)

    def accounts(self) -> list[Account]:
        with self._connect() as db:
            rows = db.execute(
                f"SELECT {_account_columns(db)} FROM accounts a ORDER BY a.username"  # noqa: S608
            ).fetchall()
        return [_account(row) for row in rows]

    def account(self, username: str) -> Account | None:
        return next((a for a in self.accounts() if a.username == username), None)

    def remove(self, username: str) -> None:
        """Remove the account and end its sessions (``no_such_account``)."""
        with self._connect() as db:
            if db.execute("DELETE FROM accounts WHERE username = ?", (username,)).rowcount == 0:
                raise WebError("no_such_account", f"no account {username!r}")

    def set_password(self, username: str, password: str, *, at: dt.datetime) -> None:
        """Set a new password and end every session of the account (``no_such_account``)."""
        digest = generate_password_hash(check_password(password), method=PASSWORD_METHOD)
        with self._connect() as db:
            changed = db.execute(
                "UPDATE accounts SET password_hash = ?, password_changed_at = ? WHERE username = ?",
                (digest, _iso(at), username),
            ).rowcount
            if changed == 0:
                raise WebError("no_such_account", f"no account {username!r}")
            db.execute("DELETE FROM sessions WHERE username = ?", (username,))

    def authenticate(self, username: str, password: str) -> Account | None:
        """The account if ``password`` is its password, else None. An unknown username, a
        malformed one and an overlong password cost one hash check like a wrong password."""
        row = None
        if _USERNAME.fullmatch(username) and len(password) <= MAX_PASSWORD:
            with self._connect() as db:
                row = db.execute(
                    f"SELECT a.password_hash, {_account_columns(db)}"  # noqa: S608
                    " FROM accounts a WHERE a.username = ?",
                    (username,),
                ).fetchone()
        if row is None:
            self.dummy_check(password)
            return None
        if not check_password_hash(row[0], password):
            return None
        return _account(row[1:])

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
                f"SELECT {_account_columns(db)}"  # noqa: S608
                " FROM sessions s JOIN accounts a ON a.username = s.username"
                " WHERE s.id = ? AND s.expires_at > ?",
                (session_id, _iso(at)),
            ).fetchone()
        if row is None:
            return None
        return _account(row)

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
    ) -> int:
        """Record one panel check, before it runs; returns the row's id, for
        :meth:`record_report_digest` once the check has produced its report. Pass the ID
        number through :func:`id_number_digest` first: this log never holds one in clear."""
        with self._connect() as db:
            cursor = db.execute(
                "INSERT INTO lookups (at, username, role, action, id_number_hmac, certificates)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (_iso(at), account.username, account.role.value, action, id_number_hmac,
                 certificates),
            )  # fmt: skip
            row_id = cursor.lastrowid
        assert row_id is not None  # an INSERT into a rowid table
        return row_id

    def record_report_digest(self, lookup_id: int, digest: str) -> None:
        """Record the digest (SHA-256, 64 lower-case hex characters) of the report that the
        check ``lookup_id`` produced. A row's digest is written once: a second call for the
        same row changes nothing."""
        with self._connect() as db:
            db.execute(
                "UPDATE lookups SET report_digest = ? WHERE id = ? AND report_digest IS NULL",
                (digest, lookup_id),
            )

    def lookups(self, *, report_digest: str | None = None) -> list[Lookup]:
        """The audit log in the order written; with ``report_digest``, only the checks
        that produced the report of that digest."""
        with self._connect() as db:
            if not has_column(db, "lookups", "report_digest"):  # an old read-only file
                rows = (
                    []
                    if report_digest
                    else db.execute(
                        "SELECT at, username, role, action, id_number_hmac, certificates, NULL"
                        " FROM lookups ORDER BY id"
                    )
                )
            elif report_digest is None:
                rows = db.execute(
                    "SELECT at, username, role, action, id_number_hmac, certificates,"
                    " report_digest FROM lookups ORDER BY id"
                )
            else:
                rows = db.execute(
                    "SELECT at, username, role, action, id_number_hmac, certificates,"
                    " report_digest FROM lookups WHERE report_digest = ? ORDER BY id",
                    (report_digest,),
                )
            return [Lookup(_time(a), u, Role(r), act, h, n, d) for a, u, r, act, h, n, d in rows]


def _account_columns(db: sqlite3.Connection) -> str:
    """The columns :func:`_account` reads, of the ``accounts`` table named ``a``; an old
    file opened read-only has no scopes."""
    scope = "a.scope" if has_column(db, "accounts", "scope") else "NULL"
    return f"a.username, a.role, a.created_at, a.password_changed_at, {scope}"


def _account(row: tuple[str, str, str, str, str | None]) -> Account:
    username, role, created_at, password_changed_at, scope = row
    return Account(username, Role(role), _time(created_at), _time(password_changed_at), scope)
