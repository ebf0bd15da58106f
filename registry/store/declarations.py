"""Declared training records in the portal: declaring with proofs, reviews, confirmations,
returns and resubmissions, and the queues reviewers work through.

The employer looks first; who confirms after it comes from the rules
(:func:`registry.portal.route`). A confirmation writes the record into ``activities``,
confirmed by whom the rules name, so the hours engine counts it as it counts an imported one.
Every change is one transaction with its event (who, in which role, the rows' digests); a
decision names the version each row had when the decider saw it, and all of a bulk decision
is refused when one of them moved on (``changed``).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import sqlite3
from collections.abc import Sequence
from typing import Any

from registry.errors import RegistryError
from registry.hours import Subject
from registry.hours.assessment import record_day
from registry.model import Activity, Category, Person, RecordStatus
from registry.portal.proofs import Proof, check_count
from registry.portal.roles import Actor, Approval, DeclarationState, PortalRole, Stage
from registry.portal.routing import policy_for, route
from registry.portal.values import Declaration, Page
from registry.store.connection import RegistryConnection
from registry.store.declaration_rows import (
    SELECT,
    declaration_from_row,
    one,
    row_of,
    with_proofs,
)
from registry.store.digests import digests_of
from registry.store.events import append_event, log_time
from registry.store.queues import page_of, rows_of
from registry.store.records import activity_row, person_from_row
from registry.store.scope import changed, forbidden, may_see, region_count, region_match

_STAGE_OF_ROLE = {
    PortalRole.EMPLOYER: Stage.EMPLOYER,
    PortalRole.AUTHORITY: Stage.AUTHORITY,
    PortalRole.BUREAU: Stage.BUREAU,
}
_DRAFT_COLUMNS = (
    "year", "category", "kind", "title", "course_code", "minutes", "start_date", "end_date",
    "provider", "score", "role",
)  # fmt: skip


def _draft_values(record: Activity) -> dict[str, Any]:
    row = activity_row(record)
    return {column: row[column] for column in _DRAFT_COLUMNS}


def _sees(actor: Actor, row: dict[str, Any]) -> bool:
    return may_see(
        actor,
        id_number=row["id_number"],
        credit_code=row["credit_code"],
        region=row["region"],
        sector=row["sector"],
        stage=row["stage"],
        confirmed_by=row["confirmed_by"],
    )


def _person(conn: sqlite3.Connection, id_number: str) -> Person:
    found = rows_of(conn.execute("SELECT * FROM people WHERE id_number = ?", (id_number,)))
    return person_from_row(found[0])


class Declarations:
    """The portal's declared records, on ``connection``."""

    def __init__(self, connection: RegistryConnection) -> None:
        self._connection = connection

    # -- the professional -------------------------------------------------------------------

    def declare(
        self,
        actor: Actor,
        record: Activity,
        *,
        proofs: Sequence[Proof],
        token: str,
        at: dt.datetime,
    ) -> Declaration:
        """Declare ``record`` with its ``proofs`` (already stored by
        :class:`registry.store.proof_files.ProofFiles`). ``token`` comes from the form: the
        same token declares once (a double-clicked submit returns the first declaration)."""
        if actor.role is not PortalRole.PROFESSIONAL or actor.scope != record.id_number:
            raise forbidden("记录")
        if not proofs:
            raise RegistryError(
                "proof_required", "请至少上传一个证明材料 (at least one proof file is needed)"
            )
        check_count(len(proofs))
        with self._connection.transaction() as conn:
            known = conn.execute(
                "SELECT id, id_number FROM declarations WHERE token = ?", (token,)
            ).fetchone()
            if known is not None:
                if known[1] != actor.scope:
                    raise forbidden("记录")
                return one(conn, known[0])
            person = self._enrolled(conn, actor.scope)
            subject = Subject.of(person["person"])
            values = _draft_values(record)
            cursor = conn.execute(
                "INSERT INTO declarations (token, id_number, credit_code, region, sector, "  # noqa: S608
                + ", ".join(_DRAFT_COLUMNS)
                + ", state, stage, version, declared_at, changed_at) VALUES ("
                + ", ".join("?" * (5 + len(_DRAFT_COLUMNS) + 5))
                + ")",
                (
                    token, record.id_number, person["credit_code"], subject.region,
                    subject.series.sector, *values.values(), DeclarationState.DECLARED.value,
                    Stage.EMPLOYER.value, 1, log_time(at), log_time(at),
                ),
            )  # fmt: skip
            ident = int(cursor.lastrowid or 0)
            self._add_proofs(conn, ident, proofs)
            self._event(conn, "portal_declare", actor, ident, at)
            return one(conn, ident)

    def resubmit(
        self,
        actor: Actor,
        ident: int,
        record: Activity,
        *,
        version: int,
        proofs: Sequence[Proof] = (),
        at: dt.datetime,
    ) -> Declaration:
        """The person corrects a returned record (and may add proofs): it goes back to the
        employer."""
        with self._connection.transaction() as conn:
            row = self._owned(conn, actor, ident)
            if row["state"] != DeclarationState.RETURNED or row["version"] != version:
                raise changed("记录")
            if record.id_number != row["id_number"]:
                raise forbidden("记录")
            have = conn.execute(
                "SELECT count(*) FROM proofs WHERE declaration = ?", (ident,)
            ).fetchone()[0]
            new = [p for p in proofs]
            check_count(have + len(new))
            sets = ", ".join(f"{c} = ?" for c in _DRAFT_COLUMNS)
            conn.execute(
                f"UPDATE declarations SET {sets}, state = 'declared', stage = 'employer',"  # noqa: S608
                " reason = NULL, version = version + 1, changed_at = ? WHERE id = ?",
                (*_draft_values(record).values(), log_time(at), ident),
            )
            self._add_proofs(conn, ident, new)
            self._event(conn, "portal_resubmit", actor, ident, at)
            return one(conn, ident)

    def withdraw(self, actor: Actor, ident: int, *, version: int, at: dt.datetime) -> Declaration:
        """The person withdraws a record nobody has confirmed."""
        with self._connection.transaction() as conn:
            row = self._owned(conn, actor, ident)
            if row["version"] != version or row["state"] not in {"declared", "returned"}:
                raise changed("记录")
            conn.execute(
                "UPDATE declarations SET state = 'withdrawn', stage = 'done',"
                " version = version + 1, changed_at = ? WHERE id = ?",
                (log_time(at), ident),
            )
            self._event(conn, "portal_withdraw", actor, ident, at)
            return one(conn, ident)

    # -- reviewers ------------------------------------------------------------------------------

    def decide(
        self,
        actor: Actor,
        versions: dict[int, int],
        *,
        approve: bool,
        reason: str | None,
        default_policy: str,
        at: dt.datetime,
    ) -> list[Declaration]:
        """Approve or return the declarations ``versions`` names (id → the version the
        decider saw), all in one transaction: nothing changes when one of them is outside
        the actor's scope (``forbidden``) or moved on (``changed``). A return needs a
        ``reason``, shown to the person; an approval may carry one (a note)."""
        stage = _STAGE_OF_ROLE.get(actor.role)
        text = (reason or "").strip() or None
        if stage is None:
            raise forbidden("记录")
        if not approve and text is None:
            raise RegistryError(
                "reason_required", "退回时须填写理由，本人据此修改 (a return needs a reason)"
            )
        if text is not None and len(text) > 500:
            raise RegistryError("reason_too_long", "理由不能超过 500 字 (at most 500 characters)")
        if not versions:
            raise RegistryError("nothing_chosen", "请先选择记录 (choose at least one record)")
        with self._connection.transaction() as conn:
            for ident, version in versions.items():
                row = row_of(conn, ident)
                if row is None or not _sees(actor, row):
                    raise forbidden(f"记录（编号 {ident}）")
                if row["version"] != version:
                    raise changed(f"记录（编号 {ident}）")
                if row["stage"] != stage:  # seen as it is now, and not at the actor's stage
                    raise forbidden(f"记录（编号 {ident}）")
                if approve:
                    self._advance(conn, row, stage, default_policy, text, at)
                else:
                    conn.execute(
                        "UPDATE declarations SET state = 'returned', stage = 'person',"
                        " reason = ?, version = version + 1, changed_at = ? WHERE id = ?",
                        (text, log_time(at), ident),
                    )
                self._event(
                    conn, "portal_approve" if approve else "portal_return", actor, ident, at,
                    reason=text,
                )  # fmt: skip
            return [one(conn, ident) for ident in versions]

    def _advance(
        self,
        conn: sqlite3.Connection,
        row: dict[str, Any],
        stage: Stage,
        default_policy: str,
        note: str | None,
        at: dt.datetime,
    ) -> None:
        subject = Subject.of(_person(conn, row["id_number"]))
        record = declaration_from_row(row).record
        chosen = route(
            policy_for(subject, record.year, default_policy),
            subject,
            record.category,
            record_day(record),
        )
        if stage is Stage.EMPLOYER:
            conn.execute(
                "UPDATE declarations SET state = 'reviewed', stage = ?, reason = ?,"
                " version = version + 1, changed_at = ? WHERE id = ?",
                (chosen.confirmer_stage.value, note, log_time(at), row["id"]),
            )
            return
        if stage is not chosen.confirmer_stage:
            raise forbidden(f"记录（编号 {row['id']}）")
        confirmed = dataclasses.replace(
            record, status=RecordStatus.CONFIRMED, confirmed_by=chosen.confirmed_by
        )
        activity = activity_row(confirmed)
        conn.execute(
            f"INSERT OR IGNORE INTO activities ({', '.join(activity)})"  # noqa: S608 - our names
            f" VALUES ({', '.join('?' * len(activity))})",
            tuple(activity.values()),
        )
        conn.execute(
            "UPDATE declarations SET state = 'confirmed', stage = 'done', confirmed_by = ?,"
            " activity = ?, reason = ?, version = version + 1, changed_at = ? WHERE id = ?",
            (chosen.confirmed_by.value, activity["fingerprint"], note, log_time(at), row["id"]),
        )

    # -- reads ------------------------------------------------------------------------------------

    def declaration(self, actor: Actor, ident: int) -> Declaration:
        """One declaration with its proofs, when ``actor`` may see it (``forbidden``)."""
        conn = self._connection.conn
        row = row_of(conn, ident)
        if row is None or not _sees(actor, row):
            raise forbidden("记录")
        return one(conn, ident)

    def of_person(
        self, actor: Actor, id_number: str, *, year: int | None = None
    ) -> list[Declaration]:
        """A person's declarations (of ``year``), newest first, when ``actor`` may see them."""
        conn = self._connection.conn
        where, params = "d.id_number = ?", [id_number]
        if year is not None:
            where += " AND d.year = ?"
            params.append(str(year))
        rows = rows_of(conn.execute(f"{SELECT} WHERE {where} ORDER BY d.id DESC", params))
        return with_proofs(conn, [r for r in rows if _sees(actor, r)])

    def queue(
        self,
        actor: Actor,
        *,
        after: int = 0,
        limit: int = 50,
        category: Category | None = None,
        year: int | None = None,
    ) -> Page[Declaration]:
        """The declarations waiting for ``actor``, oldest first, a page at a time
        (``after``: the id the previous page ended with)."""
        stage = _STAGE_OF_ROLE.get(actor.role)
        if stage is None:
            raise forbidden("待办")
        if actor.role is PortalRole.EMPLOYER:
            where, params = "d.stage = ? AND d.credit_code = ?", [stage.value, actor.scope]
            counted, counted_params = where, list(params)
        elif actor.role is PortalRole.AUTHORITY:
            where, params = "d.stage = ? AND d.sector = ?", [stage.value, actor.scope]
            counted, counted_params = where, list(params)
        else:
            condition, value = region_match(actor.scope, "d.region")
            within, bounds = region_count(actor.scope, "d.region")
            where, params = f"d.stage = ? AND {condition}", [stage.value, value]
            counted, counted_params = f"d.stage = ? AND {within}", [stage.value, *bounds]
        filters = ""
        if category is not None:
            filters += " AND d.category = ?"
            params.append(category.value)
            counted_params.append(category.value)
        if year is not None:
            filters += " AND d.year = ?"
            params.append(str(year))
            counted_params.append(str(year))
        return page_of(
            self._connection.conn, select=SELECT, table="declarations", where=where + filters,
            params=params, after=after, limit=limit,
            convert=functools.partial(with_proofs, self._connection.conn),
            counted=(counted + filters, counted_params),
        )  # fmt: skip

    def proof(self, actor: Actor, ident: int, sha256: str) -> Proof:
        """A proof of a declaration ``actor`` may see (``forbidden`` otherwise)."""
        found = next((p for p in self.declaration(actor, ident).proofs if p.sha256 == sha256), None)
        if found is None:
            raise forbidden("证明材料")
        return found

    # -- inside a transaction ------------------------------------------------------------------

    def _enrolled(self, conn: sqlite3.Connection, id_number: str) -> dict[str, Any]:
        row = conn.execute(
            "SELECT credit_code, state FROM enrolments WHERE id_number = ?", (id_number,)
        ).fetchone()
        if row is None or row[1] != Approval.APPROVED:
            raise RegistryError(
                "not_enrolled",
                "注册尚未经用人单位审核通过，暂不能申报 (your employer has not approved your "
                "registration yet)",
            )
        return {"credit_code": row[0], "person": _person(conn, id_number)}

    def _owned(self, conn: sqlite3.Connection, actor: Actor, ident: int) -> dict[str, Any]:
        row = row_of(conn, ident)
        if (
            row is None
            or actor.role is not PortalRole.PROFESSIONAL
            or row["id_number"] != actor.scope
        ):
            raise forbidden("记录")
        return row

    @staticmethod
    def _add_proofs(conn: sqlite3.Connection, ident: int, proofs: Sequence[Proof]) -> None:
        conn.executemany(
            "INSERT OR IGNORE INTO proofs (declaration, sha256, filename, media_type, size)"
            " VALUES (?, ?, ?, ?, ?)",
            [(ident, p.sha256, p.filename, p.media_type.value, p.size) for p in proofs],
        )

    @staticmethod
    def _event(
        conn: sqlite3.Connection, kind: str, actor: Actor, ident: int, at: dt.datetime, **data: Any
    ) -> None:
        rows = digests_of(conn, "declarations", "id = ?", (ident,))
        rows |= digests_of(conn, "proofs", "declaration = ?", (ident,))
        fingerprint = conn.execute(
            "SELECT activity FROM declarations WHERE id = ?", (ident,)
        ).fetchone()[0]
        if fingerprint and kind == "portal_approve":
            rows |= digests_of(conn, "activities", "fingerprint = ?", (fingerprint,))
        append_event(
            conn,
            kind=kind,
            subject=f"declarations:{ident}",
            data={**actor.event_data(), **data, "rows": rows},
            at=at,
        )


__all__ = ["Declarations"]
