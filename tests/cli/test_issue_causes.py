"""A batch says why it skipped people, in Chinese, grouped: a bureau whose whole sheet lacks
a column sees it in one line, and nobody is told they "completed 0 hours" that they recorded.
"""

from __future__ import annotations

import csv
from pathlib import Path

from tests.conftest import PASSPHRASE, IssuedHome
from tests.support.cli import assert_clean_failure, run
from tests.support.faults import synthetic_id

TEACHERS = 1000


def write_csv(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as out:
        csv.writer(out).writerows(rows)
    return path


def test_a_sheet_of_teachers_without_the_confirmer_column_is_one_grouped_line(
    tmp_path: Path,
) -> None:
    env = {"CECERT_PASSPHRASE": PASSPHRASE.decode()}
    home = tmp_path / "home"
    assert run("init", env=env, home=home).returncode == 0
    ids = [synthetic_id(index) for index in range(TEACHERS)]
    people = write_csv(
        tmp_path / "people.csv",
        [
            ["id_number", "name", "employer", "series", "title_level", "title_date", "region"],
            *(
                [id_number, f"教师{index}", "番禺区实验中学", "中小学教师", "intermediate",
                 "2016-09-01", id_number[:6]]
                for index, id_number in enumerate(ids)
            ),
        ],
    )  # fmt: skip
    # The sheet has no confirmed_by column: the bureau that imports it stands for every
    # record, which the education sector's professional hours do not accept (001 三).
    header = ["id_number", "year", "category", "kind", "title", "hours", "end_date", "status"]
    rows = [header]
    for id_number in ids:
        rows += [
            [id_number, "2025", "public", "online_course", "公需课", "18", "2025-03-01",
             "confirmed"],
            [id_number, "2025", "professional", "face_to_face", "课堂教学设计", "42", "2025-07-01",
             "confirmed"],
            [id_number, "2025", "elective", "conference", "教研活动", "12", "2025-10-01",
             "confirmed"],
        ]  # fmt: skip
    records = write_csv(tmp_path / "records.csv", rows)
    env = {"CECERT_PASSPHRASE": PASSPHRASE.decode()}
    assert run("import", "people", str(people), env=env, home=home).returncode == 0
    assert run("import", "activities", str(records), env=env, home=home).returncode == 0

    issued = run("issue", "--year", "2025", env=env, home=home)
    assert issued.returncode == 0, issued.stderr
    out = issued.stdout
    assert f"发证 0 份，未发证 {TEACHERS} 人 (0 issued, {TEACHERS} skipped)" in out
    grouped = [line for line in out.splitlines() if line.startswith("  ") and " 人：" in line]
    assert len(grouped) == 1, grouped
    assert grouped[0].startswith(f"  {TEACHERS} 人：记录未注明认定单位（confirmed_by 为空）")
    assert grouped[0].endswith("（confirmer_unstated）")
    first = next(line for line in out.splitlines() if line.startswith("未发证 "))
    assert (
        "专业科目记录42学时，计入0学时：中小学教师系列的专业科目须由行业主管部门认定（001 三）"
        in first
    )
    assert "完成0学时" not in out


ACCOUNTANT = "440105199211230069"  # 刘芳, 会计, in the demo people


def test_series_with_their_own_policy_are_issued_under_it(issued_home: IssuedHome) -> None:
    """Without --policy, the accountant is judged by gd-acct-2018 (001 一, 从其规定)."""
    (document,) = [d for d in issued_home.documents if d.id_number == ACCOUNTANT]
    assert document.policy_id == "gd-acct-2018"
    assert document.summary.total_required == 90 * 60
    others = {d.policy_id for d in issued_home.documents if d.id_number != ACCOUNTANT}
    assert others == {"gd-2010"}


def test_an_explicit_policy_skips_whom_it_may_not_judge_and_dates_are_refused(
    fresh_home: IssuedHome,
) -> None:
    env = {"CECERT_PASSPHRASE": PASSPHRASE.decode()}
    home = fresh_home.home.root
    explicit = run(
        "issue", "--year", "2025", "--policy", "gd-2010", "--person", ACCOUNTANT,
        env=env, home=home,
    )  # fmt: skip
    assert explicit.returncode == 0, explicit.stderr
    assert "会计系列自2018年起按其本行业规定执行，适用政策 gd-acct-2018" in explicit.stdout
    assert "（series_own_policy）" in explicit.stdout
    assert "发证 0 份，未发证 1 人" in explicit.stdout
    too_early = run("issue", "--year", "2017", "--policy", "gd-acct-2018", env=env, home=home)
    assert_clean_failure(too_early, "policy_not_in_force")
    assert "不在施行期内" in too_early.stderr
