"""The rows and tables a file is read into, before any column is checked, and what every
reader shares to build them: row counting against the limit, line labels, pairing cells with
the header, reading one cell as text."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from registry.importing import limits
from registry.importing.cells import CellProblem
from registry.importing.limits import too_many_rows


@dataclass(frozen=True, slots=True)
class RawRow:
    """One data row of a file, as text, before any column is checked."""

    line: int
    """Line (CSV, JSON Lines) or row (``.xlsx``) number in the source, counting from 1."""
    values: Mapping[str, str]
    """Column name → stripped text; ``""`` for an empty cell. Absent columns are missing."""
    cell_problems: Mapping[str, str] = field(default_factory=dict)
    """Column name → why its cell could not be read as text (the value is then ``""``)."""
    row_problems: tuple[str, ...] = ()
    """What is wrong with the row as a whole (wrong number of cells, not a JSON object)."""
    unreadable: bool = False
    """True when the row could not be read at all (``values`` is then empty)."""


@dataclass(frozen=True, slots=True)
class Table:
    """The rows of one import file."""

    source: str
    """File name, used in messages."""
    header: tuple[str, ...] | None
    """Column names of the header line (``""`` for an unnamed column); ``None`` for JSON Lines,
    where every line names its own columns."""
    rows: tuple[RawRow, ...] = field(default=())


class RowCount:
    """Counts the data rows of a file and stops the reading at the first past the limit."""

    def __init__(self, source: str) -> None:
        self._source = source
        self._count = 0

    def add(self, where: str) -> None:
        """Count one more data row, found at ``where`` (``第 N 行 (line N)``)."""
        self._count += 1
        if self._count > limits.MAX_ROWS:
            raise too_many_rows(self._source, where, limit=limits.MAX_ROWS)


def line_label(number: int) -> str:
    return f"第 {number} 行 (line {number})"


def pair_cells(
    line: int, header: Sequence[str], cells: Sequence[str], cell_problems: dict[str, str]
) -> RawRow:
    """Pair ``cells`` with ``header``; extra, missing and unnamed cells are row problems."""
    row_problems: list[str] = []
    if len(cells) < len(header) or (len(cells) > len(header) and any(cells[len(header) :])):
        row_problems.append(f"has {len(cells)} values but the header has {len(header)} columns")
    values: dict[str, str] = {}
    for index, name in enumerate(header):
        text = cells[index] if index < len(cells) else ""
        if name:
            values[name] = text
        elif text:
            row_problems.append(f"column {index + 1} has a value but no name in the header")
    return RawRow(
        line=line, values=values, cell_problems=cell_problems, row_problems=tuple(row_problems)
    )


def cell_text(
    convert: Callable[[object, str], str],
    value: object,
    column: str,
    cell_problems: dict[str, str],
) -> str:
    try:
        return convert(value, column)
    except CellProblem as problem:
        cell_problems[column] = problem.message
        return ""
