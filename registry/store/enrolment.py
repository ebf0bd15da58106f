"""Registrations in the portal: employers with their bureau (:mod:`.organisations`, as
training providers), professionals with their employer.

Each change is one transaction with its event, naming who acted in which role
(:class:`registry.portal.Actor`) and the digests of the rows it wrote. A decision names the
version of the row the decider saw: when someone else decided first, ``changed``.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from typing import Any

from registry.errors import RegistryError
from registry.model import Person
from registry.places import covers
from registry.portal.roles import Actor, Approval, PortalRole
from registry.portal.values import Employer, Enrolment, Page
from registry.store.connection import RegistryConnection
from registry.store.digests import digests_of
from registry.store.events import append_event, log_time
from registry.store.organisations import EMPLOYERS, Organisations, decision_reason, organisation
from registry.store.queues import rows_of
from registry.store.records import person_row
from registry.store.scope import changed, forbidden


def _enrolment(row: dict[str, Any]) -> Enrolment:
    return Enrolment(
        row["id_number"],
        row["name"],
        row["credit_code"],
        Approval(row["state"]),
        row["reason"],
        row["version"],
        dt.datetime.fromisoformat(row["registered_at"]),
    )


class Registrations:
    """Employers and professionals registering, and their approvals."""

    def __init__(self, connection: RegistryConnection) -> None:
        self._connection = connection
        self._employers = Organisations(connection, EMPLOYERS)

    # -- employers -------------------------------------------------------------------------

    def register_employer(
        self, actor: Actor, *, name: str, region: str, at: dt.datetime
    ) -> Employer:
        """An employer registers itself (``actor.scope``: its checked credit code); the
        bureau of its region approves it."""
        return self._employers.register(actor, name=name, region=region, at=at)

    def employer(self, credit_code: str) -> Employer:
        return self._employers.one(credit_code)

    def employers(self, *, approved_only: bool = True) -> list[Employer]:
        """Every employer (to choose from when a professional registers)."""
        where = "WHERE state = 'approved'" if approved_only else ""
        sql = f"SELECT * FROM employers {where} ORDER BY name"  # noqa: S608 - fixed text
        return [organisation(r) for r in rows_of(self._connection.conn.execute(sql))]

    def pending_employers(self, actor: Actor, *, after: int = 0, limit: int = 50) -> Page[Employer]:
        """Employers of the bureau's region waiting for approval."""
        return self._employers.pending(actor, after=after, limit=limit)

    def decide_employer(
        self,
        actor: Actor,
        credit_code: str,
        *,
        version: int,
        approve: bool,
        reason: str | None,
        at: dt.datetime,
    ) -> Employer:
        """The bureau of the employer's region approves or refuses its registration."""
        return self._employers.decide(
            actor, credit_code, version=version, approve=approve, reason=reason, at=at
        )

    # -- professionals -----------------------------------------------------------------------

    def register_person(
        self, actor: Actor, person: Person, *, credit_code: str, at: dt.datetime
    ) -> Enrolment:
        """A professional registers (``actor.scope``: their checked ID number) with an
        approved employer; the employer approves it. A person the registry knows already
        (imported) keeps their row, and must give the same name."""
        if actor.role is not PortalRole.PROFESSIONAL or actor.scope != person.id_number:
            raise forbidden("注册")
        with self._connection.transaction() as conn:
            employer = conn.execute(
                "SELECT name, state FROM employers WHERE credit_code = ?", (credit_code,)
            ).fetchone()
            if employer is None or employer[1] != Approval.APPROVED:
                raise RegistryError(
                    "unknown_employer",
                    "所选单位未注册或尚未通过审核 (the employer is not registered and approved)",
                )
            if conn.execute(
                "SELECT 1 FROM enrolments WHERE id_number = ?", (person.id_number,)
            ).fetchone():
                raise RegistryError(
                    "already_registered", "该身份证号已注册 (this ID number is registered already)"
                )
            known = conn.execute(
                "SELECT name FROM people WHERE id_number = ?", (person.id_number,)
            ).fetchone()
            if known is None:
                row = person_row(person)
                row["employer"] = employer[0]
                columns = ", ".join(row)
                conn.execute(
                    f"INSERT INTO people ({columns}) VALUES ({', '.join('?' * len(row))})",  # noqa: S608
                    tuple(row.values()),
                )
            elif known[0] != person.name:
                raise RegistryError(
                    "name_mismatch",
                    "姓名与登记库中该身份证号的姓名不一致，请核对或到人社局窗口更正 "
                    "(the name differs from the registry's for this ID number)",
                )
            conn.execute(
                "INSERT INTO enrolments (id_number, credit_code, state, registered_at)"
                " VALUES (?, ?, 'pending', ?)",
                (person.id_number, credit_code, log_time(at)),
            )
            rows = digests_of(conn, "people", "id_number = ?", (person.id_number,))
            self._event(
                conn, "portal_register_person", actor, "enrolments", person.id_number, at,
                extra_rows=rows,
            )  # fmt: skip
        return self.enrolment(actor, person.id_number)

    def enrolment(self, actor: Actor, id_number: str) -> Enrolment:
        rows = rows_of(
            self._connection.conn.execute(
                "SELECT e.*, p.name, p.region FROM enrolments e"
                " JOIN people p ON p.id_number = e.id_number WHERE e.id_number = ?",
                (id_number,),
            )
        )
        if not rows or not _sees_person(actor, rows[0]):
            raise forbidden("注册")
        return _enrolment(rows[0])

    def staff(
        self,
        actor: Actor,
        *,
        state: Approval | None = None,
        after: int = 0,
        limit: int = 50,
    ) -> Page[Enrolment]:
        """The employer's registered staff (or those in ``state``), a page at a time."""
        if actor.role is not PortalRole.EMPLOYER:
            raise forbidden("职工名单")
        where = "e.credit_code = ?"
        params: list[Any] = [actor.scope]
        if state is not None:
            where += " AND e.state = ?"
            params.append(state.value)
        conn = self._connection.conn
        total = conn.execute(
            f"SELECT count(*) FROM enrolments e WHERE {where}",  # noqa: S608 - fixed text
            params,
        ).fetchone()[0]
        rows = rows_of(
            conn.execute(
                "SELECT e.rowid AS n, e.*, p.name FROM enrolments e"  # noqa: S608 - our text
                f" JOIN people p ON p.id_number = e.id_number WHERE {where}"
                " AND e.rowid > ? ORDER BY e.rowid LIMIT ?",
                (*params, after, limit + 1),
            )
        )
        items = tuple(_enrolment(r) for r in rows[:limit])
        return Page(items, rows[limit - 1]["n"] if len(rows) > limit else None, total)

    def decide_person(
        self,
        actor: Actor,
        id_number: str,
        *,
        version: int,
        approve: bool,
        reason: str | None,
        at: dt.datetime,
    ) -> Enrolment:
        """The employer approves or refuses a professional's registration."""

        text = decision_reason(approve, reason)
        with self._connection.transaction() as conn:
            row = conn.execute(
                "SELECT credit_code, state, version FROM enrolments WHERE id_number = ?",
                (id_number,),
            ).fetchone()
            if row is None or actor.role is not PortalRole.EMPLOYER or actor.scope != row[0]:
                raise forbidden("注册")
            if row[1] != Approval.PENDING or row[2] != version:
                raise changed("注册")
            state = Approval.APPROVED if approve else Approval.REJECTED
            conn.execute(
                "UPDATE enrolments SET state = ?, reason = ?, version = version + 1"
                " WHERE id_number = ?",
                (state.value, text, id_number),
            )
            self._event(conn, "portal_decide_person", actor, "enrolments", id_number, at,
                        decision=state.value, reason=text)  # fmt: skip
        return self.enrolment(actor, id_number)

    # -- events --------------------------------------------------------------------------------

    @staticmethod
    def _event(
        conn: sqlite3.Connection,
        kind: str,
        actor: Actor,
        table: str,
        key: str,
        at: dt.datetime,
        *,
        extra_rows: dict[str, str] | None = None,
        **data: Any,
    ) -> None:
        rows = digests_of(conn, table, "id_number = ?", (key,)) | (extra_rows or {})
        append_event(
            conn,
            kind=kind,
            subject=f"{table}:{key}",
            data={**actor.event_data(), **data, "rows": rows},
            at=at,
        )


def _sees_person(actor: Actor, row: dict[str, Any]) -> bool:
    if actor.role is PortalRole.PROFESSIONAL:
        return bool(actor.scope == row["id_number"])
    if actor.role is PortalRole.EMPLOYER:
        return bool(actor.scope == row["credit_code"])
    if actor.role is PortalRole.BUREAU:
        return covers(actor.scope, row["region"])
    return False


__all__ = ["Registrations"]
