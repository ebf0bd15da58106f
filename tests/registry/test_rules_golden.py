"""Golden vectors for every rule of POLICIES.md, run through the real engine.

The vectors are data (``tests/golden/*.toml``), so that a reviewer can check them against the
notices without reading Python, and another implementation can reuse them. Each vector has a
``name``, the ``clause`` of POLICIES.md it exercises, its inputs and an ``[vector.expect]``
table. Four kinds, one file each:

``annual.toml``
    ``registry.hours.evaluate(policy, records, year=, subject=)``.
``year.toml``
    ``registry.hours.assessment.assess_year`` without a requirement: the Guangzhou conversions,
    caps and the one-count public course rule of one year, judged on ``on`` (the
    application date), before any minimum is applied.
``cycle.toml``
    ``registry.hours.evaluate_cycle(policy, records, title_date=, apply_date=, subject=)``.
``titles.toml``
    ``registry.titles.evaluate_title`` with hand-built ``CertificateEvidence``.

The person is the vector's ``series`` (default ``工程技术``, a sector no clause names),
``level`` and ``region`` (default: the policy's own jurisdiction).

Records are written as rows of the activities import format (``docs/formats.md``, the same
column names and text values) and built by the importer's own row parser, so ``days`` become
hours exactly as an import makes them. Left out: ``year`` is the vector's year, ``status`` is
``confirmed``, ``kind`` is ``online_course``, ``title`` is numbered.

Expected hours are whole **minutes** (``1050`` is 17.5 h, ``800`` is 13 h 20 min), never
rounded hour figures. ``records`` lists, in input order, ``[rule, minutes]`` of each record's
contribution (``"-"`` when no year assessed the record). ``shortfalls`` lists
``[rule, missing minutes]`` in the engine's order: record errors, category minimums, total.
``raises`` names the ``RegistryError`` reason instead of an outcome.

The test prints nothing and asserts everything.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import pytest

from registry.errors import RegistryError
from registry.hours import Subject, builtin_policies, evaluate, evaluate_cycle, get_policy
from registry.hours.assessment import assess_year
from registry.hours.contributions import Contribution, applied_clauses
from registry.hours.rules_markdown import COMMAND, rules_markdown
from registry.hours.schema import CLAUSE_KEYS, RULE_KEYS, TOP_KEYS
from registry.importing import ACTIVITY_COLUMNS
from registry.importing.rows import BadRow, activity_from_row
from registry.importing.tables import RawRow
from registry.model import Activity, Category, DocumentStatus, TitleLevel, minutes_from_hours
from registry.numbering import format_number
from registry.series import series_named
from registry.titles import CertificateEvidence, evaluate_title
from tests.support.paths import DOCS, GOLDEN

ID_NUMBER = "440106198507151230"
TODAY = dt.date(2026, 1, 1)
KINDS = ("annual", "year", "cycle", "titles")


_COMMON = {"name", "clause", "records", "expect", "series", "region"}
KEYS = {
    "annual": (_COMMON | {"policy", "year", "level"}, {"met", "counted", "required",
               "shortfalls", "records", "raises", "applied", "not_applied"}),
    "year": (_COMMON | {"policy", "year", "on"}, {"counted", "records", "errors", "applied"}),
    "cycle": (_COMMON | {"policy", "title_date", "apply_date"}, {"met", "cycle_years",
              "years", "total_counted", "total_required", "shortfalls", "records", "raises",
              "applied"}),
    "titles": (_COMMON | {"rule", "level", "direct", "title_date", "evaluation_date",
               "evidence"}, {"met", "years", "reasons", "notes", "raises", "applied"}),
}  # fmt: skip
"""The keys a vector and its ``expect`` may have: a misspelt key fails instead of being
silently skipped."""


def load(kind: str) -> list[dict[str, Any]]:
    with (GOLDEN / f"{kind}.toml").open("rb") as handle:
        vectors: list[dict[str, Any]] = tomllib.load(handle)["vector"]
    allowed, expected = KEYS[kind]
    columns = set(ACTIVITY_COLUMNS.names)
    for vector in vectors:
        where = f"{kind}.toml {vector.get('name')!r}"
        assert set(vector) <= allowed, f"{where}: unknown keys {set(vector) - allowed}"
        assert set(vector["expect"]) <= expected, f"{where}: unknown expect keys"
        for row in vector.get("records", []):
            assert set(row) <= columns, f"{where}: not activity columns {set(row) - columns}"
    return vectors


VECTORS = {kind: load(kind) for kind in KINDS}


def cases(kind: str) -> pytest.MarkDecorator:
    return pytest.mark.parametrize("vector", VECTORS[kind], ids=[v["name"] for v in VECTORS[kind]])


# --- building inputs ---------------------------------------------------------------------


def records_of(vector: Mapping[str, Any]) -> list[Activity]:
    """The vector's records, through the importer's row parser."""
    built: list[Activity] = []
    for number, row in enumerate(vector.get("records", []), start=1):
        values = {
            "id_number": ID_NUMBER,
            "year": str(vector.get("year", "")),
            "kind": "online_course",
            "title": f"记录{number}",
            "status": "confirmed",
            **{key: str(value) for key, value in row.items()},
        }
        activity = activity_from_row(RawRow(number, values), today=TODAY)
        assert not isinstance(activity, BadRow), f"{vector['name']}: {activity.message}"
        built.append(activity)
    return built


def evidence_of(vector: Mapping[str, Any]) -> list[CertificateEvidence]:
    built = []
    for item in vector.get("evidence", []):
        public, professional, elective, total = (minutes_from_hours(h) for h in item["hours"])
        built.append(
            CertificateEvidence(
                year=item["year"],
                number=format_number("440100", item.get("serial", item["year"])),
                edition=item.get("edition", 1),
                status=DocumentStatus(item.get("status", "current")),
                policy_id=item.get("policy", "gd-2010"),
                hours=(public, professional, elective, total),
                source=item.get("source", "registry"),
                authentic=item.get("authentic", True),
                problem=item.get("problem", ""),
            )
        )
    return built


def level_of(vector: Mapping[str, Any]) -> TitleLevel | None:
    return TitleLevel(vector["level"]) if "level" in vector else None


def subject_of(vector: Mapping[str, Any], policy_id: str) -> Subject:
    """The person the vector's rules are applied to."""
    region = vector.get("region", get_policy(policy_id).jurisdiction)
    return Subject(region, series_named(vector.get("series", "工程技术")), level_of(vector))


def check_applied(vector: Mapping[str, Any], applied: frozenset[str] | set[str]) -> None:
    """The clauses the vector names were applied; those it says were not, were not."""
    expect = vector["expect"]
    for key in expect.get("applied", []):
        assert key in applied, (key, sorted(applied))
    for key in expect.get("not_applied", []):
        assert key not in applied, (key, sorted(applied))


# --- checking outcomes -------------------------------------------------------------------


def check_records(
    vector: Mapping[str, Any], records: Sequence[Activity], found: Iterable[Contribution]
) -> None:
    """Each input record's contribution is the expected ``[rule, minutes]``."""
    by_record: dict[int, Contribution] = {}
    for contribution in found:
        assert id(contribution.activity) not in by_record, "a record was assessed twice"
        by_record[id(contribution.activity)] = contribution
    got: list[list[str | int]] = []
    for record in records:
        assessed = by_record.get(id(record))
        if assessed is None:
            got.append(["-", 0])
            continue
        assert assessed.note_zh, "every contribution has notes"
        assert assessed.note_en, "every contribution has notes"
        if assessed.counted_as is None:
            assert assessed.minutes == 0, assessed
        got.append([assessed.rule, assessed.minutes])
    assert got == vector["expect"]["records"]


def check_counted(expected: Mapping[str, int], counted: Mapping[Category, int]) -> None:
    for category in Category:
        assert counted[category] == expected.get(category.value, 0), category


# --- the vectors -------------------------------------------------------------------------


@cases("annual")
def test_annual_vector(vector: dict[str, Any]) -> None:
    records = records_of(vector)
    expect = vector["expect"]

    def run() -> Any:
        return evaluate(
            get_policy(vector["policy"]),
            records,
            year=vector["year"],
            subject=subject_of(vector, vector["policy"]),
        )

    if "raises" in expect:
        with pytest.raises(RegistryError) as raised:
            run()
        assert raised.value.reason == expect["raises"]
        return
    result = run()
    summary = result.summary
    counted = {row.category: row.counted for row in summary.categories}
    check_counted(expect["counted"], {c: counted.get(c, 0) for c in Category})
    assert summary.total_counted == expect["counted"]["total"]
    if "required" in expect:
        assert summary.total_required == expect["required"]
    assert [[s.rule, s.missing_minutes] for s in result.shortfalls] == expect["shortfalls"]
    assert result.met is expect["met"]
    assert summary.met is (
        expect["met"] or all(s.rule.startswith("category_not_allowed") for s in result.shortfalls)
    )
    check_records(vector, records, result.contributions)
    check_applied(vector, result.clauses)


@cases("year")
def test_year_vector(vector: dict[str, Any]) -> None:
    records = records_of(vector)
    expect = vector["expect"]
    contributions, counted, errors, applied = assess_year(
        get_policy(vector["policy"]),
        records,
        year=vector["year"],
        subject=subject_of(vector, vector["policy"]),
        requirement=None,
        on=vector["on"],
    )
    check_counted(expect["counted"], counted)
    assert sum(counted.values()) == expect["counted"]["total"]
    assert [[e.rule, e.missing_minutes] for e in errors] == expect.get("errors", [])
    check_records(vector, records, contributions)
    check_applied(vector, applied_clauses(applied, contributions))


@cases("cycle")
def test_cycle_vector(vector: dict[str, Any]) -> None:
    records = records_of(vector)
    expect = vector["expect"]

    def run() -> Any:
        return evaluate_cycle(
            get_policy(vector["policy"]),
            records,
            title_date=vector["title_date"],
            apply_date=vector["apply_date"],
            subject=subject_of(vector, vector["policy"]),
        )

    if "raises" in expect:
        with pytest.raises(RegistryError) as raised:
            run()
        assert raised.value.reason == expect["raises"]
        return
    result = run()
    assert list(result.cycle_years) == expect["cycle_years"]
    assert [y.year for y in result.years] == sorted(int(y) for y in expect["years"])
    for item in result.years:
        expected = expect["years"][str(item.year)]
        check_counted(expected, item.counted)
        assert item.total == expected["total"], item.year
        assert item.in_cycle is (item.year in expect["cycle_years"])
    assert result.total_counted == expect["total_counted"]
    assert result.total_required == expect["total_required"]
    assert [[s.rule, s.missing_minutes] for s in result.shortfalls] == expect["shortfalls"]
    assert result.met is expect["met"]
    check_records(vector, records, (c for y in result.years for c in y.contributions))
    check_applied(vector, result.clauses)


@cases("titles")
def test_title_vector(vector: dict[str, Any]) -> None:
    expect = vector["expect"]
    records = records_of(vector) if "records" in vector else None

    def run() -> Any:
        level = level_of(vector)
        return evaluate_title(
            rule_id=vector["rule"],
            name="𠈌立新",
            masked_id="4401**********1230",
            title_date=vector["title_date"],
            target_level=level or TitleLevel.SENIOR,
            evaluation_date=vector["evaluation_date"],
            evidence=evidence_of(vector),
            direct=vector.get("direct", False),
            records=records,
            subject=subject_of(vector, vector["rule"]) if "region" in vector or records else None,
        )

    if "raises" in expect:
        with pytest.raises(RegistryError) as raised:
            run()
        assert raised.value.reason == expect["raises"]
        return
    report = run()
    assert [[c.year, c.verdict.value] for c in report.years] == expect["years"]
    assert report.met is expect["met"]
    for year, phrase in expect.get("reasons", {}).items():
        check = next(c for c in report.years if c.year == int(year))
        assert any(phrase in reason for reason in check.reasons_en), (year, check.reasons_en)
        assert check.reasons_zh
    for phrase in expect.get("notes", []):
        assert any(phrase in note for note in report.notes_en), (phrase, report.notes_en)
    for check in report.years:
        if check.verdict.value == "missing":
            assert check.evidence is None
        elif report.rule_id != "guangzhou-cycle-2016":
            assert check.evidence is not None
    check_applied(vector, report.clauses)


# --- coverage of the rules ---------------------------------------------------------------


def test_every_vector_names_its_clause_and_a_unique_name() -> None:
    names = [v["name"] for kind in KINDS for v in VECTORS[kind]]
    assert len(names) == len(set(names))
    for kind in KINDS:
        for vector in VECTORS[kind]:
            assert vector.get("clause"), vector["name"]


def _kinds_of(policy_id: str) -> list[tuple[str, str]]:
    """Which vector files must cover a policy: (file, key naming the policy)."""
    policy = builtin_policies()[policy_id]
    kinds = []
    if policy.annual:
        kinds.append(("annual", "policy"))
    if policy.has_cycle:
        kinds.append(("cycle", "policy"))
    if policy.has_title_rule:
        kinds.append(("titles", "rule"))
    return kinds


@pytest.mark.parametrize("policy_id", sorted(builtin_policies()))
def test_every_policy_has_a_passing_and_a_failing_vector(policy_id: str) -> None:
    kinds = _kinds_of(policy_id)
    assert kinds
    for kind, key in kinds:
        outcomes = {
            v["expect"].get("met")
            for v in VECTORS[kind]
            if v.get(key) == policy_id and "raises" not in v["expect"]
        }
        assert outcomes == {True, False}, f"{policy_id} needs a met and a not-met {kind} vector"


def test_policies_md_documents_every_key_of_the_schema() -> None:
    page = (DOCS / "policies.md").read_text("utf-8")
    keys = set(TOP_KEYS | CLAUSE_KEYS)
    for allowed, _required in RULE_KEYS.values():
        keys |= allowed
    keys |= {rule.value for rule in RULE_KEYS}
    missing = {key for key in keys if f"`{key}`" not in page and f"`[[{key}]]`" not in page}
    assert not missing, f"docs/policies.md does not describe {sorted(missing)}"


# --- docs/rules.md is generated from the policy files ------------------------------------


def test_docs_rules_md_is_generated_from_the_policy_files() -> None:
    page = (DOCS / "rules.md").read_text("utf-8")
    assert page == rules_markdown(), f"docs/rules.md is out of date: regenerate with {COMMAND}"


def test_rules_markdown_shows_every_policy_and_its_figures() -> None:
    page = rules_markdown()
    for policy_id in builtin_policies():
        assert f"## `{policy_id}`" in page
        assert f"registry/hours/policies/{policy_id}.toml" in page
    for shown in ("≥ 72 h", "≥ 18 h", "1/3", "2019-06-30", "≥ 32 h", "28 h", "14 h", "06-30"):
        assert shown in page
    for policy in builtin_policies().values():
        for clause in policy.clauses:
            assert f"#### `{clause.key}`" in page
            assert clause.text in page
            assert str(clause.effective_from) in page
