"""An organisation's registration with the bureau of its region: employers (用人单位) and
training providers (施教机构) register the same way and the bureau approves or refuses them
the same way; only their table, their role and their words differ (:class:`Kind`).

Each change is one transaction with its event naming who acted and the row's digest; a
decision names the version of the row the decider saw (``changed`` when someone else
decided first).
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from dataclasses import dataclass
from typing import Any

from registry.errors import RegistryError
from registry.places import covers
from registry.portal.roles import Actor, Approval, PortalRole
from registry.portal.values import Organisation, Page
from registry.store.connection import RegistryConnection
from registry.store.digests import digests_of
from registry.store.events import append_event, log_time
from registry.store.queues import rows_of
from registry.store.scope import changed, forbidden, region_range


@dataclass(frozen=True, slots=True)
class Kind:
    """One kind of organisation: where its rows are, who registers it, what it is called."""

    table: str
    role: PortalRole
    what: str
    """Its name in messages (单位, 施教机构)."""
    events: tuple[str, str]
    """The event kinds of registering and of the bureau's decision."""


EMPLOYERS = Kind("employers", PortalRole.EMPLOYER, "单位",
                 ("portal_register_employer", "portal_decide_employer"))  # fmt: skip
PROVIDERS = Kind("providers", PortalRole.PROVIDER, "施教机构",
                 ("provider_register", "provider_decide"))  # fmt: skip


def organisation(row: dict[str, Any]) -> Organisation:
    return Organisation(
        row["credit_code"], row["name"], row["region"], Approval(row["state"]), row["reason"],
        row["version"], dt.datetime.fromisoformat(row["registered_at"]),
    )  # fmt: skip


def decision_reason(approve: bool, reason: str | None) -> str | None:
    """A decision's reason, stripped: required to refuse, at most 500 characters."""
    text = (reason or "").strip()
    if not approve and not text:
        raise RegistryError(
            "reason_required", "退回或不予通过时须填写理由 (a refusal needs a reason)"
        )
    if len(text) > 500:
        raise RegistryError("reason_too_long", "理由不能超过 500 字 (at most 500 characters)")
    return text or None


class Organisations:
    """The registrations of one :class:`Kind` of organisation, on ``connection``."""

    def __init__(self, connection: RegistryConnection, kind: Kind) -> None:
        self._connection = connection
        self._kind = kind

    def register(self, actor: Actor, *, name: str, region: str, at: dt.datetime) -> Organisation:
        """The organisation registers itself (``actor.scope``: its checked credit code); the
        bureau of its region approves it."""
        kind = self._kind
        if actor.role is not kind.role:
            raise forbidden(f"{kind.what}注册")
        clean = " ".join(name.split())
        if not clean or len(clean) > 100:
            raise RegistryError(
                "bad_name", f"{kind.what}名称须为 1 至 100 字 (1 to 100 characters)"
            )
        with self._connection.transaction() as conn:
            if conn.execute(
                f"SELECT 1 FROM {kind.table} WHERE credit_code = ?",  # noqa: S608 - our names
                (actor.scope,),
            ).fetchone():
                raise RegistryError(
                    "employer_exists" if kind is EMPLOYERS else "provider_exists",
                    f"统一社会信用代码 {actor.scope} 已注册为{kind.what} (registered already)",
                )
            conn.execute(
                f"INSERT INTO {kind.table} (credit_code, name, region, state, registered_at)"  # noqa: S608
                " VALUES (?, ?, ?, 'pending', ?)",
                (actor.scope, clean, region, log_time(at)),
            )
            self._event(conn, kind.events[0], actor, actor.scope, at)
        return self.one(actor.scope)

    def one(self, credit_code: str) -> Organisation:
        """The organisation of ``credit_code`` (``forbidden`` when there is none)."""
        rows = rows_of(self._connection.conn.execute(
            f"SELECT * FROM {self._kind.table} WHERE credit_code = ?",  # noqa: S608
            (credit_code,),
        ))  # fmt: skip
        if not rows:
            raise forbidden(self._kind.what)
        return organisation(rows[0])

    def pending(self, actor: Actor, *, after: int = 0, limit: int = 50) -> Page[Organisation]:
        """The organisations of the bureau's region waiting for its approval."""
        table = self._kind.table
        if actor.role is not PortalRole.BUREAU:
            raise forbidden(f"{self._kind.what}注册")
        low, high = region_range(actor.scope)
        conn = self._connection.conn
        total = conn.execute(
            f"SELECT count(*) FROM {table} WHERE state = 'pending'"  # noqa: S608
            " AND region BETWEEN ? AND ?",
            (low, high),
        ).fetchone()[0]
        rows = rows_of(conn.execute(
            f"SELECT rowid AS n, * FROM {table} WHERE state = 'pending'"  # noqa: S608
            " AND region BETWEEN ? AND ? AND rowid > ? ORDER BY rowid LIMIT ?",
            (low, high, after, limit + 1),
        ))  # fmt: skip
        items = tuple(organisation(r) for r in rows[:limit])
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
    ) -> Organisation:
        """The bureau of the organisation's region approves or refuses its registration; a
        refusal needs a ``reason``."""
        kind = self._kind
        text = decision_reason(approve, reason)
        with self._connection.transaction() as conn:
            row = conn.execute(
                f"SELECT region, state, version FROM {kind.table} WHERE credit_code = ?",  # noqa: S608
                (credit_code,),
            ).fetchone()
            bureau = actor.role is PortalRole.BUREAU
            if row is None or not bureau or not covers(actor.scope, row[0]):
                raise forbidden(f"{kind.what}注册")
            if row[1] != Approval.PENDING or row[2] != version:
                raise changed(f"{kind.what}注册")
            state = Approval.APPROVED if approve else Approval.REJECTED
            conn.execute(
                f"UPDATE {kind.table} SET state = ?, reason = ?, version = version + 1"  # noqa: S608
                " WHERE credit_code = ?",
                (state.value, text, credit_code),
            )
            self._event(conn, kind.events[1], actor, credit_code, at, decision=state.value,
                        reason=text)  # fmt: skip
        return self.one(credit_code)

    def _event(
        self, conn: sqlite3.Connection, event: str, actor: Actor, key: str, at: dt.datetime,
        **data: Any,
    ) -> None:  # fmt: skip
        table = self._kind.table
        rows = digests_of(conn, table, "credit_code = ?", (key,))
        append_event(
            conn, kind=event, subject=f"{table}:{key}",
            data={**actor.event_data(), **data, "rows": rows}, at=at,
        )  # fmt: skip


__all__ = ["EMPLOYERS", "PROVIDERS", "Kind", "Organisations", "decision_reason", "organisation"]
