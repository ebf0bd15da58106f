"""Turn one typed cell value (from a spreadsheet or a JSON line) into stripped text.

CSV cells are text already; ``.xlsx`` and JSON Lines cells arrive typed. Converting them to
text first means every format is validated by the same column parsers. The conversions are
exact: numbers never pass through float arithmetic, and a number that cannot be exact (more
than the 15 significant digits Excel keeps) is refused instead of being guessed.

Both functions raise :class:`CellProblem`, whose message names the column; the reader records
it against the row and carries on.
"""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal

#: Excel stores numbers as IEEE doubles and keeps 15 significant decimal digits.
EXCEL_SIGNIFICANT_DIGITS = 15


class CellProblem(Exception):
    """A cell value that cannot be read as text; ``message`` starts with the column name."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def text_from_spreadsheet(value: object, column: str) -> str:
    """Return the text of an ``.xlsx`` cell value as openpyxl gives it (``data_only=True``).

    * empty cell → ``""``; text → stripped text;
    * ``datetime`` at midnight or ``date`` → ISO date ``YYYY-MM-DD``; other ``datetime``
      → ISO ``YYYY-MM-DD HH:MM:SS`` (which date columns then refuse);
    * a whole number (``2024`` or ``2024.0``) → ``"2024"``; a fraction → its shortest exact
      decimal text (``2.5`` → ``"2.5"``), built from ``repr``, never by float arithmetic;
    * a number that may have lost digits (16 or more digits of which at most 15 are
      significant, or any float of 10**15 or more) → :class:`CellProblem`: Excel keeps only
      15 digits, so an 18-digit ID number typed as a number is already wrong in the file;
    * ``TRUE``/``FALSE``, times of day, durations and anything else → :class:`CellProblem`.
    """
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, bool):
        raise CellProblem(f"{column}: TRUE/FALSE is not a valid value")
    if isinstance(value, int):
        return _integer_text(value, column)
    if isinstance(value, float):
        return _float_text(value, column)
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0, 0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dt.time | dt.timedelta):
        raise CellProblem(f"{column}: a time or duration is not a valid value")
    raise CellProblem(f"{column}: unsupported cell value of type {type(value).__name__}")


def text_from_json(value: object, column: str) -> str:
    """Return the text of a JSON Lines value, parsed with ``parse_float=Decimal``.

    ``null`` → ``""``; a string → stripped string; an integer → its digits; a fraction →
    its decimal text as written (``2.50`` stays ``"2.50"``). ``true``/``false``, arrays and
    objects raise :class:`CellProblem`.
    """
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, bool):
        raise CellProblem(f"{column}: true/false is not a valid value")
    if isinstance(value, int | Decimal):
        return str(value)
    kind = "an array" if isinstance(value, list) else "an object"
    raise CellProblem(f"{column}: {kind} is not a valid value; give text or a number")


def _lossy(column: str) -> CellProblem:
    what = "ID number" if column == "id_number" else "value"
    return CellProblem(
        f"{column}: {what} stored as a number loses digits; format the column as text"
    )


def _integer_text(value: int, column: str) -> str:
    digits = str(abs(value))
    significant = digits.rstrip("0")
    # A long integer with at most 15 significant digits is what Excel leaves of a longer one
    # (110105194912310021 is kept as 110105194912310000): refuse rather than accept a
    # different, possibly valid, ID number.
    if len(digits) > EXCEL_SIGNIFICANT_DIGITS and len(significant) <= EXCEL_SIGNIFICANT_DIGITS:
        raise _lossy(column)
    return str(value)


def _float_text(value: float, column: str) -> str:
    if not math.isfinite(value):
        raise CellProblem(f"{column}: {value!r} is not a valid value")
    if abs(value) >= 10**EXCEL_SIGNIFICANT_DIGITS:
        raise _lossy(column)
    if value.is_integer():
        return str(int(value))
    # repr gives the shortest text that round-trips, i.e. what the user typed in Excel.
    return format(Decimal(repr(value)), "f")
