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
from registry.portal.roles import Actor, Approval, PortalRole
from registry.portal.values import Page, Provider
from registry.store.connection import RegistryConnection
from registry.store.digests import digests_of
from registry.store.events import append_event, log_time
from registry.store.organisations import PROVIDERS, Organisations
from registry.store.queues import rows_of
from registry.store.scope import changed, forbidden

TOKEN_PREFIX = "cecert_pt_"  # noqa: S105 - a prefix, not a secret
"""How every provider token starts (so that a leaked one is recognised in logs and scans)."""
MAX_TOKENS = 20
"""Tokens a provider holds unrevoked, at most."""


@dataclass(frozen=True, slots=True)
class ProviderToken:
    """A token of a provider's API, as listed (the token itself is shown once, when made)."""

    id: int
    provider: str
    label: str
    made_by: str
    made_at: dt.datetime
    revoked_at: dt.datetime | None


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
        self._organisations = Organisations(connection, PROVIDERS)

    def register(self, actor: Actor, *, name: str, region: str, at: dt.datetime) -> Provider:
        """A provider registers itself (``actor.scope``: its checked credit code)."""
        return self._organisations.register(actor, name=name, region=region, at=at)

    def provider(self, credit_code: str) -> Provider:
        return self._organisations.one(credit_code)

    def pending(self, actor: Actor, *, after: int = 0, limit: int = 50) -> Page[Provider]:
        """Providers of the bureau's region waiting for approval."""
        return self._organisations.pending(actor, after=after, limit=limit)

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
        return self._organisations.decide(
            actor, credit_code, version=version, approve=approve, reason=reason, at=at
        )

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
            _event(conn, "provider_token_make", actor, ident, at)
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
            _event(conn, "provider_token_revoke", actor, ident, at)
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


def _event(conn: sqlite3.Connection, kind: str, actor: Actor, ident: int, at: dt.datetime) -> None:
    rows = digests_of(conn, "provider_tokens", "id = ?", (ident,))
    append_event(conn, kind=kind, subject=f"provider_tokens:{ident}",
                 data={**actor.event_data(), "rows": rows}, at=at)  # fmt: skip


__all__ = ["TOKEN_PREFIX", "ProviderToken", "Providers", "token_digest"]
