"""Hostile names and limits at import, and a batch that one person cannot stop (issue 14).

Import refuses, by line and column and naming the character as U+XXXX, the control, format,
private-use, surrogate and unassigned code points that would abort a year's batch at drawing
or make one name look like another; it refuses names past the length whose QR payload
verifiers accept, and files past the row and size limits, early and cheaply. Issuance skips,
and reports, anyone whose certificate cannot be made from data stored before these checks,
and issues everyone else. Real files, a real registry, real sealed PDFs.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import pathlib
import struct
import subprocess
import sys
import zipfile
from collections.abc import Callable, Sequence

import pytest

from keys import parse_trust_list
from keys.private import open_key_ring
from registry.errors import ImportRejected, RegistryError
from registry.file_imports import ImportKind, import_file
from registry.home import Home
from registry.importing import limits, load_activities, load_people
from registry.importing.limits import MAX_FILE_BYTES, MAX_ROWS, MAX_UNPACKED_BYTES
from registry.model import NAME_MAX_CHARS, DocumentKind, Person, TitleLevel
from registry.payload import Claims, decode_payload, encode_payload
from registry.payload.text import MAX_TEXT
from registry.store import Registry
from signer import Issuer, init_home
from signer.document.qr_symbol import qr_rows
from tests.conftest import CONFIG
from tests.conftest import PASSPHRASE as HOME_PASSPHRASE
from tests.support.faults import (
    PASSPHRASE,
    YEAR,
    FaultHome,
    assert_consistent,
    cecert_env,
    inspect_home,
    make_fault_home,
    qualifying_records,
    synthetic_id,
)
from tests.support.workbooks import PEOPLE_HEADER, TODAY, write_xlsx
from verifier import RegistryStatus, Verdict, Verifier

AT = dt.datetime(2025, 1, 15, 9, 0, tzinfo=dt.UTC)
GOOD = ["440106198507151230", "王伟", "广州市第一人民医院", "卫生", "中级", "2015-07-01", "440106"]


def person_row(index: int, **changes: str) -> list[str]:
    """A valid people row (a distinct synthetic ID number per ``index``), with ``changes``."""
    id_number = synthetic_id(index)
    row = dict(zip(PEOPLE_HEADER, GOOD, strict=True))
    row.update(id_number=id_number, region=id_number[:6], **changes)
    return [row[column] for column in PEOPLE_HEADER]


def write_csv(path: pathlib.Path, rows: Sequence[Sequence[str]]) -> pathlib.Path:
    with path.open("w", encoding="utf-8", newline="") as out:
        csv.writer(out).writerows(rows)
    return path


def rejected(
    path: pathlib.Path, load: Callable[..., Sequence[object]] = load_people
) -> dict[int, str]:
    with pytest.raises(ImportRejected) as caught:
        load(path, today=TODAY)
    return dict(caught.value.problems)


def refused(path: pathlib.Path, reason: str) -> RegistryError:
    with pytest.raises(RegistryError) as caught:
        load_people(path, today=TODAY)
    assert caught.value.reason == reason, caught.value
    assert not isinstance(caught.value, ImportRejected)
    return caught.value


# --- characters -------------------------------------------------------------------------

HOSTILE = [
    ("\u202e", "U+202E", "格式控制字符", "RIGHT-TO-LEFT OVERRIDE"),
    ("\u200d", "U+200D", "格式控制字符", "ZERO WIDTH JOINER"),
    ("\u200b", "U+200B", "格式控制字符", "ZERO WIDTH SPACE"),
    ("\u00ad", "U+00AD", "格式控制字符", "SOFT HYPHEN"),
    ("\ufeff", "U+FEFF", "格式控制字符", "ZERO WIDTH NO-BREAK SPACE"),
    ("\x1b", "U+001B", "控制字符", "control character"),
    ("\x00", "U+0000", "控制字符", "control character"),
    ("\x07", "U+0007", "控制字符", "control character"),
    ("\t", "U+0009", "控制字符", "control character"),
    ("\n", "U+000A", "控制字符", "control character"),
    ("\r", "U+000D", "控制字符", "control character"),
    ("\x7f", "U+007F", "控制字符", "control character"),
    ("\x85", "U+0085", "控制字符", "control character"),
    ("\u2028", "U+2028", "行分隔符", "LINE SEPARATOR"),
    ("\u2029", "U+2029", "段分隔符", "PARAGRAPH SEPARATOR"),
    ("\ue000", "U+E000", "私用区字符", "private-use character"),
    ("\U000f0000", "U+F0000", "私用区字符", "private-use character"),
    ("\u0378", "U+0378", "未分配的码位", "unassigned code point"),
    ("\uffff", "U+FFFF", "未分配的码位", "unassigned code point"),
    ("\U000e0000", "U+E0000", "未分配的码位", "unassigned code point"),
]


def test_every_hostile_character_in_every_text_column_is_refused_by_line_and_column(
    tmp_path: pathlib.Path,
) -> None:
    """One row per character and column (in the middle of the value, where stripping does
    not reach); a newline inside a quoted cell moves the following rows down."""
    rows: list[list[str]] = [PEOPLE_HEADER]
    expected: dict[int, tuple[str, str, str, str]] = {}
    line = 2
    for index, (char, code, kind_zh, kind) in enumerate(HOSTILE):
        for column in ("name", "employer"):
            value = {"name": f"王{char}伟", "employer": f"广州市{char}第一人民医院"}[column]
            rows.append(person_row(2 * index + column.startswith("e"), **{column: value}))
            expected[line] = (column, code, kind_zh, kind)
            line += 1 + value.count("\n") + value.count("\r")
    path = write_csv(tmp_path / "people.csv", rows)

    problems = rejected(path)

    assert sorted(problems) == sorted(expected)
    for line, (column, code, kind_zh, kind) in expected.items():
        position = 2 if column == "name" else 4
        message = problems[line]
        # Chinese first, the column, the character by its code point only (never raw).
        assert message.startswith(f"{column}: 第 {position} 个字符 {code} 是{kind_zh}"), message
        assert kind in message
        assert message.isprintable(), repr(message)


def test_a_surrogate_escaped_in_json_lines_is_refused(tmp_path: pathlib.Path) -> None:
    good = dict(zip(PEOPLE_HEADER, person_row(1), strict=True))
    lines = [
        json.dumps({**good, "name": "王\ud800伟"}),  # json.dumps escapes it: "\\ud800"
        json.dumps({**good, "employer": "医院\u202e"}, ensure_ascii=False),
        json.dumps(dict(zip(PEOPLE_HEADER, person_row(2), strict=True)), ensure_ascii=False),
    ]
    path = tmp_path / "people.jsonl"
    path.write_text("\n".join(lines) + "\n", "utf-8")

    problems = rejected(path)

    assert set(problems) == {1, 2}
    assert problems[1].startswith("name: 第 2 个字符 U+D800 是代理码位")
    assert problems[2].startswith("employer: 第 3 个字符 U+202E 是格式控制字符")


def test_hostile_characters_in_a_workbook_are_refused_by_row(tmp_path: pathlib.Path) -> None:
    path = write_xlsx(
        tmp_path / "people.xlsx",
        {
            1: PEOPLE_HEADER,
            2: person_row(1, name="张\u202e伟"),
            3: person_row(2, employer="广州\u200d地铁"),
            4: person_row(3, name="李\n四"),
            5: person_row(4, name="赵\u2028敏"),
            6: person_row(5),
        },
    )

    problems = rejected(path)

    assert {line: message.split("，")[0] for line, message in problems.items()} == {
        2: "name: 第 2 个字符 U+202E 是格式控制字符",
        3: "employer: 第 3 个字符 U+200D 是格式控制字符",
        4: "name: 第 2 个字符 U+000A 是控制字符",
        5: "name: 第 2 个字符 U+2028 是行分隔符",
    }


def test_activity_text_columns_are_checked_too(tmp_path: pathlib.Path) -> None:
    header = ["id_number", "year", "category", "kind", "title", "course_code", "hours",
              "provider", "status"]  # fmt: skip
    good = [synthetic_id(1), "2025", "公需", "online_course", "法治教育", "GX-1", "6",
            "广东省专业技术人员继续教育平台", "confirmed"]  # fmt: skip

    def row(column: str, value: str) -> list[str]:
        return [value if name == column else cell for name, cell in zip(header, good, strict=True)]

    path = write_csv(
        tmp_path / "activities.csv",
        [header, row("title", "法治\u202e教育"), row("provider", "平台\x1b[2J"),
         row("kind", "online\u200dcourse"), row("course_code", "GX\ue0001"), good],
    )  # fmt: skip

    problems = rejected(path, load_activities)

    assert {line: message.split(" 是")[0] for line, message in problems.items()} == {
        2: "title: 第 3 个字符 U+202E",
        3: "provider: 第 3 个字符 U+001B",
        4: "kind: 第 7 个字符 U+200D",
        5: "course_code: 第 3 个字符 U+E000",
    }


def test_what_real_names_use_is_accepted(tmp_path: pathlib.Path) -> None:
    """Minority names with the middle dot, rare characters inside and outside the BMP, the
    ideographic space some rosters pad two-character names with, and a name at the limit."""
    names = [
        "阿卜杜热合曼·买买提艾力",
        "𠈌立新",
        "王　伟",
        "欧阳䶮",
        "阿" * NAME_MAX_CHARS,
        "Maria Fernanda Gonzalez",
    ]
    path = write_csv(
        tmp_path / "people.csv",
        [PEOPLE_HEADER, *(person_row(index, name=name) for index, name in enumerate(names))],
    )

    people = load_people(path, today=TODAY)

    assert [person.name for _line, person in people] == names


# --- lengths ----------------------------------------------------------------------------


def test_a_name_past_the_limit_is_refused_with_the_limit_named(tmp_path: pathlib.Path) -> None:
    path = write_csv(
        tmp_path / "people.csv",
        [
            PEOPLE_HEADER,
            person_row(1, name="阿" * (NAME_MAX_CHARS + 1)),
            person_row(2, name="王" * 600),
            person_row(3, employer="广" * 101),
            person_row(4),
        ],
    )

    problems = rejected(path)

    assert problems == {
        2: "name: 共 51 个字符，超过上限 50 个字符 (51 characters, more than the limit of 50)",
        3: "name: 共 600 个字符，超过上限 50 个字符 (600 characters, more than the limit of 50)",
        4: "employer: 共 101 个字符，超过上限 100 个字符 "
        "(101 characters, more than the limit of 100)",
    }


def test_the_longest_name_allowed_fits_the_qr_payload_verifiers_accept() -> None:
    """The name is the payload's only text of variable length. At the limit, in characters of
    four bytes, with every other claim at its widest, the real codec's text is accepted by
    the decoder every verifier uses, and fits a QR symbol; the 600-character name of the
    issue did not."""

    def text(name: str) -> str:
        claims = Claims(
            number="440100999999994",
            edition=99,
            kind=DocumentKind.CORRECTION,
            year=2100,
            name=name,
            masked_id="4401**********123X",
            id_salt=bytes(8),
            id_digest=bytes(16),
            hours=(9_999_999, 9_999_999, 9_999_999, 9_999_999),
            policy_id="ah-guangde-2020",
            issuer="440100",
            issued_on=dt.date(2100, 12, 31),
            title_level=TitleLevel.INTERMEDIATE,
        )
        # An ES256 signature is always 64 bytes; its value does not change the size.
        return encode_payload(claims, kid=bytes(8), sign=lambda _data: bytes(64))

    longest = text("𠈌" * NAME_MAX_CHARS)
    assert decode_payload(longest).claims.name == "𠈌" * NAME_MAX_CHARS
    assert len(longest) < MAX_TEXT / 2  # far inside, not at the edge
    assert qr_rows(longest)
    with pytest.raises(RegistryError) as caught:
        decode_payload(text("王" * 600))
    assert caught.value.reason == "payload_too_large"


# --- file limits ------------------------------------------------------------------------


def test_a_file_past_the_size_limit_is_refused_before_it_is_read(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "people.csv"
    with path.open("wb") as out:
        out.write(b"\xff\xfe not even UTF-8")  # never read: the size alone refuses it
        out.truncate(MAX_FILE_BYTES + 1)  # sparse: no disk used

    error = refused(path, "file_too_large")

    assert str(error).startswith(f"people.csv：文件有 {MAX_FILE_BYTES + 1:,} 字节，")
    assert "超过导入文件大小上限 100 MB" in str(error)
    assert "import file size limit of 100 MB" in str(error)


def test_a_csv_past_the_row_limit_is_refused_at_the_first_row_too_many(
    tmp_path: pathlib.Path,
) -> None:
    """The reader stops there: the broken quoting after it is never reached."""
    row = ",".join(person_row(1)) + "\n"
    path = tmp_path / "people.csv"
    with path.open("w", encoding="utf-8") as out:
        out.write(",".join(PEOPLE_HEADER) + "\n")
        out.write(row * (MAX_ROWS + 1))
        out.write('"unclosed quote\n')

    error = refused(path, "too_many_rows")

    line = MAX_ROWS + 2
    assert str(error).startswith(f"people.csv 第 {line} 行 (line {line})：超过每个文件 200,000")
    assert "more than the limit of 200,000 data rows per file" in str(error)


def test_json_lines_past_the_row_limit_are_refused(
    tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A lower limit: the CSV test above reads rows up to the real one already.
    monkeypatch.setattr(limits, "MAX_ROWS", 1000)
    line = json.dumps(dict(zip(PEOPLE_HEADER, person_row(1), strict=True))) + "\n"
    path = tmp_path / "people.jsonl"
    path.write_text(line * 1001 + "not json\n", "utf-8")

    error = refused(path, "too_many_rows")

    assert str(error).startswith("people.jsonl 第 1001 行 (line 1001)：超过")


def _sheet_xml(rows: int, *, dimension: str | None, after: str = "") -> bytes:
    """A first sheet of a header and ``rows`` rows of one cell, then ``after``."""
    head = f'<dimension ref="{dimension}"/>' if dimension else ""
    body = "".join(
        f'<row r="{n}"><c r="A{n}" t="inlineStr"><is><t>x</t></is></c></row>'
        for n in range(2, rows + 2)
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f'{head}<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>id_number</t></is></c>'
        f"</row>{body}{after}</sheetData></worksheet>"
    ).encode()


def _replace_sheet(path: pathlib.Path, sheet: bytes) -> None:
    with zipfile.ZipFile(path) as archive:
        entries = {info: archive.read(info) for info in archive.infolist()}
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for info, data in entries.items():
            is_sheet = info.filename == "xl/worksheets/sheet1.xml"
            archive.writestr(info, sheet if is_sheet else data, zipfile.ZIP_DEFLATED)


def test_a_workbook_past_the_row_limit_is_refused_before_it_is_parsed(
    tmp_path: pathlib.Path,
) -> None:
    """The row elements are counted in the XML as it is unpacked: the broken XML after the
    limit is never parsed (openpyxl would call it unreadable), nor the rows before it."""
    path = write_xlsx(tmp_path / "people.xlsx", {1: PEOPLE_HEADER, 2: person_row(1)})
    _replace_sheet(path, _sheet_xml(MAX_ROWS + 1, dimension=None, after="<row><c><broken"))

    error = refused(path, "too_many_rows")

    assert str(error).startswith(
        f"people.xlsx 第 {MAX_ROWS + 2} 个行元素 (row element {MAX_ROWS + 2})：超过每个文件"
        " 200,000 行数据的上限，未导入任何内容；请分成几个文件导入；数据下方如有空行或只设了"
        "格式的行，请删去后另存 (more than the limit of 200,000 data rows per file"
    )


@pytest.mark.parametrize("dimension", [None, "A1:A2", "A1:G1000001"])
def test_the_rows_are_counted_whatever_the_sheet_declares(
    tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch, dimension: str | None
) -> None:
    """Missing, too small or too large: the stored dimension is not trusted either way."""
    # A lower limit: openpyxl reads 200,000 rows in 20-30 s on a slow machine.
    monkeypatch.setattr(limits, "MAX_ROWS", 1000)
    path = write_xlsx(tmp_path / "people.xlsx", {1: PEOPLE_HEADER, 2: person_row(1)})
    _replace_sheet(path, _sheet_xml(1000, dimension=dimension))
    refused(path, "bad_header")  # within the limit: read, and found wanting

    _replace_sheet(path, _sheet_xml(1001, dimension=dimension))

    error = refused(path, "too_many_rows")
    assert str(error).startswith("people.xlsx 第 1002 个行元素 (row element 1002)：超过每个文件")
    assert "1,000 行数据的上限" in str(error)


def test_a_workbook_that_unpacks_past_the_limit_is_refused_from_its_directory(
    tmp_path: pathlib.Path,
) -> None:
    """A ZIP bomb: the central directory states the sizes; nothing is unpacked."""
    path = write_xlsx(tmp_path / "people.xlsx", {1: PEOPLE_HEADER, 2: person_row(1)})
    data = bytearray(path.read_bytes())
    entry = data.index(b"PK\x01\x02")  # the first central directory entry
    struct.pack_into("<I", data, entry + 24, MAX_UNPACKED_BYTES + 1)  # its unpacked size
    path.write_bytes(bytes(data))

    error = refused(path, "file_too_large")

    assert "工作簿解压后有" in str(error)
    assert "over the limit of 1 GB" in str(error)


# --- all or nothing, in the registry and on the command line ----------------------------


def test_one_hostile_row_stores_nothing_of_the_file(tmp_path: pathlib.Path) -> None:
    home = init_home(Home(tmp_path / "home"), config=CONFIG, passphrase=HOME_PASSPHRASE, at=AT)
    path = write_csv(
        tmp_path / "people.csv",
        [PEOPLE_HEADER, person_row(1), person_row(2, name="王\u202e伟"), person_row(3)],
    )
    with Registry.open(home.registry_path) as registry:
        with pytest.raises(ImportRejected):
            import_file(registry, ImportKind.PEOPLE, path, at=AT)
        assert registry.count("people") == 0

    result = subprocess.run(
        [sys.executable, "-m", "cecert", "import", "people", str(path),
         "--home", str(home.root)],
        capture_output=True, text=True, stdin=subprocess.DEVNULL, check=False,
        env={**cecert_env(), "CECERT_PASSPHRASE": HOME_PASSPHRASE.decode()},
    )  # fmt: skip

    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "error [import_rejected]" in result.stderr
    assert "people.csv：1 行有误，未导入任何内容" in result.stderr
    assert "第 3 行 (line 3): name: 第 2 个字符 U+202E 是格式控制字符" in result.stderr
    assert "\u202e" not in result.stderr  # named, never printed
    with Registry.open(home.registry_path, read_only=True) as registry:
        assert registry.count("people") == 0


# --- a batch that one person cannot stop ------------------------------------------------

# Stored before import refused them (through the store's API, as imports once did).
STORED_BEFORE = {
    "bad_character": "张\u202e伟",  # U+202E: no font draws it; the page would abort
    "text_too_long": "阿" * 600,  # issued, its QR then refused by every verifier
    "glyph_missing": "王\U00030000",  # CJK Extension G: assigned, in none of the fonts
}


def _home_with_people_stored_before(root: pathlib.Path) -> tuple[FaultHome, dict[str, str]]:
    fault_home = make_fault_home(root, people=10)
    at = dt.datetime.now(dt.UTC).replace(microsecond=0)
    hostile = {
        reason: Person(
            id_number=synthetic_id(200 + index),
            name=name,
            employer="广州市建筑设计院",
            series="工程技术",
            title_level=TitleLevel.INTERMEDIATE,
            title_date=dt.date(2015, 7, 1),
            region=synthetic_id(200 + index)[:6],
        )
        for index, (reason, name) in enumerate(STORED_BEFORE.items())
    }
    records = [a for person in hostile.values() for a in qualifying_records(person)]
    with Registry.open(fault_home.registry_path) as registry:
        registry.import_people(list(enumerate(hostile.values(), 2)), source="old", at=at)
        registry.import_activities(list(enumerate(records, 2)), source="old", at=at)
    return fault_home, {reason: p.id_number for reason, p in hostile.items()}


@pytest.mark.parametrize("workers", [1, 2])
def test_a_batch_skips_whom_it_cannot_make_and_issues_everyone_else(
    tmp_path: pathlib.Path, workers: int
) -> None:
    fault_home, hostile = _home_with_people_stored_before(tmp_path)
    home = fault_home.home
    ring = open_key_ring(home.keys_dir, passphrase=PASSPHRASE.encode())
    at = dt.datetime.now(dt.UTC).replace(microsecond=0)
    with Registry.open(home.registry_path) as registry:
        issuer = Issuer(
            registry=registry, ring=ring, config=home.config(), out_dir=home.certificates_dir
        )
        report = issuer.issue(year=YEAR, at=at, workers=workers)

    assert report.issued_count == 10
    by_reason = {s.reason: s for s in report.skipped}
    assert set(by_reason) == set(STORED_BEFORE)
    for reason, id_number in hostile.items():
        assert by_reason[reason].masked_id == id_number[:4] + "*" * 10 + id_number[-4:]
        assert by_reason[reason].detail.startswith("无法制作此人的证书（")
    # Names as a report may print them: the override named, the long name cut.
    assert by_reason["bad_character"].name == "张⟨U+202E⟩伟"
    assert by_reason["text_too_long"].name == "阿" * NAME_MAX_CHARS + "…"
    assert "U+30000" in by_reason["glyph_missing"].detail
    groups = {group.codes: group.count for group in report.skipped_by_cause()}
    assert groups == {(reason,): 1 for reason in STORED_BEFORE}
    # Everyone else, with gapless serials, every row backed by its PDF, no file left over.
    inspection = inspect_home(fault_home)
    assert_consistent(inspection, fault_home.people)
    assert inspection.orphans == []
    trust = home.trust_list_path.read_bytes()
    with Registry.open(home.registry_path, read_only=True) as registry:
        verifier = Verifier(parse_trust_list(trust), status=RegistryStatus(registry))
        later = at + dt.timedelta(days=1)
        for document in inspection.documents:
            data = pathlib.Path(document.pdf_path).read_bytes()
            assert verifier.verify_pdf(data, at=later).verdict is Verdict.VALID


def test_the_command_line_reports_the_skipped_by_cause_and_issues_the_rest(
    tmp_path: pathlib.Path,
) -> None:
    fault_home, _hostile = _home_with_people_stored_before(tmp_path)
    home = fault_home.home

    result = subprocess.run(
        [sys.executable, "-m", "cecert", "issue", "--home", str(home.root), "--year", str(YEAR),
         "--workers", "2"],
        capture_output=True, text=True, env=cecert_env(), stdin=subprocess.DEVNULL, check=False,
    )  # fmt: skip

    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "发证 10 份，未发证 3 人 (10 issued, 3 skipped)" in out
    assert "未发证原因汇总 (skipped, by cause):" in out
    grouped = [line for line in out.splitlines() if line.startswith("  1 人：")]
    assert sorted(line.rsplit("（", 1)[1] for line in grouped) == sorted(
        f"{reason}）" for reason in STORED_BEFORE
    )
    assert "张⟨U+202E⟩伟" in out
    assert "\u202e" not in out + result.stderr
