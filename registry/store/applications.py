"""Applications for the year's certificate (登记申报) and the issuance requests they become.

The person applies (the portal has checked the year's rules first); the employer approves;
the bureau approves, and the application is then a request the signer takes
(:meth:`Applications.requests`), issues with the keys it alone holds, and closes
(:meth:`Applications.close`). Each change is one transaction with its event; one open
application per person and year (a unique index says so even to a SQLite shell).
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from typing import Any

from registry.errors import RegistryError
from registry.portal.roles import Actor, ApplicationState, Approval, PortalRole
from registry.portal.values import Application, Page
from registry.store.connection import RegistryConnection
from registry.store.digests import digests_of
from registry.store.events import append_event, log_time
from registry.store.queues import page_of, rows_of
from registry.store.scope import changed, forbidden, may_see, region_count, region_match

SIGNER = Actor("signer", PortalRole.BUREAU, "000000")
"""Who closes a request in the event log: the signer, acting for the bureau."""
_NEXT = {
    (PortalRole.EMPLOYER, ApplicationState.SUBMITTED): ApplicationState.EMPLOYER_APPROVED,
    (PortalRole.BUREAU, ApplicationState.EMPLOYER_APPROVED): ApplicationState.APPROVED,
}
_WAITING_FOR = {
    PortalRole.EMPLOYER: ApplicationState.SUBMITTED,
    PortalRole.BUREAU: ApplicationState.EMPLOYER_APPROVED,
}
_SELECT = "SELECT a.*, p.name FROM applications a JOIN people p ON p.id_number = a.id_number"


def _applications(rows: list[dict[str, Any]]) -> list[Application]:
    return [_application(row) for row in rows]


def _application(row: dict[str, Any]) -> Application:
    return Application(
        id=row["id"],
        id_number=row["id_number"],
        name=row["name"],
        year=row["year"],
        credit_code=row["credit_code"],
        region=row["region"],
        state=ApplicationState(row["state"]),
        reason=row["reason"],
        number=row["number"],
        edition=row["edition"],
        version=row["version"],
        submitted_at=dt.datetime.fromisoformat(row["submitted_at"]),
        changed_at=dt.datetime.fromisoformat(row["changed_at"]),
    )


def _sees(actor: Actor, row: dict[str, Any]) -> bool:
    return actor.role is not PortalRole.AUTHORITY and may_see(
        actor,
        id_number=row["id_number"],
        credit_code=row["credit_code"],
        region=row["region"],
        sector=None,
    )


class Applications:
    """The portal's applications, on ``connection``."""

    def __init__(self, connection: RegistryConnection) -> None:
        self._connection = connection

    def apply(self, actor: Actor, *, year: int, token: str, at: dt.datetime) -> Application:
        """The person applies for ``year``'s certificate. The caller has judged the year's
        rules met (``portal`` does, with the hours engine). The same ``token`` applies once;
        a second open application of the year is ``already_applied``."""
        if actor.role is not PortalRole.PROFESSIONAL:
            raise forbidden("申请")
        with self._connection.transaction() as conn:
            known = conn.execute(
                "SELECT id, id_number FROM applications WHERE token = ?", (token,)
            ).fetchone()
            if known is not None:
                if known[1] != actor.scope:
                    raise forbidden("申请")
                return self._one(conn, known[0])
            enrolled = conn.execute(
                "SELECT e.credit_code, e.state, p.region FROM enrolments e"
                " JOIN people p ON p.id_number = e.id_number WHERE e.id_number = ?",
                (actor.scope,),
            ).fetchone()
            if enrolled is None or enrolled[1] != Approval.APPROVED:
                raise RegistryError(
                    "not_enrolled", "注册尚未经用人单位审核通过 (registration not approved yet)"
                )
            if conn.execute(
                "SELECT 1 FROM applications WHERE id_number = ? AND year = ? AND state IN"
                " ('submitted', 'employer_approved', 'approved', 'issued')",
                (actor.scope, year),
            ).fetchone():
                raise RegistryError(
                    "already_applied",
                    f"{year} 年度已有申请在办理或已签发 "
                    f"(an application for {year} is open already)",
                )
            cursor = conn.execute(
                "INSERT INTO applications (token, id_number, year, credit_code, region, state,"
                " submitted_at, changed_at) VALUES (?, ?, ?, ?, ?, 'submitted', ?, ?)",
                (token, actor.scope, year, enrolled[0], enrolled[2], log_time(at), log_time(at)),
            )
            ident = int(cursor.lastrowid or 0)
            self._event(conn, "portal_apply", actor, ident, at, year=year)
            return self._one(conn, ident)

    def withdraw(self, actor: Actor, ident: int, *, version: int, at: dt.datetime) -> Application:
        """The person withdraws an application nobody has approved for issuance yet."""
        with self._connection.transaction() as conn:
            row = self._row(conn, ident)
            if (
                row is None
                or actor.role is not PortalRole.PROFESSIONAL
                or row["id_number"] != actor.scope
            ):
                raise forbidden("申请")
            if row["state"] in {"approved", "issued"}:
                raise RegistryError(
                    "application_approved",
                    "申请已核准，证书正在生成或已签发，不能撤回；如有错误请联系人社局 "
                    "(approved for issuance: it can no longer be withdrawn)",
                )
            if row["version"] != version or row["state"] not in {"submitted", "employer_approved"}:
                raise changed("申请")
            self._set(conn, ident, ApplicationState.WITHDRAWN, None, at)
            self._event(conn, "portal_withdraw_application", actor, ident, at)
            return self._one(conn, ident)

    def decide(
        self,
        actor: Actor,
        versions: dict[int, int],
        *,
        approve: bool,
        reason: str | None,
        at: dt.datetime,
    ) -> list[Application]:
        """The employer, then the bureau, approve or return applications, all or nothing."""
        text = (reason or "").strip() or None
        if not approve and text is None:
            raise RegistryError("reason_required", "退回时须填写理由 (a return needs a reason)")
        if not versions:
            raise RegistryError("nothing_chosen", "请先选择申请 (choose at least one application)")
        with self._connection.transaction() as conn:
            for ident, version in versions.items():
                row = self._row(conn, ident)
                if row is None or not _sees(actor, row) or actor.role is PortalRole.PROFESSIONAL:
                    raise forbidden(f"申请（编号 {ident}）")
                if row["version"] != version:
                    raise changed(f"申请（编号 {ident}）")
                after = _NEXT.get((actor.role, ApplicationState(row["state"])))
                if after is None:  # seen as it is now, and not the actor's to decide
                    raise forbidden(f"申请（编号 {ident}）")
                self._set(conn, ident, after if approve else ApplicationState.RETURNED, text, at)
                kind = "portal_approve_application" if approve else "portal_return_application"
                self._event(conn, kind, actor, ident, at, reason=text)
            return [self._one(conn, ident) for ident in versions]

    # -- the signer -------------------------------------------------------------------------

    def requests(self, *, limit: int = 1000) -> list[Application]:
        """Approved applications waiting to be issued, oldest first."""
        conn = self._connection.conn
        rows = rows_of(
            conn.execute(f"{_SELECT} WHERE a.state = 'approved' ORDER BY a.id LIMIT ?", (limit,))
        )
        return [_application(r) for r in rows]

    def close(
        self,
        ident: int,
        *,
        number: str | None,
        edition: int | None,
        reason: str | None,
        at: dt.datetime,
    ) -> None:
        """The signer closes a request: issued as ``number``/``edition``, or refused with
        ``reason`` (in Chinese, for the person)."""
        with self._connection.transaction() as conn:
            row = self._row(conn, ident)
            if row is None or row["state"] != ApplicationState.APPROVED:
                raise changed("申请")
            state = ApplicationState.ISSUED if number else ApplicationState.REFUSED
            conn.execute(
                "UPDATE applications SET state = ?, reason = ?, number = ?, edition = ?,"
                " version = version + 1, changed_at = ? WHERE id = ?",
                (state.value, reason, number, edition, log_time(at), ident),
            )
            self._event(conn, "portal_close_request", SIGNER, ident, at, reason=reason)

    # -- reads --------------------------------------------------------------------------------

    def of_person(self, actor: Actor, id_number: str) -> list[Application]:
        conn = self._connection.conn
        rows = rows_of(
            conn.execute(f"{_SELECT} WHERE a.id_number = ? ORDER BY a.id DESC", (id_number,))
        )
        return [_application(r) for r in rows if _sees(actor, r)]

    def application(self, actor: Actor, ident: int) -> Application:
        conn = self._connection.conn
        rows = rows_of(conn.execute(f"{_SELECT} WHERE a.id = ?", (ident,)))
        if not rows or not _sees(actor, rows[0]):
            raise forbidden("申请")
        return _application(rows[0])

    def queue(self, actor: Actor, *, after: int = 0, limit: int = 50) -> Page[Application]:
        """Applications waiting for ``actor`` (employer or bureau), oldest first."""
        state = _WAITING_FOR.get(actor.role)
        if state is None:
            raise forbidden("待办")
        if actor.role is PortalRole.EMPLOYER:
            where, params = "a.state = ? AND a.credit_code = ?", [state.value, actor.scope]
            counted = (where, params)
        else:
            condition, value = region_match(actor.scope, "a.region")
            within, bounds = region_count(actor.scope, "a.region")
            where, params = f"a.state = ? AND {condition}", [state.value, value]
            counted = (f"a.state = ? AND {within}", [state.value, *bounds])
        return page_of(
            self._connection.conn, select=_SELECT, table="applications", where=where,
            params=params, after=after, limit=limit, convert=_applications, counted=counted,
        )  # fmt: skip

    # -- inside a transaction ------------------------------------------------------------------

    @staticmethod
    def _row(conn: sqlite3.Connection, ident: int) -> dict[str, Any] | None:
        rows = rows_of(conn.execute("SELECT * FROM applications WHERE id = ?", (ident,)))
        return rows[0] if rows else None

    def _one(self, conn: sqlite3.Connection, ident: int) -> Application:
        return _application(rows_of(conn.execute(f"{_SELECT} WHERE a.id = ?", (ident,)))[0])

    @staticmethod
    def _set(
        conn: sqlite3.Connection,
        ident: int,
        state: ApplicationState,
        reason: str | None,
        at: dt.datetime,
    ) -> None:
        conn.execute(
            "UPDATE applications SET state = ?, reason = ?, version = version + 1,"
            " changed_at = ? WHERE id = ?",
            (state.value, reason, log_time(at), ident),
        )

    @staticmethod
    def _event(
        conn: sqlite3.Connection, kind: str, actor: Actor, ident: int, at: dt.datetime, **data: Any
    ) -> None:
        append_event(
            conn,
            kind=kind,
            subject=f"applications:{ident}",
            data={
                **actor.event_data(),
                **data,
                "rows": digests_of(conn, "applications", "id = ?", (ident,)),
            },
            at=at,
        )


__all__ = ["SIGNER", "Applications"]
