"""The policy files rendered as Markdown: ``docs/rules.md`` is generated from them.

    .venv/bin/python -m registry.hours.catalog > docs/rules.md

Pure: :func:`rules_markdown` reads the shipped policies and returns text; only the
``__main__`` block writes (to standard output). ``tests/test_docs.py`` fails when
``docs/rules.md`` differs from it, so the page can never drift from the data.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Mapping

from registry.hours.policy import Policy, Requirements, builtin_policies
from registry.model import Category, TitleLevel, format_hours

COMMAND = ".venv/bin/python -m registry.hours.catalog > docs/rules.md"

_MODES = {
    "since_title": "every year from the year after the current title was obtained to the "
    "latest year (the evaluation year once its certificate exists, otherwise the year before)",
    "latest_one": "one year: the year before the evaluation year, or the evaluation year itself "
    "once its certificate exists",
    "current_year": "the evaluation year's certificate only",
    "cycle": "the Guangzhou cycle verification of the person's records (Cycle, above)",
}


def _hours(minutes: int) -> str:
    return f"{format_hours(minutes)} h"


def _code(values: Iterable[str]) -> str:
    return ", ".join(f"`{v}`" for v in values)


def _kinds(policy: Policy) -> str:
    kinds = []
    if policy.requirements is not None or policy.by_level:
        kinds.append("annual hours")
    if policy.cycle is not None:
        kinds.append("cycle verification")
    if policy.title is not None:
        kinds.append("title evaluation")
    return ", ".join(kinds)


def _in_force(policy: Policy) -> str:
    end = policy.effective_to.isoformat() if policy.effective_to else "no end"
    return f"{policy.effective_from.isoformat()} – {end}"


def _summary(policies: Iterable[Policy]) -> list[str]:
    lines = [
        "| id | title | jurisdiction | in force | kind |",
        "|---|---|---|---|---|",
    ]
    for p in policies:
        lines.append(
            f"| [`{p.id}`](#{p.id}) | {p.title_zh} | {p.jurisdiction} | {_in_force(p)} "
            f"| {_kinds(p)} |"
        )
    return lines


def _requirements_table(policy: Policy) -> list[str]:
    rows: list[tuple[str, Requirements]] = []
    if policy.requirements is not None:
        others = [f"`{level.value}`" for level in TitleLevel if level not in policy.by_level]
        label = (
            "every level"
            if not policy.by_level
            else f"{', '.join(others)} (and when no level is given)"
        )
        rows.append((label, policy.requirements))
    for level in TitleLevel:
        if level in policy.by_level:
            rows.append((f"`{level.value}`", policy.by_level[level]))
    if not rows:
        return []
    lines = [
        "| level | total | public 公需 | professional 专业 | elective 选修 |",
        "|---|---|---|---|---|",
    ]
    for label, req in rows:
        cells = [f"≥ {_hours(req.categories[c])}" if c in req.categories else "—" for c in Category]
        lines.append(f"| {label} | ≥ {_hours(req.total)} | {' | '.join(cells)} |")
    if any(c not in req.categories for _, req in rows for c in Category):
        lines += ["", "A category shown as — has no minimum of its own."]
    return lines


def _rules(policy: Policy) -> list[str]:
    rules = policy.rules
    categories = [c for c in Category if c in rules.categories]
    missing = [c for c in Category if c not in rules.categories]
    lines = [f"- Categories: {_code(c.value for c in categories)}."]
    if missing:
        lines[-1] += (
            f" A record of {_code(c.value for c in missing)} is an error "
            "(`category_not_allowed:<category>`)."
        )
    if rules.public_cap is not None:
        lines.append(
            f"- Public hours count up to {rules.public_cap} of the required total "
            "(rounded down to the minute); the rest is shown but not counted (`public_cap`)."
        )
    for category, hundredths in sorted(rules.min_score.items()):
        lines.append(
            f"- A `{category.value}` record counts only with an exam score of at least "
            f"{hundredths / 100:g}; below it or without a score it counts zero "
            "(`score_below_minimum`)."
        )
    lines.append(
        "- The same public course (`course_code`) counts once (`duplicate_public_course`)."
        if rules.dedupe_public_courses
        else "- A public course taken twice counts twice."
    )
    if rules.industry_authority_series:
        lines.append(
            "- Professional records of the series "
            f"{'、'.join(sorted(rules.industry_authority_series))} count only when confirmed "
            "by their industry authority (`confirmed_by = industry_authority`; otherwise "
            "`needs_industry_authority`)."
        )
    lines.append(
        "- A record counts only for the year it was studied in: completed after its year it "
        "counts zero (`no_make_up`) unless a make-up window below covers it; dated before its "
        "year, it never counts (`dated_outside_year`)."
    )
    for window in rules.make_up:
        lines.append(
            f"- Make-up window: `{window.category.value}` hours of {window.year} completed "
            f"until {window.until.isoformat()} count for {window.year} (later: "
            "`after_make_up_deadline`)."
        )
    if not rules.make_up:
        lines.append("- No make-up window.")
    return lines


def _conversions(policy: Policy) -> list[str]:
    conv = policy.rules.conversions
    if conv is None:
        return []
    return [
        "### Conversions",
        "",
        "Counted as professional hours:",
        "",
        "| activity (`kind`) | hours | cap |",
        "|---|---|---|",
        f"| {_code(sorted(conv.achievement_kinds))}, `role = main` | "
        f"{_hours(conv.main_minutes)} | all achievements ≤ {_hours(conv.achievement_cap)} a year |",
        f"| the same, `role = contributor` | {_hours(conv.contributor_minutes)} | (same cap) |",
        f"| {_code(sorted(conv.degree_kinds))} | the record's hours | "
        f"≤ {_hours(conv.degree_cap)} a year |",
        "",
        "An achievement without a role counts zero (`achievement_without_role`); its own hours "
        "are ignored. Other activities count the hours on the record (days × 6 at import).",
    ]


def _cycle(policy: Policy) -> list[str]:
    spec = policy.cycle
    if spec is None:
        return []
    month, day = spec.cutoff
    minimums = ", ".join(
        f"{c.value} ≥ {_hours(m)}" for c in Category if (m := spec.year_minimums.get(c))
    )
    years = ", ".join(str(y) for y in sorted(spec.minimum_years))
    return [
        "### Cycle",
        "",
        f"- Years: from the year after the current title was obtained; applying on or before "
        f"{month:02d}-{day:02d} the cycle ends with the previous year, after it with the "
        f"application year; at most the latest {spec.max_years} years.",
        "- Hours of the application year completed by the application date count toward the "
        "total; later ones do not (`after_application`).",
        f"- Required: {_hours(spec.minutes_per_year)} × the cycle's years (`cycle_total`); "
        "an empty cycle fails (`cycle_empty`).",
        f"- Each of {years} inside the cycle on its own: {minimums} "
        "(`cycle_year_minimum:<year>:<category>`).",
    ]


def _title(policy: Policy) -> list[str]:
    spec = policy.title
    if spec is None:
        return []
    lines = ["### Title evaluation", "", "| level | certificates required |", "|---|---|"]
    for key, mode in spec.years.items():
        label = "every level" if key == "default" else f"`{key}`"
        lines.append(f"| {label} | `{mode}`: {_MODES[mode]} |")
    table_end = len(lines)
    if spec.floor_year is not None:
        lines.append(
            f"- `since_title` never reaches back before {spec.floor_year}; a title obtained "
            f"before {spec.floor_year}, or a direct application for intermediate, counts from "
            f"{spec.floor_year}."
        )
    per_certificate = any(mode != "cycle" for mode in spec.years.values())
    if spec.require_policy:
        lines.append(
            f"- Every year's hours are judged against `{spec.require_policy}`, whatever policy "
            "the certificate names."
        )
    elif per_certificate:
        lines.append(
            "- Each certificate's hours are judged against the policy it names, at the "
            "candidate's level."
        )
    if per_certificate:
        lines.append(
            "- A year is met by a current, authentic certificate whose hours meet the policy; "
            "superseded, revoked or unverified certificates do not count."
        )
    if len(lines) > table_end:
        lines.insert(table_end, "")
    return lines


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
        f"| in force | {_in_force(policy)} |",
        f"| series | {series} |",
        f"| levels | {levels} |",
        "",
    ]
    if policy.clauses:
        lines += ["Clauses:", "", *(f"- {clause}" for clause in policy.clauses), ""]
    annual = _requirements_table(policy)
    if annual:
        lines += ["### Annual requirement", "", *annual, ""]
    if annual or policy.cycle is not None:
        lines += ["### Rules", "", *_rules(policy), ""]
    for part in (_conversions(policy), _cycle(policy), _title(policy)):
        if part:
            lines += [*part, ""]
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
        "`POLICIES.md`). Hours are exact: 1 day = 6 hours, 1 credit (学分) = 1 hour; the "
        "engine counts whole minutes. Only confirmed records count; each category minimum "
        "must be met on its own and surplus counts toward the total only. The reason codes "
        "in brackets are the engine's (see [errors.md](errors.md)).",
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
