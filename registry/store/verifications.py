"""Jiangxi's verification (验证, notice 004 §11–§13): the bureau verifies an employer's staff
for a year, the batch the employer's summary form asked for, and the verification is recorded
as such (验证专用章) for each person, to be printed on their registration card.

Only a Jiangxi bureau verifies, and only an employer of its region; a person verified for a
year is not verified again by a later batch. The same token verifies once (a double-clicked
button). One transaction, one event naming every row written.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from registry.errors import RegistryError
from registry.forms.values import Verified, is_jiangxi
from registry.places import covers
from registry.portal.roles import Actor, PortalRole
from registry.store.connection import RegistryConnection
from registry.store.digests import digests_of
from registry.store.events import append_event, log_time
from registry.store.queues import rows_of
from registry.store.scope import forbidden


@dataclass(frozen=True, slots=True)
class Verification:
    """One batch the bureau verified."""

    id: int
    credit_code: str
    year: int
    verified_by: str
    verified_at: dt.datetime
    people: int


class Verifications:
    """Jiangxi's verifications, on ``connection``."""

    def __init__(self, connection: RegistryConnection) -> None:
        self._connection = connection

    def verify(
        self, actor: Actor, credit_code: str, *, year: int, token: str, at: dt.datetime
    ) -> Verification:
        """The bureau verifies ``year`` for the employer's approved staff not verified yet
        (``nothing_to_verify`` when there is no one); only in Jiangxi (``not_jiangxi``)."""
        if actor.role is not PortalRole.BUREAU:
            raise forbidden("验证")
        if not 1 <= len(token) <= 100:
            raise RegistryError("bad_token", "表单已失效，请刷新页面后重新提交 (no form token)")
        with self._connection.transaction() as conn:
            known = conn.execute(
                "SELECT id FROM verifications WHERE token = ?", (token,)
            ).fetchone()
            if known is not None:
                return self._one(known[0])
            employer = conn.execute(
                "SELECT region FROM employers WHERE credit_code = ? AND state = 'approved'",
                (credit_code,),
            ).fetchone()
            if employer is None or not covers(actor.scope, employer[0]):
                raise forbidden("单位")
            if not is_jiangxi(employer[0]):
                raise RegistryError(
                    "not_jiangxi", "验证专用章是江西省的登记制度，本地区不适用 (Jiangxi only)"
                )
            people = [row[0] for row in conn.execute(
                "SELECT e.id_number FROM enrolments e WHERE e.credit_code = ?"
                " AND e.state = 'approved' AND NOT EXISTS (SELECT 1 FROM verified_people v"
                " WHERE v.id_number = e.id_number AND v.year = ?) ORDER BY e.id_number",
                (credit_code, year),
            )]  # fmt: skip
            if not people:
                raise RegistryError(
                    "nothing_to_verify",
                    f"该单位 {year} 年度没有待验证的人员 (no one left to verify for {year})",
                )
            cursor = conn.execute(
                "INSERT INTO verifications (token, credit_code, year, region, verified_by,"
                " verified_at, people) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (token, credit_code, year, actor.scope, actor.username, log_time(at),
                 len(people)),
            )  # fmt: skip
            ident = int(cursor.lastrowid or 0)
            conn.executemany(
                "INSERT INTO verified_people (id_number, year, verification) VALUES (?, ?, ?)",
                [(person, year, ident) for person in people],
            )
            rows = digests_of(conn, "verifications", "id = ?", (ident,)) | digests_of(
                conn, "verified_people", "verification = ?", (ident,)
            )
            append_event(
                conn, kind="jx_verify", subject=f"verifications:{ident}",
                data={**actor.event_data(), "year": year, "people": len(people), "rows": rows},
                at=at,
            )  # fmt: skip
        return self._one(ident)

    def of_employer(self, credit_code: str) -> list[Verification]:
        """The batches verified for an employer, newest first (the caller checks scope)."""
        return [self._from(row) for row in rows_of(self._connection.conn.execute(
            "SELECT * FROM verifications WHERE credit_code = ? ORDER BY id DESC", (credit_code,)
        ))]  # fmt: skip

    def of_person(self, id_number: str) -> list[Verified]:
        """Each year of ``id_number`` a bureau verified: when, by which bureau."""
        return [
            Verified(year, dt.datetime.fromisoformat(at).date(), region)
            for year, at, region in self._connection.conn.execute(
                "SELECT p.year, v.verified_at, v.region FROM verified_people p"
                " JOIN verifications v ON v.id = p.verification WHERE p.id_number = ?"
                " ORDER BY p.year",
                (id_number,),
            )
        ]

    def _one(self, ident: int) -> Verification:
        rows = rows_of(self._connection.conn.execute(
            "SELECT * FROM verifications WHERE id = ?", (ident,)
        ))  # fmt: skip
        return self._from(rows[0])

    @staticmethod
    def _from(row: dict[str, object]) -> Verification:
        return Verification(
            int(str(row["id"])), str(row["credit_code"]), int(str(row["year"])),
            str(row["verified_by"]), dt.datetime.fromisoformat(str(row["verified_at"])),
            int(str(row["people"])),
        )  # fmt: skip


__all__ = ["Verification", "Verifications"]
