"""The command line, run as a real process: clear messages and exit codes, no tracebacks."""

from __future__ import annotations

import json
import shutil
import unicodedata
from collections.abc import Iterator
from pathlib import Path

import click
import pytest

from cecert.choices import ACCOUNT_ROLE, REISSUE_REASON, REVOCATION_REASON, TITLE_LEVEL
from cecert.cli import cli
from registry.model import RevocationReason, TitleLevel
from tests.conftest import DEMO
from tests.support.cli import PASSPHRASE, assert_clean_failure, run

PASSPHRASE_ENV = {"CECERT_PASSPHRASE": PASSPHRASE}


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
    result = run(
        "import", "activities", str(DEMO / "activities.csv"), env=PASSPHRASE_ENV, home=cli_home
    )
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


def test_init_keeps_the_verify_url_and_refuses_a_bad_one(tmp_path: Path) -> None:
    env = {"CECERT_PASSPHRASE": PASSPHRASE}
    bad = run("init", "--verify-url", "cert.gz.gov.cn/verify", env=env, home=tmp_path / "bad")
    assert_clean_failure(bad, "bad_config")
    assert "核验网址须以 http:// 或 https:// 开头" in bad.stderr
    assert not (tmp_path / "bad").exists()  # refused before anything was made

    url = "https://cert.gz.gov.cn/verify/"
    good = run("init", "--verify-url", url, env=env, home=tmp_path / "good")
    assert good.returncode == 0, good.stderr
    config = json.loads((tmp_path / "good" / "cecert.json").read_text("utf-8"))
    assert config["verify_url"] == url


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


# --- Chinese first ------------------------------------------------------------------------


def _first_letter(text: str) -> str | None:
    """The first letter-like character of ``text`` (digits, spaces and signs skipped)."""
    return next((ch for ch in text if unicodedata.category(ch).startswith("L")), None)


def chinese_first(text: str) -> bool:
    """Does ``text`` start, in its first letter-like character, with a CJK ideograph?"""
    letter = _first_letter(text)
    return letter is not None and ("\u4e00" <= letter <= "\u9fff" or "\u3400" <= letter <= "\u4dbf")


def _commands(
    command: click.Command, path: tuple[str, ...] = ()
) -> Iterator[tuple[tuple[str, ...], click.Command]]:
    yield path, command
    if isinstance(command, click.Group):
        for name, sub in sorted(command.commands.items()):
            yield from _commands(sub, (*path, name))


COMMAND_TREE = list(_commands(cli))


def test_chinese_first_recognises_what_it_should() -> None:
    assert chinese_first("验证证书 (verify)")
    assert chinese_first("  · 2025 2025年公需科目")  # signs and digits skipped
    assert not chinese_first("cecert 主目录")
    assert not chinese_first("issued 440100000000010 edition 1")
    assert not chinese_first("")


@pytest.mark.parametrize(
    "command",
    [c for _p, c in COMMAND_TREE],
    ids=[" ".join(p) or "cecert" for p, _c in COMMAND_TREE],
)
def test_every_help_text_is_chinese_first(command: click.Command) -> None:
    """The command's help (its first line is the summary in the command list) and every
    option's help, the built-in --help and --version included, start in Chinese."""
    ctx = click.Context(command, info_name=command.name)
    assert chinese_first((command.help or "").splitlines()[0]), command.help
    assert chinese_first(command.get_short_help_str(limit=66)), command.help
    options = [p for p in command.get_params(ctx) if isinstance(p, click.Option)]
    assert any("--help" in option.opts for option in options)
    for option in options:
        assert chinese_first((option.help or "").splitlines()[0]), (option.opts, option.help)


def test_the_command_tree_has_every_command() -> None:
    paths = {" ".join(p) for p, _c in COMMAND_TREE}
    assert {"reissue", "revoke", "snapshot publish", "keys rotate", "accounts add"} <= paths
    assert len(paths) > 30


def test_help_on_the_command_line_is_chinese_first() -> None:
    """Every command listed in the top-level help (upgrade included) reads Chinese first."""
    top = run("--help")
    assert top.returncode == 0
    listed = top.stdout.split("Commands:\n", 1)[1].splitlines()
    assert len(listed) == 19
    assert all(chinese_first(line.split(maxsplit=1)[1]) for line in listed), listed
    reissue = run("reissue", "--help")
    assert "[lost 遗失|damaged 损毁]" in reissue.stdout
    assert "显示本说明并退出" in reissue.stdout


def test_words_take_a_code_in_any_case_or_a_chinese_word() -> None:
    assert REISSUE_REASON.convert("遗失", None, None) == "lost"
    assert REISSUE_REASON.convert("损坏", None, None) == "damaged"
    assert REISSUE_REASON.convert(" LOST ", None, None) == "lost"
    assert REVOCATION_REASON.convert("误发", None, None) == "issued_in_error"
    assert REVOCATION_REASON.convert("Issued_In_Error", None, None) == "issued_in_error"
    assert TITLE_LEVEL.convert("中级", None, None) == "intermediate"
    assert ACCOUNT_ROLE.convert("用人单位", None, None) == "employer"
    with pytest.raises(click.BadParameter, match="“丢了”不是可用的补办原因；可用：lost（遗失"):
        REISSUE_REASON.convert("丢了", None, None)


def test_the_word_lists_name_exactly_their_enums_codes() -> None:
    """The lists are written out where the enum's package is not loaded by the command line."""
    from signer import ReissueReason
    from webcore import Role

    assert set(REISSUE_REASON.choices) == {reason.value for reason in ReissueReason}
    assert set(REVOCATION_REASON.choices) == {reason.value for reason in RevocationReason}
    assert set(TITLE_LEVEL.choices) == {level.value for level in TitleLevel}
    assert set(ACCOUNT_ROLE.choices) == {role.value for role in Role}
    for reason in RevocationReason:
        assert REVOCATION_REASON.choices[reason.value][0] == reason.label_zh
    for reason in ReissueReason:
        assert reason.supersession.label_zh in REISSUE_REASON.choices[reason.value]


@pytest.fixture(scope="module")
def changed_home(cli_home: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the issued home that the tests below change (the others verify cli_home's
    certificates as current)."""
    copy = tmp_path_factory.mktemp("changed") / "home"
    shutil.copytree(cli_home, copy)
    return copy


def _number(home: Path) -> str:
    return sorted((home / "certificates" / "2025").glob("*-1.pdf"))[0].stem.split("-")[0]


def test_reissue_takes_the_chinese_reason(changed_home: Path) -> None:
    env = {"CECERT_PASSPHRASE": PASSPHRASE}
    number = _number(changed_home)
    refused = run("reissue", number, "--reason", "丢了", env=env, home=changed_home)
    assert refused.returncode == 2
    assert "Traceback" not in refused.stderr
    message = refused.stderr.splitlines()[-1]
    assert "“丢了”不是可用的补办原因" in message
    for word in ("lost", "遗失", "遗失补办", "damaged", "损毁", "损坏", "损毁补办"):
        assert word in message
    assert message.startswith("Error: 选项 '--reason' 的值无效 (invalid value)：“丢了”")

    reissued = run("reissue", number, "--reason", "遗失", env=env, home=changed_home)
    assert reissued.returncode == 0, reissued.stderr
    lines = reissued.stdout.splitlines()
    assert f"已签发 {number} 第2版（补办，2025年度）：" in reissued.stdout
    assert "补办（遗失补办）" in reissued.stdout
    assert all(chinese_first(line) for line in lines), lines
    history = json.loads(run("history", number, "--json", home=changed_home).stdout)
    assert history["editions"][0]["reason"] == "reissue_lost"


def test_revoke_takes_the_chinese_reason(changed_home: Path) -> None:
    env = {"CECERT_PASSPHRASE": PASSPHRASE}
    number = sorted((changed_home / "certificates" / "2025").glob("*-1.pdf"))[-1].stem[:15]
    refused = run("revoke", number, "--reason", "伪造", env=env, home=changed_home)
    assert refused.returncode == 2
    assert "发证机关撤回" in refused.stderr  # the accepted words are listed
    revoked = run("revoke", number, "--reason", "误发", env=env, home=changed_home)
    assert revoked.returncode == 0, revoked.stderr
    assert f"已撤销 {number} 第1版：误发 (revoked edition 1: issued_in_error)" in revoked.stdout
    assert all(chinese_first(line) for line in revoked.stdout.splitlines()), revoked.stdout
    history = run("history", number, home=changed_home)
    assert history.returncode == 0
    assert "已撤销（" in history.stdout
    assert "[original, revoked on " in history.stdout
    assert all(chinese_first(line) for line in history.stdout.splitlines()), history.stdout


def test_success_lines_are_chinese_first(changed_home: Path, tmp_path: Path) -> None:
    env = {"CECERT_PASSPHRASE": PASSPHRASE}
    runs = [
        run("import", "people", str(DEMO / "people.csv"), env=env, home=changed_home),
        run("import", "activities", str(DEMO / "activities.csv"), env=env, home=changed_home),
        run("issue", "--year", "2025", env=env, home=changed_home),
        run("registry", "audit", home=changed_home),
        run("registry", "backup", str(tmp_path / "copy.sqlite"), home=changed_home),
        run("snapshot", "export", str(tmp_path / "s.cecs"), env=env, home=changed_home),
        run("snapshot", "publish", env=env, home=changed_home),
        run("keys", "export-trust", str(tmp_path / "trust.json"), env=env, home=changed_home),
        run("keys", "list", home=changed_home),
    ]
    for result in runs:
        assert result.returncode == 0, result.args
        assert result.stdout.strip(), result.args
        for line in result.stdout.splitlines():
            assert chinese_first(line), (result.args, line)
    assert "(people: 0 added, 0 updated, 6 unchanged)" in runs[0].stdout
    issue_progress = runs[2].stderr.splitlines()
    assert issue_progress
    assert all(chinese_first(line) for line in issue_progress)


def test_verify_of_a_missing_file_names_it_and_is_a_usage_error(cli_home: Path) -> None:
    missing = cli_home / "certificates" / "2025" / "no-such.pdf"
    result = run("verify", str(missing), home=cli_home)
    assert result.returncode == 2
    assert_clean_failure(result, "no_such_file")
    assert str(missing) in result.stderr
    assert result.stderr.startswith("error [no_such_file]: 没有这个文件：")
