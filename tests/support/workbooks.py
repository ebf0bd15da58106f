"""Import files as a bureau's clerk hands them over: the people sheet's header, the day of
the import, and .xlsx workbooks written cell by cell."""

from __future__ import annotations

import datetime as dt
import pathlib
from collections.abc import Sequence

import openpyxl

CellValue = str | int | float | bool | dt.date | dt.time | None

TODAY = dt.date(2025, 1, 15)

PEOPLE_HEADER = ["id_number", "name", "employer", "series", "title_level", "title_date", "region"]


def write_xlsx(path: pathlib.Path, rows: dict[int, Sequence[CellValue]]) -> pathlib.Path:
    """Write ``rows`` (spreadsheet row number → cell values) to the first sheet of ``path``."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    for number, values in rows.items():
        for column, value in enumerate(values, start=1):
            sheet.cell(row=number, column=column, value=value)
    workbook.save(path)
    return path
