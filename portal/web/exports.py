"""A page's table as a download: CSV (UTF-8 with a BOM, so that Excel reads the Chinese) or
Excel ``.xlsx``. A cell that begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage
return is written with a leading apostrophe, so that no spreadsheet reads a name or a title
someone typed as a formula (CSV injection, OWASP); numbers stay numbers."""

from __future__ import annotations

import csv
import io
import unicodedata
from collections.abc import Sequence
from typing import Any

from flask import Response
from openpyxl import Workbook

from portal.web.downloads import attachment

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """``value`` as a CSV cell a spreadsheet may take: text that it could read as a formula
    (after leading spaces, full-width signs read as their ASCII forms) gets a leading
    apostrophe; numbers and empty cells are left alone."""
    if isinstance(value, str) and unicodedata.normalize("NFKC", value).lstrip(" ").startswith(
        FORMULA_STARTS
    ):
        return "'" + value
    return value


def xlsx_cell(value: Any) -> Any:
    """``value`` as an ``.xlsx`` cell: a text cell is stored as text and never run, except
    one beginning with ``=``, which the library would write as a formula: that one gets the
    apostrophe. Other text is kept as typed (no stray apostrophe before a ``-`` name)."""
    if isinstance(value, str) and value.startswith("="):
        return "'" + value
    return value


def csv_bytes(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([safe_cell(h) for h in header])
    writer.writerows([safe_cell(v) for v in row] for row in rows)
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def xlsx_bytes(title: str, header: Sequence[str], rows: Sequence[Sequence[Any]]) -> bytes:
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title=title[:31])
    sheet.append([xlsx_cell(h) for h in header])
    for row in rows:
        sheet.append([xlsx_cell(v) for v in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def csv_response(name: str, header: Sequence[str], rows: Sequence[Sequence[Any]]) -> Response:
    return attachment(csv_bytes(header, rows), f"{name}.csv", "text/csv; charset=utf-8")


def xlsx_response(name: str, header: Sequence[str], rows: Sequence[Sequence[Any]]) -> Response:
    media = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return attachment(xlsx_bytes("统计", header, rows), f"{name}.xlsx", media)


__all__ = ["csv_bytes", "csv_response", "safe_cell", "xlsx_bytes", "xlsx_cell", "xlsx_response"]
