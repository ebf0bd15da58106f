"""Faults of the disk become cecert's errors, not tracebacks: real `cecert` processes, a real
SQLite file, a real file system that fills up (a small tmpfs) and real damage to the file.

* A full disk during issuance, revocation or correction is ``commit_failed`` with SQLite's
  cause, rolled back whole (it used to print ``cannot rollback - no transaction is active``).
* A damaged page: the audit reports ``registry_damaged`` instead of crashing, a backup is
  refused, a verifier says status unknown.
* One flipped byte in a status: verify and the web page say status unknown; history, revoke
  and snapshot export refuse with ``registry_damaged`` (they used to crash, the page with a
  500), the exported file stays.
* A stale page of the primary-key index: a genuine certificate is "could not verify"
  (``registry_damaged``), never ``not_in_registry``.
* A full disk under ``snapshot export`` and ``registry backup`` leaves the old file whole and
  nothing under the new name.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import sqlite3
import subprocess
from contextlib import closing
from pathlib import Path

import pytest

from registry.store import Registry
from tests.support.faults import (
    YEAR,
    FaultHome,
    copy_home,
    fill_disk,
    is_root,
    issue_args,
    make_fault_home,
    number_of,
    overwrite,
    page_size,
    run_cecert,
    small_disk,
    table_pages,
)
from verifier.web import create_app

needs_root = pytest.mark.skipif(not is_root(), reason="mounting a small tmpfs needs root")
PEOPLE = 5
ISSUED = 4
"""The base home issues to the first four people; the fifth is left for issuance tests."""


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> FaultHome:
    """A home of five people, four of them issued by a real `cecert issue` (one process)."""
    fault_home = make_fault_home(tmp_path_factory.mktemp("disk") / "base", PEOPLE)
    chosen = sorted(fault_home.people)[:ISSUED]
    people = [arg for person in chosen for arg in ("--person", person)]
    result = run_cecert(*issue_args(fault_home, "--workers", "1", *people))
    assert result.returncode == 0, result.stderr
    return fault_home


def _home(base: FaultHome, root: Path) -> FaultHome:
    return copy_home(base, root / "home")


def _refused(result: subprocess.CompletedProcess[str], reason: str) -> None:
    """A refusal in cecert's words: exit 1, one ``error [reason]`` line, no traceback."""
    assert result.returncode == 1, (result.stdout, result.stderr)
    assert f"error [{reason}]" in result.stderr, result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    assert "cannot rollback" not in result.stderr, result.stderr


def _counts(path: Path) -> tuple[int, int, int, str]:
    with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as conn:
        documents = conn.execute("SELECT COUNT(*) FROM documents").fetchone()[0]
        events = conn.execute("SELECT COUNT(*) FROM events").fetchone()[0]
        serial = conn.execute("SELECT COALESCE(MAX(last_serial), 0) FROM serials").fetchone()[0]
        statuses = ",".join(r[0] for r in conn.execute("SELECT status FROM documents"))
    return documents, events, serial, statuses


# -- a full disk under a change ------------------------------------------------------------


@needs_root
@pytest.mark.parametrize("change", ["issue", "revoke", "correct"])
def test_full_disk_during_a_change_is_commit_failed(
    base: FaultHome, tmp_path: Path, change: str
) -> None:
    with small_disk(tmp_path / "disk", "8m") as disk:
        fault_home = copy_home(base, disk / "home")
        certificates = fault_home.home.certificates_dir
        shutil.rmtree(certificates)
        certificates.mkdir()
        with small_disk(certificates, "64m"):
            shutil.copytree(base.home.certificates_dir, certificates, dirs_exist_ok=True)
            registry = fault_home.registry_path
            first = number_of(fault_home, sorted(fault_home.people)[0])
            root = str(fault_home.home.root)
            args = {
                "issue": issue_args(fault_home, "--workers", "1"),
                "revoke": ["revoke", first, "--reason", "弄虚作假", "--note", "t"],
                "correct": ["correct", first, "--name", "王更正", "--reason", "更正"],
            }[change]
            if change != "issue":
                args += ["--home", root]
            before = _counts(registry)
            with closing(sqlite3.connect(registry, isolation_level=None)) as holder:
                holder.execute("PRAGMA journal_mode = WAL")  # log and shared memory allocated
                filler = fill_disk(disk)
                failed = run_cecert(*args)
                filler.unlink()
            _refused(failed, "commit_failed")
            assert "database or disk is full" in failed.stderr
            assert _counts(registry) == before, "a refused change left something behind"
            with Registry.open(registry, read_only=True) as opened:
                report = opened.audit(certificates_dir=fault_home.home.certificates_dir)
            assert report.problems == []


# -- a damaged page --------------------------------------------------------------------------


def test_damaged_page_is_reported_not_a_crash(base: FaultHome, tmp_path: Path) -> None:
    fault_home = _home(base, tmp_path)
    registry = fault_home.registry_path
    (page,) = table_pages(registry, "documents")[-1:]
    size = page_size(registry)
    overwrite(registry, (page - 1) * size + 8, b"\x5a" * (size - 8))
    root = str(fault_home.home.root)

    audited = run_cecert("registry", "audit", "--home", root, "--json")
    assert audited.returncode == 1, audited.stderr
    assert "Traceback" not in audited.stderr, audited.stderr
    report = json.loads(audited.stdout)
    assert report["problems"][0]["kind"] == "registry_damaged", report["problems"]

    backup = tmp_path / "backups" / "registry.sqlite"
    _refused(run_cecert("registry", "backup", "--home", root, str(backup)), "registry_damaged")
    assert not backup.exists(), "a damaged registry was backed up"
    assert list(backup.parent.iterdir()) == [], "the refused backup left a file"

    pdf = next(fault_home.home.certificates_dir.rglob("*.pdf"))
    verified = run_cecert("verify", "--home", root, str(pdf), "--json")
    assert verified.returncode == 1, verified.stderr
    verdict = json.loads(verified.stdout)
    assert verdict["verdict"] == "indeterminate", verdict["reasons"]
    assert "registry_damaged" in verdict["reasons"], verdict["reasons"]


# -- one flipped byte in a status ------------------------------------------------------------


def test_flipped_status_byte_is_status_unknown(base: FaultHome, tmp_path: Path) -> None:
    fault_home = _home(base, tmp_path)
    registry = fault_home.registry_path
    size = page_size(registry)
    data = registry.read_bytes()
    (page,) = table_pages(registry, "documents")[-1:]
    at = data.index(b"current", (page - 1) * size, page * size)
    overwrite(registry, at + 3, b"X")  # 'curXent': a CHECK constraint SQLite never let in
    with closing(sqlite3.connect(registry)) as conn:
        number, pdf, payload = conn.execute(
            "SELECT number, pdf_path, payload FROM documents WHERE status = 'curXent'"
        ).fetchone()
    root = str(fault_home.home.root)
    pdf_file = fault_home.home.certificates_dir / str(YEAR) / Path(pdf).name

    verified = run_cecert("verify", "--home", root, str(pdf_file), "--json")
    assert "Traceback" not in verified.stderr, verified.stderr
    verdict = json.loads(verified.stdout)
    assert (verified.returncode, verdict["verdict"]) == (1, "indeterminate")
    assert "registry_damaged" in verdict["reasons"], verdict["reasons"]

    app = create_app(
        {
            "TESTING": True,
            "TRUST_LIST": str(fault_home.home.trust_list_path),
            "REGISTRY": str(registry),
        }
    )
    page = app.test_client().post("/", data={"qr": payload})
    assert page.status_code == 200, page.status_code  # the result page, not a 500
    assert "无法核验" in page.get_data(as_text=True)

    _refused(run_cecert("history", "--home", root, number), "registry_damaged")
    revoke = ["revoke", number, "--home", root, "--reason", "弄虚作假", "--note", "t"]
    _refused(run_cecert(*revoke), "registry_damaged")

    published = fault_home.home.published_snapshot_path
    kept = published.read_bytes()
    exported = tmp_path / "status.cecs"
    exported.write_bytes(kept)
    _refused(run_cecert("snapshot", "export", "--home", root, str(exported)), "registry_damaged")
    assert exported.read_bytes() == kept, "the refused export changed the file"

    with Registry.open(registry, read_only=True) as opened:
        report = opened.audit(certificates_dir=fault_home.home.certificates_dir)
    assert report.problems[0].kind == "registry_damaged"
    assert "CHECK constraint" in report.problems[0].message


# -- a stale page of the primary-key index -----------------------------------------------------


def test_stale_index_never_calls_a_genuine_certificate_unregistered(
    base: FaultHome, tmp_path: Path
) -> None:
    """The page of ``documents``' primary-key index as it was before the last issuance (a
    write lost in a power cut): SQLite's look-up no longer finds the last document."""
    fault_home = _home(base, tmp_path)
    registry = fault_home.registry_path
    older = tmp_path / "older.sqlite"
    with closing(sqlite3.connect(registry)) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        index = conn.execute(
            "SELECT name FROM pragma_index_list('documents') WHERE origin = 'pk'"
        ).fetchone()[0]
        number, payload = conn.execute(
            "SELECT number, payload FROM documents ORDER BY rowid DESC LIMIT 1"
        ).fetchone()
        with closing(sqlite3.connect(older)) as copy:
            conn.backup(copy)
    with closing(sqlite3.connect(older)) as conn:
        conn.execute("PRAGMA foreign_keys = OFF")
        conn.execute("DELETE FROM documents WHERE number = ?", (number,))
        conn.commit()
    (page,) = table_pages(registry, index)
    assert table_pages(older, index) == [page]
    size = page_size(registry)
    overwrite(registry, (page - 1) * size, older.read_bytes()[(page - 1) * size : page * size])
    with closing(sqlite3.connect(registry)) as conn:
        found = conn.execute("SELECT 1 FROM documents WHERE number = ? AND edition = 1", (number,))
        assert found.fetchone() is None, "the index page is not stale"
    root = str(fault_home.home.root)

    verified = run_cecert("verify", "--home", root, payload, "--json")
    assert "Traceback" not in verified.stderr, verified.stderr
    verdict = json.loads(verified.stdout)
    assert verdict["verdict"] == "indeterminate", verdict["reasons"]
    assert "registry_damaged" in verdict["reasons"], verdict["reasons"]
    assert "not_in_registry" not in verdict["reasons"]

    with Registry.open(registry, read_only=True) as opened:
        report = opened.audit(certificates_dir=fault_home.home.certificates_dir)
    assert report.problems[0].kind == "registry_damaged"
    assert "missing from index" in report.problems[0].message


# -- a full disk under the files verifiers read ---------------------------------------------------


@needs_root
def test_full_disk_leaves_the_old_snapshot_and_no_backup(base: FaultHome, tmp_path: Path) -> None:
    fault_home = _home(base, tmp_path)
    root = str(fault_home.home.root)
    with small_disk(tmp_path / "disk", "2m") as disk:
        snapshot = disk / "status.cecs"
        shutil.copyfile(fault_home.home.published_snapshot_path, snapshot)
        good = hashlib.sha256(snapshot.read_bytes()).hexdigest()
        filler = fill_disk(disk)
        _refused(run_cecert("snapshot", "export", "--home", root, str(snapshot)), "write_failed")
        assert hashlib.sha256(snapshot.read_bytes()).hexdigest() == good, "snapshot truncated"
        backup = disk / "registry.sqlite"
        _refused(run_cecert("registry", "backup", "--home", root, str(backup)), "backup_failed")
        filler.unlink()
        assert sorted(p.name for p in disk.iterdir()) == ["status.cecs"], "a file was left"
