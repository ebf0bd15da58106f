"""The policy files rendered as Markdown: ``docs/rules.md`` is generated from them.

    .venv/bin/python -m registry.hours.rules_markdown > docs/rules.md

Pure: :func:`rules_markdown` reads the shipped policies and returns text; only the
``__main__`` block writes (to standard output). ``tests/registry/test_rules_golden.py`` fails
when ``docs/rules.md`` differs from it, so the page can never drift from the data.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Mapping

from registry.hours.clauses import (
    CategorySet,
    Clause,
    Confirmation,
    Conversion,
    CycleRule,
    CycleYearMinimums,
    MakeUp,
    MinScore,
    PublicCap,
    PublicCourseOnce,
    ReissueRule,
    Requirement,
    SeriesPolicy,
    TitleRule,
)
from registry.hours.policy import Policy
from registry.hours.policy_files import builtin_policies
from registry.model import Category, format_hours
from registry.series import sector_names

COMMAND = ".venv/bin/python -m registry.hours.rules_markdown > docs/rules.md"

_MODES = {
    "since_title": "every year from the year after the current title was obtained to the "
    "latest year (the evaluation year once its certificate exists, otherwise the year before)",
    "latest_one": "one year: the year before the evaluation year, or the evaluation year itself "
    "once its certificate exists",
    "current_year": "the evaluation year's certificate only",
    "cycle": "the Guangzhou cycle verification of the person's records",
}


def _hours(minutes: int) -> str:
    return f"{format_hours(minutes)} h"


def _code(values: Iterable[str]) -> str:
    return ", ".join(f"`{v}`" for v in values)


def _categories(values: Iterable[Category]) -> str:
    return _code(c.value for c in Category if c in set(values))


def _minimums(minimums: Mapping[Category, int]) -> str:
    return ", ".join(f"{c.value} ≥ {_hours(m)}" for c, m in minimums.items()) or "none"


def _requirement(c: Requirement) -> str:
    levels = _code(sorted(level.value for level in c.levels)) if c.levels else "every level"
    return (
        f"The year's task at {levels}: total ≥ {_hours(c.total)}; each category on its own: "
        f"{_minimums(c.minimums)} (`category_minimum:<category>`, `total_minimum`)."
        + (" A clause naming the level wins over one for every level." if c.levels else "")
    )


def _category_set(c: CategorySet) -> str:
    missing = [x for x in Category if x not in c.categories]
    return (
        f"Categories that exist: {_categories(c.categories)}; a record of "
        f"{_categories(missing)} is an error of the year (`category_not_allowed:<category>`)."
    )


def _public_cap(c: PublicCap) -> str:
    return (
        f"Public hours count up to {c.cap} of the required total (rounded down to the minute); "
        "the rest is shown but not counted (`public_cap`)."
    )


def _series_policy(c: SeriesPolicy) -> str:
    return (
        f"The series {'、'.join(sorted(c.series))} are judged by `{c.policy}`, not by this "
        "policy, which refuses them (`series_own_policy`); `cecert issue` without `--policy` "
        f"issues their certificates under `{c.policy}`."
    )


def _reissue(c: ReissueRule) -> str:
    return (
        f"On reissue (补办), {_categories(c.reproof)} hours are carried to the new edition only "
        "for the records whose proof is presented again; the other categories are carried as "
        "the replaced edition states them. Without this clause a reissue carries everything as "
        "recorded."
    )


def _confirmation(c: Confirmation) -> str:
    sectors = sector_names()
    whose = (
        "of people in the " + "、".join(sectors[s] for s in sorted(c.sectors)) + " sectors "
        f"({_code(sorted(c.sectors))}; wins over a clause for every sector)"
        if c.sectors
        else "of every sector"
    )
    return (
        f"{_categories(c.categories)} records {whose} count only when confirmed by "
        f"{_code(sorted(x.value for x in c.by))} (`confirmed_by`; blank = the importing HR bureau; "
        "otherwise `confirmer_unstated`, `needs_industry_authority` or "
        "`confirmer_not_accepted`)."
    )


def _min_score(c: MinScore) -> str:
    return (
        f"A `{c.category.value}` record counts only with an exam score of at least "
        f"{c.score / 100:g}; below it or without a score it counts zero (`score_below_minimum`)."
    )


def _public_course_once(c: PublicCourseOnce) -> str:
    return "The same public course (`course_code`) counts once (`duplicate_public_course`)."


def _make_up(c: MakeUp) -> str:
    return (
        f"`{c.category.value}` hours of {c.year} completed while this clause holds count for "
        f"{c.year} (later: `after_make_up_deadline`)."
    )


def _conversion(c: Conversion) -> str:
    return (
        f"Counted as professional hours, only when recognised by "
        f"{_code(sorted(x.value for x in c.recognised_by))} (otherwise "
        f"`conversion_not_recognised`): achievements ({_code(sorted(c.achievement_kinds))}) "
        f"{_hours(c.main_minutes)} as `role = main`, {_hours(c.contributor_minutes)} as "
        f"`contributor`, all achievements ≤ {_hours(c.achievement_cap)} a year "
        f"(`achievement_cap`; without a role: `achievement_without_role`; their own hours are "
        f"ignored); degree study ({_code(sorted(c.degree_kinds))}) its hours, ≤ "
        f"{_hours(c.degree_cap)} a year (`degree_cap`); {_code(sorted(c.actual_kinds))} the "
        "hours on their proof (days × 6 at import)."
    )


def _cycle(c: CycleRule) -> str:
    month, day = c.cutoff
    return (
        "Cycle verification: the years from the one after the current title was obtained; "
        f"applying on or before {month:02d}-{day:02d} the cycle ends with the previous year, "
        f"after it with the application year; at most the latest {c.max_years} years. "
        "Hours of the application year completed by the application date count toward the "
        f"total, later ones do not (`after_application`). Required: {_hours(c.minutes_per_year)}"
        " × the cycle's years (`cycle_total`); an empty cycle fails (`cycle_empty`). A public "
        "course counts once across the whole cycle."
    )


def _cycle_year_minimums(c: CycleYearMinimums) -> str:
    years = ", ".join(str(y) for y in sorted(c.years))
    return (
        f"Each of {years} inside the cycle on its own: {_minimums(c.minimums)} "
        "(`cycle_year_minimum:<year>:<category>`)."
    )


def _title(c: TitleRule) -> str:
    modes = "; ".join(
        f"{'every level' if key == 'default' else f'`{key}`'}: `{mode}`, {_MODES[mode]}"
        for key, mode in c.years.items()
    )
    text = f"Certificates a title-evaluation panel requires: {modes}."
    if c.floor_year is not None:
        text += (
            f" `since_title` never reaches back before {c.floor_year}; a title obtained before "
            f"{c.floor_year}, or a direct application for intermediate, counts from "
            f"{c.floor_year}."
        )
    if c.require_policy:
        text += (
            f" Every year's hours are judged against `{c.require_policy}`, whatever policy the "
            "certificate names."
        )
    elif any(mode != "cycle" for mode in c.years.values()):
        text += " Each certificate's hours are judged against the policy it names."
    if any(mode != "cycle" for mode in c.years.values()):
        text += (
            " A year is met by a current, authentic certificate whose hours meet the policy; "
            "superseded, revoked or unverified certificates do not count."
        )
    return text


def describe(clause: Clause) -> str:
    """What a clause does, in one paragraph with its reason codes."""
    match clause:
        case Requirement():
            return _requirement(clause)
        case CategorySet():
            return _category_set(clause)
        case PublicCap():
            return _public_cap(clause)
        case SeriesPolicy():
            return _series_policy(clause)
        case ReissueRule():
            return _reissue(clause)
        case Confirmation():
            return _confirmation(clause)
        case MinScore():
            return _min_score(clause)
        case PublicCourseOnce():
            return _public_course_once(clause)
        case MakeUp():
            return _make_up(clause)
        case Conversion():
            return _conversion(clause)
        case CycleRule():
            return _cycle(clause)
        case CycleYearMinimums():
            return _cycle_year_minimums(clause)
        case TitleRule():
            return _title(clause)
    raise AssertionError(f"no description for {type(clause).__name__}")  # pragma: no cover


def _period(start: object, end: object | None) -> str:
    return f"{start} – {end if end is not None else 'no end'}"


def _summary(policies: Iterable[Policy]) -> list[str]:
    lines = [
        "| id | title | jurisdiction | in force | clauses |",
        "|---|---|---|---|---|",
    ]
    for p in policies:
        lines.append(
            f"| [`{p.id}`](#{p.id}) | {p.title_zh} | {p.jurisdiction} "
            f"| {_period(p.effective_from, p.effective_to)} | {len(p.clauses)} |"
        )
    return lines


def _clause_rows(policy: Policy) -> list[str]:
    lines = [
        "| clause | source | place | from | until | rule | judged on |",
        "|---|---|---|---|---|---|---|",
    ]
    for c in policy.clauses:
        lines.append(
            f"| [`{c.id}`](#{c.key.replace('#', '-')}) | {c.cite} | {c.place} "
            f"| {c.effective_from} | {c.until or '—'} | `{c.rule.value}` "
            f"| {c.rule.judged.value} |"
        )
    return lines


def _clause(c: Clause) -> list[str]:
    lines = [
        f'<a id="{c.key.replace("#", "-")}"></a>',
        "",
        f"#### `{c.key}`",
        "",
        f"{c.cite}, {c.place}, {_period(c.effective_from, c.until)} "
        f"(`{c.rule.value}`, judged on the {c.rule.judged.value}'s date):",
        "",
        f"> {c.text}",
        "",
        describe(c),
    ]
    if c.note:
        lines += ["", f"Reading: {c.note}."]
    return [*lines, ""]


def _policy(policy: Policy) -> list[str]:
    series = "、".join(policy.series) if policy.series else "every series"
    levels = _code(level.value for level in policy.levels) if policy.levels else "every level"
    lines = [
        f'<a id="{policy.id}"></a>',
        "",
        f"## `{policy.id}`: {policy.title_en}",
        "",
        f"**{policy.title_zh}**",
        "",
        "| | |",
        "|---|---|",
        f"| file | `registry/hours/policies/{policy.id}.toml` |",
        f"| source notices | {policy.source} |",
        f"| jurisdiction | {policy.jurisdiction} |",
        f"| in force | {_period(policy.effective_from, policy.effective_to)} |",
        f"| series | {series} |",
        f"| levels | {levels} |",
        "",
        "### Clauses",
        "",
        *_clause_rows(policy),
        "",
    ]
    for clause in policy.clauses:
        lines += _clause(clause)
    return lines


def rules_markdown(policies: Mapping[str, Policy] | None = None) -> str:
    """Every policy (the shipped ones by default) as one Markdown page, ids in order."""
    shipped = policies if policies is not None else builtin_policies()
    ordered = [shipped[key] for key in sorted(shipped)]
    lines = [
        "# Hours and title rules",
        "",
        "<!-- Generated from registry/hours/policies/*.toml; do not edit. Regenerate with:",
        f"     {COMMAND} -->",
        "",
        "Every rule cecert applies, as read from its policy files "
        "([policies.md](policies.md) describes the format; the digest of the notices is "
        "`POLICIES.md`). Each rule is a **clause** with its source, its place and its own "
        "dates: a rule about the year's task holds for whole years, a rule about a record holds "
        "on the record's date (its end date, else its start date, else the last day of its "
        "year), a rule of an application holds on the application or evaluation date. A clause "
        "holds only for people registered within its place. Outside its policy's dates a policy "
        "is refused (`policy_not_in_force`).",
        "",
        "Hours are exact: 1 day = 6 hours, 1 credit (学分) = 1 hour; the engine counts whole "
        "minutes. Only confirmed records count; each category minimum must be met on its own "
        "and surplus counts toward the total only. The reason codes in brackets are the "
        "engine's (see [errors.md](errors.md)).",
        "",
        *_summary(ordered),
        "",
    ]
    for policy in ordered:
        lines += _policy(policy)
    while lines and lines[-1] == "":
        lines.pop()
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.stdout.write(rules_markdown())
