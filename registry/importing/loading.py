"""Load a whole people or activities file: read, check the header, build every row.

All-or-nothing: either every row becomes a model object, or :class:`ImportRejected` lists
every bad row of the file with its line number. Nothing is written anywhere.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import pathlib
from collections.abc import Callable
from typing import TypeVar

from registry.errors import ImportRejected
from registry.importing.columns import (
    ACTIVITY_COLUMNS,
    PEOPLE_COLUMNS,
    ColumnSet,
    check_header,
    unknown_keys,
)
from registry.importing.readers import read_table
from registry.importing.rows import BadRow, activity_from_row, person_from_row
from registry.importing.tables import RawRow, Table
from registry.model import Activity, Person

T = TypeVar("T")


def load_people(path: pathlib.Path, *, today: dt.date) -> list[tuple[int, Person]]:
    """Read a people file (``.csv``, ``.xlsx`` or ``.jsonl``); return ``(line, person)`` pairs.

    ``today`` is the date birth dates in ID numbers must not be after (pass the import date;
    it is a parameter so that a re-run gives the same answer). The same ``id_number`` twice
    with different data is a bad row (the second one); a row repeated exactly is returned
    twice, for the store to merge.

    Raises :class:`registry.errors.ImportRejected` listing every bad row, or
    :class:`registry.errors.RegistryError` when the file as a whole cannot be used (reasons
    ``unsupported_format``, ``unreadable_file``, ``not_utf8``, ``bad_header``).
    """
    table = read_table(path)
    loaded, problems = _build(table, PEOPLE_COLUMNS, lambda row: person_from_row(row, today=today))
    first_seen: dict[str, tuple[int, Person]] = {}
    people: list[tuple[int, Person]] = []
    for line, person in loaded:
        earlier = first_seen.setdefault(person.id_number, (line, person))
        if earlier[1] != person:
            problems.append((line, _conflict(earlier, person)))
        else:
            people.append((line, person))
    _reject_if_any(table, sorted(problems, key=lambda problem: problem[0]))
    return people


def load_activities(path: pathlib.Path, *, today: dt.date) -> list[tuple[int, Activity]]:
    """Read an activities file (``.csv``, ``.xlsx`` or ``.jsonl``); return ``(line, activity)``.

    ``today`` bounds the birth dates in ID numbers, as for :func:`load_people`. Whether each
    person exists is not checked here (that needs the store); exact duplicate rows are all
    returned and merged by the store.

    Raises as :func:`load_people` does.
    """
    table = read_table(path)
    activities, problems = _build(
        table, ACTIVITY_COLUMNS, lambda row: activity_from_row(row, today=today)
    )
    _reject_if_any(table, problems)
    return activities


def _build(
    table: Table, columns: ColumnSet, build: Callable[[RawRow], T | BadRow]
) -> tuple[list[tuple[int, T]], list[tuple[int, str]]]:
    check_header(columns, table)
    built: list[tuple[int, T]] = []
    problems: list[tuple[int, str]] = []
    for row in table.rows:
        outcome = build(row)
        unknown = unknown_keys(columns, row) if table.header is None else None
        if unknown is not None:
            message = outcome.message if isinstance(outcome, BadRow) else ""
            problems.append((row.line, "; ".join(filter(None, [unknown, message]))))
        elif isinstance(outcome, BadRow):
            problems.append((outcome.line, outcome.message))
        else:
            built.append((row.line, outcome))
    return built, problems


def _conflict(earlier: tuple[int, Person], person: Person) -> str:
    differing = [
        field.name
        for field in dataclasses.fields(Person)
        if getattr(earlier[1], field.name) != getattr(person, field.name)
    ]
    return (
        f"id_number: the same person is on line {earlier[0]} with a different "
        f"{', '.join(differing)}"
    )


def _reject_if_any(table: Table, problems: list[tuple[int, str]]) -> None:
    if problems:
        raise ImportRejected(table.source, problems)
