"""Title series (职称系列): the national list as data, each series with its sector and aliases.

A person's series decides which rules apply to them: notice 001 三 gives the professional
hours of the education and health *sectors* to their industry authority, and notice 001 一
sends the accounting and archives series to their own national rules. Rules therefore name
sectors or official series names, and every name a person's record carries must resolve to
one series of the list (``series.toml``) or be refused: an unknown or misspelt series must
never fall through to "some other sector". Pure: the list is read from the package once.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from registry.errors import RegistryError


@dataclass(frozen=True, slots=True)
class Series:
    """One title series of the national list."""

    name: str
    """The official name, e.g. ``卫生技术``; what the registry stores."""
    sector: str
    """The industry it belongs to, e.g. ``health``; rules name sectors."""
    aliases: tuple[str, ...]
    """Short or informal names accepted for it, e.g. ``卫生``."""

    @property
    def sector_zh(self) -> str:
        """The sector's Chinese name, e.g. ``卫生健康``."""
        return sector_names()[self.sector]


@dataclass(frozen=True, slots=True)
class SeriesList:
    """The national list: every series and every name that resolves to one."""

    series: tuple[Series, ...]
    sectors: Mapping[str, str]
    """Sector code → Chinese name."""
    by_name: Mapping[str, Series]
    """Official names and aliases → series."""


def _strings(value: Any, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise RegistryError("bad_series_list", f"series.toml {where}: must be a list of names")
    return tuple(value)


def parse_series_list(raw: Mapping[str, Any]) -> SeriesList:
    """Build the list from parsed TOML; refuse unknown keys, unknown sectors and any name
    (official or alias) given twice."""
    if set(raw) != {"series", "sectors"}:
        raise RegistryError("bad_series_list", "series.toml: needs [[series]] and [sectors] only")
    sectors = dict(raw["sectors"])
    by_name: dict[str, Series] = {}
    found: list[Series] = []
    for index, item in enumerate(raw["series"]):
        where = f"series[{index}]"
        if not isinstance(item, Mapping) or set(item) != {"name", "sector", "aliases"}:
            raise RegistryError(
                "bad_series_list", f"series.toml {where}: needs name, sector and aliases only"
            )
        if item["sector"] not in sectors:
            raise RegistryError(
                "bad_series_list", f"series.toml {where}: unknown sector {item['sector']!r}"
            )
        series = Series(str(item["name"]), str(item["sector"]), _strings(item["aliases"], where))
        for name in (series.name, *series.aliases):
            if name in by_name:
                raise RegistryError(
                    "bad_series_list", f"series.toml {where}: the name {name!r} is given twice"
                )
            by_name[name] = series
        found.append(series)
    return SeriesList(tuple(found), sectors, by_name)


@cache
def national_series() -> SeriesList:
    """The shipped list (``registry/series/series.toml``)."""
    text = resources.files("registry.series").joinpath("series.toml").read_text("utf-8")
    return parse_series_list(tomllib.loads(text))


def sector_names() -> Mapping[str, str]:
    """Sector code → Chinese name."""
    return national_series().sectors


def series_named(name: str) -> Series:
    """The series ``name`` (an official name or an alias) stands for.

    Raises ``RegistryError('unknown_series')`` naming the official names, so that a clerk
    can correct the spreadsheet."""
    found = national_series().by_name.get(name.strip())
    if found is None:
        raise RegistryError(
            "unknown_series",
            f"职称系列“{name}”不在国家职称系列目录中，请填写正式名称（如 卫生技术、中小学教师、"
            f"工程技术）或常用简称，见 docs/series.md (unknown title series {name!r})",
        )
    return found


__all__ = [
    "Series",
    "SeriesList",
    "national_series",
    "parse_series_list",
    "sector_names",
    "series_named",
]
