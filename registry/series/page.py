"""The national list of title series rendered as Markdown: ``docs/series.md``.

    .venv/bin/python -m registry.series.page > docs/series.md

Pure: :func:`series_markdown` returns text; only the ``__main__`` block writes.
``tests/registry/test_series.py`` fails when ``docs/series.md`` differs from it.
"""

from __future__ import annotations

import sys

from registry.series import SeriesList, national_series

COMMAND = ".venv/bin/python -m registry.series.page > docs/series.md"


def series_markdown(listing: SeriesList | None = None) -> str:
    """Every series with its sector and accepted aliases, in the list's order."""
    shown = listing or national_series()
    lines = [
        "# Title series (职称系列)",
        "",
        "<!-- Generated from registry/series/series.toml; do not edit. Regenerate with:",
        f"     {COMMAND} -->",
        "",
        "The national list of title series cecert accepts. A people file's `series`, "
        "`cecert hours check --series` and every rule name a series by its official name or "
        "one of its aliases; anything else is refused (`unknown_series`), so that a person is "
        'never judged as "another sector" because their series was spelt another way. An '
        "alias is stored under the official name. Rules name **sectors** (notice 001 三: the "
        "education and health sectors' professional hours are confirmed by their industry "
        "authority) or official names (会计 and 档案 follow their own national rules).",
        "",
        "| series | sector | aliases |",
        "|---|---|---|",
    ]
    for series in shown.series:
        aliases = "、".join(series.aliases) or "—"
        sector = f"{shown.sectors[series.sector]} (`{series.sector}`)"
        lines.append(f"| {series.name} | {sector} | {aliases} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.stdout.write(series_markdown())
