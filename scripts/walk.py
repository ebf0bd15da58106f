"""Walk one person from `cecert import activities` to a verdict and count the project
modules each step runs code in: the figure `docs/architecture.md` quotes.

    .venv/bin/python scripts/walk.py            # counts per step
    .venv/bin/python scripts/walk.py --list     # and the modules

Runs the real commands in this process (a fresh home in a temporary folder, the demo's first
person and records) under a profiler hook that notes the module of every Python function
called; only modules of the project's packages count.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import io
import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from types import FrameType
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("cecert", "keys", "registry", "signer", "verifier", "webcore")


def _modules_of(run: Callable[[], object]) -> set[str]:
    seen: set[str] = set()
    roots = tuple(str(ROOT / p) + os.sep for p in PACKAGES)

    def hook(frame: FrameType, event: str, _arg: Any) -> None:
        if event == "call":
            file = frame.f_code.co_filename
            if file.startswith(roots):
                seen.add(frame.f_globals.get("__name__", file))

    sys.setprofile(hook)
    try:
        run()
    finally:
        sys.setprofile(None)
    return seen


def _cecert(*args: str) -> Callable[[], object]:
    from cecert.cli import cli

    def run() -> object:
        try:
            return cli.main(list(args), prog_name="cecert", standalone_mode=False)
        except SystemExit as exc:
            if exc.code not in (0, None):
                raise
            return None

    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--list", action="store_true", help="print the modules of each step")
    options = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        os.environ["CECERT_HOME"] = str(work / "home")
        os.environ["CECERT_PASSPHRASE"] = "walk only, not a secret"
        people, activities = work / "people.csv", work / "activities.csv"
        with (ROOT / "demo" / "people.csv").open(encoding="utf-8-sig") as source:
            rows = list(csv.reader(source))
        person = rows[1][0]
        people.write_text("\n".join(",".join(r) for r in rows[:2]) + "\n", "utf-8")
        with (ROOT / "demo" / "activities.csv").open(encoding="utf-8-sig") as source:
            lines = list(csv.reader(source))
        mine = [lines[0], *(r for r in lines[1:] if r[0] == person)]
        activities.write_text("\n".join(",".join(r) for r in mine) + "\n", "utf-8")
        quiet = contextlib.redirect_stdout(io.StringIO())
        quiet.__enter__()
        _cecert("init")()
        _cecert("import", "people", str(people))()
        steps = {
            "import": _cecert("import", "activities", str(activities)),
            "issue": _cecert("issue", "--year", "2025", "--workers", "1"),
        }
        found = {name: _modules_of(run) for name, run in steps.items()}
        pdf = next((work / "home" / "certificates" / "2025").glob("*.pdf"))
        home = work / "home"
        verify = _cecert(
            "verify", "--json", "--trust", str(home / "trust.json"),
            "--snapshot", str(home / "published" / "status.cecs"), str(pdf),
        )  # fmt: skip
        found["verify"] = _modules_of(verify)
        quiet.__exit__(None, None, None)
    for name, modules in found.items():
        print(f"{name}: {len(modules)} modules")
        if options.list:
            for module in sorted(modules):
                print(f"    {module}")


if __name__ == "__main__":
    main()
