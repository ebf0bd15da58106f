"""Filling a registry with ten million synthetic documents in SQL, fast, for
``bench/registry_scale.py`` (which describes the rows)."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

from benchlib import id_number

from registry.numbering import format_number

SUPERSEDED = ("renewal", "reissue_lost", "reissue_damaged", "correction")
KIND_FOR = {
    "renewal": "renewal",
    "reissue_lost": "reissue",
    "reissue_damaged": "reissue",
    "correction": "correction",
}
REVOKED = ("fraud", "altered", "issued_in_error", "records_invalid", "withdrawn")
HOURS = (
    '{"policy_id":"gd-2010","total_counted":4680,"total_required":4320,"categories":['
    '{"category":"public","counted":1200,"required":1200},'
    '{"category":"professional","counted":2760,"required":2160},'
    '{"category":"elective","counted":720,"required":720}]}'
)
"""An hours summary as ``summary_json`` writes it (minutes)."""
_CHUNK = 1_000_000
"""Certificate numbers per fill transaction."""
_SUPERSEDED_PER_10K = 870
"""Of 10,000 numbers, this many have a superseded edition 1 and a current edition 2: with
``_REVOKED_PER_10K`` revoked, 8 % of all documents are superseded and 2 % revoked."""
_REVOKED_PER_10K = 217

# Per number ``n`` (serial from 1): ``draw`` in 0..9999 chooses its story. ``pick`` chooses
# the reason. Dates: 2025-01-01 plus up to two years, in minutes.
_FILL = f"""
WITH RECURSIVE s(n) AS (SELECT :first UNION ALL SELECT n + 1 FROM s WHERE n < :last),
c AS MATERIALIZED (
    SELECT n, number(n) AS number, abs(random()) % 10000 AS draw,
           abs(random()) % 1000 AS pick,
           strftime('%Y-%m-%dT%H:%M:%S+00:00', '2025-01-01',
                    '+' || (abs(random()) % 1051200) || ' minutes') AS changed
    FROM s
)
INSERT INTO documents (number, edition, kind, year, policy_id, hours, payload, pdf_sha256,
    pdf_path, status, issued_at, superseded_by, status_changed_at, status_reason, issue_reason)
SELECT number, edition, kind, 2025, 'gd-2010', '{HOURS}',
       'CEC1:' || substr(hex(randomblob(203)), 1, 405), lower(hex(randomblob(32))),
       'certificates/2025/' || number || '-' || edition || '.pdf',
       status, '2025-01-05T08:00:00+00:00', superseded_by, changed, reason, issue_reason
FROM (
    SELECT number, 1 AS edition, 'original' AS kind,
        CASE WHEN draw < {_SUPERSEDED_PER_10K} THEN 'superseded'
             WHEN draw < {_SUPERSEDED_PER_10K + _REVOKED_PER_10K} THEN 'revoked'
             ELSE 'current' END AS status,
        CASE WHEN draw < {_SUPERSEDED_PER_10K} THEN 2 END AS superseded_by,
        CASE WHEN draw < {_SUPERSEDED_PER_10K + _REVOKED_PER_10K} THEN changed END AS changed,
        CASE WHEN draw < {_SUPERSEDED_PER_10K} THEN superseded(pick)
             WHEN draw < {_SUPERSEDED_PER_10K + _REVOKED_PER_10K} THEN revoked(pick)
             END AS reason,
        NULL AS issue_reason, n, draw
    FROM c
    UNION ALL
    SELECT number, 2, kind_for(superseded(pick)), 'current', NULL, NULL, NULL,
           superseded(pick), n, draw
    FROM c WHERE draw < {_SUPERSEDED_PER_10K}
    ORDER BY n, edition
)
"""
_CERTIFICATES = """
WITH RECURSIVE s(n) AS (SELECT :first UNION ALL SELECT n + 1 FROM s WHERE n < :last)
INSERT INTO certificates (number, id_number, issuer, created_at)
SELECT number(n), person(n), :issuer, '2025-01-05T08:00:00+00:00' FROM s
"""


def numbers_for(documents: int) -> int:
    """Certificate numbers that give about ``documents`` documents."""
    return round(documents * 10_000 / (10_000 + _SUPERSEDED_PER_10K))


def fill(path: Path, numbers: int, *, issuer: str) -> None:
    """Insert ``numbers`` certificates and their documents straight into the tables, in
    transactions of a million numbers (rollback journal and ``synchronous=OFF`` while
    filling: a crash only loses the throw-away file; WAL again at the end)."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = DELETE")
    conn.execute("PRAGMA synchronous = OFF")
    conn.execute("PRAGMA cache_size = -3000000")  # KiB: the random pdf_sha256 index fits
    conn.create_function("number", 1, lambda n: format_number(issuer, n), deterministic=True)
    conn.create_function("person", 1, id_number, deterministic=True)
    conn.create_function("superseded", 1, lambda p: SUPERSEDED[p % 4], deterministic=True)
    conn.create_function("revoked", 1, lambda p: REVOKED[p % 5], deterministic=True)
    conn.create_function("kind_for", 1, KIND_FOR.__getitem__, deterministic=True)
    started = time.perf_counter()
    for first in range(1, numbers + 1, _CHUNK):
        last = min(numbers, first + _CHUNK - 1)
        conn.execute("BEGIN")
        conn.execute(_CERTIFICATES, {"first": first, "last": last, "issuer": issuer})
        conn.execute(_FILL, {"first": first, "last": last})
        conn.execute("COMMIT")
        done = last
        rate = done / (time.perf_counter() - started)
        eta = (numbers - done) / rate
        print(
            f"  fill: {done:,} of {numbers:,} numbers, {rate:,.0f}/s, ETA {eta:.0f} s", flush=True
        )
    conn.execute(
        "INSERT OR REPLACE INTO serials (region, last_serial) VALUES (?, ?)", (issuer, numbers)
    )
    conn.execute("PRAGMA journal_mode = WAL")
    conn.close()
