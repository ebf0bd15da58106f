"""The registry store: numbers, atomicity, idempotent imports, the append-only log."""

from __future__ import annotations

import datetime as dt
import multiprocessing
import sqlite3
from pathlib import Path

import pytest

from registry.errors import RegistryError
from registry.model import (
    Activity,
    Category,
    CategoryHours,
    HoursSummary,
    Person,
    RecordStatus,
    TitleLevel,
)
from registry.numbering import format_number, parse_number
from registry.store import Registry
from registry.store.events import GENESIS, event_hash

AT = dt.datetime(2026, 3, 2, tzinfo=dt.UTC)
SUMMARY = HoursSummary("gd-2010", (CategoryHours(Category.PUBLIC, 1080, 1080),), 4320, 4320)


def person(index: int) -> Person:
    from registry.numbering import mod11_2

    body = f"4401061985{index:04d}{index % 1000:03d}"[:17]
    return Person(
        id_number=body + mod11_2(body),
        name=f"测试{index}",
        employer="单位",
        series="工程",
        title_level=TitleLevel.JUNIOR,
        title_date=dt.date(2020, 1, 1),
        region="440106",
    )


def new_registry(tmp_path: Path, people: int = 3) -> Registry:
    registry = Registry.create(tmp_path / "r.sqlite")
    registry.import_people([(i + 2, person(i + 1)) for i in range(people)], source="p.csv", at=AT)
    return registry


def draw(registry: Registry, who: Person, *, fail: bool = False) -> str:
    with registry.issuance(id_number=who.id_number, issuer="440100", year=2025, at=AT) as slot:
        if fail:
            raise RuntimeError("rendering failed")
        registry.record(
            slot,
            policy_id="gd-2010",
            summary=SUMMARY,
            payload=f"CEC1:{slot.number}",
            pdf_sha256=slot.number.rjust(64, "0"),
            pdf_path=f"{slot.number}.pdf",
            at=AT,
        )
        return slot.number


def test_number_format_and_check_character() -> None:
    number = format_number("440100", 1)
    assert number == "440100000000010"
    assert parse_number(number) == number
    with pytest.raises(RegistryError) as caught:
        parse_number("440100000000011")
    assert caught.value.reason == "bad_number"
    assert "check character should be 0" in str(caught.value)


def test_failed_issuance_consumes_no_number(tmp_path: Path) -> None:
    registry = new_registry(tmp_path)
    with pytest.raises(RuntimeError):
        draw(registry, person(1), fail=True)
    assert registry.count("certificates") == 0
    assert registry.count("documents") == 0
    assert draw(registry, person(1)) == format_number("440100", 1)


def test_leaving_without_recording_rolls_back(tmp_path: Path) -> None:
    registry = new_registry(tmp_path)
    with (
        pytest.raises(RegistryError, match="no document recorded"),
        registry.issuance(id_number=person(1).id_number, issuer="440100", year=2025, at=AT),
    ):
        pass
    assert registry.count("certificates") == 0


def test_same_person_keeps_the_number_and_year_is_not_issued_twice(tmp_path: Path) -> None:
    registry = new_registry(tmp_path)
    first = draw(registry, person(1))
    with pytest.raises(RegistryError) as caught:
        draw(registry, person(1))
    assert caught.value.reason == "already_issued"
    with registry.issuance(
        id_number=person(1).id_number, issuer="440100", year=2026, at=AT
    ) as slot:
        assert slot.number == first
        assert slot.edition == 2
        registry.record(
            slot,
            policy_id="gd-2010",
            summary=SUMMARY,
            payload="CEC1:X",
            pdf_sha256="f" * 64,
            pdf_path="x.pdf",
            at=AT,
        )


def _issue_many(path: str, start: int, count: int) -> None:
    registry = Registry.open(Path(path))
    for index in range(start, start + count):
        draw(registry, person(index))
    registry.close()


def test_two_processes_never_draw_the_same_number(tmp_path: Path) -> None:
    registry = new_registry(tmp_path, people=80)
    registry.close()
    path = str(tmp_path / "r.sqlite")
    context = multiprocessing.get_context("spawn")
    workers = [
        context.Process(target=_issue_many, args=(path, 1, 40)),
        context.Process(target=_issue_many, args=(path, 41, 40)),
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
        assert worker.exitcode == 0
    with Registry.open(Path(path)) as reopened:
        numbers = [d.number for d in reopened.documents()]
    assert len(numbers) == 80
    assert sorted(numbers) == [format_number("440100", n) for n in range(1, 81)]


def test_reimport_changes_nothing(tmp_path: Path) -> None:
    registry = new_registry(tmp_path)
    events = registry.count("events")
    result = registry.import_people([(2, person(1))], source="p.csv", at=AT)
    assert (result.added, result.updated, result.unchanged) == (0, 0, 1)
    activity = Activity(
        id_number=person(1).id_number,
        year=2025,
        category=Category.PUBLIC,
        kind="online_course",
        title="课程",
        course_code="C1",
        minutes=600,
        start_date=None,
        end_date=None,
        provider="",
        score=None,
        role=None,
        status=RecordStatus.CONFIRMED,
    )
    assert registry.import_activities([(2, activity)], source="a.csv", at=AT).added == 1
    assert registry.import_activities([(2, activity)], source="a.csv", at=AT).added == 0
    assert registry.count("activities") == 1
    assert registry.count("events") == events + 1


def test_unknown_person_rejects_the_whole_activities_file(tmp_path: Path) -> None:
    from registry.errors import ImportRejected

    registry = new_registry(tmp_path, people=1)
    good = Activity(
        person(1).id_number,
        2025,
        Category.PUBLIC,
        "k",
        "t",
        "",
        60,
        None,
        None,
        "",
        None,
        None,
        RecordStatus.CONFIRMED,
    )
    stranger = Activity(
        person(9).id_number,
        2025,
        Category.PUBLIC,
        "k",
        "t",
        "",
        60,
        None,
        None,
        "",
        None,
        None,
        RecordStatus.CONFIRMED,
    )
    with pytest.raises(ImportRejected) as caught:
        registry.import_activities([(2, good), (3, stranger)], source="a.csv", at=AT)
    assert [line for line, _ in caught.value.problems] == [3]
    assert registry.count("activities") == 0


def test_event_log_is_chained_and_append_only(tmp_path: Path) -> None:
    registry = new_registry(tmp_path)
    draw(registry, person(1))
    rows = registry._conn.execute(
        "SELECT seq, at, kind, subject, data, prev_hash, hash FROM events ORDER BY seq"
    ).fetchall()
    previous = GENESIS
    for seq, at, kind, subject, data, prev_hash, digest in rows:
        assert prev_hash == previous
        assert digest == event_hash(prev_hash, seq, at, kind, subject, data)
        previous = digest
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        registry._conn.execute("UPDATE events SET kind = 'x'")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        registry._conn.execute("DELETE FROM events")


def test_not_a_registry_file(tmp_path: Path) -> None:
    bogus = tmp_path / "r.sqlite"
    bogus.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(RegistryError) as caught:
        Registry.open(bogus)
    assert caught.value.reason == "bad_registry"
    with pytest.raises(RegistryError) as missing:
        Registry.open(tmp_path / "none.sqlite")
    assert missing.value.reason == "no_registry"
