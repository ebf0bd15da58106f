"""Roster benchmark: a training provider's roster of N attendees, accepted whole.

    .venv/bin/python bench/roster.py                 # 5,000 rows, 3 rounds
    .venv/bin/python bench/roster.py --rows 10000 --rounds 5

Creates a fresh home in a temporary directory (random passphrase) with six times ``--rows``
synthetic people and their records (``benchlib.create_home``; the roster takes ``--rows`` of
the health series, as a health class approved by the health authority confirms only them),
a provider approved by its bureau and, each round, a new class plan approved by the health
authority; then times, each round:

1. reading the roster file (CSV and ``.xlsx``, ``registry.importing.rosters.load_roster``);
2. accepting it in the registry (``Registry.rosters.accept``: every person looked up and
   their name checked, a confirmed record and a roster entry written per row, one event
   naming them all, one transaction);
3. the whole upload over the portal's WSGI app, as the provider's page sends it (a logged-in
   session, a multipart POST of the CSV, the redirect after it), and the same roster as JSON
   through the API with a token;
4. the reference in the same run: the same rows as records through the registry's import
   (``Registry.import_activities``, what ``cecert import activities`` calls), on another
   plan's course code so that nothing is already there.

Medians of the rounds are printed beside the target (a 5,000-row roster in under 5 s). One
process, one core. The temporary directory is removed at the end.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from benchlib import create_home, print_header
from openpyxl import Workbook

from portal.web import create_app
from registry import CHINA_TZ
from registry.importing.rosters import load_roster
from registry.model import Category, Confirmer, RecordStatus
from registry.portal import Actor, PortalRole, check_character
from registry.portal.classes import ClassMode, ClassPlan, attendee_record, check_plan
from registry.series import series_named
from registry.store import Registry
from webcore import AccountStore, Role

CODE = "52440106MJ0000000" + check_character("52440106MJ0000000")
PROVIDER = Actor("school", PortalRole.PROVIDER, CODE)
HEALTH = Actor("health", PortalRole.AUTHORITY, "health")
PASSWORD = "a long enough bench password"
T = TypeVar("T")


def _plan(registry: Registry, index: int, at: dt.datetime) -> ClassPlan:
    today = at.astimezone(CHINA_TZ).date()
    fields = check_plan(
        sector="health", title=f"网络专题第 {index} 期", category=Category.PROFESSIONAL,
        course_code=f"BENCH-{index}", minutes=8 * 60, start_date=today, end_date=today,
        mode=ClassMode.ONLINE, place="", at=at,
    )  # fmt: skip
    plan = registry.class_plans.file(PROVIDER, fields, token=f"bench-{index}", at=at)
    return registry.class_plans.decide(
        HEALTH, plan.id, version=plan.version, approve=True, reason=None, at=at
    )


def _timed(action: Callable[..., T], *args: Any, **kwargs: Any) -> tuple[float, T]:
    started = time.perf_counter()
    result = action(*args, **kwargs)
    return time.perf_counter() - started, result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=5_000, help="attendees (default 5000)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds (default 3)")
    args = parser.parse_args(argv)
    rows: int = args.rows
    print_header(f"roster of {rows} rows, {args.rounds} rounds")
    with tempfile.TemporaryDirectory(prefix="cecert-bench-roster-") as folder:
        root = Path(folder)
        bench = create_home(root, rows * 6)  # a sixth of the synthetic people are health's
        registry, at = bench.registry, bench.at
        people = [p for p in registry.people() if series_named(p.series).sector == "health"]
        people = people[:rows]
        assert len(people) == rows, len(people)
        made = registry.providers.register(PROVIDER, name="基准培训中心", region="440106", at=at)
        tianhe = Actor("tianhe", PortalRole.BUREAU, "440106")
        registry.providers.decide(
            tianhe, CODE, version=made.version, approve=True, reason=None, at=at
        )
        _, token = registry.providers.make_token(PROVIDER, label="bench", at=at)
        csv_path = root / "名单.csv"
        csv_path.write_text(
            "身份证号,姓名,学时,成绩\n" + "".join(f"{p.id_number},{p.name},8,90\n" for p in people),
            encoding="utf-8",
        )
        book = Workbook(write_only=True)
        sheet = book.create_sheet()
        sheet.append(["身份证号", "姓名", "学时", "成绩"])
        for p in people:
            sheet.append([p.id_number, p.name, 8, 90])
        xlsx_path = root / "名单.xlsx"
        book.save(xlsx_path)
        instance = root / "instance"
        AccountStore.create(instance).add("school", PASSWORD, Role.PROVIDER, at=at, scope=CODE)
        app = create_app(
            {"HOME": str(bench.home.root), "SECRET_KEY": "bench, not a secret",
             "CLOCK": lambda: at, "RATE_LIMIT_LOGIN": "1000/minute"},
            instance_path=str(instance),
        )  # fmt: skip
        client = app.test_client()
        client.get("/login")
        csrf = _csrf(client.get("/login").get_data(as_text=True))
        client.post("/login", data={"csrf_token": csrf, "username": "school",
                                    "password": PASSWORD})  # fmt: skip
        csrf = _csrf(client.get("/provider/").get_data(as_text=True))
        body = json.dumps({"rows": [{"id_number": p.id_number, "name": p.name, "hours": 8,
                                     "score": 90} for p in people]})  # fmt: skip
        figures: dict[str, list[float]] = {}
        today = at.astimezone(CHINA_TZ).date()

        def upload(ident: int) -> None:
            data = {"csrf_token": csrf, "roster": (io.BytesIO(csv_path.read_bytes()), "名单.csv")}
            answer = client.post(
                f"/provider/plans/{ident}", data=data, content_type="multipart/form-data"
            )
            assert answer.status_code == 302, answer.get_data(as_text=True)[:500]

        def send(ident: int) -> None:
            answer = app.test_client().post(
                f"/api/v1/plans/{ident}/roster", data=body,
                headers={"Authorization": f"Bearer {token}"}, content_type="application/json",
            )  # fmt: skip
            assert answer.status_code == 200, answer.get_data(as_text=True)[:500]

        for round_ in range(args.rounds):
            seconds, csv_roster = _timed(load_roster, csv_path, today=today)
            figures.setdefault("read CSV", []).append(seconds)
            seconds, xlsx_roster = _timed(load_roster, xlsx_path, today=today)
            figures.setdefault("read .xlsx", []).append(seconds)
            assert csv_roster.problems == ()
            assert len(csv_roster.lines) == rows
            assert xlsx_roster.lines == csv_roster.lines
            plan = _plan(registry, 4 * round_, at)
            seconds, _ = _timed(
                registry.rosters.accept,
                PROVIDER,
                plan.id,
                csv_roster,
                default_policy="gd-2010",
                at=at,
            )
            figures.setdefault("accept (store)", []).append(seconds)
            seconds, _ = _timed(upload, _plan(registry, 4 * round_ + 1, at).id)
            figures.setdefault("upload over the page", []).append(seconds)
            seconds, _ = _timed(send, _plan(registry, 4 * round_ + 2, at).id)
            figures.setdefault("send over the API", []).append(seconds)
            reference = _plan(registry, 4 * round_ + 3, at)
            records = [(line.line, attendee_record(reference, line)) for line in csv_roster.lines]
            assert all(r.status is RecordStatus.CONFIRMED for _, r in records)
            assert records[0][1].confirmed_by is Confirmer.INDUSTRY_AUTHORITY
            seconds, _ = _timed(registry.import_activities, records, source="bench", at=at)
            figures.setdefault("reference: import_activities", []).append(seconds)
        for label, values in figures.items():
            median = statistics.median(values)
            print(f"{label:30} median {median:6.2f} s  ({rows / median:8.0f} rows/s)  "
                  f"rounds: {', '.join(f'{v:.2f}' for v in values)}")  # fmt: skip
        page = statistics.median(figures["upload over the page"])
        print(f"target: a {rows}-row roster accepted in under 5 s (over the page: {page:.2f} s)")
    return 0


def _csrf(page: str) -> str:
    marker = 'name="csrf_token" value="'
    start = page.index(marker) + len(marker)
    return page[start : page.index('"', start)]


if __name__ == "__main__":
    raise SystemExit(main())
