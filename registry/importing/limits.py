"""How large an import file, and how long a value in it, may be (``docs/formats.md``).

The limits are checked before the work they bound: a file's size before it is read, the
number of rows as they are read (the reader stops at the first row past the limit), a
value's characters and length before its column's parser sees it. A file past a limit is
refused as a whole and nothing of it is imported; a value past its limit makes a bad row.
"""

from __future__ import annotations

import pathlib
from collections.abc import Mapping

from registry.errors import RegistryError
from registry.model import NAME_MAX_CHARS, check_text

MAX_ROWS = 200_000
"""Data rows (below the header, blank rows not counted) one file may hold. A city's people
file is split by district or employer; this bounds a file's reading to seconds and a few
hundred megabytes (``docs/formats.md`` gives the figures)."""

MAX_FILE_BYTES = 100 * 1024 * 1024
"""Bytes one file may have on disk: 100 MB, about 400 bytes per row at :data:`MAX_ROWS`
(a people row of CSV has about 120, a training record about 250)."""

MAX_UNPACKED_BYTES = 1024 * 1024 * 1024
"""Bytes the parts of an ``.xlsx`` workbook (a ZIP package) may unpack to: 1 GB. A workbook
of :data:`MAX_ROWS` rows unpacks to a few hundred megabytes; a small file that unpacks to
gigabytes is a ZIP bomb, not a spreadsheet."""

TEXT_LIMITS: Mapping[str, int] = {
    "name": NAME_MAX_CHARS,
    "employer": 100,
    "title": 200,
    "provider": 100,
    "kind": 50,
    "course_code": 50,
}
"""Most characters of a value, by column. An employer's registered name (单位名称) rarely
passes 40 characters, a course title 60; the name is bound by the QR payload
(:data:`registry.model.NAME_MAX_CHARS`)."""

OTHER_TEXT_LIMIT = 100
"""Most characters of a value of any other column (ID numbers, dates, choices): longer is
never valid, and the limit keeps a runaway cell out of the messages that quote it."""


def check_value(column: str, text: str) -> None:
    """Raise :class:`RegistryError` (``bad_character``, ``text_too_long``) unless ``text``
    may be imported into ``column`` (:func:`registry.model.check_text`)."""
    check_text(text, field=column, limit=TEXT_LIMITS.get(column, OTHER_TEXT_LIMIT))


def check_file_size(path: pathlib.Path, source: str) -> None:
    """Raise ``file_too_large`` when ``path`` has more than :data:`MAX_FILE_BYTES` bytes,
    before any of it is read (``unreadable_file`` when it cannot even be looked at)."""
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise RegistryError(
            "unreadable_file", f"{source}: cannot read the file: {exc.strerror or exc}"
        ) from exc
    if size > MAX_FILE_BYTES:
        raise RegistryError(
            "file_too_large",
            f"{source}：文件有 {size:,} 字节，超过导入文件大小上限 100 MB"
            f"（{MAX_FILE_BYTES:,} 字节），未导入任何内容；请分成几个文件导入 "
            f"({size:,} bytes, over the import file size limit of 100 MB; nothing was "
            "imported: split it into several files)",
        )


def check_unpacked_size(size: int, source: str) -> None:
    """Raise ``file_too_large`` when a workbook's parts unpack to more than
    :data:`MAX_UNPACKED_BYTES` bytes (``size``, as the package's directory states it)."""
    if size > MAX_UNPACKED_BYTES:
        raise RegistryError(
            "file_too_large",
            f"{source}：工作簿解压后有 {size:,} 字节，超过上限 1 GB"
            f"（{MAX_UNPACKED_BYTES:,} 字节），未导入任何内容 "
            f"(the workbook unpacks to {size:,} bytes, over the limit of 1 GB; nothing was "
            "imported)",
        )


def too_many_rows(source: str, where: str, *, limit: int, sheet: bool = False) -> RegistryError:
    """The ``too_many_rows`` error for a file found past ``limit`` (:data:`MAX_ROWS`) data
    rows at ``where`` (``第 200002 行 (line 200002)``); ``sheet``: counted as a worksheet's
    rows, which may be empty but formatted."""
    empty_zh = "；数据下方如有空行或只设了格式的行，请删去后另存" if sheet else ""
    empty = "; delete any empty or only formatted rows below the data" if sheet else ""
    return RegistryError(
        "too_many_rows",
        f"{source} {where}：超过每个文件 {limit:,} 行数据的上限，未导入任何内容；"
        f"请分成几个文件导入{empty_zh} (more than the limit of {limit:,} data rows per "
        f"file; nothing was imported: split it into several files{empty})",
    )
