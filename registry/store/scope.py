"""Who may see and act on which portal rows: the one check every read and change makes.

A professional sees their own rows (scope: their ID number); an employer its staff's (its
credit code); an industry authority the rows of its sector; a bureau the rows of the places
within its region code (a city bureau its districts). Anything else is ``forbidden``, and
the message never says what the row holds.
"""

from __future__ import annotations

from registry.errors import RegistryError
from registry.places import covers
from registry.portal.roles import Actor, PortalRole


def may_see(
    actor: Actor,
    *,
    id_number: str,
    credit_code: str,
    region: str,
    sector: str | None,
    stage: str | None = None,
    confirmed_by: str | None = None,
) -> bool:
    """Whether ``actor`` may see a row of that person, employer, place and sector. An
    industry authority sees only the declarations of its sector that reach it: waiting at
    its stage, or confirmed by it (not a record its employer has not looked at yet, nor one
    the rules give to the bureau)."""
    if actor.role is PortalRole.PROFESSIONAL:
        return actor.scope == id_number
    if actor.role is PortalRole.EMPLOYER:
        return actor.scope == credit_code
    if actor.role is PortalRole.AUTHORITY:
        reaches = stage == "authority" or confirmed_by == "industry_authority"
        return sector is not None and actor.scope == sector and reaches
    return covers(actor.scope, region)


def forbidden(what: str) -> RegistryError:
    """The refusal of a row outside the actor's scope (or absent: the two look the same)."""
    return RegistryError(
        "forbidden", f"无权查看或处理该{what}，或它不存在 (not yours to see or act on: {what})"
    )


def region_range(area: str) -> tuple[str, str]:
    """The codes an area covers, as an inclusive range (for an indexed query)."""
    if area.endswith("0000"):
        return area[:2] + "0000", area[:2] + "9999"
    if area.endswith("00"):
        return area[:4] + "00", area[:4] + "99"
    return area, area


def region_match(area: str, column: str) -> tuple[str, str]:
    """``(condition, parameter)`` selecting the rows of ``column`` within ``area``, written
    so that an index serves it in id order: a county's own code; a city's or a province's
    leading digits, the expressions the portal's queue indexes hold (migration 5). A range
    (``BETWEEN``) would make SQLite read and sort every row of the area for each page."""
    if area.endswith("0000"):
        return f"substr({column}, 1, 2) = ?", area[:2]
    if area.endswith("00"):
        return f"substr({column}, 1, 4) = ?", area[:4]
    return f"{column} = ?", area


def region_count(area: str, column: str) -> tuple[str, tuple[str, ...]]:
    """``(condition, parameters)`` counting the rows of ``column`` within ``area`` from the
    ``(stage, region, id)`` index alone: a range of its entries, no table row read (an
    expression index on the leading digits would read each row to check the expression)."""
    low, high = region_range(area)
    if low == high:
        return f"{column} = ?", (low,)
    return f"{column} BETWEEN ? AND ?", (low, high)


def changed(what: str) -> RegistryError:
    """Someone acted on the row since the page was shown (its version moved on)."""
    return RegistryError(
        "changed",
        f"该{what}已被他人处理或修改，请刷新页面后再看 "
        f"(the {what} changed since you opened it: reload and look again)",
    )


__all__ = ["changed", "forbidden", "may_see", "region_count", "region_match", "region_range"]
