"""Deadlines as data (``deadlines.toml``): the dates the notices set, each with its source,
place and period, and the stage it binds. A queue item (an application for the year's
certificate, a declared record) waiting at a stage past a deadline in force for its place and
its date is overdue, and every queue marks it. Pure.

A deadline binds an item when the item's region lies in its ``place`` (a region code prefix;
``""``: everywhere), the item's date (an application's submission; a record's year) lies
within ``effective_from``…``until``, the item waits at one of its ``stages`` and, for a
deadline of one ``level``, the person holds that title level. ``due = "year-end"`` falls on
the last day of the item's year.
"""

from __future__ import annotations

import datetime as dt
import functools
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Any

from registry.errors import RegistryError

YEAR_END = "year-end"
_KEYS = frozenset({"id", "cite", "text", "place", "effective_from", "until", "binds", "stages",
                   "level", "opens", "due"})  # fmt: skip
_BINDS = frozenset({"application", "declaration"})
_STAGES = frozenset({"person", "employer", "authority", "bureau"})


@dataclass(frozen=True, slots=True)
class Deadline:
    """One deadline of one notice."""

    id: str
    cite: str
    text: str
    place: str
    effective_from: dt.date
    until: dt.date | None
    binds: str
    stages: frozenset[str]
    due: dt.date | None
    """None: the end of the item's year."""
    level: str | None = None
    opens: dt.date | None = None

    def due_for(self, year: int) -> dt.date:
        return self.due or dt.date(year, 12, 31)

    def in_force(self, day: dt.date) -> bool:
        return self.effective_from <= day and (self.until is None or day <= self.until)


def _date(raw: Mapping[str, Any], key: str, where: str) -> dt.date | None:
    value = raw.get(key)
    if value is None:
        return None
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise RegistryError(
            "bad_deadlines", f"deadlines.toml {where}: {key} is not a date"
        ) from None


def parse_deadlines(raw: Mapping[str, Any]) -> tuple[Deadline, ...]:
    """The deadlines of a parsed ``deadlines.toml``; refuses unknown keys, binds and stages,
    a missing source or date, and an id given twice (``bad_deadlines``)."""
    found: list[Deadline] = []
    for index, item in enumerate(raw.get("deadline", [])):
        where = f"deadline[{index}]"
        unknown = set(item) - _KEYS
        missing = {"id", "cite", "text", "place", "effective_from", "binds", "stages", "due"}
        if unknown or missing - set(item):
            raise RegistryError("bad_deadlines", f"deadlines.toml {where}: unknown or missing keys")
        stages = frozenset(item["stages"])
        if item["binds"] not in _BINDS or not stages or stages - _STAGES:
            raise RegistryError("bad_deadlines", f"deadlines.toml {where}: binds or stages")
        due = None if item["due"] == YEAR_END else _date(item, "due", where)
        start = _date(item, "effective_from", where)
        assert start is not None
        found.append(Deadline(
            str(item["id"]), str(item["cite"]), str(item["text"]), str(item["place"]), start,
            _date(item, "until", where), item["binds"], stages, due, item.get("level"),
            _date(item, "opens", where),
        ))  # fmt: skip
    ids = [d.id for d in found]
    if len(set(ids)) != len(ids):
        raise RegistryError("bad_deadlines", "deadlines.toml: an id is given twice")
    return tuple(found)


@functools.cache
def deadlines() -> tuple[Deadline, ...]:
    """The deadlines shipped with cecert."""
    text = resources.files("registry.portal").joinpath("deadlines.toml").read_text("utf-8")
    return parse_deadlines(tomllib.loads(text))


def overdue(
    binds: str,
    *,
    stage: str,
    region: str,
    day: dt.date,
    year: int,
    today: dt.date,
    level: str | None = None,
    rules: Sequence[Deadline] | None = None,
) -> Deadline | None:
    """The first deadline an item has missed: one that ``binds`` its kind at its ``stage``,
    in force on its ``day`` (an application's submission, a record's last day of its year)
    for its ``region`` (and the person's title ``level``), due before ``today``."""
    for deadline in deadlines() if rules is None else rules:
        if (
            deadline.binds == binds
            and stage in deadline.stages
            and region.startswith(deadline.place)
            and deadline.in_force(day)
            and (deadline.level is None or deadline.level == level)
            and deadline.due_for(year) < today
        ):
            return deadline
    return None


__all__ = ["Deadline", "deadlines", "overdue", "parse_deadlines"]
