"""`cecert registry audit` finds edits made behind cecert's back; backups audit clean."""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from registry.store import Registry
from tests.conftest import IssuedHome, make_home
from tests.support.cli import run


def audit_of(home: IssuedHome, path: Path | None = None) -> list[tuple[str, int | None]]:
    with Registry.open(path or home.home.registry_path, read_only=True) as registry:
        report = registry.audit(certificates_dir=home.home.certificates_dir)
    return [(p.kind, p.event_seq) for p in report.problems]


@contextmanager
def shell(home: IssuedHome) -> Iterator[sqlite3.Connection]:
    """A plain sqlite3 connection, as someone with the file and a shell would use."""
    conn = sqlite3.connect(home.home.registry_path, isolation_level=None)
    try:
        yield conn
    finally:
        conn.close()


def test_a_fresh_registry_is_consistent(issued_home: IssuedHome) -> None:
    assert audit_of(issued_home) == []
    result = run("registry", "audit", "--home", str(issued_home.home.root))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "consistent" in result.stdout


@pytest.mark.parametrize(
    ("sql", "kind"),
    [
        ("UPDATE documents SET hours = replace(hours, '2760', '4760')", "row_edited"),
        ("UPDATE people SET name = '冒名' WHERE name = '陈堃'", "row_edited"),
        ("UPDATE activities SET minutes = minutes + 600 WHERE id = 1", "row_edited"),
        ("DELETE FROM documents WHERE rowid = (SELECT MAX(rowid) FROM documents)", "row_deleted"),
        ("INSERT INTO people SELECT '11010519491231002X', name, employer, series, title_level,"
         " title_date, region FROM people LIMIT 1", "row_unlogged"),
        ("INSERT INTO serials (region, last_serial) VALUES ('440100', 1)"
         " ON CONFLICT (region) DO UPDATE SET last_serial = 1", "serial_behind"),
    ],
)  # fmt: skip
def test_edits_behind_cecerts_back_are_reported(
    fresh_home: IssuedHome, sql: str, kind: str
) -> None:
    with shell(fresh_home) as conn:
        conn.execute("PRAGMA foreign_keys = OFF")
        assert conn.execute(sql).rowcount > 0, sql
    problems = audit_of(fresh_home)
    assert kind in {p[0] for p in problems}, problems
    if kind in {"row_edited", "row_deleted"}:  # tied to the event it contradicts
        assert all(seq is not None for k, seq in problems if k == kind)


def test_a_deleted_event_is_reported_with_its_number(fresh_home: IssuedHome) -> None:
    with shell(fresh_home) as conn:
        conn.execute("DROP TRIGGER events_append_only_delete")
        conn.execute("DELETE FROM events WHERE seq = 3")
    problems = audit_of(fresh_home)
    assert ("event_missing", 3) in problems
    result = run("registry", "audit", "--home", str(fresh_home.home.root))
    assert result.returncode == 1
    assert "event(s) 3 to 3 are missing" in result.stdout


def test_an_edited_event_is_reported(fresh_home: IssuedHome) -> None:
    with shell(fresh_home) as conn:
        conn.execute("DROP TRIGGER events_append_only_update")
        conn.execute("UPDATE events SET subject = 'forged' WHERE seq = 2")
    assert ("event_hash", 2) in audit_of(fresh_home)


def test_the_last_event_deleted_leaves_its_rows_unlogged(fresh_home: IssuedHome) -> None:
    with shell(fresh_home) as conn:
        conn.execute("DROP TRIGGER events_append_only_delete")
        conn.execute("DELETE FROM events WHERE seq = (SELECT MAX(seq) FROM events)")
    kinds = {kind for kind, _seq in audit_of(fresh_home)}
    assert "row_unlogged" in kinds


def test_a_replaced_or_missing_pdf_is_reported(tmp_path: Path) -> None:
    home = make_home(tmp_path / "home")  # its registry names its own files
    first, second = home.documents[0], home.documents[1]
    shutil.copyfile(home.pdf(second), home.pdf(first))
    problems = audit_of(home)
    assert [k for k, _ in problems] == ["pdf_replaced"]
    assert problems[0][1] is not None  # the issuance event it contradicts
    home.pdf(second).unlink()
    assert "pdf_missing" in {k for k, _ in audit_of(home)}


def test_backup_while_in_use_audits_clean(fresh_home: IssuedHome, tmp_path: Path) -> None:
    copy = tmp_path / "backup.sqlite"
    writer = Registry.open(fresh_home.home.registry_path)  # another connection holds it open
    try:
        result = run("registry", "backup", "--home", str(fresh_home.home.root), str(copy))
    finally:
        writer.close()
    assert result.returncode == 0, result.stderr
    assert copy.stat().st_mode & 0o777 == 0o600
    assert audit_of(fresh_home, copy) == []
    again = run("registry", "backup", "--home", str(fresh_home.home.root), str(copy))
    assert again.returncode == 1
    assert "[backup_exists]" in again.stderr
    audited = run("registry", "audit", "--home", str(fresh_home.home.root), "--registry", str(copy))
    assert audited.returncode == 0, audited.stdout


@pytest.fixture(scope="module")
def cli_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A home made by the command line, so `cecert issue` signed a checkpoint."""
    from tests.conftest import DEMO
    from tests.support.cli import PASSPHRASE

    home = tmp_path_factory.mktemp("audited") / "home"
    env = {"CECERT_PASSPHRASE": PASSPHRASE}
    for command in (
        ["init"],
        ["import", "people", str(DEMO / "people.csv")],
        ["import", "activities", str(DEMO / "activities.csv")],
        ["issue", "--year", "2025"],
    ):
        assert run(*command, env=env, home=home).returncode == 0
    return home


def test_every_change_signs_a_checkpoint_and_audit_checks_it(
    cli_home: Path, tmp_path: Path
) -> None:
    from tests.support.cli import PASSPHRASE

    with Registry.open(cli_home / "registry.sqlite", read_only=True) as registry:
        *_, (tree_size, text) = registry.checkpoints()  # imports and the issue each signed one
        assert tree_size == len(registry.event_hashes())
    assert text.startswith("cecert-registry/440100\n")
    printed = run("registry", "checkpoint", env={"CECERT_PASSPHRASE": PASSPHRASE}, home=cli_home)
    assert printed.returncode == 0, printed.stderr
    assert printed.stdout.splitlines()[1] == str(tree_size)
    assert run("registry", "audit", "--home", str(cli_home)).returncode == 0

    # Deleting the last events escapes the chain check, not the checkpoint.
    copy = tmp_path / "home"
    shutil.copytree(cli_home, copy)
    conn = sqlite3.connect(copy / "registry.sqlite", isolation_level=None)
    conn.execute("DROP TRIGGER events_append_only_delete")
    conn.execute("DELETE FROM events WHERE seq = (SELECT MAX(seq) FROM events)")
    conn.close()
    result = run("registry", "audit", "--home", str(copy))
    assert result.returncode == 1
    assert "[checkpoint_ahead]" in result.stdout
