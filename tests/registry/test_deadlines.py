"""Deadlines as data: each binds its own place, period, kind and stage; a deadline of
Guangzhou 2016 never marks an item of 2017 or of Shenzhen; the year's end binds every
reviewer's records of a year once it has passed."""

from __future__ import annotations

import datetime as dt

import pytest

from registry import RegistryError
from registry.portal.deadlines import deadlines, overdue, parse_deadlines

D = dt.date


def late_application(stage: str, region: str, submitted: dt.date, today: dt.date,
                     level: str | None = None) -> str | None:  # fmt: skip
    found = overdue("application", stage=stage, region=region, day=submitted,
                    year=submitted.year - 1, today=today, level=level)  # fmt: skip
    return None if found is None else found.id


def test_every_shipped_deadline_names_its_source_and_place() -> None:
    shipped = deadlines()
    assert {d.id for d in shipped} >= {
        "annual-task-year-end", "gz-2016-employer-check", "gz-2016-district-recheck",
        "gz-2016-senior-recheck", "guangde-2020-verification",
    }  # fmt: skip
    assert all(d.cite and d.text for d in shipped)


def test_guangzhou_2016_binds_guangzhou_in_2016_only() -> None:
    tianhe, submitted = "440106", D(2016, 6, 20)
    assert late_application("employer", tianhe, submitted, D(2016, 7, 30)) is None
    assert late_application("employer", tianhe, submitted, D(2016, 7, 31)) == (
        "gz-2016-employer-check"
    )
    assert late_application("employer", "440300", submitted, D(2016, 8, 1)) is None  # 深圳
    assert late_application("employer", tianhe, D(2017, 6, 20), D(2017, 8, 1)) is None
    assert late_application("bureau", tianhe, submitted, D(2016, 8, 25)) is None
    assert late_application("bureau", tianhe, submitted, D(2016, 8, 25), "senior") == (
        "gz-2016-senior-recheck"
    )
    assert late_application("bureau", tianhe, submitted, D(2016, 8, 31)) == (
        "gz-2016-district-recheck"
    )


def test_guangde_2020_verification_months() -> None:
    guangde = "341882"
    assert late_application("bureau", guangde, D(2020, 7, 3), D(2020, 9, 30)) is None
    assert late_application("bureau", guangde, D(2020, 7, 3), D(2020, 10, 1)) == (
        "guangde-2020-verification"
    )
    assert late_application("bureau", guangde, D(2021, 7, 3), D(2021, 10, 1)) is None


def test_the_year_end_binds_every_reviewers_records_of_the_year() -> None:
    def late(stage: str, today: dt.date) -> str | None:
        found = overdue("declaration", stage=stage, region="340000", day=D(2025, 12, 31),
                        year=2025, today=today)  # fmt: skip
        return None if found is None else found.id

    assert late("employer", D(2025, 12, 31)) is None
    assert late("employer", D(2026, 1, 1)) == "annual-task-year-end"
    assert late("bureau", D(2026, 1, 1)) == "annual-task-year-end"
    assert late("person", D(2026, 1, 1)) is None  # a returned record waits for the person


def test_bad_deadline_data_is_refused() -> None:
    good = {"id": "x", "cite": "c", "text": "t", "place": "", "effective_from": "2020-01-01",
            "binds": "declaration", "stages": ["employer"], "due": "year-end"}  # fmt: skip
    assert parse_deadlines({"deadline": [good]})[0].due is None
    for bad in ({"binds": "certificate"}, {"stages": ["nobody"]}, {"due": "soon"},
                {"colour": "red"}):  # fmt: skip
        with pytest.raises(RegistryError) as caught:
            parse_deadlines({"deadline": [good | bad]})
        assert caught.value.reason == "bad_deadlines"
    with pytest.raises(RegistryError):
        parse_deadlines({"deadline": [good, good]})
