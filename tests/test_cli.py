"""The command line, run as a real process: clear messages and exit codes, no tracebacks."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import DEMO

PASSPHRASE = "cli test passphrase"


def run(
    *args: str, env: dict[str, str] | None = None, home: Path | None = None
) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("CECERT_")}
    environment.update(env or {})
    command = [sys.executable, "-m", "cecert", *args]
    if home is not None:
        command += ["--home", str(home)]
    return subprocess.run(
        command, capture_output=True, text=True, env=environment, stdin=subprocess.DEVNULL
    )


def assert_clean_failure(result: subprocess.CompletedProcess[str], reason: str) -> None:
    assert result.returncode != 0
    assert "Traceback" not in result.stderr + result.stdout
    assert f"[{reason}]" in result.stderr + result.stdout, result.stderr + result.stdout


@pytest.fixture(scope="module")
def cli_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("cli") / "home"
    env = {"CECERT_PASSPHRASE": PASSPHRASE}
    assert run("init", env=env, home=home).returncode == 0
    assert run("import", "people", str(DEMO / "people.csv"), env=env, home=home).returncode == 0
    assert (
        run("import", "activities", str(DEMO / "activities.csv"), env=env, home=home).returncode
        == 0
    )
    result = run("issue", "--year", "2025", env=env, home=home)
    assert result.returncode == 0, result.stderr
    assert "发证 5 份，未发证 1 人 (5 issued, 1 skipped)" in result.stdout
    return home


def test_verify_pdf_json_and_exit_status(cli_home: Path) -> None:
    pdf = next((cli_home / "certificates" / "2025").glob("*.pdf"))
    result = run("verify", str(pdf), "--json", home=cli_home)
    assert result.returncode == 0, result.stdout
    report = json.loads(result.stdout)
    assert report["verdict"] == "valid"
    assert {c["name"] for c in report["checks"]} >= {
        "pdf.recorded",  # the home's registry recorded these exact bytes
        "payload.signature",
        "registry.status",
    }
    assert report["certificate"]["number"] == pdf.stem.split("-")[0]


def test_verify_with_trust_list_only_is_indeterminate(cli_home: Path) -> None:
    pdf = next((cli_home / "certificates" / "2025").glob("*.pdf"))
    result = run("verify", str(pdf), "--trust", str(cli_home / "trust.json"), "--json")
    assert result.returncode == 1
    assert json.loads(result.stdout)["verdict"] == "indeterminate"


def test_verify_takes_a_text_no_file_name_could_hold_as_a_qr_text(cli_home: Path) -> None:
    """Base45 has '/', and a segment between two of them can be longer than a file name may
    be: looking it up as a path fails (ENAMETOOLONG); it is a QR text, not a crash."""
    text = "CEC1:" + "A" * 300 + "/" + "B" * 300
    result = run("verify", text, "--json", home=cli_home)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert json.loads(result.stdout)["reasons"] == ["bad_base45"]


def test_export_trust_prints_the_root_fingerprint(cli_home: Path, tmp_path: Path) -> None:
    out = tmp_path / "trust.json"
    result = run(
        "keys", "export-trust", str(out), env={"CECERT_PASSPHRASE": PASSPHRASE}, home=cli_home
    )
    assert result.returncode == 0, result.stderr
    fingerprint = json.loads(out.read_text())["signature"]["root_sha256"]
    assert fingerprint in result.stdout
    pinned = run("verify", "CEC1:", "--trust", str(out), "--pin", "00" * 32)
    assert pinned.returncode == 2
    assert "[trust_list_pin]" in pinned.stderr


def test_reimport_changes_nothing(cli_home: Path) -> None:
    result = run("import", "activities", str(DEMO / "activities.csv"), home=cli_home)
    assert result.returncode == 0
    assert "0 added" in result.stdout


def test_bad_rows_are_rejected_whole_with_line_numbers(cli_home: Path, tmp_path: Path) -> None:
    lines = (DEMO / "people.csv").read_text("utf-8-sig").splitlines()
    good = lines[1].replace(lines[1].split(",")[0], "11010519491231002X").replace("张伟", "新人")
    bad_check = lines[2].replace(
        lines[2].split(",")[0][:17] + lines[2].split(",")[0][17], lines[2].split(",")[0][:17] + "9"
    )
    bad_level = lines[3].replace("senior", "expert")
    bad = tmp_path / "people.csv"
    bad.write_text("\n".join([lines[0], good, bad_check, bad_level]) + "\n", "utf-8")
    result = run("import", "people", str(bad), home=cli_home)
    assert_clean_failure(result, "import_rejected")
    assert "line 3" in result.stderr
    assert "line 4" in result.stderr
    assert "line 2" not in result.stderr
    listed = run(
        "issue",
        "--year",
        "2025",
        "--person",
        "11010519491231002X",
        env={"CECERT_PASSPHRASE": PASSPHRASE},
        home=cli_home,
    )
    assert_clean_failure(listed, "unknown_person")


def test_wrong_passphrase(cli_home: Path) -> None:
    result = run(
        "issue", "--year", "2025", env={"CECERT_PASSPHRASE": "not the passphrase"}, home=cli_home
    )
    assert_clean_failure(result, "wrong_passphrase")


def test_no_passphrase_and_no_terminal(cli_home: Path) -> None:
    assert_clean_failure(run("issue", "--year", "2025", home=cli_home), "no_passphrase")


def test_missing_home(tmp_path: Path) -> None:
    result = run("import", "people", str(DEMO / "people.csv"), home=tmp_path / "nowhere")
    assert_clean_failure(result, "no_home")
    missing = run("verify", "CEC1:ABC", home=tmp_path / "nowhere")
    assert missing.returncode == 2
    assert_clean_failure(missing, "no_trust_list")


def test_truncated_pdf_and_random_text(cli_home: Path, tmp_path: Path) -> None:
    pdf = next((cli_home / "certificates" / "2025").glob("*.pdf"))
    truncated = tmp_path / "truncated.pdf"
    truncated.write_bytes(pdf.read_bytes()[:4000])
    result = run("verify", str(truncated), home=cli_home)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "invalid" in result.stdout
    assert "pdf_unreadable" in result.stdout
    random = run("verify", "q8Zt4-random-string", home=cli_home)
    assert random.returncode == 1
    assert "Traceback" not in random.stderr
    assert "[bad_prefix]" in random.stdout


def test_init_refuses_weak_or_missing_passphrase(tmp_path: Path) -> None:
    assert_clean_failure(
        run("init", env={"CECERT_PASSPHRASE": "short"}, home=tmp_path / "h"), "weak_passphrase"
    )


def test_private_keys_are_0600(cli_home: Path) -> None:
    keys = list((cli_home / "keys").glob("*.key.pem"))
    assert len(keys) == 4  # root, time-stamping unit, seal, QR key
    assert all(k.stat().st_mode & 0o777 == 0o600 for k in keys)
    assert all(b"ENCRYPTED PRIVATE KEY" in k.read_bytes() for k in keys)


def test_world_readable_key_is_refused(cli_home: Path, tmp_path: Path) -> None:
    copy = tmp_path / "home"
    shutil.copytree(cli_home, copy)
    next((copy / "keys").glob("seal-*.key.pem")).chmod(0o644)
    result = run("issue", "--year", "2025", env={"CECERT_PASSPHRASE": PASSPHRASE}, home=copy)
    assert_clean_failure(result, "key_file_permissions")


def test_home_and_registry_are_private(cli_home: Path) -> None:
    assert cli_home.stat().st_mode & 0o777 == 0o700
    assert (cli_home / "registry.sqlite").stat().st_mode & 0o777 == 0o600


def test_serve_refuses_a_trust_list_signed_by_another_root(cli_home: Path) -> None:
    result = run("serve", "--pin", "ab" * 32, "--port", "1", home=cli_home)
    assert_clean_failure(result, "trust_list_pin")
