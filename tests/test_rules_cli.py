"""`cecert hours check|cycle` and `cecert title check`, run as real processes."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import DEMO, IssuedHome
from tests.test_cli import run

ZHANG = "440106198503120031"  # 张伟, 卫生 series, intermediate, title 2016-07-01


def write_records(path: Path, rows: list[str]) -> Path:
    header = (
        "id_number,year,category,kind,title,course_code,hours,days,end_date,score,status,"
        "confirmed_by"
    )
    path.write_text("\n".join([header, *rows]) + "\n", "utf-8")
    return path


def test_hours_check_meets_and_fails_at_the_boundary(tmp_path: Path) -> None:
    base = [
        f"{ZHANG},2025,professional,face_to_face,专业课,,42,,2025-05-01,,confirmed,employer",
        f"{ZHANG},2025,elective,conference,研讨会,,,2,2025-06-01,,confirmed,employer",
    ]
    met = write_records(
        tmp_path / "met.csv",
        [f"{ZHANG},2025,public,online_course,公需课,GX1,18,,2025-03-01,90,confirmed,system", *base],
    )
    result = run(
        "hours", "check", "--policy", "gd-2010", "--records", str(met), "--year", "2025", "--json"
    )
    assert result.returncode == 0, result.stderr
    body = json.loads(result.stdout)
    assert body["met"] is True
    assert body["counted"] == {
        "public": "18",
        "professional": "42",
        "elective": "12",
        "total": "72",
    }
    short = write_records(
        tmp_path / "short.csv",
        [
            f"{ZHANG},2025,public,online_course,公需课,GX1,17.5,,2025-03-01,90,confirmed,system",
            *base,
        ],
    )
    failed = run(
        "hours", "check", "--policy", "gd-2010", "--records", str(short), "--year", "2025", "--json"
    )
    assert failed.returncode == 1
    body = json.loads(failed.stdout)
    assert body["met"] is False
    assert [s["rule"] for s in body["shortfalls"]] == ["category_minimum:public", "total_minimum"]
    assert body["shortfalls"][0]["missing_hours"] == "0.5"


def test_hours_check_needs_a_person_for_a_mixed_file() -> None:
    mixed = run(
        "hours",
        "check",
        "--policy",
        "gd-2010",
        "--records",
        str(DEMO / "activities.csv"),
        "--year",
        "2025",
    )
    assert mixed.returncode == 2
    assert "--id-number" in mixed.stderr
    chosen = run(
        "hours",
        "check",
        "--policy",
        "gd-2010",
        "--records",
        str(DEMO / "activities.csv"),
        "--year",
        "2025",
        "--id-number",
        ZHANG,
        "--series",
        "卫生",
    )
    assert chosen.returncode == 0, chosen.stdout + chosen.stderr
    # Every record is explained, in Chinese and English.
    assert "专业前沿技术高级研修班: 30/30 h (professional) — 计入 / counted" in chosen.stdout


def test_hours_cycle_june_30_boundary(tmp_path: Path) -> None:
    rows = [
        f"{ZHANG},{year},{category},course,课{year}{category},C{year}{category},{hours},,{year}-05-01,90,confirmed,employer"
        for year in (2013, 2014, 2015)
        for category, hours in (("public", 18), ("professional", 54))
    ]
    records = write_records(tmp_path / "cycle.csv", rows)
    on_june_30 = run(
        "hours",
        "cycle",
        "--records",
        str(records),
        "--title-date",
        "2012-03-01",
        "--apply-date",
        "2016-06-30",
        "--json",
    )
    body = json.loads(on_june_30.stdout)
    assert body["cycle_years"] == [2013, 2014, 2015]
    assert body["met"] is True
    assert on_june_30.returncode == 0
    on_july_1 = run(
        "hours",
        "cycle",
        "--records",
        str(records),
        "--title-date",
        "2012-03-01",
        "--apply-date",
        "2016-07-01",
        "--json",
    )
    body = json.loads(on_july_1.stdout)
    assert body["cycle_years"] == [2013, 2014, 2015, 2016]
    assert body["met"] is False
    assert on_july_1.returncode == 1
    assert body["shortfalls"][0]["rule"] == "cycle_total"


def test_title_check_against_the_registry(issued_home: IssuedHome) -> None:
    home = str(issued_home.home.root)
    shaoguan = run(
        "title",
        "check",
        "--home",
        home,
        "--id-number",
        ZHANG,
        "--level",
        "senior",
        "--rule",
        "shaoguan-2019",
        "--date",
        "2025-12-01",
        "--json",
    )
    assert shaoguan.returncode == 0, shaoguan.stdout + shaoguan.stderr
    assert [y["verdict"] for y in json.loads(shaoguan.stdout)["years"]] == ["met"]
    foshan = run(
        "title",
        "check",
        "--home",
        home,
        "--id-number",
        ZHANG,
        "--level",
        "senior",
        "--rule",
        "foshan-gaoming-2015",
        "--date",
        "2026-03-01",
        "--json",
    )
    assert foshan.returncode == 1
    years = json.loads(foshan.stdout)["years"]
    assert [y["year"] for y in years] == list(range(2017, 2026))
    assert [y["verdict"] for y in years] == ["missing"] * 8 + ["met"]
    unknown = run(
        "title",
        "check",
        "--home",
        home,
        "--id-number",
        ZHANG,
        "--level",
        "senior",
        "--rule",
        "gd-2010",
        "--date",
        "2026-03-01",
    )
    assert unknown.returncode == 1
    assert "[unknown_rule]" in unknown.stderr
