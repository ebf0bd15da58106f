"""Read the first worksheet of an Excel ``.xlsx`` workbook, within the import limits.

openpyxl's ``load_workbook(read_only=True, data_only=True)`` is run in its steps, so that two
checks come before anything large is read: the package's directory against the unpacked
size limit (a ZIP bomb), and the first sheet's row elements, counted in its XML as it is
unpacked, against the row limit. Left to itself, openpyxl reads every shared string, and
parses a sheet that does not state its size whole, before the first row can be looked at.

Imported only to read a workbook: a verifier-only installation (``pip install cecert``,
without the ``issuer`` extra) has no openpyxl.
"""

from __future__ import annotations

import pathlib
import re
import zipfile
from collections.abc import Generator, Iterable, Iterator, Sequence
from typing import IO, TYPE_CHECKING

from registry.errors import RegistryError
from registry.importing import limits
from registry.importing.cells import CellProblem, text_from_spreadsheet
from registry.importing.limits import too_many_rows
from registry.importing.tables import (
    RawRow,
    RowCount,
    Table,
    cell_text,
    line_label,
    pair_cells,
)

if TYPE_CHECKING:
    from openpyxl.reader.excel import ExcelReader


def read_xlsx(path: pathlib.Path, source: str) -> Table:
    """Read the first worksheet of ``path`` (:func:`registry.importing.readers.read_table`)."""
    # Imported here: reading spreadsheets is a bureau's job, and a verifier-only installation
    # (``pip install cecert``, without the ``issuer`` extra) has no openpyxl.
    try:
        from openpyxl.reader.excel import ExcelReader
        from openpyxl.worksheet._read_only import ReadOnlyWorksheet
    except ImportError as exc:
        raise RegistryError(
            "unreadable_file",
            f"{source}: reading .xlsx needs the issuer installation (pip install 'cecert[issuer]')",
        ) from exc
    _check_package(path, source)
    try:
        reader = ExcelReader(path, read_only=True, data_only=True)
    except OSError as exc:
        raise RegistryError(
            "unreadable_file", f"{source}: cannot read the file: {exc.strerror or exc}"
        ) from exc
    except Exception as exc:
        raise RegistryError(
            "unreadable_file", f"{source}: not a readable .xlsx workbook ({exc})"
        ) from exc
    try:
        # load_workbook(read_only=True, data_only=True), in its steps: the first sheet's rows
        # are counted before the shared strings are read (openpyxl reads them whole) and
        # before the sheet is opened (openpyxl parses one without a stated size whole).
        reader.read_manifest()
        reader.read_workbook()
        _check_sheet_rows(reader, source)
        reader.read()
    except BaseException as exc:
        reader.archive.close()
        if isinstance(exc, RegistryError | KeyboardInterrupt | SystemExit):
            raise
        # A damaged package surfaces as zipfile, XML, KeyError or ValueError failures from
        # inside openpyxl; whichever it is, the file as a whole is unusable.
        raise RegistryError(
            "unreadable_file", f"{source}: not a readable .xlsx workbook ({exc})"
        ) from exc
    workbook = reader.wb
    rows: Iterator[tuple[object, ...]] | None = None
    try:
        sheets = workbook.worksheets
        if not sheets or not isinstance(sheets[0], ReadOnlyWorksheet):
            raise RegistryError("unreadable_file", f"{source}: the workbook has no worksheet")
        sheet = sheets[0]
        # The dimension stored in the file may be wrong; trusting it could drop rows silently.
        sheet.reset_dimensions()
        rows = sheet.iter_rows(min_row=1, values_only=True)
        return _table_from_rows(source, rows)
    except RegistryError:
        raise
    except Exception as exc:
        raise RegistryError(
            "unreadable_file", f"{source}: cannot read the first worksheet ({exc})"
        ) from exc
    finally:
        if isinstance(rows, Generator):
            rows.close()  # a reading stopped early holds the sheet's part open
        workbook.close()


def _check_package(path: pathlib.Path, source: str) -> None:
    """Refuse a workbook whose parts unpack to more than the limit (a ZIP bomb), from the
    package's directory alone. Python's ``zipfile`` stops at the size a part declares, so a
    part cannot unpack to more than this sum."""
    try:
        with zipfile.ZipFile(path) as package:
            unpacked = sum(info.file_size for info in package.infolist())
    except OSError as exc:
        raise RegistryError(
            "unreadable_file", f"{source}: cannot read the file: {exc.strerror or exc}"
        ) from exc
    except (zipfile.BadZipFile, ValueError, EOFError) as exc:
        raise RegistryError(
            "unreadable_file", f"{source}: not a readable .xlsx workbook ({exc})"
        ) from exc
    limits.check_unpacked_size(unpacked, source)


_ROW_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?row(?=[\s/>])")
"""The start of a row element of a sheet's XML (``<row r="2">``, ``<x:row>``). A ``<`` in a
value is always written ``&lt;``, so the text of a cell never matches."""
_SCAN_CHUNK = 1 << 20


def _check_sheet_rows(reader: ExcelReader, source: str) -> None:
    """Refuse a first worksheet with more row elements than a file may have data rows (plus
    the header), counted in the sheet's XML as it is unpacked, before openpyxl parses any of
    it (which takes a hundred times longer, and for a sheet that does not state its size,
    openpyxl does at once, whole). A row element with only formatting counts: whoever
    formatted a whole sheet is asked to delete those rows. The stored dimension is not
    used: it may be missing or wrong."""
    for _sheet, rel in reader.parser.find_sheets():
        if rel.target not in reader.valid_files or "chartsheet" in rel.Type:
            continue
        with reader.archive.open(rel.target) as part:
            rows = _count_row_elements(part, stop=limits.MAX_ROWS + 1)
        if rows > limits.MAX_ROWS + 1:
            where = f"第 {limits.MAX_ROWS + 2} 个行元素 (row element {limits.MAX_ROWS + 2})"
            raise too_many_rows(source, where, limit=limits.MAX_ROWS, sheet=True)
        return


def _count_row_elements(part: IO[bytes], *, stop: int) -> int:
    """The row elements of a sheet's XML, counted until more than ``stop``: the tag is
    learnt from the first one (its namespace prefix varies), then counted by byte search."""
    tag: bytes | None = None
    count, tail = 0, b""
    while chunk := part.read(_SCAN_CHUNK):
        data = tail + chunk
        if tag is None:
            found = _ROW_TAG.search(data)
            if found is None:
                tail = data[-64:]
                continue
            tag, data = found.group(), data[found.start() :]
        count += sum(data.count(tag + end) for end in (b" ", b">", b"/", b"\n", b"\r", b"\t"))
        if count > stop:
            break
        # Shorter than a tag and the byte after it: a row counted here is not counted again,
        # and one cut by the chunk's end is found whole in the next.
        tail = data[-len(tag) :]
    return count


def _table_from_rows(source: str, grid: Iterable[Sequence[object]]) -> Table:
    """The table of a worksheet's rows (row 1 the header), read one row at a time."""
    rows_in = iter(grid)
    first = next(rows_in, None)
    if first is None or all(value is None for value in first):
        raise RegistryError("bad_header", f"{source}: row 1 must be a header, but it is empty")
    header = tuple(_header_name(value) for value in first)
    rows: list[RawRow] = []
    count = RowCount(source)  # the rows were counted already; this counts what they hold
    for number, values in enumerate(rows_in, start=2):
        cell_problems: dict[str, str] = {}
        cells: list[str] = []
        for index, value in enumerate(values):
            name = header[index] if index < len(header) else ""
            column = name or f"column {index + 1}"
            cells.append(cell_text(text_from_spreadsheet, value, column, cell_problems))
        while len(cells) > len(header) and not cells[-1]:
            cells.pop()  # openpyxl pads rows to the width of the widest row
        cells.extend([""] * (len(header) - len(cells)))
        if any(cells) or cell_problems:
            count.add(line_label(number))
            rows.append(pair_cells(number, header, cells, cell_problems))
    return Table(source=source, header=header, rows=tuple(rows))


def _header_name(value: object) -> str:
    try:
        return text_from_spreadsheet(value, "header")
    except CellProblem:
        return str(value)
