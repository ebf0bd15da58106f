"""The hours engine and the policy files it reads."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from registry.errors import RegistryError
from registry.hours import builtin_policies, evaluate, get_policy, policy_from_mapping
from registry.model import Activity, Category, RecordStatus


def record(
    category: Category, hours: int, status: RecordStatus = RecordStatus.CONFIRMED
) -> Activity:
    return Activity(
        "11010519491231002X",
        2025,
        category,
        "online_course",
        "课程",
        "",
        hours * 60,
        None,
        None,
        "",
        None,
        None,
        status,
    )


def test_gd_2010_met_and_each_category_on_its_own() -> None:
    policy = get_policy("gd-2010")
    met = evaluate(
        policy,
        [
            record(Category.PUBLIC, 18),
            record(Category.PROFESSIONAL, 42),
            record(Category.ELECTIVE, 12),
        ],
        year=2025,
    )
    assert met.met
    assert met.summary.total_counted == 72 * 60
    # 80 professional hours do not fill a public shortfall.
    short = evaluate(
        policy,
        [
            record(Category.PUBLIC, 10),
            record(Category.PROFESSIONAL, 80),
            record(Category.ELECTIVE, 12),
        ],
        year=2025,
    )
    assert not short.met
    assert [s.rule for s in short.shortfalls] == ["category_minimum:public"]
    assert "差8学时" in short.shortfalls[0].message_zh


def test_only_confirmed_records_count() -> None:
    result = evaluate(
        get_policy("gd-2010"),
        [
            record(Category.PUBLIC, 18, RecordStatus.EMPLOYER_REVIEWED),
            record(Category.PROFESSIONAL, 42),
            record(Category.ELECTIVE, 12),
        ],
        year=2025,
    )
    assert result.summary.counted(Category.PUBLIC) == 0
    assert "category_minimum:public" in {s.rule for s in result.shortfalls}


def base_policy() -> dict[str, Any]:
    return {
        "id": "x-1",
        "title_zh": "测试",
        "title_en": "test",
        "source": "000",
        "jurisdiction": "440000",
        "effective_from": dt.date(2010, 1, 1),
        "series": [],
        "levels": [],
        "requirements": {"total": "72", "public": "18"},
    }


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("effective_from", "2010-01-01"),
        ("effective_to", "2020-12-31"),
        ("series", "会计"),
        ("levels", "senior"),
        ("id", ""),
        ("levels", ["expert"]),
    ],
)
def test_policy_files_are_checked_when_loaded(key: str, value: object) -> None:
    raw = base_policy() | {key: value}
    with pytest.raises(RegistryError) as caught:
        policy_from_mapping(raw, source="x-1.toml")
    assert caught.value.reason == "bad_policy"
    assert "x-1.toml" in str(caught.value)


def test_unknown_keys_and_unknown_policy() -> None:
    with pytest.raises(RegistryError, match="unknown keys"):
        policy_from_mapping(base_policy() | {"bonus": 1}, source="x-1.toml")
    with pytest.raises(RegistryError) as caught:
        get_policy("nowhere-2099")
    assert caught.value.reason == "unknown_policy"
    assert "gd-2010" in builtin_policies()


@pytest.mark.parametrize(
    ("extra", "fragment"),
    [
        ({"make_up": [{"year": 2018, "category": "public", "until": dt.date(2019, 6, 30),
                       "x": 1}]}, "make_up"),
        ({"conversions": {"achievement_kinds": [], "main": "28", "contributor": "14",
                          "achievement_cap": "28", "degree_kinds": [], "degree_cap": "72",
                          "bonus": "1"}}, "conversions"),
        ({"title": {"years": {"default": "current_year", "seniour": "since_title"}}},
         "title.years"),
        ({"rules": {"public_cap": 0.333}}, "public_cap"),
        ({"rules": {"dedupe_public_courses": "false"}}, "dedupe_public_courses"),
        ({"title": {"years": {"default": "current_year"}, "require_policy": 7}}, "require_policy"),
    ],
)  # fmt: skip
def test_policy_sections_refuse_what_they_do_not_know(extra: dict[str, Any], fragment: str) -> None:
    with pytest.raises(RegistryError) as caught:
        policy_from_mapping(base_policy() | extra, source="x-1.toml")
    assert caught.value.reason == "bad_policy"
    assert fragment in str(caught.value)
