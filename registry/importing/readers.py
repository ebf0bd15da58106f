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
from decimal import Decimal

from registry.errors import RegistryError
from registry.importing.cells import text_from_json
from registry.importing.limits import check_file_size
from registry.importing.tables import RawRow, RowCount, Table, cell_text, line_label, pair_cells
from registry.importing.workbook import read_xlsx

SUPPORTED_SUFFIXES = (".csv", ".xlsx", ".jsonl")


def read_table(path: pathlib.Path) -> Table:
    """Read ``path`` as CSV, ``.xlsx`` or JSON Lines according to its extension.

    Raises :class:`RegistryError` with reason ``unsupported_format`` (another extension),
    ``unreadable_file`` (missing, unreadable, corrupt workbook, broken CSV quoting),
    ``not_utf8`` (CSV or JSON Lines that is not UTF-8), ``bad_header`` (no header row),
    ``file_too_large`` or ``too_many_rows`` (past a limit of :mod:`registry.importing.limits`:
    the size is checked before the file is read, the rows as they are read).
    """
    source = path.name
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise RegistryError(
            "unsupported_format",
            f"{source}: unsupported file type {suffix or '(none)'!r}; "
            f"use one of {', '.join(SUPPORTED_SUFFIXES)}",
        )
    check_file_size(path, source)
    if suffix == ".csv":
        return _read_csv(path, source)
    if suffix == ".xlsx":
        return read_xlsx(path, source)
    return _read_jsonl(path, source)


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


def _read_csv(path: pathlib.Path, source: str) -> Table:
    text = _decode(
        _read_bytes(path, source), source, 'save it from Excel as "CSV UTF-8 (逗号分隔)"'
    )
    # strict: an unbalanced quote is an error, not a value that swallows the rest of the file.
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    header: tuple[str, ...] | None = None
    rows: list[RawRow] = []
    count = RowCount(source)
    end_of_previous = 0
    try:
        for record in reader:
            line, end_of_previous = end_of_previous + 1, reader.line_num
            cells = [cell.strip() for cell in record]
            if header is None:
                header = tuple(cells)
            elif any(cells):
                count.add(line_label(line))
                rows.append(pair_cells(line, header, cells, {}))
    except csv.Error as exc:
        raise RegistryError(
            "unreadable_file", f"{source} line {reader.line_num}: not valid CSV: {exc}"
        ) from exc
    if header is None:
        raise RegistryError("bad_header", f"{source}: the file is empty; line 1 must be a header")
    return Table(source=source, header=header, rows=tuple(rows))


def _read_jsonl(path: pathlib.Path, source: str) -> Table:
    text = _decode(_read_bytes(path, source), source, "save it as UTF-8")
    rows: list[RawRow] = []
    count = RowCount(source)
    # Split on "\n" only: str.splitlines would also split on U+2028 inside a JSON string.
    for number, raw in enumerate(text.split("\n"), start=1):
        line = raw.strip()
        if line:
            count.add(line_label(number))
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
        key: cell_text(text_from_json, value, key, cell_problems) for key, value in parsed.items()
    }
    return RawRow(line=number, values=values, cell_problems=cell_problems)
