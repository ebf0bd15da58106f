"""Jurisdiction policies as data: one TOML file per policy id (``docs/policies.md``).

A bureau adds a jurisdiction by adding a file. Unknown keys are errors, hour figures are
exact decimals, and every policy names the notice it comes from.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from registry.errors import RegistryError
from registry.model import Category, TitleLevel, minutes_from_hours

_TOP = {
    "id",
    "title_zh",
    "title_en",
    "source",
    "jurisdiction",
    "effective_from",
    "effective_to",
    "series",
    "levels",
    "requirements",
}
_REQUIRED_TOP = _TOP - {"effective_to"}
_REQUIREMENT_KEYS = {"total", *(c.value for c in Category)}


@dataclass(frozen=True, slots=True)
class Policy:
    """One annual hours policy of POLICIES.md §1."""

    id: str
    title_zh: str
    title_en: str
    source: str
    """The source notice(s) in ``shared/seeds``, by number."""
    jurisdiction: str
    effective_from: dt.date
    effective_to: dt.date | None
    series: tuple[str, ...]
    """Title series it applies to; empty means all."""
    levels: tuple[TitleLevel, ...]
    """Title levels it applies to; empty means all."""
    total_minutes: int
    category_minutes: Mapping[Category, int]
    """Minimum per category; a category absent here does not exist under this policy."""

    def in_force(self, year: int) -> bool:
        start = self.effective_from.year
        end = self.effective_to.year if self.effective_to else 9999
        return start <= year <= end


def policy_from_mapping(raw: Mapping[str, Any], *, source: str) -> Policy:
    """Build a policy from parsed TOML; raise ``RegistryError('bad_policy')`` naming the file."""
    unknown = set(raw) - _TOP
    missing = _REQUIRED_TOP - set(raw)
    if unknown or missing:
        raise RegistryError(
            "bad_policy", f"{source}: unknown keys {sorted(unknown)}, missing {sorted(missing)}"
        )
    requirements = raw["requirements"]
    if not isinstance(requirements, dict) or set(requirements) - _REQUIREMENT_KEYS:
        raise RegistryError("bad_policy", f"{source}: requirements may hold {_REQUIREMENT_KEYS}")
    if "total" not in requirements:
        raise RegistryError("bad_policy", f"{source}: requirements.total is missing")
    for key in ("effective_from", "effective_to"):
        if key in raw and type(raw[key]) is not dt.date:
            raise RegistryError("bad_policy", f"{source}: {key} must be a TOML date (YYYY-MM-DD)")
    for key in ("series", "levels"):
        if not isinstance(raw[key], list) or not all(isinstance(v, str) for v in raw[key]):
            raise RegistryError("bad_policy", f"{source}: {key} must be a list of strings")
    for key in ("id", "title_zh", "title_en", "source", "jurisdiction"):
        if not isinstance(raw[key], str) or not raw[key].strip():
            raise RegistryError("bad_policy", f"{source}: {key} must be a non-empty string")
    try:
        categories = {
            Category(key): minutes_from_hours(value)
            for key, value in requirements.items()
            if key != "total"
        }
        levels = tuple(TitleLevel(level) for level in raw["levels"])
        effective_to = raw.get("effective_to")
        return Policy(
            id=str(raw["id"]),
            title_zh=str(raw["title_zh"]),
            title_en=str(raw["title_en"]),
            source=str(raw["source"]),
            jurisdiction=str(raw["jurisdiction"]),
            effective_from=raw["effective_from"],
            effective_to=effective_to,
            series=tuple(str(s) for s in raw["series"]),
            levels=levels,
            total_minutes=minutes_from_hours(requirements["total"]),
            category_minutes=categories,
        )
    except (ValueError, TypeError, RegistryError) as exc:
        raise RegistryError("bad_policy", f"{source}: {exc}") from exc


@cache
def builtin_policies() -> Mapping[str, Policy]:
    """Every policy shipped in ``registry/hours/policies``, by id."""
    found: dict[str, Policy] = {}
    for entry in resources.files("registry.hours").joinpath("policies").iterdir():
        if not entry.name.endswith(".toml"):
            continue
        try:
            raw = tomllib.loads(entry.read_text("utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise RegistryError("bad_policy", f"{entry.name}: {exc}") from exc
        policy = policy_from_mapping(raw, source=entry.name)
        if f"{policy.id}.toml" != entry.name:
            raise RegistryError("bad_policy", f"{entry.name}: id {policy.id!r} != file name")
        found[policy.id] = policy
    return found


def get_policy(policy_id: str) -> Policy:
    """The policy with this id; raise ``RegistryError('unknown_policy')``."""
    policies = builtin_policies()
    try:
        return policies[policy_id]
    except KeyError:
        known = ", ".join(sorted(policies))
        raise RegistryError("unknown_policy", f"no policy {policy_id!r} (known: {known})") from None
