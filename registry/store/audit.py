"""Auditing a registry: recompute everything and report what does not add up.

Checks, in order (``docs/transparency.md``):

1. the event log: sequence numbers without gaps, each event chained to the one before, each
   hash recomputed from its content;
2. every audited row (people, records, certificates, documents) against the latest event that
   wrote it: a row no event wrote, a row whose content differs from what its event recorded,
   a row an event wrote that is gone;
3. every document's PDF file: present, and hashing to what was recorded;
4. the serial counters: never behind the numbers already drawn.

Checkpoints (signed Merkle roots over the log) are checked by the caller that holds the trust
list (:mod:`registry.log`), with :func:`event_hashes`.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

from registry.store.digests import KEYS, digests_of
from registry.store.events import GENESIS, event_hash


@dataclass(frozen=True, slots=True)
class Problem:
    """One inconsistency, with the event it contradicts when there is one."""

    kind: str
    """``event_missing``, ``event_chain``, ``event_hash``, ``row_unlogged``, ``row_edited``,
    ``row_deleted``, ``pdf_missing``, ``pdf_replaced``, ``serial_behind``, ``checkpoint_*``."""
    subject: str
    event_seq: int | None
    message: str


@dataclass(slots=True)
class AuditReport:
    events: int = 0
    rows: int = 0
    pdfs: int = 0
    problems: list[Problem] = field(default_factory=list)
    orphans: list[str] = field(default_factory=list)
    """PDF files no document row names (left by an interrupted issuance; never counted)."""

    @property
    def ok(self) -> bool:
        return not self.problems


def event_hashes(conn: sqlite3.Connection) -> list[str]:
    """The hashes of the log, in order: the leaves of its Merkle tree."""
    return [r[0] for r in conn.execute("SELECT hash FROM events ORDER BY seq")]


def audit_log(conn: sqlite3.Connection, report: AuditReport) -> dict[str, tuple[str, int]]:
    """Check the chain; return ``{row key: (digest, seq)}`` of the latest event per row."""
    latest: dict[str, tuple[str, int]] = {}
    previous_hash, expected_seq = GENESIS, 1
    rows = conn.execute(
        "SELECT seq, at, kind, subject, data, prev_hash, hash FROM events ORDER BY seq"
    )
    for seq, at, kind, subject, data, prev_hash, digest in rows:
        report.events += 1
        if seq != expected_seq:
            report.problems.append(
                Problem(
                    "event_missing",
                    f"events {expected_seq}-{seq - 1}",
                    expected_seq,
                    f"event(s) {expected_seq} to {seq - 1} are missing from the log",
                )
            )
        elif prev_hash != previous_hash:
            report.problems.append(
                Problem(
                    "event_chain",
                    f"event {seq}",
                    seq,
                    f"event {seq} is not chained to the one before",
                )
            )
        if event_hash(prev_hash, seq, at, kind, subject, data) != digest:
            report.problems.append(
                Problem(
                    "event_hash", f"event {seq}", seq, f"event {seq} ({kind} {subject}) was edited"
                )
            )
        previous_hash, expected_seq = digest, seq + 1
        try:
            content = json.loads(data)
            written = content.get("rows", {})
            removed = content.get("removed", [])
        except (ValueError, AttributeError):
            written, removed = {}, []
        for key in removed:  # rows an event deleted on purpose (an ID number corrected)
            latest.pop(key, None)
        for key, row_digest in written.items():
            latest[key] = (row_digest, seq)
    return latest


def audit_rows(
    conn: sqlite3.Connection, latest: dict[str, tuple[str, int]], report: AuditReport
) -> None:
    """Every audited row against the event that last wrote it."""
    present: set[str] = set()
    for table in KEYS:
        for key, digest in digests_of(conn, table, "1 = 1", ()).items():
            report.rows += 1
            present.add(key)
            logged = latest.get(key)
            if logged is None:
                report.problems.append(
                    Problem("row_unlogged", key, None, f"{key} was written without an event")
                )
            elif logged[0] != digest:
                report.problems.append(
                    Problem(
                        "row_edited",
                        key,
                        logged[1],
                        f"{key} differs from what event {logged[1]} recorded: edited behind "
                        "cecert's back",
                    )
                )
    for key, (_digest, seq) in latest.items():
        if key not in present:
            report.problems.append(
                Problem("row_deleted", key, seq, f"{key}, written by event {seq}, is gone")
            )


def audit_pdfs(
    conn: sqlite3.Connection,
    latest: dict[str, tuple[str, int]],
    report: AuditReport,
    certificates_dir: Path | None,
) -> None:
    """Every document's PDF exists and hashes to the recorded SHA-256.

    A PDF is looked for in the home's certificates folder (``<year>/<number>-<edition>.pdf``,
    where issuance writes it), then at its recorded path (``--out`` elsewhere), so a home
    restored to another folder audits the same."""
    named: set[Path] = set()
    for number, edition, year, path, expected in conn.execute(
        "SELECT number, edition, year, pdf_path, pdf_sha256 FROM documents ORDER BY number, edition"
    ):
        report.pdfs += 1
        key = f"documents:{number}/{edition}"
        seq = latest.get(key, ("", None))[1]
        canonical = (
            certificates_dir / str(year) / f"{number}-{edition}.pdf" if certificates_dir else None
        )
        file = canonical if canonical is not None and canonical.exists() else Path(path)
        named.add(file.resolve())
        try:
            actual = hashlib.sha256(file.read_bytes()).hexdigest()
        except OSError:
            report.problems.append(
                Problem(
                    "pdf_missing",
                    key,
                    seq,
                    f"the PDF of {number} edition {edition} is missing ({path})",
                )
            )
            continue
        if actual != expected:
            report.problems.append(
                Problem(
                    "pdf_replaced",
                    key,
                    seq,
                    f"the PDF of {number} edition {edition} is not the one event {seq} recorded",
                )
            )
    if certificates_dir is not None and certificates_dir.is_dir():
        for file in sorted(certificates_dir.rglob("*.pdf")):
            if file.resolve() not in named:
                report.orphans.append(str(file))


def audit_serials(conn: sqlite3.Connection, report: AuditReport) -> None:
    """A serial counter behind a drawn number would draw it again."""
    for region, last in conn.execute("SELECT region, last_serial FROM serials"):
        highest = conn.execute(
            "SELECT MAX(CAST(substr(number, 7, 8) AS INTEGER)) FROM certificates WHERE issuer = ?",
            (region,),
        ).fetchone()[0]
        if highest is not None and highest > last:
            report.problems.append(
                Problem(
                    "serial_behind",
                    f"serials:{region}",
                    None,
                    f"the serial counter of {region} ({last}) is behind number serial {highest}",
                )
            )


def audit(conn: sqlite3.Connection, *, certificates_dir: Path | None = None) -> AuditReport:
    """Run every check on an open connection (read-only is enough)."""
    report = AuditReport()
    latest = audit_log(conn, report)
    audit_rows(conn, latest, report)
    audit_pdfs(conn, latest, report, certificates_dir)
    audit_serials(conn, report)
    return report
