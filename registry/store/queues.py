"""Rows as dictionaries, and a queue read a page at a time: what every portal table's reads
share (declarations, applications)."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from registry.portal.values import Page

T = TypeVar("T")


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
    convert: Callable[[dict[str, Any]], T],
) -> Page[T]:
    """The rows of ``table`` (aliased by its first letter in ``select`` and ``where``)
    matching ``where``, oldest first, after id ``after``: keyset paging on the primary key,
    so a later page costs what the first does. ``where`` and ``select`` are our own text."""
    alias = table[0]
    count = f"SELECT count(*) FROM {table} {alias} WHERE {where}"  # noqa: S608 - our text
    total = conn.execute(count, tuple(params)).fetchone()[0]
    rows = rows_of(
        conn.execute(
            f"{select} WHERE {where} AND {alias}.id > ? ORDER BY {alias}.id LIMIT ?",
            (*params, after, limit + 1),
        )
    )
    items = tuple(convert(r) for r in rows[:limit])
    return Page(items, rows[limit - 1]["id"] if len(rows) > limit else None, total)


__all__ = ["page_of", "rows_of"]
