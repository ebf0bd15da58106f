"""The signer's side of the counter: the actions approved for it, taken before they are
done, and closed done or failed; one taken and never closed is found as stalled, for the
signer to close as interrupted (never done twice by itself)."""

from __future__ import annotations

import datetime as dt

from registry.portal.counter import CounterAction, CounterState
from registry.portal.roles import Actor, PortalRole
from registry.store.connection import RegistryConnection
from registry.store.counter_rows import actions_of, counter_event, one_action, set_state
from registry.store.events import log_time
from registry.store.queues import rows_of

SIGNER = Actor("signer", PortalRole.BUREAU, "000000")
"""Who takes and closes actions in the event log: the signer, acting for the bureau."""


class CounterQueue:
    """``Registry.counter_queue``: the counter's actions as the signer takes them."""

    def __init__(self, connection: RegistryConnection) -> None:
        self._connection = connection

    def queued(self, *, limit: int) -> list[CounterAction]:
        """Actions approved for the signer, oldest first."""
        rows = rows_of(self._connection.conn.execute(
            "SELECT * FROM counter_actions WHERE state = 'queued' ORDER BY id LIMIT ?", (limit,)
        ))  # fmt: skip
        return actions_of(rows)

    def take(self, ident: int, *, at: dt.datetime) -> CounterAction | None:
        """The signer takes a queued action before doing it (None: not queued any more).
        One left taken means the signer stopped between doing and closing it
        (:meth:`stalled`): it is never done again by itself."""
        with self._connection.transaction() as conn:
            row = conn.execute(
                "SELECT state FROM counter_actions WHERE id = ?", (ident,)
            ).fetchone()
            if row is None or row[0] != CounterState.QUEUED:
                return None
            set_state(conn, ident, CounterState.TAKING, at=at)
            counter_event(conn, "counter_take", SIGNER, ident, at)
            return one_action(conn, ident)

    def stalled(self, *, before: dt.datetime) -> list[CounterAction]:
        """Actions taken before ``before`` and never closed: the signer stopped in them."""
        rows = rows_of(self._connection.conn.execute(
            "SELECT * FROM counter_actions WHERE state = 'taking' AND changed_at < ? ORDER BY id",
            (log_time(before),),
        ))  # fmt: skip
        return actions_of(rows)

    def close(
        self, ident: int, *, done: bool, outcome: str, detail: str | None, at: dt.datetime
    ) -> bool:
        """The signer closes an action it took: done (``outcome``: ``<number>/<edition>``)
        or failed (``outcome``: the reason code, ``detail`` what the clerk reads). False
        when it was not taken any more (another taker closed it)."""
        state = CounterState.DONE if done else CounterState.FAILED
        with self._connection.transaction() as conn:
            row = conn.execute(
                "SELECT state FROM counter_actions WHERE id = ?", (ident,)
            ).fetchone()
            if row is None or row[0] != CounterState.TAKING:
                return False
            conn.execute(
                "UPDATE counter_actions SET state = ?, outcome = ?, detail = ?,"
                " version = version + 1, changed_at = ? WHERE id = ?",
                (state.value, outcome, detail, log_time(at), ident),
            )
            counter_event(conn, "counter_close", SIGNER, ident, at, state=state.value)
            return True


__all__ = ["SIGNER", "CounterQueue"]
