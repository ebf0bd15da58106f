"""Places: six-digit administrative division codes (行政区划代码) and which lies within which.

A code names a province when its last four digits are ``0000`` (``440000`` 广东省), a city
when its last two are ``00`` (``440100`` 广州市), and otherwise a county or district
(``440106`` 天河区, ``341882`` 广德市). A province covers every code that starts with its first
two digits, a city every code that starts with its first four, a county only itself. Pure.
"""

from __future__ import annotations


def covers(area: str, region: str) -> bool:
    """Whether ``region`` lies within ``area`` (both six-digit codes, already checked)."""
    if area.endswith("0000"):
        return region[:2] == area[:2]
    if area.endswith("00"):
        return region[:4] == area[:4]
    return region == area


def within_all(inner: str, outer: str) -> bool:
    """Whether the whole of area ``inner`` lies within area ``outer``: a city of the province,
    a county of the city, or the same area."""
    return covers(outer, inner) and _rank(inner) >= _rank(outer)


def _rank(area: str) -> int:
    """0 for a province, 1 for a city, 2 for a county."""
    if area.endswith("0000"):
        return 0
    return 1 if area.endswith("00") else 2


__all__ = ["covers", "within_all"]
