"""Resident ID numbers: normalisation, every refusal, the MOD 11-2 check and masking."""

from __future__ import annotations

import datetime as dt

import pytest

from registry.errors import RegistryError
from registry.idnumber import mask_id_number, mod11_2_check, parse_id_number

TODAY = dt.date(2025, 1, 15)

# GB 11643-1999 states the check as a weighted sum with this table and this mapping from the
# remainder to the check character; the implementation uses the ISO 7064 recursion instead,
# so comparing the two is a real cross-check.
GB_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
GB_CHECK_BY_REMAINDER = "10X98765432"

VALID = [
    "11010519491231002X",  # the example of GB 11643 itself
    "440106198507151230",
    "440304199001015672",
    "360102197811200041",
    "342524199206078815",
]


def gb_check(body: str) -> str:
    return GB_CHECK_BY_REMAINDER[
        sum(int(c) * w for c, w in zip(body, GB_WEIGHTS, strict=True)) % 11
    ]


@pytest.mark.parametrize("number", VALID)
def test_valid_numbers_are_returned_unchanged(number: str) -> None:
    assert parse_id_number(number, today=TODAY) == number


def test_whitespace_is_stripped_and_a_trailing_x_upper_cased() -> None:
    assert parse_id_number(" 11010519491231002x\u3000", today=TODAY) == "11010519491231002X"


@pytest.mark.parametrize("number", VALID)
def test_check_character_agrees_with_the_gb_weight_table(number: str) -> None:
    assert mod11_2_check(number[:17]) == gb_check(number[:17]) == number[17]


@pytest.mark.parametrize("body", [f"4401061985071512{n}" for n in range(10)])
def test_every_check_character_agrees_with_the_gb_weight_table(body: str) -> None:
    assert mod11_2_check(body) == gb_check(body)


@pytest.mark.parametrize(
    ("digits", "check"),
    [
        ("0794", "0"),  # the worked example of ISO 7064
        ("000000021825009", "7"),  # ORCID iDs use MOD 11-2: 0000-0002-1825-0097
        ("000000021694233", "X"),  # 0000-0002-1694-233X
    ],
)
def test_mod11_2_known_answers_for_other_lengths(digits: str, check: str) -> None:
    assert mod11_2_check(digits) == check


@pytest.mark.parametrize("digits", ["", "12a4", "１２３", "12 3"])
def test_mod11_2_refuses_anything_but_ascii_digits(digits: str) -> None:
    with pytest.raises(RegistryError) as caught:
        mod11_2_check(digits)
    assert caught.value.reason == "bad_check_input"


@pytest.mark.parametrize(
    ("number", "message"),
    [
        ("1101051949123100", "id_number: must be 18 characters long, not 16"),
        ("11010519491231002XX", "id_number: must be 18 characters long, not 19"),
        ("1101051949I231002X", "id_number: character 11 is 'I', not a digit"),
        ("11010519491231002Y", "id_number: character 18 is 'Y', not a digit or X"),
        ("１10105194912310021", "id_number: character 1 is '１', not a digit"),
        ("010105194912310021", "id_number: region code (characters 1-6) must not start with 0"),
        (
            "440106198502301235",
            "id_number: birth date 19850230 (characters 7-14) is not a real date",
        ),
        ("110105194912310021", "id_number: check character should be X, not 1"),
        ("440106198507151231", "id_number: check character should be 0, not 1"),
    ],
)
def test_each_fault_is_named(number: str, message: str) -> None:
    with pytest.raises(RegistryError) as caught:
        parse_id_number(number, today=TODAY)
    assert caught.value.reason == "bad_id_number"
    assert str(caught.value) == message


def test_birth_date_after_today_is_refused_and_today_is_a_parameter() -> None:
    body = "44010620250116123"
    number = body + mod11_2_check(body)
    with pytest.raises(RegistryError, match=r"birth date 2025-01-16 .* is in the future"):
        parse_id_number(number, today=TODAY)
    assert parse_id_number(number, today=dt.date(2025, 1, 16)) == number


def test_the_field_name_prefixes_the_message() -> None:
    with pytest.raises(RegistryError, match=r"^身份证号: must be 18"):
        parse_id_number("123", today=TODAY, field="身份证号")


def test_messages_never_repeat_the_number() -> None:
    with pytest.raises(RegistryError) as caught:
        parse_id_number("440106198507151231", today=TODAY)
    assert "440106198507151231" not in str(caught.value)
    assert "4401061985" not in str(caught.value)


def test_mask_keeps_four_characters_at_each_end() -> None:
    assert mask_id_number("11010519491231002X") == "1101**********002X"
    assert mask_id_number("440106198507151230") == "4401**********1230"


def test_mask_refuses_a_malformed_number_rather_than_show_it() -> None:
    with pytest.raises(RegistryError) as caught:
        mask_id_number("4401061985071512")
    assert caught.value.reason == "bad_id_number"
    assert "4401061985071512" not in str(caught.value)
