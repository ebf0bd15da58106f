"""``cecert hours …`` and ``cecert title …``: the hours rules and title evaluation.

Exit status: 0 when the requirement is met, 1 when it is not (or an error), 2 usage error.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path
from typing import Any

import click

from cecert.options import resolve_home
from registry.errors import RegistryError
from registry.home import CHINA_TZ
from registry.hours import evaluate, evaluate_cycle, get_policy
from registry.hours.reporting import cycle_json, evaluation_json
from registry.idnumber import mask_id_number, parse_id_number
from registry.importing import load_activities
from registry.model import Activity, TitleLevel
from registry.store import Registry
from registry.titles import evaluate_title
from registry.titles.reporting import evidence_from_documents, title_json

_LEVEL = click.Choice([level.value for level in TitleLevel])
_DATE = click.DateTime(formats=["%Y-%m-%d"])


def _today() -> dt.date:
    return dt.datetime.now(CHINA_TZ).date()


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
    people = sorted({a.id_number for a in activities})
    if id_number is not None:
        wanted = parse_id_number(id_number, today=_today())
        chosen = [a for a in activities if a.id_number == wanted]
        if not chosen:
            raise RegistryError("unknown_person", f"{records.name}: no records of that person")
        return chosen
    if len(people) > 1:
        raise click.UsageError(
            f"{records.name} holds records of {len(people)} people; choose one with --id-number"
        )
    return activities


def _record_lines(records: list[dict[str, Any]]) -> list[str]:
    return [
        f"  · {r['year']} {r['title']}: {r['counted_hours']}/{r['hours']} h "
        f"({r['counted_as'] or '-'}) — {r['note_zh']} / {r['note_en']}"
        for r in records
    ]


def _shortfall_lines(result: dict[str, Any]) -> list[str]:
    return [f"  ✗ [{s['rule']}] {s['reason_zh']} / {s['reason_en']}" for s in result["shortfalls"]]


@click.group()
def hours() -> None:
    """Evaluate training records against the hours rules, without a registry."""


@hours.command("check")
@click.option("--policy", "policy_id", required=True, help="Annual policy id, e.g. gd-2010.")
@click.option("--records", type=click.Path(dir_okay=False, path_type=Path), required=True)
@click.option("--year", type=int, required=True)
@click.option("--level", type=_LEVEL, default=None, help="Title level, for level rules.")
@click.option("--series", default=None, help="Title series (职称系列), for series rules.")
@click.option("--id-number", default=None, help="Whose records, when the file holds several.")
@click.option("--json", "as_json", is_flag=True)
def hours_check(
    policy_id: str,
    records: Path,
    year: int,
    level: str | None,
    series: str | None,
    id_number: str | None,
    as_json: bool,
) -> None:
    """Check one year of a records file (the activities import format) against a policy."""
    policy = get_policy(policy_id)
    activities = _records_of(records, id_number)
    evaluation = evaluate(
        policy, activities, year=year, level=TitleLevel(level) if level else None, series=series
    )
    result = evaluation_json(evaluation)
    lines = [f"{policy.id} {year}: {'met 符合' if result['met'] else 'not met 不符合'}"]
    lines += [
        f"  {name}: {result['counted'][name]} h / {result['required'].get(name, '-')} h"
        for name in ("public", "professional", "elective", "total")
    ]
    lines += _record_lines(result["records"])
    lines += _shortfall_lines(result)
    _finish(result, as_json=as_json, lines=lines)


@hours.command("cycle")
@click.option("--records", type=click.Path(dir_okay=False, path_type=Path), required=True)
@click.option(
    "--title-date", type=_DATE, required=True, help="Date the current title was obtained."
)
@click.option("--apply-date", type=_DATE, required=True, help="Date of the application.")
@click.option("--policy", "policy_id", default="guangzhou-cycle-2016", show_default=True)
@click.option("--series", default=None)
@click.option("--id-number", default=None, help="Whose records, when the file holds several.")
@click.option("--json", "as_json", is_flag=True)
def hours_cycle(
    records: Path,
    title_date: dt.datetime,
    apply_date: dt.datetime,
    policy_id: str,
    series: str | None,
    id_number: str | None,
    as_json: bool,
) -> None:
    """Run the Guangzhou cycle verification (周期验证) on a records file."""
    activities = _records_of(records, id_number)
    cycle = evaluate_cycle(
        get_policy(policy_id),
        activities,
        title_date=title_date.date(),
        apply_date=apply_date.date(),
        series=series,
    )
    result = cycle_json(cycle)
    years = result["cycle_years"]
    span = f"{years[0]}–{years[-1]}" if years else "none"
    lines = [
        f"{policy_id}: cycle {span}: {'met 符合' if result['met'] else 'not met 不符合'}",
        f"  total: {result['counted']['total']} h / {result['required']['total']} h",
        *(line for year in result["years"] for line in _record_lines(year["records"])),
        *_shortfall_lines(result),
    ]
    _finish(result, as_json=as_json, lines=lines)


@click.group()
def title() -> None:
    """Title evaluation (职称评审) against the registry."""


@title.command("check")
@click.option("--home", type=click.Path(file_okay=False, path_type=Path), default=None)
@click.option("--id-number", required=True)
@click.option("--level", type=_LEVEL, required=True, help="Target title level.")
@click.option("--rule", "rule_id", required=True, help="e.g. foshan-gaoming-2015.")
@click.option("--date", "evaluation_date", type=_DATE, required=True)
@click.option("--direct", is_flag=True, help="Direct application for intermediate (直接申报).")
@click.option("--json", "as_json", is_flag=True)
def title_check(
    home: Path | None,
    id_number: str,
    level: str,
    rule_id: str,
    evaluation_date: dt.datetime,
    direct: bool,
    as_json: bool,
) -> None:
    """List the years a title evaluation needs and whether each is covered."""

    target = resolve_home(home)
    target.config()
    checked_id = parse_id_number(id_number, today=evaluation_date.date())
    with Registry.open(target.registry_path, read_only=True) as registry:
        person = registry.person(checked_id)
        if person is None:
            raise RegistryError(
                "unknown_person", f"{mask_id_number(checked_id)} is not in the registry"
            )
        report = evaluate_title(
            rule_id=rule_id,
            name=person.name,
            masked_id=mask_id_number(person.id_number),
            title_date=person.title_date,
            target_level=TitleLevel(level),
            evaluation_date=evaluation_date.date(),
            evidence=evidence_from_documents(registry.documents(id_number=person.id_number)),
            direct=direct,
            records=registry.activities(person.id_number),
        )
    result = title_json(report)
    lines = [
        f"{report.rule_id} {report.rule_title_zh}: {report.name} → {level}: "
        f"{'met 符合' if report.met else 'not met 不符合'}",
        *(f"  {note}" for note in report.notes_zh),
        *(
            f"  {check.year}: {check.verdict.label_zh} — {'；'.join(check.reasons_zh)}"
            for check in report.years
        ),
    ]
    _finish(result, as_json=as_json, lines=lines)
