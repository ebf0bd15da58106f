"""``cecert hours …`` and ``cecert title …``: the hours rules and title evaluation.

Exit status: 0 when the requirement is met, 1 when it is not, 2 for bad input or usage (an
unknown or out-of-force policy, a file that cannot be used, no records, a date that does not
exist), with one line ``error [reason]: message`` naming the problem.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click

from cecert.choices import TITLE_LEVEL, BadValue
from cecert.command import Group
from cecert.options import fail, home_option, resolve_home
from registry import (
    CHINA_TZ,
    Activity,
    RegistryError,
    TitleLevel,
    mask_id_number,
    parse_id_number,
    parse_region,
)
from registry.hours import (
    Subject,
    cycle_json,
    evaluate,
    evaluate_cycle,
    evaluation_json,
    get_policy,
)
from registry.importing import load_activities
from registry.series import series_named
from registry.store import Registry
from registry.titles import evaluate_title, evidence_from_documents, title_json

BAD_INPUT = 2
"""Exit status for bad input or usage, as click uses for usage errors."""


def _date(ctx: click.Context, param: click.Parameter, value: str | None) -> dt.date | None:
    """An option's calendar date, written ``YYYY-MM-DD``; a date that does not exist (such
    as 2025-02-30) says so rather than that it does not match the format."""
    if value is None:
        return None
    text = value.strip()
    parts = text.split("-")
    if len(parts) != 3 or not all(p.isdigit() for p in parts) or len(parts[0]) != 4:
        raise BadValue(f"“{text}”不是 YYYY-MM-DD 格式的日期 (not a date YYYY-MM-DD)")
    try:
        return dt.date(int(parts[0]), int(parts[1]), int(parts[2]))
    except ValueError:
        raise BadValue(f"没有 {text} 这一天 (no such date: {text})") from None


def _today() -> dt.date:
    return dt.datetime.now(CHINA_TZ).date()


@contextmanager
def _bad_input() -> Iterator[None]:
    """Our errors while reading the input or applying a policy are bad input: exit 2."""
    try:
        yield
    except RegistryError as exc:
        fail(exc, code=BAD_INPUT)


def _finish(result: dict[str, Any], *, as_json: bool, lines: list[str]) -> None:
    if as_json:
        click.echo(json.dumps(result, ensure_ascii=False, indent=2))
    else:
        for line in lines:
            click.echo(line)
    sys.exit(0 if result["met"] else 1)


def _records_of(records: Path, id_number: str | None) -> list[Activity]:
    """The file's records of one person: the only one in it, or the one ``id_number`` names."""
    activities = [a for _line, a in load_activities(records, today=_today())]
    if not activities:
        raise RegistryError(
            "no_records", f"{records.name}：文件中没有任何学习记录 (the file holds no records)"
        )
    people = sorted({a.id_number for a in activities})
    if id_number is not None:
        wanted = parse_id_number(id_number, today=_today())
        chosen = [a for a in activities if a.id_number == wanted]
        if not chosen:
            raise RegistryError(
                "unknown_person",
                f"{records.name}：没有该身份证号的记录 (no records of that person)",
            )
        return chosen
    if len(people) > 1:
        raise click.UsageError(
            f"{records.name} 含有 {len(people)} 人的记录，请用 --id-number 指定一人 "
            f"(holds records of {len(people)} people; choose one with --id-number)"
        )
    return activities


def _record_lines(records: list[dict[str, Any]]) -> list[str]:
    return [
        f"  · {r['year']} {r['title']}：计入{r['counted_hours']}/{r['hours']}学时"
        f"（{r['counted_as'] or '-'}）— {r['note_zh']} / {r['note_en']}"
        for r in records
    ]


def _shortfall_lines(result: dict[str, Any]) -> list[str]:
    return [f"  ✗ {s['reason_zh']} [{s['rule']}] / {s['reason_en']}" for s in result["shortfalls"]]


def _verdict(met: bool) -> str:
    return "符合 met" if met else "不符合 not met"


def _region(value: str | None, default: str) -> str:
    return parse_region(value, field="--region") if value is not None else default


@click.group(cls=Group)
def hours() -> None:
    """按学时规则核算学时记录 (check records against the rules).

    无需登记库。

    Evaluate training records against the hours rules, without a registry.
    """


def _subject_options(func: Callable[..., Any]) -> Callable[..., Any]:
    func = click.option(
        "--region",
        default=None,
        help="人员所在地的六位行政区划代码（默认：政策的适用地区）(where the person is registered)",
    )(func)
    func = click.option(
        "--series",
        required=True,
        help="职称系列，正式名称或认可的简称，如 卫生技术 (title series)",
    )(func)
    return func


_ID_NUMBER_HELP = "文件含多人记录时，核算此身份证号的 (whose records, when the file holds several)"
_RECORDS_HELP = "学时记录文件（学时记录导入格式）(records file, activities format)"
_JSON_HELP = "以 JSON 输出 (print the result as JSON)"


@hours.command("check")
@click.option(
    "--policy", "policy_id", required=True, help="年度学时政策，如 gd-2010 (annual policy id)"
)
@click.option(
    "--records", type=click.Path(dir_okay=False, path_type=Path), required=True, help=_RECORDS_HELP
)
@click.option("--year", type=int, required=True, help="核算年度 (the year to evaluate)")
@click.option(
    "--level", type=TITLE_LEVEL, default=None, help="职称级别，按级别定学时的政策用 (title level)"
)
@_subject_options
@click.option("--id-number", default=None, help=_ID_NUMBER_HELP)
@click.option("--json", "as_json", is_flag=True, help=_JSON_HELP)
def hours_check(
    policy_id: str,
    records: Path,
    year: int,
    level: str | None,
    series: str,
    region: str | None,
    id_number: str | None,
    as_json: bool,
) -> None:
    """按年度政策核算一人一年的学时 (check one year).

    学时记录文件用学时记录导入格式。

    Check one year of a records file (the activities import format) against a policy.
    """
    with _bad_input():
        policy = get_policy(policy_id)
        subject = Subject(
            _region(region, policy.jurisdiction),
            series_named(series),
            TitleLevel(level) if level else None,
        )
        activities = _records_of(records, id_number)
        evaluation = evaluate(policy, activities, year=year, subject=subject)
    result = evaluation_json(evaluation)
    lines = [f"学时核算 {policy.id}，{year}年度：{_verdict(result['met'])}"]
    lines += [
        f"  {label}：{result['counted'][name]} / {result['required'].get(name, '-')} 学时"
        for name, label in (
            ("public", "公需科目 public"),
            ("professional", "专业科目 professional"),
            ("elective", "选修科目 elective"),
            ("total", "合计 total"),
        )
    ]
    lines += _record_lines(result["records"])
    lines += _shortfall_lines(result)
    _finish(result, as_json=as_json, lines=lines)


@hours.command("cycle")
@click.option(
    "--records", type=click.Path(dir_okay=False, path_type=Path), required=True, help=_RECORDS_HELP
)
@click.option(
    "--title-date",
    callback=_date,
    required=True,
    help="取得现职称的日期 YYYY-MM-DD (date the current title was obtained)",
)
@click.option(
    "--apply-date", callback=_date, required=True, help="申报日期 YYYY-MM-DD (application date)"
)
@click.option(
    "--policy",
    "policy_id",
    default="guangzhou-cycle-2016",
    show_default=True,
    help="周期验证政策 (cycle policy id)",
)
@_subject_options
@click.option("--id-number", default=None, help=_ID_NUMBER_HELP)
@click.option("--json", "as_json", is_flag=True, help=_JSON_HELP)
def hours_cycle(
    records: Path,
    title_date: dt.date,
    apply_date: dt.date,
    policy_id: str,
    series: str,
    region: str | None,
    id_number: str | None,
    as_json: bool,
) -> None:
    """对学时记录文件做广州周期验证 (cycle verification).

    Run the Guangzhou cycle verification (周期验证) on a records file.
    """
    with _bad_input():
        policy = get_policy(policy_id)
        subject = Subject(_region(region, policy.jurisdiction), series_named(series))
        activities = _records_of(records, id_number)
        cycle = evaluate_cycle(
            policy, activities, title_date=title_date, apply_date=apply_date, subject=subject
        )
    result = cycle_json(cycle)
    years = result["cycle_years"]
    span = f"{years[0]}–{years[-1]}" if years else "无 none"
    lines = [
        f"周期验证 {policy_id}：验证周期 cycle {span}：{_verdict(result['met'])}",
        f"  合计 total：{result['counted']['total']} / {result['required']['total']} 学时",
        *(line for year in result["years"] for line in _record_lines(year["records"])),
        *_shortfall_lines(result),
    ]
    _finish(result, as_json=as_json, lines=lines)


@click.group(cls=Group)
def title() -> None:
    """职称评审的继续教育核查 (title evaluation).

    按登记库核查。

    Title evaluation (职称评审) against the registry.
    """


@title.command("check")
@home_option
@click.option("--id-number", required=True, help="申报人的身份证号 (the candidate's ID number)")
@click.option("--level", type=TITLE_LEVEL, required=True, help="申报的职称级别 (target level)")
@click.option("--rule", "rule_id", required=True, help="评审规则，如 foshan-gaoming-2015 (rule id)")
@click.option(
    "--date",
    "evaluation_date",
    callback=_date,
    required=True,
    help="评审日期 YYYY-MM-DD (evaluation date)",
)
@click.option("--direct", is_flag=True, help="直接申报中级 (direct application, intermediate)")
@click.option("--json", "as_json", is_flag=True, help=_JSON_HELP)
def title_check(
    home: Path | None,
    id_number: str,
    level: str,
    rule_id: str,
    evaluation_date: dt.date,
    direct: bool,
    as_json: bool,
) -> None:
    """职称评审所需各年度是否达标 (years a title needs).

    List the years a title evaluation needs and whether each is covered.
    """
    with _bad_input():
        target = resolve_home(home)
        target.config()
        checked_id = parse_id_number(id_number, today=evaluation_date)
        with Registry.open(target.registry_path, read_only=True) as registry:
            person = registry.person(checked_id)
            if person is None:
                raise RegistryError(
                    "unknown_person",
                    f"登记系统中没有 {mask_id_number(checked_id)} (not in the registry)",
                )
            report = evaluate_title(
                rule_id=rule_id,
                name=person.name,
                masked_id=mask_id_number(person.id_number),
                title_date=person.title_date,
                target_level=TitleLevel(level),
                evaluation_date=evaluation_date,
                evidence=evidence_from_documents(registry.documents(id_number=person.id_number)),
                direct=direct,
                records=registry.activities(person.id_number),
                subject=Subject.of(person),
            )
    result = title_json(report)
    lines = [
        f"职称评审 {report.rule_id} {report.rule_title_zh}：{report.name} → "
        f"{TitleLevel(level).label_zh}：{_verdict(report.met)}",
        *(f"  {note}" for note in report.notes_zh),
        *(
            f"  {check.year}：{check.verdict.label_zh} — {'；'.join(check.reasons_zh)}"
            for check in report.years
        ),
    ]
    _finish(result, as_json=as_json, lines=lines)
