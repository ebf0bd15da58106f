"""Rows as dictionaries, and a queue read a page at a time: what every portal table's reads
share (declarations, applications)."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from registry.portal.values import Page

T = TypeVar("T")

COUNT_CAP = 10_000
"""How far a queue's total is counted: past it a page says "more than" (``Page.capped``),
so a page costs the same in a province's queue of 400,000 as in a district's of 2,000."""


def rows_of(cursor: sqlite3.Cursor) -> list[dict[str, Any]]:
    """The cursor's rows, each a ``{column: value}`` dictionary."""
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, values, strict=True)) for values in cursor.fetchall()]


def page_of(
    conn: sqlite3.Connection,
    *,
    select: str,
    table: str,
    where: str,
    params: Sequence[Any],
    after: int,
    limit: int,
    convert: Callable[[list[dict[str, Any]]], Sequence[T]],
    counted: tuple[str, Sequence[Any]] | None = None,
) -> Page[T]:
    """The rows of ``table`` (aliased by its first letter in ``select`` and ``where``)
    matching ``where``, oldest first, after id ``after``: keyset paging on the primary key,
    so a later page costs what the first does. ``convert`` makes the page's values from all
    its rows at once (what they hold beside a row is read once for the page). The total is
    counted up to :data:`COUNT_CAP`, with ``counted`` (condition, parameters) when the same
    rows are counted best by another index than the one that reads them in order.
    ``where``, ``counted`` and ``select`` are our own text."""
    alias = table[0]
    count_where, count_params = counted if counted is not None else (where, params)
    count = (
        f"SELECT count(*) FROM (SELECT 1 FROM {table} {alias} "  # noqa: S608 - our text
        f"WHERE {count_where} LIMIT {COUNT_CAP + 1})"
    )
    total = conn.execute(count, tuple(count_params)).fetchone()[0]
    rows = rows_of(
        conn.execute(
            f"{select} WHERE {where} AND {alias}.id > ? ORDER BY {alias}.id LIMIT ?",
            (*params, after, limit + 1),
        )
    )
    items = tuple(convert(rows[:limit]))
    following = rows[limit - 1]["id"] if len(rows) > limit else None
    return Page(items, following, min(total, COUNT_CAP), capped=total > COUNT_CAP)


__all__ = ["COUNT_CAP", "page_of", "rows_of"]
