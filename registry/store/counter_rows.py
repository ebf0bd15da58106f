"""The counter's actions read back: the row ⇄ value conversion."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from registry.portal.counter import CounterAction, CounterKind, CounterState
from registry.portal.proofs import MediaType, Proof


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


__all__ = ["action_from_row", "actions_of"]
