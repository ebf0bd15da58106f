"""Finding a holder at the counter: by certificate number, ID number (in full or masked as
printed, with the name), or name and employer, within the clerk's region."""

from __future__ import annotations

import re
import sqlite3

from registry.errors import RegistryError
from registry.numbering import parse_number
from registry.places import covers
from registry.portal.counter import Holder
from registry.store.queues import rows_of
from registry.store.records import person_from_row

_NUMBER = re.compile(r"\d{14}[\dXx]")
"""A certificate number as printed (region, serial, check digit)."""
_ID_NUMBER = re.compile(r"\d{17}[\dXx]")
_MASKED = re.compile(r"(\d{1,17})\*+(\d{0,4}[\dXx]?)")
_SELECT = (
    "SELECT p.*, c.number AS certificate FROM people p"
    " LEFT JOIN certificates c ON c.id_number = p.id_number"
)


def find_holders(
    conn: sqlite3.Connection,
    area: str,
    query: str,
    *,
    name: str = "",
    employer: str = "",
    limit: int = 20,
) -> list[Holder]:
    """The people of ``area`` a clerk looks for: by certificate number, by ID number (in
    full, or masked as printed, ``440106********0031``, with ``name``), or by name (and part
    of ``employer``'s name); at most ``limit``. ``bad_query`` when the text is none of
    these. Every branch follows an index (the name: ``people_name``, migration 7)."""
    text = "".join(query.split())
    masked = _MASKED.fullmatch(text)
    if _NUMBER.fullmatch(text):
        rows = rows_of(conn.execute(f"{_SELECT} WHERE c.number = ?", (parse_number(text),)))
    elif _ID_NUMBER.fullmatch(text):
        rows = rows_of(conn.execute(f"{_SELECT} WHERE p.id_number = ?", (text.upper(),)))
    elif masked is not None:
        typed = "".join(name.split())
        if not typed:
            raise RegistryError(
                "bad_query",
                "按隐去部分数字的身份证号查找时，请同时填写姓名 "
                "(a masked ID number needs the name too)",
            )
        rows = [
            row
            for row in rows_of(conn.execute(f"{_SELECT} WHERE p.name = ?", (typed,)))
            if row["id_number"].startswith(masked[1])
            and row["id_number"].upper().endswith(masked[2].upper())
        ]
    elif 1 <= len(text) <= 50 and not any(ch.isdigit() for ch in text):
        rows = rows_of(conn.execute(f"{_SELECT} WHERE p.name = ?", (text,)))
        if employer.strip():
            rows = [r for r in rows if employer.strip() in r["employer"]]
    else:
        raise RegistryError(
            "bad_query",
            "请输入证书编号、身份证号或姓名 (a certificate number, an ID number or a name)",
        )
    found = [
        Holder(person_from_row(row), row["certificate"])
        for row in rows
        if covers(area, row["region"])
    ]
    return found[:limit]


__all__ = ["find_holders"]
