"""The synthetic province of ``bench/portal_store.py`` (which describes the rows): who is
who, and filling a registry with them in bulk SQL, checked against the store's own
functions."""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import hashlib
import itertools
import math
import random
import sqlite3
import time
from collections.abc import Iterator, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

from registry.hours import Subject
from registry.model import Activity, Category, Confirmer, RecordStatus, TitleLevel
from registry.numbering import mod11_2
from registry.portal import check_character, policy_for, route
from registry.series import series_named
from registry.store.records import activity_row, person_from_row, person_row

CURRENT = 2025
POLICY = "gd-2010"
REGIONS = (
    "440103", "440104", "440105", "440106", "440111", "440112", "440113", "440114", "440115",
    "440117", "440118",  # 广州: 11 districts
    "440303", "440304", "440305", "440306", "440307", "440309",  # 深圳
    "440604", "440605", "440606",  # 佛山
    "441900", "442000", "440402", "440507", "441302", "440703", "440802", "440203", "441202",
)  # fmt: skip
DISTRICT, CITY, PROVINCE = "440106", "440100", "440000"
"""天河区 (the long queue's employer and the district bureau), 广州市, 广东省."""
SERIES = ("卫生", "工程", "中小学教师", "经济", "高等教育", "农业", "统计")
LEVELS = (TitleLevel.JUNIOR, TitleLevel.INTERMEDIATE, TitleLevel.SENIOR)
_NAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗梁伟芳娜敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚"
CATEGORIES = (Category.PUBLIC, Category.PROFESSIONAL, Category.PROFESSIONAL,
              Category.ELECTIVE, Category.PUBLIC)  # fmt: skip
TITLES = {
    Category.PUBLIC: ("公需科目：新质生产力与高质量发展", "公需科目：数字经济与人工智能"),
    Category.PROFESSIONAL: ("专业前沿技术高级研修班", "行业标准与规范解读"),
    Category.ELECTIVE: ("年度学术交流会", "单位组织业务培训"),
}
PROVIDERS = ("广东省专业技术人员继续教育平台", "广东省继续教育基地", "单位组织")
MINUTES = (360, 480, 600, 720, 960, 1800)
DECLARATION = (
    "id", "token", "id_number", "credit_code", "region", "sector", "year", "category", "kind",
    "title", "course_code", "minutes", "start_date", "end_date", "provider", "score", "role",
    "state", "stage", "confirmed_by", "reason", "activity", "version", "declared_at",
    "changed_at",
)  # fmt: skip
DRAFT = DECLARATION[6:17]
"""The draft values: the columns ``activity_row`` makes."""
_ACTIVITIES_FROM_DECLARATIONS = f"""
INSERT INTO activities (id_number, {", ".join(DRAFT)}, status, confirmed_by, fingerprint)
SELECT id_number, {", ".join(DRAFT)}, 'confirmed', confirmed_by, activity FROM declarations
WHERE id BETWEEN ? AND ? AND state = 'confirmed' ORDER BY id
"""
_PROOFS_FROM_DECLARATIONS = """
INSERT INTO proofs (declaration, sha256, filename, media_type, size)
SELECT id, lower(hex(randomblob(32))), '结业证书.pdf', 'application/pdf',
       150000 + abs(random()) % 900000
FROM declarations WHERE id BETWEEN ? AND ?
"""
_CHUNK = 1_000_000


# -- the synthetic province ------------------------------------------------------------------


@dataclasses.dataclass(frozen=True, slots=True)
class Layout:
    """Who is who in the filled registry (kept as JSON beside a kept registry)."""

    people: int
    records: int
    per_region: int
    """Employers per district."""
    staff: int
    """People of the employer with the long queue (employer 0 of 天河区)."""
    queue: int
    """Its records waiting for it."""

    @property
    def target(self) -> str:
        return credit_code(DISTRICT, 0)

    def is_staff(self, person: int) -> bool:
        return REGIONS[person % len(REGIONS)] == DISTRICT and person // len(REGIONS) < self.staff

    def employer(self, person: int) -> str:
        region, j = REGIONS[person % len(REGIONS)], person // len(REGIONS)
        if region != DISTRICT:
            return credit_code(region, j % self.per_region)
        return credit_code(region, 0 if j < self.staff else 1 + j % (self.per_region - 1))

    def who(self, person: int) -> tuple[Any, ...]:
        """(p, id_number, name, series, title_level, title_date, region, credit_code,
        sector, j, staff): a person as the fill's ``who`` table holds them."""
        number, staff, series = id_number(person), self.is_staff(person), SERIES[person % 7]
        series = "卫生" if staff else series
        name = _NAMES[person % 20] + _NAMES[20 + person % 21] + _NAMES[20 + person // 21 % 21]
        title_date = f"{2008 + person % 16}-07-01"
        return (person, number, name, series, LEVELS[person % 3].value, title_date,
                number[:6], self.employer(person), series_named(series).sector,
                person // len(REGIONS), staff)  # fmt: skip


def id_number(person: int) -> str:
    """A valid resident ID number of the person's district, unique below 11.7 million."""
    birth = dt.date(1965, 1, 1) + dt.timedelta(days=(person * 7) % 13_000)
    body = f"{REGIONS[person % len(REGIONS)]}{birth:%Y%m%d}{100 + person // 13_000:03d}"
    return body + mod11_2(body)


@functools.cache
def credit_code(region: str, k: int) -> str:
    first17 = f"91{region}MA{k:07d}"
    return first17 + check_character(first17)


def make_layout(people: int, records: int, employers: int, queue: int) -> Layout:
    current = max(1, math.ceil(records / people))
    current -= current // 2
    staff = min(math.ceil(queue * 1.25 / current), people // len(REGIONS) // 2)
    if staff * current < queue:
        raise SystemExit(f"--employer-queue {queue} needs more --people or --records")
    return Layout(people, records, max(2, math.ceil(employers / len(REGIONS))), staff, queue)


class Filler:
    """The bulk rows, made in SQL from two small tables built here: ``who`` (each person,
    their employer, series and level) and ``routes`` (who confirms, from ``route``)."""

    def __init__(self, conn: sqlite3.Connection, layout: Layout) -> None:
        self.conn, self.layout = conn, layout
        per = max(1, math.ceil(layout.records / layout.people))
        self.params = {"people": layout.people, "half": per // 2, "current": CURRENT,
                       "staff": layout.staff, "queue": layout.queue}  # fmt: skip
        conn.create_function("sha256", 1, _sha256, deterministic=True)
        conn.execute(
            "CREATE TEMP TABLE who (p INTEGER PRIMARY KEY, id_number, name, series, title_level,"
            " title_date, region, credit_code, sector, j, staff)"
        )
        conn.executemany("INSERT INTO temp.who VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                         (layout.who(p) for p in range(layout.people)))  # fmt: skip
        conn.execute(
            "CREATE TEMP TABLE routes (region, series, title_level, category, year, month,"
            " stage, confirmed_by, PRIMARY KEY (region, series, title_level, category, year,"
            " month)) WITHOUT ROWID"
        )
        conn.executemany("INSERT INTO temp.routes VALUES (?, ?, ?, ?, ?, ?, ?, ?)", _routes())

    def people(self) -> None:
        self.conn.execute(
            "INSERT INTO people (id_number, name, employer, series, title_level, title_date,"
            " region) SELECT id_number, name, '单位' || credit_code, series, title_level,"
            " title_date, region FROM temp.who ORDER BY p"
        )
        self.conn.execute(
            "INSERT INTO enrolments (id_number, credit_code, state, version, registered_at)"
            " SELECT id_number, credit_code, 'approved', 2, '2025-01-03T01:00:00+00:00'"
            " FROM temp.who ORDER BY p"
        )

    def declarations(self, first: int, last: int) -> None:
        self.conn.execute(_DECLARATIONS, {**self.params, "first": first, "last": last})
        self.conn.execute(_PROOFS_FROM_DECLARATIONS, (first, last))
        self.conn.execute(_ACTIVITIES_FROM_DECLARATIONS, (first, last))

    def applications(self) -> None:
        self.conn.execute(_APPLICATIONS, self.params)


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _routes() -> Iterator[tuple[Any, ...]]:
    """Who confirms each category of record of each district, series and level, by the
    15th of each month of both years (``route`` under gd-2010; checked per row later)."""
    for region, series, level, category in itertools.product(REGIONS, SERIES, LEVELS, Category):
        subject = Subject(region, series_named(series), level)
        for year in (CURRENT - 1, CURRENT):
            policy = policy_for(subject, year, POLICY)
            for month in range(1, 13):
                chosen = route(policy, subject, category, dt.date(year, month, 15))
                yield (region, series, level.value, category.value, year, month,
                       chosen.confirmer_stage.value, chosen.confirmed_by.value)  # fmt: skip


def _case(expression: str, values: Sequence[Any]) -> str:
    """SQL choosing ``values[expression]`` (``expression`` from 0)."""
    whens = " ".join(f"WHEN {i} THEN {v!r}" for i, v in enumerate(values))
    return f"CASE {expression} {whens} END"


_JSON = (
    '{"category":"%s","confirmed_by":"%s","course_code":"%s","end_date":"%s","id_number":"%s",'
    '"kind":"%s","minutes":%d,"provider":"%s","role":null,"score":%s,"start_date":"%s",'
    '"status":"confirmed","title":"%s","year":%d}'
)
"""``activity_row``'s canonical JSON of a confirmed record (keys sorted; the values hold
nothing JSON escapes), whose SHA-256 is its fingerprint."""
_DECLARATIONS = f"""
WITH RECURSIVE s(n) AS (SELECT :first UNION ALL SELECT n + 1 FROM s WHERE n < :last),
b AS MATERIALIZED (
    SELECT n, (n - 1) / :people AS turn, w.*, abs(random()) AS r
    FROM s JOIN temp.who w ON w.p = (n - 1) % :people
),
c AS MATERIALIZED (
    SELECT b.*, CASE WHEN turn >= :half THEN :current ELSE :current - 1 END AS year,
        {_case("turn % 5", [c.value for c in CATEGORIES])} AS category,
        1 + r % 12 AS month, 1 + 7 * (r / 16 % 4) AS day, r / 16777216 % 1000 AS draw
    FROM b
),
d AS MATERIALIZED (
    SELECT c.*,
        printf('%d-%02d-%02d', year, month, day) AS start_date,
        printf('%d-%02d-%02d', year, month, day + r / 64 % 4) AS end_date,
        printf('%s（第%d期）', CASE category
            WHEN 'public' THEN {_case("r / 256 % 2", TITLES[Category.PUBLIC])}
            WHEN 'professional' THEN {_case("r / 256 % 2", TITLES[Category.PROFESSIONAL])}
            ELSE {_case("r / 256 % 2", TITLES[Category.ELECTIVE])} END, n) AS title,
        printf('B%09d', n) AS course_code,
        {_case("r / 512 % 6", MINUTES)} AS minutes,
        {_case("r / 4096 % 3", PROVIDERS)} AS provider,
        CASE WHEN category = 'public' THEN CAST(60 + r / 16384 % 41 AS TEXT) END AS score,
        CASE category WHEN 'public' THEN 'online_course' WHEN 'professional' THEN 'face_to_face'
            ELSE 'conference' END AS kind,
        CASE WHEN year < :current THEN CASE WHEN draw < 970 THEN 'confirmed' ELSE 'withdrawn' END
            WHEN staff AND (turn - :half) * :staff + j < :queue THEN 'waiting'
            WHEN draw < 750 OR (staff AND draw < 830) THEN 'confirmed'
            WHEN draw < 830 THEN 'waiting' WHEN draw < 930 THEN 'reviewed'
            WHEN draw < 970 THEN 'returned' ELSE 'withdrawn' END AS st,
        t.stage AS confirmer, t.confirmed_by AS route_by
    FROM c JOIN temp.routes t USING (region, series, title_level, category, year, month)
),
e AS MATERIALIZED (
    SELECT d.*, CASE WHEN st = 'confirmed' THEN route_by END AS by FROM d
)
INSERT INTO declarations ({", ".join(DECLARATION)})
SELECT n, printf('bulk%010d', n), id_number, credit_code, region, sector, year, category, kind,
    title, course_code, minutes, start_date, end_date, provider, score, NULL,
    CASE st WHEN 'waiting' THEN 'declared' ELSE st END,
    CASE st WHEN 'waiting' THEN 'employer' WHEN 'reviewed' THEN confirmer
        WHEN 'returned' THEN 'person' ELSE 'done' END,
    by, CASE WHEN st = 'returned' THEN '学时与证明不符，请补充结业证书' END,
    CASE WHEN by IS NOT NULL THEN sha256(printf('{_JSON}', category, by, course_code, end_date,
        id_number, kind, minutes, provider,
        CASE WHEN score IS NULL THEN 'null' ELSE '"' || score || '"' END, start_date, title,
        year)) END,
    CASE st WHEN 'waiting' THEN 1 WHEN 'confirmed' THEN 3 ELSE 2 END,
    end_date || 'T02:00:00+00:00', end_date || 'T08:30:00+00:00'
FROM e ORDER BY n
"""
_APPLICATIONS = """
INSERT INTO applications (token, id_number, year, credit_code, region, state, reason, number,
    edition, version, submitted_at, changed_at)
SELECT printf('app%d-%d', year, p), id_number, year, credit_code, region, state,
    CASE WHEN state = 'returned' THEN '学时不足' END,
    CASE WHEN state = 'issued' THEN printf('%s%09d', region, p + 1) END,
    CASE WHEN state = 'issued' THEN 1 END,
    CASE state WHEN 'submitted' THEN 1 WHEN 'employer_approved' THEN 2 WHEN 'approved' THEN 3
        WHEN 'issued' THEN 4 ELSE 2 END,
    '2026-03-01T02:00:00+00:00', '2026-03-01T02:00:00+00:00'
FROM (
    SELECT p, id_number, credit_code, region, :current - 1 AS year, 'issued' AS state
    FROM temp.who WHERE p % 10 != 9
    UNION ALL
    SELECT p, id_number, credit_code, region, :current, CASE WHEN draw < 10 THEN 'submitted'
        WHEN draw < 20 THEN 'employer_approved' WHEN draw < 25 THEN 'approved'
        WHEN draw < 45 THEN 'issued' WHEN draw < 48 THEN 'returned' ELSE 'withdrawn' END
    FROM (SELECT *, abs(random()) % 100 AS draw FROM temp.who) WHERE draw < 50
    ORDER BY p, year
)
"""


def fill(path: Path, layout: Layout) -> None:
    """Every bulk row, in one transaction (rollback journal and ``synchronous = OFF``: a
    crash only loses the throw-away file), then WAL as the registry runs."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = DELETE")
    conn.execute("PRAGMA synchronous = OFF")
    conn.execute("PRAGMA cache_size = -4000000")  # KiB: the random-key indexes stay in memory
    conn.execute("PRAGMA temp_store = MEMORY")
    started = time.perf_counter()
    conn.execute("BEGIN")
    conn.executemany(
        "INSERT INTO employers (credit_code, name, region, state, version, registered_at)"
        " VALUES (?, ?, ?, 'approved', 2, '2025-01-02T01:00:00+00:00')",
        [(credit_code(r, k), f"单位{credit_code(r, k)}", r) for r in REGIONS
         for k in range(layout.per_region)],
    )  # fmt: skip
    filler = Filler(conn, layout)
    filler.people()
    for first in range(1, layout.records + 1, _CHUNK):
        last = min(layout.records, first + _CHUNK - 1)
        filler.declarations(first, last)
        rate = last / (time.perf_counter() - started)
        print(f"  fill: {last:,} of {layout.records:,} records, {rate:,.0f}/s, "
              f"ETA {(layout.records - last) / rate:.0f} s", flush=True)  # fmt: skip
    filler.applications()
    conn.execute("COMMIT")
    conn.execute("PRAGMA journal_mode = WAL")
    waiting = conn.execute(
        "SELECT count(*) FROM declarations WHERE stage = 'employer' AND credit_code = ?",
        (layout.target,),
    ).fetchone()[0]
    if waiting != layout.queue:
        raise SystemExit(f"{waiting} records wait for the employer, not {layout.queue}")
    check_rows(conn, random.Random(1))
    conn.close()


def check_rows(conn: sqlite3.Connection, rng: random.Random, count: int = 2000) -> None:
    """Stop unless sampled rows read back are what the store's functions make of them: the
    person (``person_row``), the draft values and the activity (``activity_row``), and who
    confirms (``route`` on the record's own day)."""
    conn.row_factory = sqlite3.Row
    top = conn.execute("SELECT max(id) FROM declarations").fetchone()[0]
    for ident in rng.sample(range(1, top + 1), min(count, top)):
        d = dict(conn.execute("SELECT * FROM declarations WHERE id = ?", (ident,)).fetchone())
        stored_person = dict(
            conn.execute("SELECT * FROM people WHERE id_number = ?", (d["id_number"],)).fetchone()
        )
        person = person_from_row(stored_person)
        if person_row(person) != stored_person:
            raise SystemExit(f"people row of {d['id_number']} differs from person_row")
        record = Activity(
            id_number=d["id_number"], year=d["year"], category=Category(d["category"]),
            kind=d["kind"], title=d["title"], course_code=d["course_code"],
            minutes=d["minutes"], start_date=dt.date.fromisoformat(d["start_date"]),
            end_date=dt.date.fromisoformat(d["end_date"]), provider=d["provider"],
            score=Decimal(d["score"]) if d["score"] is not None else None, role=None,
            status=RecordStatus.CONFIRMED if d["activity"] else RecordStatus.DECLARED,
            confirmed_by=Confirmer(d["confirmed_by"]) if d["confirmed_by"] else None,
        )  # fmt: skip
        made = activity_row(record)
        if {c: made[c] for c in DRAFT} != {c: d[c] for c in DRAFT}:
            raise SystemExit(f"declaration {ident}: draft values differ from activity_row")
        subject = Subject.of(person)
        chosen = route(policy_for(subject, record.year, POLICY), subject, record.category,
                       record.end_date or dt.date.min)  # fmt: skip
        if d["state"] == "confirmed":
            stored = conn.execute(
                "SELECT * FROM activities WHERE fingerprint = ?", (d["activity"],)
            ).fetchone()
            if stored is None or made != {k: stored[k] for k in made}:
                raise SystemExit(f"declaration {ident}: its activity differs from activity_row")
            if d["confirmed_by"] != chosen.confirmed_by.value:
                raise SystemExit(f"declaration {ident}: confirmed by other than route()")
        if d["state"] == "reviewed" and d["stage"] != chosen.confirmer_stage.value:
            raise SystemExit(f"declaration {ident}: waits for other than route()")
    conn.row_factory = None
