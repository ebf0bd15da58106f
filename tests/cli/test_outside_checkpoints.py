"""A revocation cannot be erased quietly: every change signs a checkpoint, an audit fails when
events are covered by none, and a checkpoint kept outside the registry (published by the
bureau, kept by a verifier) catches history deleted together with its checkpoints
(docs/transparency.md)."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import pytest

from registry.store import Registry
from tests.conftest import PASSPHRASE, IssuedHome
from tests.support.cli import run

ENV = {"CECERT_PASSPHRASE": PASSPHRASE}


def revoke_by_command(home: IssuedHome) -> tuple[str, Path]:
    """Revoke the first document with `cecert revoke`; return its number and a copy of the
    checkpoint published afterwards, as an auditor or a verifier keeps it."""
    number = home.documents[0].number
    result = run("revoke", "--home", str(home.home.root), number, "--reason", "弄虚作假", env=ENV)
    assert result.returncode == 0, result.stderr
    kept = home.home.root.parent / "kept-checkpoint.txt"
    shutil.copy(home.home.published_checkpoint_path, kept)
    return number, kept


def erase_revocation(home: IssuedHome, number: str, *, checkpoints: str) -> None:
    """What the registry's owner could do with a SQLite shell: drop the triggers, delete the
    revocation event, put the row back as the issue event recorded it, and remove the
    checkpoints that covered the revocation (``checkpoints='covering'``) or all of them."""
    conn = sqlite3.connect(home.home.registry_path, isolation_level=None)
    try:
        conn.execute("DROP TRIGGER events_append_only_delete")
        conn.execute("DROP TRIGGER documents_revoked_is_final")
        (seq,) = conn.execute("SELECT MAX(seq) FROM events WHERE kind = 'revoke'").fetchone()
        conn.execute("DELETE FROM events WHERE seq >= ?", (seq,))
        conn.execute(
            "UPDATE documents SET status = 'current', status_changed_at = NULL,"
            " status_reason = NULL, status_note = NULL WHERE number = ?",
            (number,),
        )
        if checkpoints == "covering":
            conn.execute("DELETE FROM checkpoints WHERE tree_size >= ?", (seq,))
        else:
            conn.execute("DELETE FROM checkpoints")
    finally:
        conn.close()


def audit(home: IssuedHome, *extra: str) -> tuple[int, str]:
    result = run("registry", "audit", "--home", str(home.home.root), *extra)
    assert "Traceback" not in result.stderr, result.stderr
    return result.returncode, result.stdout + result.stderr


def test_every_change_is_covered_by_the_latest_checkpoint(fresh_home: IssuedHome) -> None:
    revoke_by_command(fresh_home)
    with Registry.open(fresh_home.home.registry_path, read_only=True) as registry:
        sizes = [size for size, _text in registry.checkpoints()]
        assert sizes[-1] == len(registry.event_hashes())
    assert fresh_home.home.published_checkpoint_path.read_text().startswith(
        f"cecert-registry/440100\n{sizes[-1]}\n"
    )
    assert audit(fresh_home) == (0, audit(fresh_home)[1])


def test_erasing_a_revocation_is_caught_by_the_stored_checkpoint(fresh_home: IssuedHome) -> None:
    number, _kept = revoke_by_command(fresh_home)
    conn = sqlite3.connect(fresh_home.home.registry_path, isolation_level=None)
    try:
        conn.execute("DROP TRIGGER events_append_only_delete")
        conn.execute("DROP TRIGGER documents_revoked_is_final")
        conn.execute("DELETE FROM events WHERE kind = 'revoke'")
        conn.execute(
            "UPDATE documents SET status = 'current', status_changed_at = NULL,"
            " status_reason = NULL, status_note = NULL WHERE number = ?",
            (number,),
        )
    finally:
        conn.close()
    code, output = audit(fresh_home)
    assert code == 1
    assert "[checkpoint_ahead]" in output


def test_emptying_the_checkpoints_leaves_the_log_unsigned(fresh_home: IssuedHome) -> None:
    number, _kept = revoke_by_command(fresh_home)
    erase_revocation(fresh_home, number, checkpoints="all")
    code, output = audit(fresh_home)
    assert code == 1
    assert "[log_unsigned]" in output
    assert "不在任何签名检查点之内" in output


def test_only_an_outside_checkpoint_catches_history_erased_with_its_checkpoints(
    fresh_home: IssuedHome,
) -> None:
    number, kept = revoke_by_command(fresh_home)
    erase_revocation(fresh_home, number, checkpoints="covering")
    # What the registry holds is consistent with itself once its newest checkpoints are gone:
    assert audit(fresh_home)[0] == 0
    # …but not with the checkpoint the bureau published after the revocation.
    code, output = audit(fresh_home, "--checkpoint", str(kept))
    assert code == 1
    assert "[checkpoint_ahead]" in output
    assert "kept-checkpoint.txt" in output


def test_an_outside_checkpoint_the_log_extends_passes(fresh_home: IssuedHome) -> None:
    _number, kept = revoke_by_command(fresh_home)
    result = run("registry", "checkpoint", "--home", str(fresh_home.home.root), env=ENV)
    assert result.returncode == 0, result.stderr
    both = fresh_home.home.root.parent / "both.txt"
    both.write_text(kept.read_text() + "\n" + result.stdout)
    assert audit(fresh_home, "--checkpoint", str(both))[0] == 0


def test_a_rewritten_event_fails_against_the_outside_checkpoint(fresh_home: IssuedHome) -> None:
    _number, kept = revoke_by_command(fresh_home)
    conn = sqlite3.connect(fresh_home.home.registry_path, isolation_level=None)
    try:
        conn.execute("DROP TRIGGER events_append_only_update")
        conn.execute("UPDATE events SET hash = ? WHERE seq = 1", ("0" * 64,))
    finally:
        conn.close()
    code, output = audit(fresh_home, "--checkpoint", str(kept))
    assert code == 1
    assert "[checkpoint_root_mismatch]" in output


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ("not a checkpoint\n", "第 1 行起的检查点无法读取"),
        ("", "没有检查点"),
    ],
)
def test_a_bad_checkpoint_file_is_a_usage_error_that_names_it(
    issued_home: IssuedHome, tmp_path: Path, content: str, problem: str
) -> None:
    bad = tmp_path / "bad-checkpoint.txt"
    bad.write_text(content)
    result = run(
        "registry", "audit", "--home", str(issued_home.home.root), "--checkpoint", str(bad)
    )
    assert result.returncode == 2
    assert problem in result.stderr
    assert "bad-checkpoint.txt" in result.stderr
    assert "Traceback" not in result.stderr


def verify_json(home: IssuedHome, *extra: str) -> tuple[int, dict[str, object]]:
    pdf = str(home.pdf(home.documents[0]))
    result = run("verify", "--home", str(home.home.root), pdf, "--json", *extra)
    assert "Traceback" not in result.stderr, result.stderr
    return result.returncode, json.loads(result.stdout)


def test_a_verifier_holding_the_checkpoint_refuses_status_from_a_rewritten_registry(
    fresh_home: IssuedHome,
) -> None:
    number, kept = revoke_by_command(fresh_home)
    code, before = verify_json(fresh_home, "--checkpoint", str(kept))
    assert (code, before["verdict"], before["reasons"]) == (1, "invalid", ["revoked"])

    erase_revocation(fresh_home, number, checkpoints="covering")
    # Without the checkpoint the erased revocation reads as current:
    assert verify_json(fresh_home)[1]["verdict"] == "valid"
    # With it, status is not taken from the rewritten registry: never valid.
    code, after = verify_json(fresh_home, "--checkpoint", str(kept))
    assert code == 1
    assert after["verdict"] == "indeterminate"
    assert after["reasons"] == ["registry_rewritten"]
    assert "检查点" in str(after["zh"])


def test_a_checkpoint_not_signed_by_the_bureau_is_a_usage_error(
    fresh_home: IssuedHome, tmp_path: Path
) -> None:
    _number, kept = revoke_by_command(fresh_home)
    lines = kept.read_text().split("\n")
    lines[1] = str(int(lines[1]) - 1)  # the size changed after signing
    forged = tmp_path / "forged.txt"
    forged.write_text("\n".join(lines))
    pdf = str(fresh_home.pdf(fresh_home.documents[0]))
    result = run("verify", "--home", str(fresh_home.home.root), pdf, "--checkpoint", str(forged))
    assert result.returncode == 2
    assert "[bad_checkpoint]" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_checkpoint_of_an_unchanged_log_is_the_one_stored(fresh_home: IssuedHome) -> None:
    """Signing again without a change hands out the checkpoint already stored for that size,
    never one the registry does not hold."""
    first = run("registry", "checkpoint", "--home", str(fresh_home.home.root), env=ENV)
    again = run("registry", "checkpoint", "--home", str(fresh_home.home.root), env=ENV)
    assert first.returncode == again.returncode == 0, again.stderr
    assert again.stdout == first.stdout
    with Registry.open(fresh_home.home.registry_path, read_only=True) as registry:
        assert registry.checkpoints()[-1][1] == again.stdout
    assert fresh_home.home.published_checkpoint_path.read_text() == again.stdout
