"""Turn an import file into rows of text: CSV, Excel ``.xlsx`` or JSON Lines.

The format is chosen by the file extension (case-insensitive). A reader only reads: it
records cells it cannot turn into text and rows it cannot split into cells as problems of
that row, and raises :class:`RegistryError` only when the file as a whole cannot be read.
Column names and values are checked later (:mod:`registry.importing.columns`,
:mod:`registry.importing.rows`).

Line numbers are what a person sees when opening the file: for CSV the physical line where
the record starts (the header is line 1, a quoted value spanning lines counts them all); for
``.xlsx`` the spreadsheet row number; for JSON Lines the line number. Rows whose cells are
all empty are skipped, as are blank JSON lines.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import pathlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from registry.errors import RegistryError
from registry.importing.cells import CellProblem, text_from_json, text_from_spreadsheet

SUPPORTED_SUFFIXES = (".csv", ".xlsx", ".jsonl")


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


def read_table(path: pathlib.Path) -> Table:
    """Read ``path`` as CSV, ``.xlsx`` or JSON Lines according to its extension.

    Raises :class:`RegistryError` with reason ``unsupported_format`` (another extension),
    ``unreadable_file`` (missing, unreadable, corrupt workbook, broken CSV quoting),
    ``not_utf8`` (CSV or JSON Lines that is not UTF-8) or ``bad_header`` (no header row).
    """
    source = path.name
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return _read_csv(path, source)
    if suffix == ".xlsx":
        return _read_xlsx(path, source)
    if suffix == ".jsonl":
        return _read_jsonl(path, source)
    raise RegistryError(
        "unsupported_format",
        f"{source}: unsupported file type {suffix or '(none)'!r}; "
        f"use one of {', '.join(SUPPORTED_SUFFIXES)}",
    )


def _read_bytes(path: pathlib.Path, source: str) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise RegistryError(
            "unreadable_file", f"{source}: cannot read the file: {exc.strerror or exc}"
        ) from exc


def _decode(data: bytes, source: str, advice: str) -> str:
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise RegistryError("not_utf8", f"{source}: the file is UTF-16, not UTF-8; {advice}")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise RegistryError(
            "not_utf8",
            f"{source} line {line}: the file looks like it is not UTF-8 (byte "
            f"0x{data[exc.start]:02x} cannot be decoded; GBK files do this); {advice}",
        ) from exc


def _row(
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


def _read_csv(path: pathlib.Path, source: str) -> Table:
    text = _decode(
        _read_bytes(path, source), source, 'save it from Excel as "CSV UTF-8 (逗号分隔)"'
    )
    # strict: an unbalanced quote is an error, not a value that swallows the rest of the file.
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    header: tuple[str, ...] | None = None
    rows: list[RawRow] = []
    end_of_previous = 0
    try:
        for record in reader:
            line, end_of_previous = end_of_previous + 1, reader.line_num
            cells = [cell.strip() for cell in record]
            if header is None:
                header = tuple(cells)
            elif any(cells):
                rows.append(_row(line, header, cells, {}))
    except csv.Error as exc:
        raise RegistryError(
            "unreadable_file", f"{source} line {reader.line_num}: not valid CSV: {exc}"
        ) from exc
    if header is None:
        raise RegistryError("bad_header", f"{source}: the file is empty; line 1 must be a header")
    return Table(source=source, header=header, rows=tuple(rows))


def _read_xlsx(path: pathlib.Path, source: str) -> Table:
    # Imported here: reading spreadsheets is a bureau's job, and a verifier-only installation
    # (``pip install cecert``, without the ``issuer`` extra) has no openpyxl.
    try:
        import openpyxl
        from openpyxl.worksheet._read_only import ReadOnlyWorksheet
    except ImportError as exc:
        raise RegistryError(
            "unreadable_file",
            f"{source}: reading .xlsx needs the issuer installation (pip install 'cecert[issuer]')",
        ) from exc
    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except OSError as exc:
        raise RegistryError(
            "unreadable_file", f"{source}: cannot read the file: {exc.strerror or exc}"
        ) from exc
    except Exception as exc:
        # A damaged package surfaces as zipfile, XML, KeyError or ValueError failures from
        # inside openpyxl; whichever it is, the file as a whole is unusable.
        raise RegistryError(
            "unreadable_file", f"{source}: not a readable .xlsx workbook ({exc})"
        ) from exc
    try:
        sheets = workbook.worksheets
        if not sheets or not isinstance(sheets[0], ReadOnlyWorksheet):
            raise RegistryError("unreadable_file", f"{source}: the workbook has no worksheet")
        sheet = sheets[0]
        # The dimension stored in the file may be wrong; trusting it could drop rows silently.
        sheet.reset_dimensions()
        grid = [tuple(values) for values in sheet.iter_rows(min_row=1, values_only=True)]
    except RegistryError:
        raise
    except Exception as exc:
        raise RegistryError(
            "unreadable_file", f"{source}: cannot read the first worksheet ({exc})"
        ) from exc
    finally:
        workbook.close()
    return _table_from_grid(source, grid)


def _table_from_grid(source: str, grid: Sequence[Sequence[object]]) -> Table:
    if not grid or all(value is None for value in grid[0]):
        raise RegistryError("bad_header", f"{source}: row 1 must be a header, but it is empty")
    header = tuple(_header_name(value) for value in grid[0])
    rows: list[RawRow] = []
    for number, values in enumerate(grid[1:], start=2):
        cell_problems: dict[str, str] = {}
        cells: list[str] = []
        for index, value in enumerate(values):
            name = header[index] if index < len(header) else ""
            column = name or f"column {index + 1}"
            cells.append(_cell(text_from_spreadsheet, value, column, cell_problems))
        while len(cells) > len(header) and not cells[-1]:
            cells.pop()  # openpyxl pads rows to the width of the widest row
        cells.extend([""] * (len(header) - len(cells)))
        if any(cells) or cell_problems:
            rows.append(_row(number, header, cells, cell_problems))
    return Table(source=source, header=header, rows=tuple(rows))


def _header_name(value: object) -> str:
    try:
        return text_from_spreadsheet(value, "header")
    except CellProblem:
        return str(value)


def _cell(
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


def _read_jsonl(path: pathlib.Path, source: str) -> Table:
    text = _decode(_read_bytes(path, source), source, "save it as UTF-8")
    rows: list[RawRow] = []
    # Split on "\n" only: str.splitlines would also split on U+2028 inside a JSON string.
    for number, raw in enumerate(text.split("\n"), start=1):
        line = raw.strip()
        if line:
            rows.append(_json_row(number, line))
    return Table(source=source, header=None, rows=tuple(rows))


def _unique_keys(pairs: list[tuple[str, object]]) -> dict[str, object]:
    result: dict[str, object] = {}
    for key, value in pairs:
        if key in result:
            raise ValueError(f"key {key!r} appears twice")
        result[key] = value
    return result


def _no_constant(name: str) -> object:
    raise ValueError(f"{name} is not a number")


def _json_type(value: object) -> str:
    if isinstance(value, list):
        return "an array"
    if isinstance(value, str):
        return "a string"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true/false"
    return "a number"


def _unreadable(number: int, problem: str) -> RawRow:
    return RawRow(line=number, values={}, row_problems=(problem,), unreadable=True)


def _json_row(number: int, line: str) -> RawRow:
    try:
        parsed: object = json.loads(
            line,
            parse_float=Decimal,
            parse_constant=_no_constant,
            object_pairs_hook=_unique_keys,
        )
    except json.JSONDecodeError as exc:
        return _unreadable(number, f"not valid JSON: {exc.msg} (column {exc.colno})")
    except (ValueError, RecursionError) as exc:
        # ValueError: a duplicate key, NaN/Infinity or an integer too long to convert.
        return _unreadable(number, f"not valid JSON: {exc}")
    if not isinstance(parsed, dict):
        return _unreadable(number, f"is {_json_type(parsed)}, not a JSON object")
    cell_problems: dict[str, str] = {}
    values = {
        key: _cell(text_from_json, value, key, cell_problems) for key, value in parsed.items()
    }
    return RawRow(line=number, values=values, cell_problems=cell_problems)
