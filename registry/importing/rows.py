"""Turn one row of text into a :class:`~registry.model.Person` or :class:`~registry.model.Activity`.

Every column of the row is checked, so that one pass over a file reports all that is wrong
with a row, not only the first thing. The result is either the model object or a
:class:`BadRow` whose message lists the problems, each starting with its column name, joined
by ``"; "``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from registry.errors import RegistryError
from registry.idnumber import parse_id_number
from registry.importing.limits import check_value
from registry.importing.tables import RawRow
from registry.importing.values import (
    parse_category,
    parse_confirmer,
    parse_date,
    parse_days,
    parse_hours,
    parse_role,
    parse_score,
    parse_status,
    parse_title_level,
    parse_year,
)
from registry.model import Activity, Category, Person, RecordStatus, TitleLevel, parse_region
from registry.series import series_named

T = TypeVar("T")

# Placeholders stand in for values that failed to parse, so that the model object can still
# be built and its own checks (year range, date order) reported in the same pass. They are
# chosen to pass those checks; an object holding one is never returned.
_PLACEHOLDER_TEXT = "?"
_PLACEHOLDER_DATE = dt.date(2000, 1, 1)
_PLACEHOLDER_YEAR = 2000
_PLACEHOLDER_REGION = "100000"


@dataclass(frozen=True, slots=True)
class BadRow:
    """A row that cannot become a model object."""

    line: int
    """Line or row number in the source file."""
    message: str
    """Every problem of the row, each naming its column, joined by ``"; "``."""


def _text(text: str, column: str) -> str:
    return text


class _Cells:
    """Reads the columns of one row and collects every problem instead of stopping."""

    def __init__(self, row: RawRow) -> None:
        self._row = row
        self.problems: list[str] = [*row.row_problems, *row.cell_problems.values()]
        self._refused: set[str] = set()
        """Columns whose text broke a limit (:func:`limits.check_value`), reported once."""

    def text(self, column: str, *, required: bool) -> str:
        """The stripped text of ``column``; ``""`` when empty, absent, unreadable or past a
        limit of :mod:`registry.importing.limits` (a control character, too long)."""
        if column in self._row.cell_problems or column in self._refused:
            return ""  # already reported
        value = self._row.values.get(column, "")
        if not value:
            if required and not self._row.unreadable:
                self.problems.append(f"{column}: missing")
            return ""
        try:
            check_value(column, value)
        except RegistryError as exc:
            self._refused.add(column)
            self.problems.append(exc.message)
            return ""
        return value

    def required(self, column: str, parse: Callable[[str, str], T], placeholder: T) -> T:
        text = self.text(column, required=True)
        return self._parse(text, column, parse, placeholder) if text else placeholder

    def optional(self, column: str, parse: Callable[[str, str], T]) -> T | None:
        text = self.text(column, required=False)
        return self._parse(text, column, parse, None) if text else None

    def _parse(self, text: str, column: str, parse: Callable[[str, str], T], placeholder: T) -> T:
        try:
            return parse(text, column)
        except RegistryError as exc:
            self.problems.append(exc.message)
            return placeholder

    def unreadable(self, column: str) -> bool:
        """Whether ``column`` (or the whole row) could not be read and was reported already."""
        return self._row.unreadable or column in self._row.cell_problems or column in self._refused

    def outcome(self, build: Callable[[], T]) -> T | BadRow:
        """``build()`` if no problem was found; otherwise (or if it raises) a :class:`BadRow`."""
        try:
            built = build()
        except RegistryError as exc:
            return BadRow(line=self._row.line, message="; ".join([*self.problems, exc.message]))
        if self.problems:
            return BadRow(line=self._row.line, message="; ".join(self.problems))
        return built


def person_from_row(row: RawRow, *, today: dt.date) -> Person | BadRow:
    """Build a :class:`Person` from a row of a people file; ``today`` bounds birth dates.
    The series is stored under its official name (``registry.series``): an alias such as
    ``卫生`` becomes ``卫生技术``, an unknown name is a bad row."""

    def id_number(text: str, column: str) -> str:
        return parse_id_number(text, today=today, field=column)

    def region(text: str, column: str) -> str:
        return parse_region(text, field=column)

    def series(text: str, column: str) -> str:
        try:
            return series_named(text).name
        except RegistryError as exc:
            raise RegistryError(exc.reason, f"{column}: {exc.message}") from exc

    cells = _Cells(row)
    id_number_ = cells.required("id_number", id_number, _PLACEHOLDER_TEXT)
    name = cells.required("name", _text, _PLACEHOLDER_TEXT)
    employer = cells.required("employer", _text, _PLACEHOLDER_TEXT)
    series_ = cells.required("series", series, _PLACEHOLDER_TEXT)
    title_level = cells.required("title_level", parse_title_level, TitleLevel.JUNIOR)
    title_date = cells.required("title_date", parse_date, _PLACEHOLDER_DATE)
    region_ = cells.required("region", region, _PLACEHOLDER_REGION)
    return cells.outcome(
        lambda: Person(
            id_number=id_number_,
            name=name,
            employer=employer,
            series=series_,
            title_level=title_level,
            title_date=title_date,
            region=region_,
        )
    )


def activity_from_row(row: RawRow, *, today: dt.date) -> Activity | BadRow:
    """Build an :class:`Activity` from a row of an activities file.

    Exactly one of ``hours`` and ``days`` must be given, except for an achievement (a row
    with a ``role``), which carries no hours of its own: the role decides them, and both may
    be left blank. Days count :data:`registry.model.HOURS_PER_DAY` hours each. ``today``
    bounds the birth date in the ID number.
    """

    def id_number(text: str, column: str) -> str:
        return parse_id_number(text, today=today, field=column)

    cells = _Cells(row)
    id_number_ = cells.required("id_number", id_number, _PLACEHOLDER_TEXT)
    year = cells.required("year", parse_year, _PLACEHOLDER_YEAR)
    category = cells.required("category", parse_category, Category.PUBLIC)
    kind = cells.required("kind", _text, _PLACEHOLDER_TEXT)
    title = cells.required("title", _text, _PLACEHOLDER_TEXT)
    course_code = cells.text("course_code", required=False)
    minutes = _minutes(cells, achievement=bool(cells.text("role", required=False)))
    start_date = cells.optional("start_date", parse_date)
    end_date = cells.optional("end_date", parse_date)
    if start_date and end_date and end_date < start_date:
        # Checked here as well as by the model, so that it is reported with the other problems.
        cells.problems.append(f"end_date: {end_date} is before start_date {start_date}")
        end_date = None
    provider = cells.text("provider", required=False)
    score = cells.optional("score", parse_score)
    role = cells.optional("role", parse_role)
    status = cells.required("status", parse_status, RecordStatus.DECLARED)
    confirmed_by = cells.optional("confirmed_by", parse_confirmer)
    return cells.outcome(
        lambda: Activity(
            id_number=id_number_,
            year=year,
            category=category,
            kind=kind,
            title=title,
            course_code=course_code,
            provider=provider,
            minutes=minutes,
            start_date=start_date,
            end_date=end_date,
            score=score,
            role=role,
            status=status,
            confirmed_by=confirmed_by,
        )
    )


def _minutes(cells: _Cells, *, achievement: bool) -> int:
    hours = cells.text("hours", required=False)
    days = cells.text("days", required=False)
    if hours and days:
        cells.problems.append("hours, days: give hours or days, not both")
        return 0
    if hours:
        return cells.required("hours", parse_hours, 0)
    if days:
        return cells.required("days", parse_days, 0)
    if not (achievement or cells.unreadable("hours") or cells.unreadable("days")):
        cells.problems.append(
            "hours, days: 须填写学时或天数之一（成果类记录填写 role 即可）"
            "(one of them is required; an achievement gives its role instead)"
        )
    return 0
