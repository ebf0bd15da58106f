"""The bureau's counter in the registry: actions a clerk asks of a certificate number, the
second clerk's approval where it is needed, and the queue the signer takes them from.

Each change is one transaction with its event naming who did it (both clerks, where two
did); a form's token asks once (a double-clicked submit answers with the action already
asked); one open action per number. Who may act is the bureau whose region covers the
holder's; the second clerk is another bureau account of such a region. The signer does the
action where the keys are and closes it (:meth:`CounterDesk.close`).
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Sequence
from typing import Any

from registry.errors import RegistryError
from registry.numbering import parse_number
from registry.places import covers
from registry.portal.counter import (
    CounterAction,
    CounterKind,
    CounterState,
    Holder,
    checked_fields,
    needs_second,
)
from registry.portal.proofs import Proof, check_count
from registry.portal.roles import Actor, PortalRole
from registry.portal.values import Page
from registry.store.connection import RegistryConnection
from registry.store.counter_rows import (
    action_from_row,
    actions_of,
    counter_event,
    one_action,
    record_reproof,
    set_state,
)
from registry.store.events import log_time
from registry.store.holders import find_holders
from registry.store.queues import page_of, rows_of
from registry.store.scope import changed, forbidden, region_count, region_match
from registry.store.slots import refuse_revoked

MAX_LIST = 10_000
"""Numbers one bulk revocation may name."""


def _check_token(token: str) -> None:
    """A form's token: what makes a double submit ask once (``bad_token`` when missing)."""
    if not 1 <= len(token) <= 100 or not token.isascii() or not token.isprintable():
        raise RegistryError(
            "bad_token", "表单已失效，请刷新页面后重新提交 (the form's token is missing: reload)"
        )


def _token_taken() -> RegistryError:
    return RegistryError(
        "bad_token",
        "此表单已提交过另一项业务，请刷新页面后重新填写 (this form asked for another action)",
    )


def _bureau(actor: Actor) -> None:
    if actor.role is not PortalRole.BUREAU:
        raise forbidden("窗口业务")


class CounterDesk:
    """``Registry.counter``: what the counter asks, approves and the signer closes."""

    def __init__(self, connection: RegistryConnection) -> None:
        self._connection = connection

    # -- asking ----------------------------------------------------------------------------

    def request(
        self,
        actor: Actor,
        *,
        kind: CounterKind,
        number: str,
        token: str,
        at: dt.datetime,
        year: int | None = None,
        reason: str = "",
        note: str = "",
        name: str | None = None,
        id_number: str | None = None,
        reproven: Sequence[str] = (),
        proofs: Sequence[Proof] = (),
        accept_shortfall: bool = False,
    ) -> CounterAction:
        """Ask for ``kind`` on certificate ``number``. A revocation, and a correction of the
        name or ID number, waits for a second clerk (:meth:`approve`); the rest is queued
        for the signer at once. A reissue may name the holder's records proven again at the
        counter (``reproven``: their fingerprints, with the ``proofs`` brought, stored
        already) and whether to issue it though the hours proven fall short
        (``accept_shortfall``). The same ``token`` asks once. Raises ``RegistryError``:
        ``forbidden`` (not a bureau, or the holder outside its region), ``bad_number``,
        ``no_such_document``, ``bad_counter_action`` (a reason or field the action needs
        is missing or wrong, named), ``counter_open`` (an action on the number is open)."""
        _bureau(actor)
        fields = checked_fields(
            kind, reason=reason, note=note, name=name, id_number=id_number, at=at
        )
        if kind is not CounterKind.REISSUE and (reproven or proofs or accept_shortfall):
            raise RegistryError(
                "bad_counter_action", "reproven：只有补办需要重新提供证明 (only a reissue)"
            )
        check_count(len(proofs))
        _check_token(token)
        with self._connection.transaction() as conn:
            known = conn.execute(
                "SELECT id, kind FROM counter_actions WHERE token = ? AND number = ?",
                (token, parse_number(number)),
            ).fetchone()
            if known is not None:
                if known[1] != kind.value:
                    raise _token_taken()
                return self._seen(conn, actor, known[0])
            ident = self._insert(
                conn, actor, kind=kind, number=number, token=token, year=year,
                batch=None, at=at, **fields,
            )  # fmt: skip
            if reproven or proofs or accept_shortfall:
                record_reproof(conn, ident, reproven, proofs, accept_shortfall=accept_shortfall)
                counter_event(conn, "counter_reproof", actor, ident, at, records=len(reproven))
            return one_action(conn, ident)

    def request_revocations(
        self,
        actor: Actor,
        numbers: Sequence[str],
        *,
        reason: str,
        note: str,
        token: str,
        at: dt.datetime,
    ) -> list[CounterAction]:
        """Ask to revoke every number of a list (as an investigation sends them), as one
        batch a second clerk approves at once (:meth:`approve_batch`). All or nothing: any
        bad line refuses the list (``bad_list``, every bad line named by its place)."""
        _bureau(actor)
        fields = checked_fields(CounterKind.REVOKE, reason=reason, note=note, name=None,
                          id_number=None, at=at)  # fmt: skip
        if not numbers or len(numbers) > MAX_LIST:
            raise RegistryError(
                "bad_list",
                f"撤销名单须有 1 至 {MAX_LIST} 个证书编号，此名单有 {len(numbers)} 个 "
                f"(a list names 1 to {MAX_LIST} numbers; this one {len(numbers)})",
            )
        _check_token(token)
        with self._connection.transaction() as conn:
            known = rows_of(conn.execute(
                "SELECT * FROM counter_actions WHERE token = ? ORDER BY id", (token,)
            ))  # fmt: skip
            if known:
                if any(row["requested_by"] != actor.username for row in known):
                    raise forbidden("窗口业务")
                return actions_of(known)
            problems: list[str] = []
            seen: dict[str, int] = {}
            for line, text in enumerate(numbers, start=1):
                try:
                    number = parse_number(text)
                    if number in seen:
                        raise RegistryError(
                            "bad_list", f"与第 {seen[number]} 个重复 (repeats item {seen[number]})"
                        )
                    seen[number] = line
                    self._holder_region(conn, actor, number)
                    refuse_revoked(conn, number)
                    self._no_open(conn, number)
                except RegistryError as exc:
                    problems.append(f"第 {line} 个（{text.strip()[:40]}）：{exc.message}")
            if problems:
                shown = "；".join(problems[:20])
                more = f"；另有 {len(problems) - 20} 个问题" if len(problems) > 20 else ""
                raise RegistryError(
                    "bad_list",
                    f"名单中有 {len(problems)} 个编号不能撤销，整份名单未受理：{shown}{more}",
                )
            idents = [
                self._insert(conn, actor, kind=CounterKind.REVOKE, number=number, token=token,
                             year=None, batch=token, at=at, **fields)
                for number in seen
            ]  # fmt: skip
            return [one_action(conn, ident) for ident in idents]

    # -- the second clerk --------------------------------------------------------------------

    def approve(self, actor: Actor, ident: int, *, version: int, at: dt.datetime) -> CounterAction:
        """A second clerk approves an action waiting for one: it is queued for the signer.
        ``same_clerk`` for the clerk who asked; ``changed`` when it moved on."""
        return self._second(actor, ident, version=version, approve=True, detail=None, at=at)

    def refuse(
        self, actor: Actor, ident: int, *, version: int, reason: str, at: dt.datetime
    ) -> CounterAction:
        """A second clerk refuses an action waiting for one, saying why (``reason_required``)."""
        if not reason.strip():
            raise RegistryError("reason_required", "不同意时须填写理由 (a refusal must say why)")
        return self._second(
            actor, ident, version=version, approve=False, detail=reason.strip(), at=at
        )

    def approve_batch(self, actor: Actor, batch: str, *, at: dt.datetime) -> list[CounterAction]:
        """A second clerk approves every action of a bulk revocation still waiting."""
        _bureau(actor)
        with self._connection.transaction() as conn:
            every = rows_of(conn.execute(
                "SELECT * FROM counter_actions WHERE batch = ? ORDER BY id", (batch,)
            ))  # fmt: skip
            if not every or not all(covers(actor.scope, r["region"]) for r in every):
                raise forbidden("撤销名单")
            rows = [r for r in every if r["state"] == CounterState.AWAITING_SECOND]
            if not rows:
                raise changed("撤销名单")
            for row in rows:
                self._approve_row(conn, actor, row, approve=True, detail=None, at=at)
            return [one_action(conn, row["id"]) for row in rows]

    def withdraw(self, actor: Actor, ident: int, *, version: int, at: dt.datetime) -> CounterAction:
        """The clerk who asked withdraws an action no second clerk has approved yet."""
        _bureau(actor)
        with self._connection.transaction() as conn:
            row = self._row(conn, actor, ident)
            if row["requested_by"] != actor.username:
                raise forbidden("窗口业务")
            if row["version"] != version or row["state"] != CounterState.AWAITING_SECOND:
                raise changed("窗口业务")
            set_state(conn, ident, CounterState.WITHDRAWN, at=at)
            counter_event(conn, "counter_withdraw", actor, ident, at)
            return one_action(conn, ident)

    # -- reading ---------------------------------------------------------------------------

    def find(
        self, actor: Actor, query: str, *, name: str = "", employer: str = "", limit: int = 20
    ) -> list[Holder]:
        """The holders a clerk looks for (:func:`registry.store.holders.find_holders`)."""
        _bureau(actor)
        return find_holders(
            self._connection.conn, actor.scope, query, name=name, employer=employer, limit=limit
        )

    def action(self, actor: Actor, ident: int) -> CounterAction:
        _bureau(actor)
        conn = self._connection.conn
        return action_from_row(self._row(conn, actor, ident))

    def of_number(self, actor: Actor, number: str) -> list[CounterAction]:
        """The actions asked on ``number`` that ``actor`` may see, newest first."""
        _bureau(actor)
        rows = rows_of(self._connection.conn.execute(
            "SELECT * FROM counter_actions WHERE number = ? ORDER BY id DESC",
            (parse_number(number),),
        ))  # fmt: skip
        return [action_from_row(r) for r in rows if covers(actor.scope, r["region"])]

    def awaiting_second(
        self, actor: Actor, *, after: int = 0, limit: int = 50
    ) -> Page[CounterAction]:
        """Actions of ``actor``'s region waiting for a second clerk, oldest first (its own
        among them, which it may withdraw but not approve)."""
        _bureau(actor)
        condition, value = region_match(actor.scope, "c.region")
        within, bounds = region_count(actor.scope, "c.region")
        return page_of(
            self._connection.conn, select="SELECT c.* FROM counter_actions c",
            table="counter_actions", where=f"c.state = 'awaiting_second' AND {condition}",
            params=[value], after=after, limit=limit, convert=actions_of,
            counted=(f"c.state = 'awaiting_second' AND {within}", list(bounds)),
        )  # fmt: skip

    # -- inside a transaction ----------------------------------------------------------------

    def _holder_region(self, conn: sqlite3.Connection, actor: Actor, number: str) -> str:
        """The region of ``number``'s holder; ``forbidden`` when it is absent or of a region
        ``actor`` does not cover: the two answers look the same, so a list pasted at the
        counter tells nothing of other regions' numbers."""
        found = conn.execute(
            "SELECT p.region FROM certificates c JOIN people p ON p.id_number = c.id_number"
            " WHERE c.number = ?",
            (number,),
        ).fetchone()
        if found is None or not covers(actor.scope, found[0]):
            raise forbidden("证书")
        return str(found[0])

    @staticmethod
    def _no_open(conn: sqlite3.Connection, number: str) -> None:
        if conn.execute(
            "SELECT 1 FROM counter_actions WHERE number = ? AND state IN"
            " ('awaiting_second', 'queued', 'taking')",
            (number,),
        ).fetchone():
            raise RegistryError(
                "counter_open",
                f"证书 {number} 已有未办结的窗口业务，请先办结或撤回 "
                f"({number} has an open counter action)",
            )

    def _insert(
        self,
        conn: sqlite3.Connection,
        actor: Actor,
        *,
        kind: CounterKind,
        number: str,
        token: str,
        year: int | None,
        batch: str | None,
        at: dt.datetime,
        reason: str,
        note: str,
        name: str | None,
        id_number: str | None,
    ) -> int:
        number = parse_number(number)
        region = self._holder_region(conn, actor, number)
        refuse_revoked(conn, number)
        self._no_open(conn, number)
        second = needs_second(kind, name=name, id_number=id_number)
        state = CounterState.AWAITING_SECOND if second else CounterState.QUEUED
        cursor = conn.execute(
            "INSERT INTO counter_actions (token, kind, number, year, reason, note, name,"
            " id_number, batch, region, requested_by, requested_at, second, state,"
            " changed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (token, kind.value, number, year, reason, note, name, id_number, batch, region,
             actor.username, log_time(at), int(second), state.value, log_time(at)),
        )  # fmt: skip
        ident = int(cursor.lastrowid or 0)
        counter_event(conn, "counter_request", actor, ident, at, action=kind.value, number=number)
        return ident

    def _second(
        self,
        actor: Actor,
        ident: int,
        *,
        version: int,
        approve: bool,
        detail: str | None,
        at: dt.datetime,
    ) -> CounterAction:
        _bureau(actor)
        with self._connection.transaction() as conn:
            row = self._row(conn, actor, ident)
            if row["version"] != version:
                raise changed("窗口业务")
            self._approve_row(conn, actor, row, approve=approve, detail=detail, at=at)
            return one_action(conn, ident)

    def _approve_row(
        self,
        conn: sqlite3.Connection,
        actor: Actor,
        row: dict[str, Any],
        *,
        approve: bool,
        detail: str | None,
        at: dt.datetime,
    ) -> None:
        if not covers(actor.scope, row["region"]):
            raise forbidden("窗口业务")
        if row["state"] != CounterState.AWAITING_SECOND:
            raise changed("窗口业务")
        if row["requested_by"] == actor.username:
            raise RegistryError(
                "same_clerk",
                "须由另一名工作人员复核，本人提交的业务不能由本人同意 "
                "(a second clerk must approve: not the one who asked)",
            )
        state = CounterState.QUEUED if approve else CounterState.REFUSED
        conn.execute(
            "UPDATE counter_actions SET state = ?, approved_by = ?, approved_at = ?,"
            " detail = ?, version = version + 1, changed_at = ? WHERE id = ?",
            (state.value, actor.username, log_time(at), detail, log_time(at), row["id"]),
        )
        kind = "counter_approve" if approve else "counter_refuse"
        counter_event(conn, kind, actor, row["id"], at, requested_by=row["requested_by"])

    def _row(self, conn: sqlite3.Connection, actor: Actor, ident: int) -> dict[str, Any]:
        rows = rows_of(conn.execute("SELECT * FROM counter_actions WHERE id = ?", (ident,)))
        if not rows or not covers(actor.scope, rows[0]["region"]):
            raise forbidden("窗口业务")
        return rows[0]

    def _seen(self, conn: sqlite3.Connection, actor: Actor, ident: int) -> CounterAction:
        row = self._row(conn, actor, ident)
        if row["requested_by"] != actor.username:
            raise forbidden("窗口业务")
        return action_from_row(row)


__all__ = ["MAX_LIST", "CounterDesk"]
