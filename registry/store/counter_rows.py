"""The counter's action rows: the row ⇄ value conversion, one row read back, its state
set, and the event naming it (shared by the counter's desk and the signer's queue)."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from collections.abc import Sequence
from typing import Any

from registry.errors import RegistryError
from registry.portal.counter import CounterAction, CounterKind, CounterState
from registry.portal.proofs import MediaType, Proof
from registry.portal.roles import Actor
from registry.store.digests import digests_of
from registry.store.events import append_event, log_time
from registry.store.queues import rows_of


def _time(text: str | None) -> dt.datetime | None:
    return dt.datetime.fromisoformat(text) if text else None


def action_from_row(row: dict[str, Any]) -> CounterAction:
    return CounterAction(
        id=row["id"],
        kind=CounterKind(row["kind"]),
        number=row["number"],
        year=row["year"],
        reason=row["reason"],
        note=row["note"],
        name=row["name"],
        id_number=row["id_number"],
        batch=row["batch"],
        region=row["region"],
        requested_by=row["requested_by"],
        requested_at=dt.datetime.fromisoformat(row["requested_at"]),
        second=bool(row["second"]),
        approved_by=row["approved_by"],
        approved_at=_time(row["approved_at"]),
        state=CounterState(row["state"]),
        reproven=tuple(json.loads(row["reproven"])),
        proofs=tuple(
            Proof(p["sha256"], p["filename"], MediaType(p["media_type"]), p["size"])
            for p in json.loads(row["proofs"])
        ),
        accept_shortfall=bool(row["accept_shortfall"]),
        outcome=row["outcome"],
        detail=row["detail"],
        version=row["version"],
    )


def actions_of(rows: list[dict[str, Any]]) -> list[CounterAction]:
    return [action_from_row(row) for row in rows]


def one_action(conn: sqlite3.Connection, ident: int) -> CounterAction:
    return actions_of(rows_of(conn.execute(
        "SELECT * FROM counter_actions WHERE id = ?", (ident,)
    )))[0]  # fmt: skip


def set_state(
    conn: sqlite3.Connection, ident: int, state: CounterState, *, at: dt.datetime
) -> None:
    conn.execute(
        "UPDATE counter_actions SET state = ?, version = version + 1, changed_at = ? WHERE id = ?",
        (state.value, log_time(at), ident),
    )


def counter_event(
    conn: sqlite3.Connection, kind: str, actor: Actor, ident: int, at: dt.datetime, **data: Any
) -> None:
    """The event of a change to action ``ident``, with the row's digest."""
    rows = digests_of(conn, "counter_actions", "id = ?", (ident,))
    append_event(
        conn,
        kind=kind,
        subject=f"counter_actions:{ident}",
        data={**actor.event_data(), **data, "rows": rows},
        at=at,
    )


def record_reproof(
    conn: sqlite3.Connection,
    ident: int,
    reproven: Sequence[str],
    proofs: Sequence[Proof],
    *,
    accept_shortfall: bool,
) -> None:
    """A reissue's records proven again: each must be a record of the holder."""
    holder = conn.execute(
        "SELECT c.id_number FROM counter_actions a JOIN certificates c"
        " ON c.number = a.number WHERE a.id = ?",
        (ident,),
    ).fetchone()[0]
    chosen = sorted(set(reproven))
    marks = ",".join("?" * len(chosen))
    sql = f"SELECT fingerprint FROM activities WHERE id_number = ? AND fingerprint IN ({marks})"  # noqa: S608
    known = {row[0] for row in conn.execute(sql, (holder, *chosen))} if chosen else set()
    if known != set(chosen):
        raise RegistryError(
            "bad_counter_action",
            "reproven：所选记录不是持证人的学时记录 (a record chosen is not the holder's)",
        )
    files = [
        {"sha256": p.sha256, "filename": p.filename, "media_type": p.media_type.value,
         "size": p.size}
        for p in proofs
    ]  # fmt: skip
    conn.execute(
        "UPDATE counter_actions SET reproven = ?, proofs = ?, accept_shortfall = ?"
        " WHERE id = ?",
        (json.dumps(chosen), json.dumps(files, ensure_ascii=False), int(accept_shortfall),
         ident),
    )  # fmt: skip


__all__ = [
    "action_from_row",
    "actions_of",
    "counter_event",
    "one_action",
    "record_reproof",
    "set_state",
]
