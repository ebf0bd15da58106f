"""Upgrading a home made by an earlier cecert, in place: the key ring, the registry's schema
(logged, so the audit keeps holding every row to the log) and the trust list.

The home under ``tests/data/homes/2026-11-22`` was made by the cecert of that day (its
README says how); the commands run as real processes on a copy of it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import sys
from contextlib import closing
from pathlib import Path

import pytest

from keys import parse_trust_list
from keys.certificates import load_certificate
from keys.errors import KeysError
from keys.private import upgrade_key_ring
from registry.errors import RegistryError
from registry.store import Registry
from registry.store.digests import digests_of
from registry.store.events import append_event
from registry.store.migrations import MIGRATIONS, SCHEMA_VERSION
from tests.conftest import ROOT
from verifier import Verdict, Verifier

OLD_HOME = ROOT / "tests" / "data" / "homes" / "2026-11-22"
OLD_PASSPHRASE = "an older home, not a real secret"
AT = dt.datetime(2026, 12, 6, 2, 0, tzinfo=dt.UTC)


def _cecert(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CECERT_")}
    env |= {"CECERT_HOME": str(home), "CECERT_PASSPHRASE": OLD_PASSPHRASE}
    return subprocess.run(
        [sys.executable, "-m", "cecert", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


@pytest.fixture
def old_home(tmp_path: Path) -> Path:
    """A copy of the old home, with the permissions cecert gave it (git keeps no modes)."""
    home = tmp_path / "home"
    shutil.copytree(OLD_HOME, home)
    for folder in (home, home / "keys"):
        folder.chmod(0o700)
    for private in (*(home / "keys").glob("*.key.pem"), home / "registry.sqlite"):
        private.chmod(0o600)
    return home


def test_a_home_made_by_an_earlier_cecert_is_upgraded_in_place(old_home: Path) -> None:
    root_before = (old_home / "keys" / "root.crt.pem").read_bytes()
    numbers = sorted(p.name.split("-")[0] for p in (old_home / "certificates" / "2025").iterdir())

    # Before: every command says what to do instead of "create a new home".
    refused = _cecert(old_home, "issue", "--year", "2025")
    assert refused.returncode != 0
    assert "key_ring_outdated" in refused.stderr
    assert "cecert upgrade" in refused.stderr
    assert "create a new home" not in refused.stderr
    audit = _cecert(old_home, "registry", "audit")
    assert audit.returncode != 0
    assert "registry_outdated" in audit.stderr
    assert "cecert upgrade" in audit.stderr

    upgraded = _cecert(old_home, "upgrade")
    assert upgraded.returncode == 0, upgraded.stderr
    assert "密钥环：已从版本 1 升级" in upgraded.stdout
    assert f"结构版本 2 → {SCHEMA_VERSION}" in upgraded.stdout
    assert "按现状接收 44 行" in upgraded.stdout  # a log without row digests: adopted
    assert "信任列表：已重新签发" in upgraded.stdout

    # The registry audits consistent, against the checkpoint the upgrade published.
    checkpoint = old_home / "published" / "checkpoint.txt"
    audit = _cecert(old_home, "registry", "audit", "--checkpoint", str(checkpoint))
    assert audit.returncode == 0, audit.stdout + audit.stderr
    with closing(sqlite3.connect(old_home / "registry.sqlite")) as conn:
        kinds = [k for (k,) in conn.execute("SELECT kind FROM events ORDER BY seq")]
        data = json.loads(
            conn.execute("SELECT data FROM events WHERE kind = 'migrate'").fetchone()[0]
        )
    assert kinds[-1] == "migrate"
    assert kinds.count("migrate") == 1
    assert (data["from"], data["to"], data["adopted"]) == (2, SCHEMA_VERSION, 44)

    # Same root, same numbers; the trust list is version 2 and signed by that root.
    assert (old_home / "keys" / "root.crt.pem").read_bytes() == root_before
    trust = parse_trust_list((old_home / "trust.json").read_bytes())
    root_sha256 = load_certificate(root_before, source="root").sha256
    assert json.loads((old_home / "trust.json").read_bytes())["version"] == 2
    assert json.loads((old_home / "trust.json").read_bytes())["signature"]["root_sha256"] == (
        root_sha256
    )

    # The upgraded home issues again, under the numbers it had: a reissue keeps the number,
    # and the new edition verifies with the trust list alone (seal, time stamps, payload).
    reissued = _cecert(old_home, "reissue", numbers[0], "--reason", "damaged")
    assert reissued.returncode == 0, reissued.stderr
    pdf = old_home / "certificates" / "2025" / f"{numbers[0]}-2.pdf"
    report = Verifier(trust).verify_pdf(pdf.read_bytes(), at=dt.datetime.now(dt.UTC))
    checks = {c.name: c.status.value for c in report.checks}
    assert checks["pdf.signature"] == "passed", report.to_json()
    assert checks["payload.signature"] == "passed", report.to_json()
    assert report.claims is not None
    assert report.claims.number == numbers[0]
    assert report.verdict is Verdict.INDETERMINATE  # no status source: never "valid"

    # Running it again changes nothing but the checkpoint, and the audit stays consistent.
    again = _cecert(old_home, "upgrade")
    assert again.returncode == 0, again.stderr
    assert "无需升级" in again.stdout
    audit = _cecert(old_home, "registry", "audit", "--checkpoint", str(checkpoint))
    assert audit.returncode == 0, audit.stdout + audit.stderr


def test_a_wrong_passphrase_leaves_the_old_ring_as_it_was(old_home: Path) -> None:
    keys = old_home / "keys"
    before = {p.name: p.read_bytes() for p in keys.iterdir()}
    with pytest.raises(KeysError) as caught:
        upgrade_key_ring(keys, passphrase=b"not the passphrase of this ring", at=AT)
    assert caught.value.reason == "wrong_passphrase"
    assert {p.name: p.read_bytes() for p in keys.iterdir()} == before


def _schema_2_registry(path: Path) -> None:
    """A schema 2 registry whose events recorded row digests (as a later schema 2 cecert
    would have): one person, one number, two documents, one document then edited behind
    cecert's back."""
    with closing(sqlite3.connect(path, isolation_level=None)) as conn:
        conn.executescript(f"BEGIN; {MIGRATIONS[0]} {MIGRATIONS[1]} PRAGMA user_version = 2;")
        conn.execute(
            "INSERT INTO people VALUES ('44010319790630005X', '陈堃', '广州市第一中学',"
            " '中小学教师', 'senior', '2015-09-01', '440100')"
        )
        conn.execute(
            "INSERT INTO certificates VALUES ('440100000000010', '44010319790630005X', '440100',"
            " '2026-03-02T09:30:00+00:00')"
        )
        for edition, year in ((1, 2024), (2, 2025)):
            digest = hashlib.sha256(f"pdf {edition}".encode()).hexdigest()
            conn.execute(
                "INSERT INTO documents VALUES ('440100000000010', ?, 'original', ?, 'gd-2010',"
                " '{}', 'payload', ?, 'x.pdf', 'current', '2026-03-02T09:30:00+00:00')",
                (edition, year, digest),
            )
        rows = digests_of(conn, "people", "1 = 1", ())
        rows |= digests_of(conn, "certificates", "1 = 1", ())
        rows |= digests_of(conn, "documents", "1 = 1", ())
        append_event(conn, kind="issue", subject="440100000000010", data={"rows": rows}, at=AT)
        conn.execute("COMMIT")
        conn.execute("UPDATE documents SET hours = '{\"total\": 999}' WHERE edition = 2")


def test_a_migration_logs_the_rows_it_changes_and_keeps_an_edit_visible(tmp_path: Path) -> None:
    path = tmp_path / "registry.sqlite"
    _schema_2_registry(path)
    for read_only in (False, True):
        with pytest.raises(RegistryError) as caught:
            Registry.open(path, read_only=read_only)
        assert caught.value.reason == "registry_outdated"
        assert "cecert upgrade" in caught.value.message

    with Registry.open(path, migrate_at=AT) as registry:
        migrated = registry.migrated
        assert migrated is not None
        # Migration 3 adds columns to documents: the edition that matched its event is
        # recorded anew; the edited one is not, and the person and number did not change.
        assert (migrated.from_version, migrated.to_version) == (2, SCHEMA_VERSION)
        assert (migrated.rerecorded, migrated.adopted) == (1, 0)
        report = registry.audit(certificates_dir=None)
    problems = [(p.kind, p.subject) for p in report.problems if not p.kind.startswith("pdf")]
    assert problems == [("row_edited", "documents:440100000000010/2")]
