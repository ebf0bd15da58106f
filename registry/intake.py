"""Importing a file into the registry: parse and check it whole, then store it in one
transaction. Nothing of a file with a bad row is stored."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from pathlib import Path

from registry.importing import load_activities, load_people
from registry.store import ImportResult, Registry


class ImportKind(StrEnum):
    PEOPLE = "people"
    ACTIVITIES = "activities"


def import_file(
    registry: Registry, kind: ImportKind, path: Path, *, at: dt.datetime
) -> ImportResult:
    """Import ``path`` (CSV, XLSX or JSON Lines) as ``kind``; ``at`` dates the event and is
    the "today" against which birth dates in ID numbers are checked."""
    if kind is ImportKind.PEOPLE:
        return registry.import_people(load_people(path, today=at.date()), source=path.name, at=at)
    return registry.import_activities(
        load_activities(path, today=at.date()), source=path.name, at=at
    )
