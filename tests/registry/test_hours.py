"""The hours engine and the policy files it reads."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from registry.errors import RegistryError
from registry.hours import Subject, builtin_policies, evaluate, get_policy, policy_from_mapping
from registry.model import Activity, Category, RecordStatus
from registry.series import series_named

ENGINEER = Subject("440106", series_named("工程技术"))


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
        subject=ENGINEER,
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
        subject=ENGINEER,
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
        subject=ENGINEER,
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
        "clause": [clause()],
    }


def clause(**extra: Any) -> dict[str, Any]:
    return {
        "id": "task",
        "cite": "000 一(三)",
        "text": "每年不少于72学时",
        "effective_from": dt.date(2010, 1, 1),
        "rule": "requirement",
        "total": "72",
        "public": "18",
    } | extra


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("effective_from", "2010-01-01"),
        ("effective_to", "2020-12-31"),
        ("series", "会计"),
        ("series", ["会记"]),
        ("series", ["会计专业"]),
        ("levels", "senior"),
        ("id", ""),
        ("levels", ["expert"]),
        ("jurisdiction", "44"),
        ("clause", []),
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
    ("changes", "fragment"),
    [
        ({"bonus": 1}, "unknown keys ['bonus']"),
        ({"rule": "requirements"}, "is not one of"),
        ({"total": 72}, "quoted decimal"),
        ({"effective_from": "2010-01-01"}, "TOML date"),
        ({"until": dt.date(2009, 12, 31)}, "before"),
        ({"effective_from": dt.date(2009, 1, 1)}, "outside the policy's"),
        ({"effective_from": dt.date(2010, 3, 1)}, "whole years"),
        ({"until": dt.date(2012, 6, 30)}, "whole years"),
        ({"place": "440100"}, "only a rule about records has a place"),
        ({"levels": ["expert"]}, "levels"),
        ({"rule": "public_cap", "cap": 0.333}, "cap"),
        ({"rule": "public_cap", "cap": "4/3"}, "between 0 and 1"),
        ({"rule": "confirmation", "categories": ["public"], "by": ["boss"]}, "by"),
        ({"rule": "confirmation", "categories": ["public"], "by": ["system"],
          "sectors": ["mining"]}, "unknown sectors"),
        ({"rule": "confirmation", "categories": ["public"], "by": ["system"],
          "place": "360000"}, "outside 440000"),
        ({"rule": "make_up", "year": 2018, "category": "public"}, "has an end"),
        ({"rule": "series_policy", "series": ["会计专业"], "policy": "x"}, "official name"),
        ({"rule": "title", "years": {"default": "current_year", "seniour": "since_title"}},
         "years"),
        ({"rule": "title", "years": {"default": "current_year"}, "require_policy": 7},
         "require_policy"),
        ({"rule": "cycle", "max_years": 5, "cutoff": "02-30", "hours_per_year": "72"},
         "cutoff"),
    ],
)  # fmt: skip
def test_clauses_refuse_what_they_do_not_know(changes: dict[str, Any], fragment: str) -> None:
    base = clause()
    if changes.get("rule", "requirement") != "requirement":
        base = {k: base[k] for k in ("id", "cite", "text", "effective_from")}
    raw = base_policy() | {"clause": [clause(), base | changes | {"id": "other"}]}
    with pytest.raises(RegistryError) as caught:
        policy_from_mapping(raw, source="x-1.toml")
    assert caught.value.reason == "bad_policy"
    assert fragment in str(caught.value)
    assert "x-1.toml" in str(caught.value)


def test_two_clauses_deciding_the_same_thing_on_the_same_day_are_refused() -> None:
    later = clause(id="task-2018", effective_from=dt.date(2018, 1, 1), total="90")
    with pytest.raises(RegistryError, match="both decide the same thing"):
        policy_from_mapping(base_policy() | {"clause": [clause(), later]}, source="x-1.toml")
    earlier = clause(until=dt.date(2017, 12, 31))
    policy = policy_from_mapping(base_policy() | {"clause": [earlier, later]}, source="x-1.toml")
    assert policy.requirement_for(None, 2017).total == 72 * 60
    assert policy.requirement_for(None, 2018).total == 90 * 60


def test_a_clause_id_is_unique_in_its_policy() -> None:
    twice = [clause(), clause(rule="categories", categories=["public"])]
    for item in twice[1:]:
        for key in ("total", "public"):
            item.pop(key)
    with pytest.raises(RegistryError, match="same id"):
        policy_from_mapping(base_policy() | {"clause": twice}, source="x-1.toml")
