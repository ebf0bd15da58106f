"""A class's roster (培训名单): one row per attendee, from a CSV or ``.xlsx`` file a provider
uploads or from the JSON list its API sends. Pure parsing: every row is checked, every bad one
named with its row and column in Chinese: a :class:`registry.portal.classes.Roster` holds
the rows that read well and the problems of the others. What needs the registry (the person
known, the name matching, the hours within the class's) is the store's, which refuses the
whole roster while any row is bad (:mod:`registry.store.rosters`).

Columns, by their English or Chinese names: ``id_number`` (身份证号), ``name`` (姓名),
``hours`` (学时: the hours attended) and, optional, ``score`` (成绩, 0 to 100).
"""

from __future__ import annotations

import datetime as dt
import pathlib
from collections.abc import Mapping, Sequence
from decimal import Decimal

from registry.errors import RegistryError
from registry.idnumber import parse_id_number
from registry.importing.cells import CellProblem, text_from_json
from registry.importing.readers import read_table
from registry.importing.tables import RawRow, Table
from registry.importing.values import parse_hours, parse_score
from registry.portal.classes import Roster, RosterLine

MAX_ROSTER = 10_000
"""Attendees of one class, at most."""
COLUMNS = {
    "id_number": "身份证号",
    "name": "姓名",
    "hours": "学时",
    "score": "成绩",
}
"""Column → its Chinese name; either names the column in a file's header."""
_REQUIRED = ("id_number", "name", "hours")
_BY_NAME = {**{name: name for name in COLUMNS}, **{zh: name for name, zh in COLUMNS.items()}}
ROSTER_SUFFIXES = (".csv", ".xlsx")


def load_roster(path: pathlib.Path, *, today: dt.date, source: str | None = None) -> Roster:
    """The rows of a roster file (``.csv`` or ``.xlsx``, by ``path``'s suffix); ``source`` is
    the name messages give it (the uploaded file's). Raises ``RegistryError``
    (``unsupported_format``, ``unreadable_file``, ``not_utf8``, ``bad_header``, ``bad_roster``)
    when the file as a whole cannot be read."""
    if path.suffix.lower() not in ROSTER_SUFFIXES:
        raise RegistryError(
            "unsupported_format",
            f"{source or path.name}：名单须为 CSV 或 Excel（.xlsx）文件 "
            "(a roster is a .csv or .xlsx file)",
        )
    table = read_table(path)
    name = source or table.source
    return _lines(_renamed(table, name), name, today)


def roster_from_items(
    items: Sequence[Mapping[str, object]], *, today: dt.date, source: str = "rows"
) -> Roster:
    """The rows of a roster sent as JSON objects (the API's ``rows``), each numbered from 1.
    Unknown keys, and values that are not text or numbers, are named with their item."""
    rows: list[RawRow] = []
    for number, item in enumerate(items, start=1):
        values: dict[str, str] = {}
        problems: dict[str, str] = {}
        unknown = sorted(set(item) - set(COLUMNS))
        for column in COLUMNS:
            try:
                values[column] = text_from_json(item.get(column), column)
            except CellProblem as problem:
                problems[column] = problem.message
        extra = (f"未知字段 {', '.join(unknown)} (unknown keys)",) if unknown else ()
        rows.append(RawRow(number, values, problems, extra))
    return _lines(Table(source, tuple(COLUMNS), tuple(rows)), source, today)


def _renamed(table: Table, source: str) -> Table:
    """The table with its header in English names; ``bad_header`` when a column is unknown,
    repeated or missing."""
    header = table.header or ()
    names = [_BY_NAME.get(cell, cell) for cell in header]
    unknown = [cell for cell in header if cell and cell not in _BY_NAME]
    repeated = sorted({n for n in names if n and names.count(n) > 1})
    missing = [COLUMNS[c] for c in _REQUIRED if c not in names]
    faults = (
        ([f"未知列 {'、'.join(unknown)}"] if unknown else [])
        + ([f"重复的列 {'、'.join(COLUMNS[n] for n in repeated)}"] if repeated else [])
        + ([f"缺少列 {'、'.join(missing)}"] if missing else [])
    )
    if faults:
        raise RegistryError(
            "bad_header",
            f"{source} 第 1 行（表头）：{'；'.join(faults)}。"
            "表头应为 身份证号、姓名、学时、成绩（可省略）"
            " (the header needs id_number, name, hours and optionally score)",
        )
    rows = tuple(
        RawRow(
            row.line,
            {_BY_NAME.get(k, k): v for k, v in row.values.items()},
            {_BY_NAME.get(k, k): v for k, v in row.cell_problems.items()},
            row.row_problems,
            row.unreadable,
        )
        for row in table.rows
    )
    return Table(table.source, tuple(names), rows)


def _lines(table: Table, source: str, today: dt.date) -> Roster:
    if not table.rows:
        raise RegistryError("bad_roster", f"{source}：名单没有任何人 (the roster has no rows)")
    if len(table.rows) > MAX_ROSTER:
        raise RegistryError(
            "bad_roster",
            f"{source}：一个名单最多 {MAX_ROSTER} 人，此名单有 {len(table.rows)} 行 "
            f"(at most {MAX_ROSTER} rows)",
        )
    lines: list[RosterLine] = []
    problems: list[tuple[int, str]] = []
    seen: dict[str, int] = {}
    for row in table.rows:
        line, faults = _line(row, today)
        if line is not None and line.id_number in seen:
            faults.append(
                f"身份证号与第 {seen[line.id_number]} 行重复 (repeats row {seen[line.id_number]})"
            )
        if faults or line is None:
            problems.append((row.line, "；".join(faults)))
            continue
        seen[line.id_number] = row.line
        lines.append(line)
    return Roster(source, tuple(lines), tuple(problems))


def _line(row: RawRow, today: dt.date) -> tuple[RosterLine | None, list[str]]:
    faults = [
        *(f"此行无法读取 ({problem})" for problem in row.row_problems),
        *(f"{COLUMNS.get(c, c)}：无法读取 ({problem})" for c, problem in row.cell_problems.items()),
    ]
    if row.unreadable:
        return None, faults

    def cell(column: str) -> str:
        text = row.values.get(column, "")
        if not text and column in _REQUIRED and column not in row.cell_problems:
            faults.append(f"{COLUMNS[column]}：未填写 ({column} missing)")
        return text

    id_text, name, hours_text, score_text = (cell(c) for c in COLUMNS)
    id_number = minutes = None
    score: Decimal | None = None
    if id_text:
        try:
            id_number = parse_id_number(id_text, today=today)
        except RegistryError as exc:
            faults.append(f"身份证号不正确，请逐位核对（18 位，末位可为 X） ({exc})")
    if len(name) > 50:
        faults.append("姓名：不能超过 50 字 (at most 50 characters)")
    if hours_text:
        try:
            minutes = parse_hours(hours_text, "学时")
        except RegistryError as exc:
            faults.append(f"学时须为数字，如 8 或 7.5 ({exc.message})")
        else:
            if minutes <= 0:
                faults.append("学时：须大于 0；缺席者不列入名单 (hours must be more than 0)")
    if score_text:
        try:
            score = parse_score(score_text, "成绩")
        except RegistryError as exc:
            faults.append(f"成绩须为 0 至 100 的数字 ({exc.message})")
    if faults or id_number is None or minutes is None:
        return None, faults
    return RosterLine(row.line, id_number, name, minutes, score), faults


__all__ = ["COLUMNS", "MAX_ROSTER", "ROSTER_SUFFIXES", "load_roster", "roster_from_items"]
