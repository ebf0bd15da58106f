"""A class's roster in the registry: the provider uploads it once the class has ended, and
each attendee's record is written confirmed, with the provider as its source
(:func:`registry.portal.classes.attendee_record`).

All or nothing: a roster with one bad row (a person the registry does not know, a name that
is not theirs, more hours than the class had) is refused whole, every bad row named by its
place, and nothing is stored. Sending the same roster again answers as the first time did (a
retried upload, a double-clicked submit); another roster for a closed plan is refused
(``roster_filed``). One transaction, one event naming every row written.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass

from keys import CHINA_TZ
from registry.errors import ImportRejected, RegistryError
from registry.hours import Subject
from registry.model import Confirmer, Person
from registry.portal.classes import ClassPlan, PlanState, Roster, RosterLine, attendee_record
from registry.portal.roles import Actor, PortalRole
from registry.portal.routing import policy_for
from registry.store.class_plans import plan_event, plan_from_row, plan_row, sees_plan
from registry.store.connection import RegistryConnection
from registry.store.digests import digests_of
from registry.store.events import log_time
from registry.store.queues import rows_of
from registry.store.records import activity_row, person_from_row
from registry.store.scope import forbidden


@dataclass(frozen=True, slots=True)
class RosterEntry:
    """One attendee of a filed roster, as the registry holds it."""

    line: int
    id_number: str
    name: str
    minutes: int
    score: str | None


def roster_digest(lines: Sequence[RosterLine]) -> str:
    """What makes two rosters the same: their rows, in order."""
    canonical = json.dumps(
        [
            [x.id_number, x.name, x.minutes, None if x.score is None else str(x.score)]
            for x in lines
        ],
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _person(conn: sqlite3.Connection, id_number: str) -> Person:
    return person_from_row(rows_of(conn.execute(
        "SELECT * FROM people WHERE id_number = ?", (id_number,)
    ))[0])  # fmt: skip


def confirmer_faults(plan: ClassPlan, person: Person, *, default_policy: str) -> list[str]:
    """Why the plan's approver cannot confirm this attendee's record under the rules that
    judge the attendee's year (none: it can)."""
    fields = plan.fields
    approver = plan.confirmed_by
    try:
        subject = Subject.of(person)
        policy = policy_for(subject, fields.end_date.year, default_policy)
        accepted = policy.record_rule(
            fields.end_date, subject.region, fields.category, subject.series.sector
        ).accepted
    except RegistryError:
        return ["无法按此学员适用的学时规定核对认定方，请联系人社局 (no rule judges this person)"]
    if accepted and approver not in accepted:
        who = "、".join(sorted(_CONFIRMER_ZH.get(c, c.value) for c in accepted))
        return [f"按此学员适用的学时规定，{fields.category.label_zh}学时须由{who}认定，"
                "本计划的备案方不能代为认定 (the rules want another confirmer)"]  # fmt: skip
    if approver is Confirmer.INDUSTRY_AUTHORITY and subject.series.sector != fields.sector:
        return ["此学员不属于本计划所属的行业，不能由该行业主管部门认定 (another sector)"]
    return []


_CONFIRMER_ZH = {
    Confirmer.HR_BUREAU: "人社局", Confirmer.INDUSTRY_AUTHORITY: "行业主管部门",
    Confirmer.EMPLOYER: "用人单位", Confirmer.SYSTEM: "学习平台", Confirmer.BASE: "继续教育基地",
}  # fmt: skip


class Rosters:
    """Rosters, on ``connection``."""

    def __init__(self, connection: RegistryConnection) -> None:
        self._connection = connection

    def accept(
        self,
        actor: Actor,
        ident: int,
        roster: Roster,
        *,
        default_policy: str,
        at: dt.datetime,
    ) -> ClassPlan:
        """Write the records of plan ``ident``'s ``roster`` (read by
        :mod:`registry.importing.rosters`). Raises ``forbidden``, ``plan_not_open`` (not
        approved), ``class_not_ended``, ``roster_filed`` (another roster is in) or
        :class:`ImportRejected` naming every bad row, those the reading found and those only
        the registry can tell."""
        if actor.role is not PortalRole.PROVIDER:
            raise forbidden("办班计划")
        lines, source = roster.lines, roster.source
        digest = roster_digest(lines)
        with self._connection.transaction() as conn:
            row = plan_row(conn, ident)
            if row is None or not sees_plan(actor, row):
                raise forbidden("办班计划")
            plan = plan_from_row(row)
            if plan.state is PlanState.CLOSED:
                if row["roster_digest"] == digest:
                    return plan  # the same roster again: done already
                raise RegistryError(
                    "roster_filed",
                    f"办班计划 {ident} 的名单已于 {row['roster_at'][:10]} 上传，不能再次上传；"
                    "如有错漏请联系审核部门 (this plan's roster is in already)",
                )
            if plan.state is not PlanState.APPROVED:
                raise RegistryError(
                    "plan_not_open",
                    f"办班计划 {ident} {plan.state.label_zh}，只有已备案的计划可以上传名单 "
                    "(only an approved plan takes a roster)",
                )
            if at.astimezone(CHINA_TZ).date() < plan.fields.end_date:
                raise RegistryError(
                    "class_not_ended",
                    f"培训班 {plan.fields.end_date.isoformat()} 结束，结束后才能上传名单 "
                    "(a roster is uploaded once the class has ended)",
                )
            problems = list(roster.problems)
            for line in lines:
                known = conn.execute(
                    "SELECT name FROM people WHERE id_number = ?", (line.id_number,)
                ).fetchone()
                faults = []
                if known is not None and " ".join(known[0].split()) == " ".join(line.name.split()):
                    faults += confirmer_faults(
                        plan, _person(conn, line.id_number), default_policy=default_policy
                    )
                if known is None or " ".join(known[0].split()) != " ".join(line.name.split()):
                    # One answer for both: a roster must not tell who is registered.
                    faults.append(
                        "身份证号与姓名不匹配，或此人尚未在系统中登记；请核对，未登记的请其先注册 "
                        "(no such person with this name)"
                    )
                if line.minutes > plan.fields.minutes:
                    faults.append(
                        f"学时超过本班的 {plan.fields.minutes / 60:g} 学时 (more than the class)"
                    )
                if faults:
                    problems.append((line.line, "；".join(faults)))
            if problems:
                raise ImportRejected(source, sorted(problems))
            for line in lines:
                record = activity_row(attendee_record(plan, line))
                conn.execute(
                    f"INSERT OR IGNORE INTO activities ({', '.join(record)})"  # noqa: S608
                    f" VALUES ({', '.join('?' * len(record))})",
                    tuple(record.values()),
                )
                conn.execute(
                    "INSERT INTO roster_entries (plan, id_number, line, minutes, score, activity)"
                    " VALUES (?, ?, ?, ?, ?, ?)",
                    (ident, line.id_number, line.line, line.minutes,
                     None if line.score is None else str(line.score), record["fingerprint"]),
                )  # fmt: skip
            conn.execute(
                "UPDATE class_plans SET state = 'closed', roster_count = ?, roster_digest = ?,"
                " roster_at = ?, version = version + 1 WHERE id = ?",
                (len(lines), digest, log_time(at), ident),
            )
            written = digests_of(conn, "roster_entries", "plan = ?", (ident,)) | digests_of(
                conn,
                "activities",
                "fingerprint IN (SELECT activity FROM roster_entries WHERE plan = ?)",
                (ident,),
            )
            plan_event(conn, "class_roster", actor, ident, at, extra_rows=written,
                       source=source, attendees=len(lines))  # fmt: skip
            done = plan_row(conn, ident)
            assert done is not None
            return plan_from_row(done)

    def entries(self, actor: Actor, ident: int) -> list[RosterEntry]:
        """The attendees of plan ``ident``'s roster, in the roster's order."""
        conn = self._connection.conn
        row = plan_row(conn, ident)
        if row is None or not sees_plan(actor, row):
            raise forbidden("办班计划")
        return [
            RosterEntry(r["line"], r["id_number"], r["name"], r["minutes"], r["score"])
            for r in rows_of(conn.execute(
                "SELECT e.line, e.id_number, p.name, e.minutes, e.score FROM roster_entries e"
                " JOIN people p ON p.id_number = e.id_number WHERE e.plan = ? ORDER BY e.line",
                (ident,),
            ))
        ]  # fmt: skip


__all__ = ["RosterEntry", "Rosters", "roster_digest"]
