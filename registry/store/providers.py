"""Training providers in the portal: their registration with the bureau of their region, and
the tokens their API is called with.

The bureau approves a provider as a user of the system, not its qualification (notice 001 七:
the HR bureau does not file or certify providers' qualifications; ``docs/decisions.md``). A
token is shown once when made; the registry keeps its SHA-256 only, and a revoked token opens
nothing again. Every change is one transaction with its event.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import sqlite3
from dataclasses import dataclass
from typing import Any

from registry.errors import RegistryError
from registry.places import covers
from registry.portal.roles import Actor, Approval, PortalRole
from registry.portal.values import Page
from registry.store.connection import RegistryConnection
from registry.store.digests import digests_of
from registry.store.events import append_event, log_time
from registry.store.queues import rows_of
from registry.store.scope import changed, forbidden, region_range

TOKEN_PREFIX = "cecert_pt_"  # noqa: S105 - a prefix, not a secret
"""How every provider token starts (so that a leaked one is recognised in logs and scans)."""
MAX_TOKENS = 20
"""Tokens a provider holds unrevoked, at most."""


@dataclass(frozen=True, slots=True)
class Provider:
    """A training provider (施教机构, 继续教育基地) registered in the portal."""

    credit_code: str
    name: str
    region: str
    state: Approval
    reason: str | None
    version: int
    registered_at: dt.datetime


@dataclass(frozen=True, slots=True)
class ProviderToken:
    """A token of a provider's API, as listed (the token itself is shown once, when made)."""

    id: int
    provider: str
    label: str
    made_by: str
    made_at: dt.datetime
    revoked_at: dt.datetime | None


def _provider(row: dict[str, Any]) -> Provider:
    return Provider(
        row["credit_code"], row["name"], row["region"], Approval(row["state"]), row["reason"],
        row["version"], dt.datetime.fromisoformat(row["registered_at"]),
    )  # fmt: skip


def _token(row: dict[str, Any]) -> ProviderToken:
    revoked = row["revoked_at"]
    return ProviderToken(
        row["id"], row["provider"], row["label"], row["made_by"],
        dt.datetime.fromisoformat(row["made_at"]),
        dt.datetime.fromisoformat(revoked) if revoked else None,
    )  # fmt: skip


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class Providers:
    """Providers' registrations and API tokens, on ``connection``."""

    def __init__(self, connection: RegistryConnection) -> None:
        self._connection = connection

    def register(self, actor: Actor, *, name: str, region: str, at: dt.datetime) -> Provider:
        """A provider registers itself (``actor.scope``: its checked credit code)."""
        if actor.role is not PortalRole.PROVIDER:
            raise forbidden("机构注册")
        clean = " ".join(name.split())
        if not clean or len(clean) > 100:
            raise RegistryError("bad_name", "机构名称须为 1 至 100 字 (1 to 100 characters)")
        with self._connection.transaction() as conn:
            if conn.execute(
                "SELECT 1 FROM providers WHERE credit_code = ?", (actor.scope,)
            ).fetchone():
                raise RegistryError(
                    "provider_exists",
                    f"统一社会信用代码 {actor.scope} 已注册为施教机构 (registered already)",
                )
            conn.execute(
                "INSERT INTO providers (credit_code, name, region, state, registered_at)"
                " VALUES (?, ?, ?, 'pending', ?)",
                (actor.scope, clean, region, log_time(at)),
            )
            _event(conn, "provider_register", actor, "providers", actor.scope, at)
        return self.provider(actor.scope)

    def provider(self, credit_code: str) -> Provider:
        rows = rows_of(
            self._connection.conn.execute(
                "SELECT * FROM providers WHERE credit_code = ?", (credit_code,)
            )
        )
        if not rows:
            raise forbidden("施教机构")
        return _provider(rows[0])

    def pending(self, actor: Actor, *, after: int = 0, limit: int = 50) -> Page[Provider]:
        """Providers of the bureau's region waiting for approval."""
        if actor.role is not PortalRole.BUREAU:
            raise forbidden("机构注册")
        low, high = region_range(actor.scope)
        conn = self._connection.conn
        total = conn.execute(
            "SELECT count(*) FROM providers WHERE state = 'pending' AND region BETWEEN ? AND ?",
            (low, high),
        ).fetchone()[0]
        rows = rows_of(conn.execute(
            "SELECT rowid AS n, * FROM providers WHERE state = 'pending'"
            " AND region BETWEEN ? AND ? AND rowid > ? ORDER BY rowid LIMIT ?",
            (low, high, after, limit + 1),
        ))  # fmt: skip
        items = tuple(_provider(r) for r in rows[:limit])
        return Page(items, rows[limit - 1]["n"] if len(rows) > limit else None, total)

    def decide(
        self,
        actor: Actor,
        credit_code: str,
        *,
        version: int,
        approve: bool,
        reason: str | None,
        at: dt.datetime,
    ) -> Provider:
        """The bureau of the provider's region approves or refuses its registration; a
        refusal needs a ``reason``."""
        text = (reason or "").strip() or None
        if not approve and text is None:
            raise RegistryError(
                "reason_required", "不予通过时须填写理由 (a refusal needs a reason)"
            )
        if text is not None and len(text) > 500:
            raise RegistryError("reason_too_long", "理由不能超过 500 字 (at most 500 characters)")
        with self._connection.transaction() as conn:
            row = conn.execute(
                "SELECT region, state, version FROM providers WHERE credit_code = ?",
                (credit_code,),
            ).fetchone()
            if (
                row is None
                or actor.role is not PortalRole.BUREAU
                or not covers(actor.scope, row[0])
            ):
                raise forbidden("机构注册")
            if row[1] != Approval.PENDING or row[2] != version:
                raise changed("机构注册")
            state = Approval.APPROVED if approve else Approval.REJECTED
            conn.execute(
                "UPDATE providers SET state = ?, reason = ?, version = version + 1"
                " WHERE credit_code = ?",
                (state.value, text, credit_code),
            )
            _event(conn, "provider_decide", actor, "providers", credit_code, at,
                   decision=state.value, reason=text)  # fmt: skip
        return self.provider(credit_code)

    # -- the API's tokens ------------------------------------------------------------------

    def make_token(self, actor: Actor, *, label: str, at: dt.datetime) -> tuple[ProviderToken, str]:
        """A new API token of the actor's provider (approved); returns it listed and the token
        itself, which is never shown again."""
        self._approved(actor)
        clean = " ".join(label.split())
        if not clean or len(clean) > 50:
            raise RegistryError(
                "bad_label", "令牌用途须为 1 至 50 字 (a label of 1 to 50 characters)"
            )
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        with self._connection.transaction() as conn:
            live = conn.execute(
                "SELECT count(*) FROM provider_tokens WHERE provider = ? AND revoked_at IS NULL",
                (actor.scope,),
            ).fetchone()[0]
            if live >= MAX_TOKENS:
                raise RegistryError(
                    "too_many_tokens",
                    f"有效令牌最多 {MAX_TOKENS} 个，请先吊销不用的 "
                    f"(at most {MAX_TOKENS} live tokens)",
                )
            cursor = conn.execute(
                "INSERT INTO provider_tokens (provider, label, digest, made_by, made_at)"
                " VALUES (?, ?, ?, ?, ?)",
                (actor.scope, clean, token_digest(token), actor.username, log_time(at)),
            )
            ident = int(cursor.lastrowid or 0)
            _event(conn, "provider_token_make", actor, "provider_tokens", str(ident), at)
            made = _token(rows_of(conn.execute(
                "SELECT * FROM provider_tokens WHERE id = ?", (ident,)
            ))[0])  # fmt: skip
        return made, token

    def revoke_token(self, actor: Actor, ident: int, *, at: dt.datetime) -> ProviderToken:
        """Revoke one of the actor's provider's tokens; final."""
        if actor.role is not PortalRole.PROVIDER:
            raise forbidden("令牌")
        with self._connection.transaction() as conn:
            row = conn.execute(
                "SELECT provider, revoked_at FROM provider_tokens WHERE id = ?", (ident,)
            ).fetchone()
            if row is None or row[0] != actor.scope:
                raise forbidden("令牌")
            if row[1] is not None:
                raise changed("令牌")
            conn.execute(
                "UPDATE provider_tokens SET revoked_at = ?, revoked_by = ? WHERE id = ?",
                (log_time(at), actor.username, ident),
            )
            _event(conn, "provider_token_revoke", actor, "provider_tokens", str(ident), at)
            return _token(rows_of(conn.execute(
                "SELECT * FROM provider_tokens WHERE id = ?", (ident,)
            ))[0])  # fmt: skip

    def tokens(self, actor: Actor) -> list[ProviderToken]:
        """The actor's provider's tokens, newest first."""
        if actor.role is not PortalRole.PROVIDER:
            raise forbidden("令牌")
        return [_token(row) for row in rows_of(self._connection.conn.execute(
            "SELECT * FROM provider_tokens WHERE provider = ? ORDER BY id DESC", (actor.scope,)
        ))]  # fmt: skip

    def by_token(self, token: str) -> Actor:
        """The provider a live token speaks for, as an actor named by the token's id; one
        unknown or revoked, or of a provider no longer approved, raises ``bad_token``."""
        found = self._connection.conn.execute(
            "SELECT t.id, t.provider FROM provider_tokens t JOIN providers p"
            " ON p.credit_code = t.provider WHERE t.digest = ? AND t.revoked_at IS NULL"
            " AND p.state = 'approved'",
            (token_digest(token),),
        ).fetchone()
        if found is None:
            raise RegistryError("bad_token", "令牌无效或已吊销 (the token is unknown or revoked)")
        return Actor(f"token:{found[0]}", PortalRole.PROVIDER, found[1])

    def _approved(self, actor: Actor) -> Provider:
        if actor.role is not PortalRole.PROVIDER:
            raise forbidden("施教机构")
        provider = self.provider(actor.scope)
        if provider.state is not Approval.APPROVED:
            raise RegistryError(
                "provider_not_approved",
                "本机构注册尚未通过人社局审核 (the provider is not approved yet)",
            )
        return provider


def _event(
    conn: sqlite3.Connection,
    kind: str,
    actor: Actor,
    table: str,
    key: str,
    at: dt.datetime,
    **data: Any,
) -> None:
    column = "credit_code" if table == "providers" else "id"
    append_event(
        conn,
        kind=kind,
        subject=f"{table}:{key}",
        data={
            **actor.event_data(),
            **data,
            "rows": digests_of(conn, table, f"{column} = ?", (key,)),
        },
        at=at,
    )


__all__ = ["TOKEN_PREFIX", "Provider", "ProviderToken", "Providers", "token_digest"]
