"""`cecert hours check|cycle` and `cecert title check`, run as real processes.

Exit status: 0 met, 1 not met, 2 bad input or usage (docs/cli.md).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from registry.numbering import mod11_2
from tests.conftest import DEMO, PASSPHRASE, IssuedHome
from tests.support.cli import assert_clean_failure, run

ZHANG = "440106198503120031"  # 张伟, 卫生 series, intermediate, title 2016-07-01
SHAOGUAN = "44020319860201003" + mod11_2("44020319860201003")  # registered in 武江区, Shaoguan
HEADER = (
    "id_number,year,category,kind,title,course_code,hours,days,end_date,score,status,confirmed_by"
)


def write_records(path: Path, rows: list[str]) -> Path:
    path.write_text("\n".join([HEADER, *rows]) + "\n", "utf-8")
    return path


def check(records: Path, *extra: str, series: str = "卫生技术") -> list[str]:
    return [
        "hours", "check", "--policy", "gd-2010", "--records", str(records), "--year", "2025",
        "--series", series, *extra,
    ]  # fmt: skip


def test_hours_check_meets_and_fails_at_the_boundary(tmp_path: Path) -> None:
    base = [
        f"{ZHANG},2025,professional,face_to_face,专业课,,42,,2025-05-01,,confirmed,industry_authority",
        f"{ZHANG},2025,elective,conference,研讨会,,,2,2025-06-01,,confirmed,employer",
    ]
    met = write_records(
        tmp_path / "met.csv",
        [f"{ZHANG},2025,public,online_course,公需课,GX1,18,,2025-03-01,90,confirmed,system", *base],
    )
    result = run(*check(met, "--json"))
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
    failed = run(*check(short, "--json"))
    assert failed.returncode == 1
    body = json.loads(failed.stdout)
    assert body["met"] is False
    assert [s["rule"] for s in body["shortfalls"]] == ["category_minimum:public", "total_minimum"]
    assert body["shortfalls"][0]["missing_hours"] == "0.5"


def test_hours_check_says_what_was_recorded_what_counted_and_why(tmp_path: Path) -> None:
    records = write_records(
        tmp_path / "nurse.csv",
        [
            f"{ZHANG},2025,public,online_course,公需课,GX1,18,,2025-03-01,90,confirmed,system",
            f"{ZHANG},2025,professional,face_to_face,护理新进展,,42,,2025-05-01,,confirmed,",
            f"{ZHANG},2025,elective,conference,研讨会,,,2,2025-06-01,,confirmed,employer",
        ],
    )
    result = run(*check(records))
    assert result.returncode == 1
    assert (
        "专业科目记录42学时，计入0学时：卫生技术系列的专业科目须由行业主管部门认定（001 三）"
        in (result.stdout)
    )
    assert "完成0学时" not in result.stdout


def test_hours_check_needs_a_person_for_a_mixed_file() -> None:
    mixed = run(*check(DEMO / "activities.csv"))
    assert mixed.returncode == 2
    assert "--id-number" in mixed.stderr
    chosen = run(*check(DEMO / "activities.csv", "--id-number", ZHANG))
    assert chosen.returncode == 0, chosen.stdout + chosen.stderr
    # Every record is explained, in Chinese and English.
    assert "专业前沿技术高级研修班：计入30/30学时（professional）— 计入 / counted" in chosen.stdout


def test_hours_check_refuses_a_policy_outside_its_dates_like_issue_does(tmp_path: Path) -> None:
    records = write_records(
        tmp_path / "r.csv",
        [f"{ZHANG},2017,public,online_course,公需课,GX1,30,,2017-03-01,90,confirmed,system"],
    )
    out_of_force = run(
        "hours", "check", "--policy", "gd-acct-2018", "--records", str(records), "--year", "2017",
        "--series", "会计",
    )  # fmt: skip
    assert out_of_force.returncode == 2
    assert_clean_failure(out_of_force, "policy_not_in_force")
    assert "不在施行期内" in out_of_force.stderr


def test_hours_check_bad_input_is_exit_2_and_names_the_problem(tmp_path: Path) -> None:
    empty = write_records(tmp_path / "empty.csv", [])
    assert_clean_failure(result := run(*check(empty)), "no_records")
    assert result.returncode == 2
    assert "没有任何学习记录" in result.stderr
    unknown = run(*check(DEMO / "activities.csv", "--id-number", ZHANG, series="教育"))
    assert unknown.returncode == 2
    assert_clean_failure(unknown, "unknown_series")
    elsewhere = run(*check(DEMO / "activities.csv", "--id-number", ZHANG, "--region", "360102"))
    assert elsewhere.returncode == 2
    assert_clean_failure(elsewhere, "outside_jurisdiction")
    accountant = run(*check(DEMO / "activities.csv", "--id-number", ZHANG, series="会计"))
    assert accountant.returncode == 2
    assert_clean_failure(accountant, "series_own_policy")
    assert "gd-acct-2018" in accountant.stderr


def test_a_file_with_thousands_of_bad_rows_lists_the_first_100_and_the_count(
    tmp_path: Path,
) -> None:
    rows = [
        f"{ZHANG},2025,public,online_course,课{i},,-1,,2025-03-01,,confirmed," for i in range(2500)
    ]
    records = write_records(tmp_path / "bad.csv", rows)
    result = run(*check(records))
    assert result.returncode == 2
    assert_clean_failure(result, "import_rejected")
    assert "2500 行有误" in result.stderr
    assert "第 101 行" in result.stderr  # line 1 is the header: rows 2 to 101 are listed
    assert "第 102 行" not in result.stderr
    assert "另有 2400 行错误未列出" in result.stderr


def test_a_date_that_does_not_exist_says_so(tmp_path: Path) -> None:
    records = write_records(tmp_path / "r.csv", [])
    result = run(
        "hours", "cycle", "--records", str(records), "--series", "工程技术",
        "--title-date", "2012-02-30", "--apply-date", "2016-07-01",
    )  # fmt: skip
    assert result.returncode == 2
    assert "no such date: 2012-02-30" in result.stderr
    assert "没有 2012-02-30 这一天" in result.stderr
    badly_written = run(
        "hours", "cycle", "--records", str(records), "--series", "工程技术",
        "--title-date", "2012/02/01", "--apply-date", "2016-07-01",
    )  # fmt: skip
    assert badly_written.returncode == 2
    assert "YYYY-MM-DD" in badly_written.stderr


def test_hours_cycle_june_30_boundary(tmp_path: Path) -> None:
    rows = [
        f"{ZHANG},{year},{category},course,课{year}{category},C{year}{category},{hours},,"
        f"{year}-05-01,90,confirmed,hr_bureau"
        for year in (2013, 2014, 2015)
        for category, hours in (("public", 18), ("professional", 54))
    ]
    records = write_records(tmp_path / "cycle.csv", rows)

    def cycle(apply_date: str) -> list[str]:
        return [
            "hours", "cycle", "--records", str(records), "--series", "工程技术",
            "--title-date", "2012-03-01", "--apply-date", apply_date, "--json",
        ]  # fmt: skip

    on_june_30 = run(*cycle("2016-06-30"))
    body = json.loads(on_june_30.stdout)
    assert body["cycle_years"] == [2013, 2014, 2015]
    assert body["met"] is True
    assert on_june_30.returncode == 0
    on_july_1 = run(*cycle("2016-07-01"))
    body = json.loads(on_july_1.stdout)
    assert body["cycle_years"] == [2013, 2014, 2015, 2016]
    assert body["met"] is False
    assert on_july_1.returncode == 1
    assert body["shortfalls"][0]["rule"] == "cycle_total"
    after_2016 = run(*cycle("2017-01-01"))
    assert after_2016.returncode == 2
    assert_clean_failure(after_2016, "policy_not_in_force")


def shaoguan_home(issued_home: IssuedHome, tmp_path: Path) -> Path:
    """A copy of the issued home with a candidate registered in Shaoguan, issued for 2025."""
    home = tmp_path / "home"
    shutil.copytree(issued_home.home.root, home)
    people = tmp_path / "people.csv"
    people.write_text(
        "id_number,name,employer,series,title_level,title_date,region\n"
        f"{SHAOGUAN},黄晓明,韶关市第一人民医院,卫生技术,intermediate,2019-07-01,440203\n",
        "utf-8",
    )
    records = write_records(
        tmp_path / "records.csv",
        [
            f"{SHAOGUAN},2025,public,online_course,公需课,GX1,18,,2025-03-01,90,confirmed,system",
            f"{SHAOGUAN},2025,professional,face_to_face,临床新技术,,42,,2025-05-01,,confirmed,"
            "industry_authority",
            f"{SHAOGUAN},2025,elective,conference,学术会,,,2,2025-06-01,,confirmed,employer",
        ],
    )
    env = {"CECERT_PASSPHRASE": PASSPHRASE.decode()}
    for command in (
        ("import", "people", str(people)),
        ("import", "activities", str(records)),
        ("issue", "--year", "2025", "--person", SHAOGUAN),
    ):
        result = run(*command, env=env, home=home)
        assert result.returncode == 0, result.stdout + result.stderr
    return home


def test_title_check_against_the_registry(issued_home: IssuedHome, tmp_path: Path) -> None:
    home = shaoguan_home(issued_home, tmp_path)

    def title(id_number: str, rule: str, date: str) -> list[str]:
        return [
            "title", "check", "--home", str(home), "--id-number", id_number, "--level", "senior",
            "--rule", rule, "--date", date, "--json",
        ]  # fmt: skip

    shaoguan = run(*title(SHAOGUAN, "shaoguan-2019", "2025-12-01"))
    assert shaoguan.returncode == 0, shaoguan.stdout + shaoguan.stderr
    body = json.loads(shaoguan.stdout)
    assert [y["verdict"] for y in body["years"]] == ["met"]
    earlier = run(*title(SHAOGUAN, "shaoguan-2019", "2018-12-31"))
    assert earlier.returncode == 2
    assert_clean_failure(earlier, "policy_not_in_force")
    # A rule of one place does not judge a candidate registered in another.
    guangzhou = run(*title(ZHANG, "shaoguan-2019", "2025-12-01"))
    assert guangzhou.returncode == 2
    assert_clean_failure(guangzhou, "outside_jurisdiction")
    unknown = run(*title(ZHANG, "gd-2010", "2026-03-01"))
    assert unknown.returncode == 2
    assert_clean_failure(unknown, "unknown_rule")
