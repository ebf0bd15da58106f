"""The columns of the two import files and the check of a header against them.

A header is checked as a whole before any row: unknown names (often a typo that would
otherwise drop a whole column of data silently), repeated names and missing required columns
all reject the file. JSON Lines has no header, so each line's keys are checked instead.
"""

from __future__ import annotations

from dataclasses import dataclass

from registry.errors import RegistryError
from registry.importing.tables import RawRow, Table


@dataclass(frozen=True, slots=True)
class ColumnSet:
    """The columns an import file of one kind may have."""

    kind: str
    """``people`` or ``activities``, used in messages."""
    required: tuple[str, ...]
    """Columns that must be in the header and non-empty in every row."""
    optional: tuple[str, ...]
    """Columns that may be left out of the header or left empty."""
    one_of: tuple[str, ...] = ()
    """Of these optional columns, the header must have at least one."""

    @property
    def names(self) -> tuple[str, ...]:
        """All allowed column names, required first."""
        return self.required + self.optional


PEOPLE_COLUMNS = ColumnSet(
    kind="people",
    required=("id_number", "name", "employer", "series", "title_level", "title_date", "region"),
    optional=(),
)

ACTIVITY_COLUMNS = ColumnSet(
    kind="activities",
    required=("id_number", "year", "category", "kind", "title", "status"),
    optional=(
        "course_code",
        "hours",
        "days",
        "start_date",
        "end_date",
        "provider",
        "score",
        "role",
        "confirmed_by",
    ),
    one_of=("hours", "days"),
)


def _quoted(names: list[str] | tuple[str, ...]) -> str:
    return ", ".join(repr(name) for name in names)


def check_header(columns: ColumnSet, table: Table) -> None:
    """Raise :class:`RegistryError` (reason ``bad_header``) unless ``table``'s header fits.

    Unnamed header cells are allowed (spreadsheets leave them); :func:`readers.read_table`
    already refuses values under them. A table without a header (JSON Lines) passes here and
    is checked line by line with :func:`unknown_keys`.
    """
    if table.header is None:
        return
    names = [name for name in table.header if name]
    faults: list[str] = []
    if not names:
        faults.append("it has no column names")
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        faults.append(f"repeated column(s) {_quoted(repeated)}")
    unknown = [name for name in names if name not in columns.names]
    if unknown:
        faults.append(f"unknown column(s) {_quoted(unknown)}")
    missing = [name for name in columns.required if name not in names]
    if missing:
        faults.append(f"missing required column(s) {_quoted(missing)}")
    if columns.one_of and not any(name in names for name in columns.one_of):
        faults.append(f"it needs one of the columns {_quoted(columns.one_of)}")
    if faults:
        raise RegistryError(
            "bad_header",
            f"{table.source} line 1: not a valid {columns.kind} header: "
            f"{'; '.join(faults)}. Allowed columns: {', '.join(columns.names)} "
            f"(required: {', '.join(columns.required)})",
        )


def unknown_keys(columns: ColumnSet, row: RawRow) -> str | None:
    """Return a message naming the keys of ``row`` that are not columns, or ``None``."""
    unknown = [name for name in row.values if name not in columns.names]
    if not unknown:
        return None
    return f"unknown column(s) {_quoted(unknown)}; allowed: {', '.join(columns.names)}"
