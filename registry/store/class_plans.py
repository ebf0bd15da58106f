"""Class plans in the registry: a provider files one, the authority of its sector or a bureau
covering the provider approves or refuses it, the provider may withdraw it before then.

Who sees a plan: its provider; the industry authority of its sector; a bureau whose region
covers the provider's. Anyone else is answered ``forbidden``, as for an absent plan. A form's
token files once (a double-clicked submit returns the first plan); a decision names the
version the decider saw (``changed`` when someone acted first). Every change is one
transaction with its event. The roster that closes a plan is :mod:`registry.store.rosters`.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from typing import Any

from registry.errors import RegistryError
from registry.model import Category
from registry.places import covers
from registry.portal.classes import ClassMode, ClassPlan, PlanFields, PlanState
from registry.portal.roles import Actor, Approval, PortalRole
from registry.portal.values import Page
from registry.store.connection import RegistryConnection
from registry.store.digests import digests_of
from registry.store.events import append_event, log_time
from registry.store.organisations import decision_reason
from registry.store.queues import rows_of
from registry.store.scope import changed, forbidden, region_range

SELECT = (
    "SELECT c.*, p.name AS provider_name FROM class_plans c"
    " JOIN providers p ON p.credit_code = c.provider"
)


def plan_from_row(row: dict[str, Any]) -> ClassPlan:
    fields = PlanFields(
        row["sector"], row["title"], Category(row["category"]), row["course_code"],
        row["minutes"], dt.date.fromisoformat(row["start_date"]),
        dt.date.fromisoformat(row["end_date"]), ClassMode(row["mode"]), row["place"],
    )  # fmt: skip
    role = row["decided_role"]
    return ClassPlan(
        id=row["id"],
        provider=row["provider"],
        provider_name=row["provider_name"],
        region=row["region"],
        fields=fields,
        state=PlanState(row["state"]),
        reason=row["reason"],
        filed_by=row["filed_by"],
        filed_at=dt.datetime.fromisoformat(row["filed_at"]),
        decided_by=row["decided_by"],
        decided_role=PortalRole(role) if role else None,
        roster_count=row["roster_count"],
        version=row["version"],
    )


def plan_row(conn: sqlite3.Connection, ident: int) -> dict[str, Any] | None:
    if not 0 < ident < 2**63:  # past SQLite's integers: no such plan
        return None
    found = rows_of(conn.execute(SELECT + " WHERE c.id = ?", (ident,)))
    return found[0] if found else None


def sees_plan(actor: Actor, row: dict[str, Any]) -> bool:
    """Whether ``actor`` may see the plan ``row``: its provider, its sector's authority, a
    bureau covering the provider."""
    if actor.role is PortalRole.PROVIDER:
        return bool(actor.scope == row["provider"])
    if actor.role is PortalRole.AUTHORITY:
        return bool(actor.scope == row["sector"])
    if actor.role is PortalRole.BUREAU:
        return covers(actor.scope, row["region"])
    return False


def plan_event(
    conn: sqlite3.Connection,
    kind: str,
    actor: Actor,
    ident: int,
    at: dt.datetime,
    *,
    extra_rows: dict[str, str] | None = None,
    **data: Any,
) -> None:
    rows = digests_of(conn, "class_plans", "id = ?", (ident,)) | (extra_rows or {})
    append_event(
        conn,
        kind=kind,
        subject=f"class_plans:{ident}",
        data={**actor.event_data(), **data, "rows": rows},
        at=at,
    )


class ClassPlans:
    """Class plans, on ``connection``."""

    def __init__(self, connection: RegistryConnection) -> None:
        self._connection = connection

    def file(self, actor: Actor, fields: PlanFields, *, token: str, at: dt.datetime) -> ClassPlan:
        """The actor's provider (approved) files ``fields`` (checked by
        :func:`registry.portal.classes.check_plan`). The same ``token`` files once."""
        if actor.role is not PortalRole.PROVIDER:
            raise forbidden("办班计划")
        if not 1 <= len(token) <= 100:
            raise RegistryError(
                "bad_form_token", "表单已失效，请刷新页面后重新提交 (no form token, 1 to 100)"
            )
        with self._connection.transaction() as conn:
            provider = conn.execute(
                "SELECT region, state FROM providers WHERE credit_code = ?", (actor.scope,)
            ).fetchone()
            if provider is None or provider[1] != Approval.APPROVED:
                raise RegistryError(
                    "provider_not_approved",
                    "本机构注册尚未通过人社局审核，暂不能填报办班计划 (not approved yet)",
                )
            known = conn.execute(
                "SELECT id FROM class_plans WHERE provider = ? AND token = ?",
                (actor.scope, token),
            ).fetchone()
            if known is not None:
                return self._one(conn, known[0])
            cursor = conn.execute(
                "INSERT INTO class_plans (token, provider, region, sector, title, category,"
                " course_code, minutes, start_date, end_date, mode, place, state, filed_by,"
                " filed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?)",
                (token, actor.scope, provider[0], fields.sector, fields.title,
                 fields.category.value, fields.course_code, fields.minutes,
                 fields.start_date.isoformat(), fields.end_date.isoformat(), fields.mode.value,
                 fields.place, actor.username, log_time(at)),
            )  # fmt: skip
            ident = int(cursor.lastrowid or 0)
            plan_event(conn, "class_plan_file", actor, ident, at)
            return self._one(conn, ident)

    def decide(
        self,
        actor: Actor,
        ident: int,
        *,
        version: int,
        approve: bool,
        reason: str | None,
        at: dt.datetime,
    ) -> ClassPlan:
        """The authority of the plan's sector, or a bureau covering its provider, approves or
        refuses it (a refusal needs a ``reason``, shown to the provider)."""
        if actor.role not in {PortalRole.AUTHORITY, PortalRole.BUREAU}:
            raise forbidden("办班计划")
        text = decision_reason(approve, reason)
        with self._connection.transaction() as conn:
            row = plan_row(conn, ident)
            if row is None or not sees_plan(actor, row):
                raise forbidden("办班计划")
            if row["state"] != PlanState.PENDING or row["version"] != version:
                raise changed("办班计划")
            if approve and actor.role is PortalRole.AUTHORITY and row["category"] != "professional":
                raise RegistryError(
                    "wrong_approver",
                    "公需科目、选修科目的学时由人社局认定，此类办班计划请由人社局审核备案 "
                    "(an authority approves professional classes only)",
                )
            state = PlanState.APPROVED if approve else PlanState.REFUSED
            conn.execute(
                "UPDATE class_plans SET state = ?, reason = ?, decided_by = ?, decided_role = ?,"
                " decided_at = ?, version = version + 1 WHERE id = ?",
                (state.value, text, actor.username, actor.role.value, log_time(at), ident),
            )
            plan_event(conn, "class_plan_decide", actor, ident, at, decision=state.value,
                       reason=text)  # fmt: skip
            return self._one(conn, ident)

    def withdraw(self, actor: Actor, ident: int, *, version: int, at: dt.datetime) -> ClassPlan:
        """The provider withdraws a plan nobody has decided yet."""
        with self._connection.transaction() as conn:
            row = plan_row(conn, ident)
            if row is None or actor.role is not PortalRole.PROVIDER or not sees_plan(actor, row):
                raise forbidden("办班计划")
            if row["state"] != PlanState.PENDING or row["version"] != version:
                raise changed("办班计划")
            conn.execute(
                "UPDATE class_plans SET state = 'withdrawn', version = version + 1 WHERE id = ?",
                (ident,),
            )
            plan_event(conn, "class_plan_withdraw", actor, ident, at)
            return self._one(conn, ident)

    # -- reads ------------------------------------------------------------------------------

    def plan(self, actor: Actor, ident: int) -> ClassPlan:
        """One plan, when ``actor`` may see it (``forbidden`` otherwise, and when absent)."""
        row = plan_row(self._connection.conn, ident)
        if row is None or not sees_plan(actor, row):
            raise forbidden("办班计划")
        return plan_from_row(row)

    def plans(
        self,
        actor: Actor,
        *,
        state: PlanState | None = None,
        after: int | None = None,
        limit: int = 20,
    ) -> Page[ClassPlan]:
        """The plans ``actor`` sees, newest first (``state``: only those), a page at a time
        (``after``: the id the last page ended at)."""
        params: list[str | int]
        if actor.role is PortalRole.PROVIDER:
            where, params = "c.provider = ?", [actor.scope]
        elif actor.role is PortalRole.AUTHORITY:
            where, params = "c.sector = ?", [actor.scope]
        elif actor.role is PortalRole.BUREAU:
            low, high = region_range(actor.scope)
            where, params = "c.region BETWEEN ? AND ?", [low, high]
        else:
            raise forbidden("办班计划")
        if state is not None:
            where += " AND c.state = ?"
            params.append(state.value)
        conn = self._connection.conn
        total = conn.execute(
            f"SELECT count(*) FROM class_plans c WHERE {where}",  # noqa: S608 - our text
            params,
        ).fetchone()[0]
        before = after if after is not None else 2**62
        rows = rows_of(conn.execute(
            SELECT + f" WHERE {where} AND c.id < ? ORDER BY c.id DESC LIMIT ?",
            (*params, before, limit + 1),
        ))  # fmt: skip
        items = tuple(plan_from_row(r) for r in rows[:limit])
        return Page(items, rows[limit - 1]["id"] if len(rows) > limit else None, total)

    @staticmethod
    def _one(conn: sqlite3.Connection, ident: int) -> ClassPlan:
        row = plan_row(conn, ident)
        assert row is not None
        return plan_from_row(row)


__all__ = ["ClassPlans", "plan_event", "plan_from_row", "plan_row", "sees_plan"]
