"""Importing a file into the registry: parse and check it whole, then store it in one
transaction. Nothing of a file with a bad row is stored."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from registry.importing import load_activities, load_people
from registry.model import Activity, Person
from registry.store import ImportResult, Registry


class ImportKind(StrEnum):
    PEOPLE = "people"
    ACTIVITIES = "activities"


@dataclass(frozen=True, slots=True)
class LoadedFile:
    """A file read and checked whole (:func:`load_file`), not stored yet."""

    kind: ImportKind
    source: str
    """The file's name, as the import event records it."""
    people: Sequence[tuple[int, Person]] = ()
    """``(line, person)`` of a people file."""
    activities: Sequence[tuple[int, Activity]] = ()
    """``(line, record)`` of a training-records file."""


def load_file(kind: ImportKind, path: Path, *, today: dt.date) -> LoadedFile:
    """Read and check ``path`` (CSV, XLSX or JSON Lines) as ``kind``, without touching any
    registry: a bad row raises here (``ImportRejected``), before anything is asked or
    stored. ``today`` is the date birth dates in ID numbers are checked against."""
    if kind is ImportKind.PEOPLE:
        return LoadedFile(kind, path.name, people=load_people(path, today=today))
    return LoadedFile(kind, path.name, activities=load_activities(path, today=today))


def store_file(registry: Registry, loaded: LoadedFile, *, at: dt.datetime) -> ImportResult:
    """Store a file :func:`load_file` read, in one transaction with its event."""
    if loaded.kind is ImportKind.PEOPLE:
        return registry.import_people(list(loaded.people), source=loaded.source, at=at)
    return registry.import_activities(list(loaded.activities), source=loaded.source, at=at)


def import_file(
    registry: Registry, kind: ImportKind, path: Path, *, at: dt.datetime
) -> ImportResult:
    """Import ``path`` (CSV, XLSX or JSON Lines) as ``kind``; ``at`` dates the event and is
    the "today" against which birth dates in ID numbers are checked."""
    return store_file(registry, load_file(kind, path, today=at.date()), at=at)
