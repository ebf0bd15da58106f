"""Resident ID numbers (居民身份证号码, GB 11643-1999) and the ISO 7064 MOD 11-2 check.

An 18-character resident ID number is laid out as::

    440106 19850715 123 X
    region birthdate seq check

* characters 1-6: administrative division code of the place of first registration;
* characters 7-14: date of birth, ``YYYYMMDD``;
* characters 15-17: sequence code (odd for men, even for women);
* character 18: ISO 7064 MOD 11-2 check character, ``0``-``9`` or ``X``.

Everything here is pure. The current date is a parameter (``today``), never read from the
clock, so that checks are reproducible.

.. warning::
   An ID number is personal data. Error messages raised here never repeat the number; log
   :func:`mask_id_number` output, not the number itself.
"""

from __future__ import annotations

import datetime as dt

from registry.errors import RegistryError

ID_NUMBER_LENGTH = 18
MASKED_MIDDLE = "*" * 10

_MODULUS = 11
_CHECK_CHARACTERS = "0123456789X"


def mod11_2_check(digits: str) -> str:
    """Return the ISO 7064 MOD 11-2 check character (``"0"``-``"9"`` or ``"X"``) for ``digits``.

    ``digits`` is the string the check character will be appended to: ASCII decimal digits
    only, of any non-zero length (17 for a resident ID number). The character ``c`` returned is
    the one for which the weighted sum of ``digits + c`` (weights ``2**i mod 11`` counted from
    the right, the check character having weight 1) is congruent to 1 modulo 11; with 17 digits
    this is GB 11643's weights 7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2.

    Raises :class:`RegistryError` (reason ``bad_check_input``) if ``digits`` is empty or holds
    anything but ASCII digits.
    """
    if not digits or not (digits.isascii() and digits.isdigit()):
        raise RegistryError(
            "bad_check_input", "MOD 11-2 check input must be a non-empty string of ASCII digits"
        )
    # ISO 7064 "pure system" recursion: equivalent to the weighted sum, without the table.
    remainder = 0
    for char in digits:
        remainder = ((remainder + int(char)) * 2) % _MODULUS
    return _CHECK_CHARACTERS[(12 - remainder) % _MODULUS]


def parse_id_number(text: str, *, today: dt.date, field: str = "id_number") -> str:
    """Normalise and validate an 18-character resident ID number; return it.

    Normalisation: surrounding whitespace is stripped and a trailing ``x`` becomes ``X``.
    Nothing else is changed (no full-width digits are converted, no inner spaces removed).

    Checks, in this order, each raising :class:`RegistryError` with reason ``bad_id_number``
    and a message prefixed with ``field`` that names the first thing wrong:

    1. length is exactly 18 characters;
    2. characters 1-17 are ASCII digits and character 18 is a digit or ``X``;
    3. the region code (characters 1-6) does not start with ``0``;
    4. characters 7-14 are a real date ``YYYYMMDD`` not after ``today``;
    5. character 18 is the MOD 11-2 check character of characters 1-17.

    The region code is only checked for shape, not against the list of division codes, which
    changes over time while old ID numbers stay valid. The message never contains the number.
    """
    value = text.strip()
    if value.endswith("x"):
        value = value[:-1] + "X"
    if len(value) != ID_NUMBER_LENGTH:
        raise RegistryError(
            "bad_id_number",
            f"{field}: must be {ID_NUMBER_LENGTH} characters long, not {len(value)}",
        )
    body, check = value[:-1], value[-1]
    for position, char in enumerate(body, start=1):
        if not ("0" <= char <= "9"):
            raise RegistryError(
                "bad_id_number", f"{field}: character {position} is {char!r}, not a digit"
            )
    if check not in _CHECK_CHARACTERS:
        raise RegistryError(
            "bad_id_number",
            f"{field}: character {ID_NUMBER_LENGTH} is {check!r}, not a digit or X",
        )
    if body[0] == "0":
        raise RegistryError(
            "bad_id_number", f"{field}: region code (characters 1-6) must not start with 0"
        )
    _check_birth_date(body[6:14], today=today, field=field)
    expected = mod11_2_check(body)
    if check != expected:
        raise RegistryError(
            "bad_id_number", f"{field}: check character should be {expected}, not {check}"
        )
    return value


def _check_birth_date(text: str, *, today: dt.date, field: str) -> None:
    try:
        born = dt.date(int(text[0:4]), int(text[4:6]), int(text[6:8]))
    except ValueError as exc:
        raise RegistryError(
            "bad_id_number", f"{field}: birth date {text} (characters 7-14) is not a real date"
        ) from exc
    if born > today:
        raise RegistryError(
            "bad_id_number",
            f"{field}: birth date {born.isoformat()} (characters 7-14) is in the future "
            f"(after {today.isoformat()})",
        )


def mask_id_number(id_number: str) -> str:
    """Return ``id_number`` with characters 5-14 replaced by ten ``*``: ``4401**********123X``.

    The result keeps the province/city prefix and the sequence and check characters, enough
    for a person to recognise their own number, and hides the county and the birth date.
    ``id_number`` must be an 18-character number as returned by :func:`parse_id_number`; any
    other length raises :class:`RegistryError` (reason ``bad_id_number``) rather than risk
    showing too much of a malformed value.
    """
    if len(id_number) != ID_NUMBER_LENGTH:
        raise RegistryError(
            "bad_id_number",
            f"cannot mask an ID number of {len(id_number)} characters; expected {ID_NUMBER_LENGTH}",
        )
    return id_number[:4] + MASKED_MIDDLE + id_number[-4:]
