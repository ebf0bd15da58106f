"""Import of people and activities from real CSV, .xlsx and JSON Lines files."""

from __future__ import annotations

import csv
import datetime as dt
import pathlib
import zipfile
from collections.abc import Callable, Sequence
from decimal import Decimal

import pytest

from registry.errors import ImportRejected, RegistryError
from registry.importing import load_activities, load_people
from registry.model import Category, Person, RecordStatus, Role, TitleLevel
from tests.support.paths import DATA
from tests.support.workbooks import PEOPLE_HEADER, TODAY, CellValue, write_xlsx

Loader = Callable[..., Sequence[tuple[int, object]]]

ACTIVITY_HEADER = [
    "id_number",
    "year",
    "category",
    "kind",
    "title",
    "course_code",
    "hours",
    "days",
    "start_date",
    "end_date",
    "provider",
    "score",
    "role",
    "status",
]
ACTIVITY_ALL_COLUMNS = (
    "allowed: id_number, year, category, kind, title, status, course_code, hours, days, "
    "start_date, end_date, provider, score, role, confirmed_by"
)


def rejected(load: Loader, path: pathlib.Path) -> list[tuple[int, str]]:
    with pytest.raises(ImportRejected) as caught:
        load(path, today=TODAY)
    assert caught.value.reason == "import_rejected"
    assert caught.value.source == path.name
    return caught.value.problems


def refused(load: Loader, path: pathlib.Path) -> RegistryError:
    with pytest.raises(RegistryError) as caught:
        load(path, today=TODAY)
    assert not isinstance(caught.value, ImportRejected)
    return caught.value


# --- formats that parse -----------------------------------------------------------------


def test_csv_utf8_with_bom_as_excel_writes_it() -> None:
    people = load_people(DATA / "people_bom.csv", today=TODAY)

    assert [line for line, _ in people] == [2, 3, 4]
    assert people[0][1] == Person(
        id_number="440106198507151230",
        name="𠈌立新",
        employer="广州市第一人民医院",
        series="卫生技术",  # the alias 卫生 is stored under its official name
        title_level=TitleLevel.INTERMEDIATE,
        title_date=dt.date(2015, 7, 1),
        region="440106",
    )
    assert people[1][1].name == "王䶮"
    assert people[2][1].name == "李堃"
    assert people[2][1].id_number == "11010519491231002X"  # lower-case x normalised
    assert people[2][1].title_level is TitleLevel.JUNIOR


def test_csv_without_bom_skips_blank_lines_and_keeps_physical_line_numbers() -> None:
    people = load_people(DATA / "people_plain.csv", today=TODAY)

    assert [(line, person.name) for line, person in people] == [(2, "陈堃"), (4, "周䶮")]
    assert [person.title_level for _, person in people] == [TitleLevel.SENIOR, TitleLevel.JUNIOR]


def test_bom_makes_no_difference(tmp_path: pathlib.Path) -> None:
    text = (DATA / "people_bom.csv").read_bytes().removeprefix(b"\xef\xbb\xbf")
    (tmp_path / "no_bom.csv").write_bytes(text)

    assert load_people(tmp_path / "no_bom.csv", today=TODAY) == load_people(
        DATA / "people_bom.csv", today=TODAY
    )


def test_csv_activities_hours_days_and_a_value_spanning_two_lines() -> None:
    activities = load_activities(DATA / "activities.csv", today=TODAY)

    # The quoted title of line 3 ends with a line break, on line 4, so the next record starts
    # on line 5; the break is stripped with the value's surrounding white space (one inside a
    # value is refused: tests/registry/test_import_limits.py).
    assert [line for line, _ in activities] == [2, 3, 5, 6, 7]
    first, second, achievement, conference, repeated = (item for _, item in activities)
    assert first.category is Category.PUBLIC
    assert first.minutes == 12 * 60
    assert first.score == Decimal("88.5")
    assert first.course_code == "GX2024-01"
    assert first.status is RecordStatus.CONFIRMED
    assert second.title == "医院感染管理实务培训"
    assert second.minutes == 900  # 2.5 days × 6 hours
    assert second.course_code == ""
    assert second.category is Category.PROFESSIONAL
    assert achievement.role is Role.MAIN
    assert achievement.minutes == 0
    assert achievement.start_date is None
    assert conference.minutes == 180  # half a day
    assert repeated == conference  # exact duplicates are kept for the store to merge


def test_jsonl_activities() -> None:
    activities = load_activities(DATA / "activities.jsonl", today=TODAY)

    assert [line for line, _ in activities] == [1, 3, 4]
    online, reading, paper = (item for _, item in activities)
    assert online.minutes == 90  # JSON 1.5 read as Decimal, not float
    assert online.score == Decimal(92)
    assert reading.id_number == "11010519491231002X"
    assert reading.title == "堃山书院读书会"
    assert reading.minutes == 180
    assert reading.course_code == ""  # null means missing
    assert reading.start_date == dt.date(2023, 11, 4)
    assert paper.role is Role.CONTRIBUTOR
    assert paper.category is Category.PROFESSIONAL


def test_jsonl_people_accept_numbers_as_text() -> None:
    people = load_people(DATA / "people.jsonl", today=TODAY)

    assert [(line, person.name, person.region) for line, person in people] == [
        (1, "𠈌立新", "440106"),
        (2, "周䶮", "342524"),
    ]


def test_xlsx_typed_cells_are_normalised(tmp_path: pathlib.Path) -> None:
    path = write_xlsx(
        tmp_path / "activities.xlsx",
        {
            1: ACTIVITY_HEADER,
            2: [
                "440106198507151230",
                2024,
                "公需科目",
                "online_course",
                "𠈌字考释",
                None,
                1.1,  # not exact as a float; must still be exactly 66 minutes
                None,
                dt.datetime(2024, 3, 1),
                dt.date(2024, 3, 2),
                "广东省继续教育平台",
                90.5,
                None,
                "confirmed",
            ],
            # row 3 left empty: skipped, and row numbers stay those of the sheet
            4: [
                "11010519491231002x",
                2024.0,
                "选修",
                "face_to_face",
                "䶮书法",
                "XX-7",
                None,
                0.5,
                None,
                None,
                None,
                None,
                None,
                "declared",
            ],
        },
    )
    activities = load_activities(path, today=TODAY)

    assert [line for line, _ in activities] == [2, 4]
    online, calligraphy = (item for _, item in activities)
    assert online.minutes == 66
    assert online.start_date == dt.date(2024, 3, 1)
    assert online.end_date == dt.date(2024, 3, 2)
    assert online.score == Decimal("90.5")
    assert online.title == "𠈌字考释"
    assert calligraphy.year == 2024
    assert calligraphy.minutes == 180
    assert calligraphy.id_number == "11010519491231002X"


def test_xlsx_people_with_date_cells(tmp_path: pathlib.Path) -> None:
    path = write_xlsx(
        tmp_path / "people.xlsx",
        {
            1: PEOPLE_HEADER,
            2: [
                "440304199001015672",
                "王䶮",
                "深圳市建筑设计研究院",
                "工程",
                "高级",
                dt.datetime(2019, 12, 20),
                440304,
            ],
        },
    )

    [(line, person)] = load_people(path, today=TODAY)

    assert line == 2
    assert person.title_date == dt.date(2019, 12, 20)
    assert person.region == "440304"


def rewrite_sheet_xml(path: pathlib.Path, old: str, new: str) -> None:
    """Edit the first sheet's XML in place, to write a number the way another program would.

    openpyxl itself writes every number through a float, so an 18-digit integer can only be
    stored exactly by editing the file.
    """
    with zipfile.ZipFile(path) as archive:
        entries = {info: archive.read(info) for info in archive.infolist()}
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for info, data in entries.items():
            if info.filename == "xl/worksheets/sheet1.xml":
                assert old.encode() in data
                data = data.replace(old.encode(), new.encode())
            archive.writestr(info, data)


def test_xlsx_id_number_stored_as_number(tmp_path: pathlib.Path) -> None:
    def row(id_number: CellValue, name: str) -> list[CellValue]:
        return [id_number, name, "广州市第一人民医院", "卫生", "中级", "2015-07-01", "440106"]

    path = write_xlsx(
        tmp_path / "people.xlsx",
        {
            1: PEOPLE_HEADER,
            2: row(440106198507151230, "stored as float 4.401061985071512e+17: digits lost"),
            3: row(11111, "placeholder for an exact integer"),
            4: row(22222, "what Excel leaves of 110105194912310021"),
            5: row("11010519491231002X", "text: fine"),
        },
    )
    rewrite_sheet_xml(path, "<v>11111</v>", "<v>440304199001015672</v>")
    rewrite_sheet_xml(path, "<v>22222</v>", "<v>110105194912310000</v>")

    problems = rejected(load_people, path)

    lost = "id_number: ID number stored as a number loses digits; format the column as text"
    assert problems == [(2, lost), (4, lost)]  # row 3 holds all 18 digits: accepted


def test_xlsx_exact_integer_id_number_is_accepted(tmp_path: pathlib.Path) -> None:
    path = write_xlsx(
        tmp_path / "people.xlsx",
        {1: PEOPLE_HEADER, 2: [11111, "王䶮", "医院", "工程", "中级", "2015-07-01", 440304]},
    )
    rewrite_sheet_xml(path, "<v>11111</v>", "<v>440304199001015672</v>")

    [(line, person)] = load_people(path, today=TODAY)

    assert (line, person.id_number, person.region) == (2, "440304199001015672", "440304")


def test_xlsx_days_and_hours_are_never_computed_with_floats(tmp_path: pathlib.Path) -> None:
    start: list[CellValue] = ["440106198507151230", 2024, "public", "online_course", "课程", None]
    path = write_xlsx(
        tmp_path / "activities.xlsx",
        {
            1: ACTIVITY_HEADER,
            # As floats 1.1 * 60 == 66.00000000000001 and 0.1 * 6 * 60 == 36.00000000000001.
            2: [*start, 1.1, None, None, None, None, None, None, "confirmed"],
            3: [*start, None, 0.1, None, None, None, None, None, "confirmed"],
        },
    )

    activities = load_activities(path, today=TODAY)

    assert [(line, activity.minutes) for line, activity in activities] == [(2, 66), (3, 36)]


# --- bad rows: every one reported, with its line -------------------------------------------


def test_bad_activity_rows_are_all_reported_in_one_rejection() -> None:
    problems = rejected(load_activities, DATA / "activities_bad.csv")

    assert problems == [
        (3, "id_number: check character should be 0, not 1"),
        (
            4,
            # The title's line break (a quoted value spanning lines 4 and 5) is refused too.
            "title: 第 5 个字符 U+000A 是控制字符，不允许，请删去 (character 5, U+000A, is a "
            "control character, not allowed: remove it); "
            "start_date: 2024-02-30 is not a real date",
        ),
        (
            6,
            "category: '公共课' is not one of public, professional, elective "
            "(or 公需科目, 专业科目, 选修科目, 公需, 专业, 选修)",
        ),
        (7, "hours, days: give hours or days, not both"),
        (8, "status: missing"),
        (
            10,
            "end_date: 2024-06-01 is before start_date 2024-06-02; "
            "score: 101 is more than 100; "
            "role: 'boss' is not one of main, contributor (or 主创, 非主创); "
            "year 1980 is out of range",
        ),
        (11, "days: 0.01 is not a whole number of minutes"),
    ]


def test_bad_people_rows_and_a_conflicting_repeat() -> None:
    problems = rejected(load_people, DATA / "people_bad.csv")

    assert problems == [
        (3, "title_level: '副高' is not one of junior, intermediate, senior (or 初级, 中级, 高级)"),
        (4, "id_number: the same person is on line 2 with a different employer, title_level"),
        (
            6,
            "id_number: birth date 2025-03-01 (characters 7-14) is in the future "
            "(after 2025-01-15); "
            "title_date: '2019/12/20' is not a date written YYYY-MM-DD; "
            "region: '44030' is not a six-digit administrative division code",
        ),
        (7, "name: missing"),
    ]


def test_bad_jsonl_lines() -> None:
    problems = rejected(load_activities, DATA / "activities_bad.jsonl")

    assert problems == [
        (2, "not valid JSON: Expecting property name enclosed in double quotes (column 50)"),
        (3, "is an array, not a JSON object"),
        (4, f"unknown column(s) 'teacher'; {ACTIVITY_ALL_COLUMNS}"),
        (5, "hours: true/false is not a valid value"),
        (6, "not valid JSON: key 'year' appears twice"),
        (7, "not valid JSON: NaN is not a number"),
        (9, "year: '2024.0' is not a four-digit year"),
    ]


def test_rows_that_do_not_fit_the_header(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "people.csv"
    good = "440106198507151230,𠈌立新,广州市第一人民医院,卫生,中级,2015-07-01,440106"
    path.write_text(
        f"{','.join(PEOPLE_HEADER)},\n{good},\n{good},extra\n{good[:-7]}\n", encoding="utf-8"
    )

    assert rejected(load_people, path) == [
        (3, "column 8 has a value but no name in the header"),
        (4, "has 6 values but the header has 8 columns; region: missing"),
    ]


def test_xlsx_cells_that_are_not_values(tmp_path: pathlib.Path) -> None:
    path = write_xlsx(
        tmp_path / "people.xlsx",
        {
            1: PEOPLE_HEADER,
            2: ["440106198507151230", True, "医院", "卫生", "中级", dt.time(9, 30), "440106"],
        },
    )

    assert rejected(load_people, path) == [
        (
            2,
            "name: TRUE/FALSE is not a valid value; "
            "title_date: a time or duration is not a valid value",
        )
    ]


# --- whole-file refusals ----------------------------------------------------------------


def test_unknown_and_missing_columns_are_refused_before_any_row(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "activities.csv"
    header = [*ACTIVITY_HEADER[:-1], "teacher"]  # "status" missing, "teacher" unknown
    path.write_text(",".join(header) + "\nnot,even,a,row\n", encoding="utf-8")

    error = refused(load_activities, path)

    assert error.reason == "bad_header"
    assert "activities.csv line 1:" in str(error)
    assert "unknown column(s) 'teacher'" in str(error)
    assert "missing required column(s) 'status'" in str(error)


def test_header_needs_hours_or_days_and_no_repeats(tmp_path: pathlib.Path) -> None:
    path = write_xlsx(
        tmp_path / "activities.xlsx",
        {1: ["id_number", "year", "category", "kind", "title", "status", "title"]},
    )

    error = refused(load_activities, path)

    assert error.reason == "bad_header"
    assert "repeated column(s) 'title'" in str(error)
    assert "it needs one of the columns 'hours', 'days'" in str(error)


def test_gbk_file_is_refused_naming_the_line(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "people.csv"
    rows = [
        ",".join(PEOPLE_HEADER),
        "440304199001015672,Wang Yan,SZ Design Institute,engineering,senior,2019-12-20,440304",
        "360102197811200041,陈堃,江西省南昌市财政局,会计,高级,2012-03-15,360102",
    ]
    path.write_bytes("\r\n".join(rows).encode("gbk"))

    error = refused(load_people, path)

    assert error.reason == "not_utf8"
    assert str(error).startswith("people.csv line 3: the file looks like it is not UTF-8")
    assert '"CSV UTF-8' in str(error)
    assert isinstance(error.__cause__, UnicodeDecodeError)


def test_utf16_file_is_refused(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "people.csv"
    path.write_bytes(",".join(PEOPLE_HEADER).encode("utf-16"))

    assert refused(load_people, path).reason == "not_utf8"


@pytest.mark.parametrize("name", ["people.xls", "people.txt", "people"])
def test_unsupported_extension(tmp_path: pathlib.Path, name: str) -> None:
    path = tmp_path / name
    path.write_text(",".join(PEOPLE_HEADER), encoding="utf-8")

    assert refused(load_people, path).reason == "unsupported_format"


@pytest.mark.parametrize("name", ["missing.csv", "missing.xlsx", "missing.jsonl"])
def test_missing_file(tmp_path: pathlib.Path, name: str) -> None:
    error = refused(load_people, tmp_path / name)

    assert error.reason == "unreadable_file"
    assert isinstance(error.__cause__, OSError)


def test_corrupt_workbook(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "people.xlsx"
    path.write_bytes(b"PK\x03\x04 this is not really a zip archive")

    error = refused(load_people, path)

    assert error.reason == "unreadable_file"
    assert error.__cause__ is not None


def test_unbalanced_quote_is_an_error_not_a_swallowed_file(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "people.csv"
    path.write_text(
        ",".join(PEOPLE_HEADER) + '\n440106198507151230,"𠈌立新,医院,卫生,中级,2015-07-01,440106\n',
        encoding="utf-8",
    )

    error = refused(load_people, path)

    assert error.reason == "unreadable_file"
    assert isinstance(error.__cause__, csv.Error)


@pytest.mark.parametrize(("name", "content"), [("empty.csv", b""), ("empty.xlsx", None)])
def test_empty_file_has_no_header(tmp_path: pathlib.Path, name: str, content: bytes | None) -> None:
    path = tmp_path / name
    if content is None:
        write_xlsx(path, {})
    else:
        path.write_bytes(content)

    assert refused(load_people, path).reason == "bad_header"


def test_header_only_file_imports_nothing(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "people.csv"
    path.write_text(",".join(PEOPLE_HEADER) + "\n", encoding="utf-8")

    assert load_people(path, today=TODAY) == []


# --- title series and achievements (docs/formats.md) ------------------------------------


def test_an_unknown_title_series_is_a_bad_row_and_an_alias_is_stored_officially(
    tmp_path: pathlib.Path,
) -> None:
    path = tmp_path / "people.csv"
    path.write_text(
        "id_number,name,employer,series,title_level,title_date,region\n"
        "440106198507151230,𠈌立新,广州市第一人民医院,护理,中级,2015-07-01,440106\n"
        "11010519491231002X,李堃,北京市东城区教育局,教育,初级,2010-09-01,110105\n",
        "utf-8",
    )
    problems = rejected(load_people, path)
    assert [line for line, _message in problems] == [3]
    assert problems[0][1].startswith("series: 职称系列“教育”不在国家职称系列目录中")
    path.write_text(
        path.read_text("utf-8").splitlines()[0]
        + "\n"
        + path.read_text("utf-8").splitlines()[1]
        + "\n",
        "utf-8",
    )
    ((_line, person),) = load_people(path, today=TODAY)
    assert person.series == "卫生技术"


def test_an_achievement_needs_no_hours_but_any_other_row_does(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "records.csv"
    header = "id_number,year,category,kind,title,hours,days,role,status\n"
    path.write_text(
        header
        + "440106198507151230,2015,professional,patent,一种护理床,,,主创,confirmed\n"
        + "440106198507151230,2015,professional,face_to_face,研修班,,,,confirmed\n",
        "utf-8",
    )
    problems = rejected(load_activities, path)
    assert [line for line, _message in problems] == [3]
    assert "hours, days: 须填写学时或天数之一" in problems[0][1]
    path.write_text(header + path.read_text("utf-8").splitlines()[1] + "\n", "utf-8")
    ((_line, achievement),) = load_activities(path, today=TODAY)
    assert (achievement.minutes, achievement.role) == (0, Role.MAIN)
