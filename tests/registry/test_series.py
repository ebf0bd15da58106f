"""The national list of title series: names, aliases, sectors, and the page made from it."""

from __future__ import annotations

from typing import Any

import pytest

from registry.errors import RegistryError
from registry.series import national_series, parse_series_list, series_named
from registry.series.page import COMMAND, series_markdown
from tests.support.paths import DOCS


@pytest.mark.parametrize(
    ("name", "official", "sector"),
    [
        ("卫生技术", "卫生技术", "health"),
        ("卫生", "卫生技术", "health"),
        ("护理", "卫生技术", "health"),
        ("高等学校教师", "高等学校教师", "education"),
        ("中等职业学校教师", "中等职业学校教师", "education"),
        ("中小学教师", "中小学教师", "education"),
        ("教师", "中小学教师", "education"),
        ("技工院校教师", "技工院校教师", "education"),
        ("工程", "工程技术", "engineering"),
        ("会计", "会计", "accounting"),
        ("档案", "档案", "archives"),
        (" 经济 ", "经济", "economics"),
    ],
)
def test_official_names_and_aliases_resolve_to_their_series(
    name: str, official: str, sector: str
) -> None:
    series = series_named(name)
    assert (series.name, series.sector) == (official, sector)


@pytest.mark.parametrize("name", ["教育", "医生", "卫生技朮", "", "其他"])
def test_an_unknown_series_is_refused_never_another_sector(name: str) -> None:
    with pytest.raises(RegistryError) as caught:
        series_named(name)
    assert caught.value.reason == "unknown_series"
    assert "docs/series.md" in caught.value.message


def test_the_list_holds_the_national_series_once_each() -> None:
    names = [s.name for s in national_series().series]
    assert len(names) == len(set(names))
    for expected in (
        "工程技术", "农业技术", "经济", "会计", "统计", "审计", "档案", "新闻", "出版", "翻译",
        "播音主持", "艺术", "工艺美术", "文物博物", "图书资料", "群众文化", "体育", "律师",
        "公证", "实验技术", "科学研究", "社会工作",
    ):  # fmt: skip
        assert expected in names


def raw(**changes: Any) -> dict[str, Any]:
    return {
        "series": [{"name": "卫生技术", "sector": "health", "aliases": ["卫生"]}],
        "sectors": {"health": "卫生健康"},
    } | changes


@pytest.mark.parametrize(
    ("changes", "fragment"),
    [
        ({"extra": 1}, "[[series]] and [sectors] only"),
        ({"series": [{"name": "卫生技术", "sector": "mining", "aliases": []}]}, "unknown sector"),
        ({"series": [{"name": "卫生技术", "sector": "health", "aliases": ["卫生技术"]}]},
         "given twice"),
        ({"series": [{"name": "卫生技术", "sector": "health"}]}, "name, sector and aliases"),
        ({"series": [{"name": "卫生技术", "sector": "health", "aliases": [""]}]}, "list of names"),
    ],
)  # fmt: skip
def test_the_list_file_is_checked(changes: dict[str, Any], fragment: str) -> None:
    with pytest.raises(RegistryError) as caught:
        parse_series_list(raw(**changes))
    assert caught.value.reason == "bad_series_list"
    assert fragment in caught.value.message


def test_docs_series_md_is_generated_from_the_list() -> None:
    page = (DOCS / "series.md").read_text("utf-8")
    assert page == series_markdown(), f"docs/series.md is out of date: regenerate with {COMMAND}"
    assert "| 卫生技术 | 卫生健康 (`health`) |" in page
