"""The documentation is tested: every CLI command, error reason and policy id must be in
``docs/``, and the QR payload page's worked example must be the published test vector."""

from __future__ import annotations

import ast
import json
import re
from collections.abc import Iterator

import click
import pytest

from cecert.cli import cli
from registry.hours import builtin_policies
from registry.payload import decode_payload
from tests.support.docs import callee_name, doc, literal_strings
from tests.support.paths import ROOT

PACKAGES = ("keys", "registry", "signer", "verifier", "webcore", "portal", "cecert")
VECTORS = json.loads((ROOT / "tests" / "vectors" / "payload-vectors.json").read_text("utf-8"))

# A reason code is snake_case ASCII; anything else in those positions is not a code.
_CODE = re.compile(r"[a-z][a-z0-9]*(?:_[a-z0-9]+)*")
_ERROR_CLASS = re.compile(r"(?:Error|Rejected|Missing)$")


def documented_codes(name: str) -> set[str]:
    """Every code written as `code` in a doc page."""
    return set(re.findall(r"`([a-z][a-z0-9_.]*)`", doc(name)))


# --- commands ---------------------------------------------------------------------------


def walk(group: click.Command, prefix: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    """Every command path under ``group``: ("keys",), ("keys", "export-trust"), …"""
    if isinstance(group, click.Group):
        for name, command in sorted(group.commands.items()):
            path = (*prefix, name)
            yield path
            yield from walk(command, path)


COMMANDS = list(walk(cli))


def test_the_command_walk_finds_nested_commands() -> None:
    assert ("keys", "export-trust") in COMMANDS
    assert ("import", "people") in COMMANDS
    assert ("verify",) in COMMANDS


@pytest.mark.parametrize("path", COMMANDS, ids=[" ".join(p) for p in COMMANDS])
def test_every_cli_command_is_documented(path: tuple[str, ...]) -> None:
    text = doc("cli.md")
    heading = "## `cecert " + " ".join(path) + "`"
    assert heading in text, f"docs/cli.md has no section {heading!r}"


@pytest.mark.parametrize("path", COMMANDS, ids=[" ".join(p) for p in COMMANDS])
def test_every_cli_option_is_documented(path: tuple[str, ...]) -> None:
    command: click.Command = cli
    for name in path:
        assert isinstance(command, click.Group)
        command = command.commands[name]
    text = doc("cli.md")
    section = text.split("## `cecert " + " ".join(path) + "`", 1)[1].split("\n## ", 1)[0]
    for param in command.params:
        for option in param.opts:
            if option.startswith("-"):
                assert f"`{option}" in section, f"{option} of {' '.join(path)} is undocumented"


# --- error reasons ----------------------------------------------------------------------


def reasons_in(source: str) -> set[str]:
    """Reason codes a module can produce.

    - ``SomeError("reason", …)`` and ``super().__init__("reason", …)`` in an error class;
    - ``Check.failed(name, "reason", …)`` and ``Check.unknown(name, "reason", …)``;
    - ``reason = "…"`` (an error class's attribute, or a variable passed on as a reason),
      including ``"a" if condition else "b"``;
    - ``ImportRejected(…)``, whose reason is ``import_rejected``;
    - ``Skipped(masked, name, "reason", …)`` (why issuance skipped a person);
    - ``{"reason": "…"}`` in the web API's answers.
    """
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call):
            callee = callee_name(node)
            args = node.args
            if callee in {"Check.failed", "Check.unknown"} and len(args) >= 2:
                found.update(literal_strings(args[1]))
            elif callee == "ImportRejected":
                found.add("import_rejected")
            elif callee == "Skipped" and len(args) >= 3:
                found.update(literal_strings(args[2]))
            elif (_ERROR_CLASS.search(callee) or callee == "super().__init__") and args:
                found.update(literal_strings(args[0]))
        elif isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if any(isinstance(t, ast.Name) and t.id == "reason" for t in targets):
                found.update(literal_strings(node.value))
        elif isinstance(node, ast.Dict):
            for key, value in zip(node.keys, node.values, strict=True):
                if isinstance(key, ast.Constant) and key.value == "reason":
                    found.update(literal_strings(value))
    return {code for code in found if _CODE.fullmatch(code)}


def code_reasons() -> dict[str, set[str]]:
    """reason → the source files that produce it, over every package."""
    where: dict[str, set[str]] = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            for reason in reasons_in(path.read_text("utf-8")):
                where.setdefault(reason, set()).add(str(path.relative_to(ROOT)))
    return where


REASONS = code_reasons()


def test_the_reason_collector_sees_every_package_and_form() -> None:
    """Guard against a collector that silently finds nothing."""
    samples = {
        "bad_signature",  # Check.failed
        "status_not_checked",  # Check.unknown
        "trust_list_pin",  # KeysError over several lines
        "bad_cose",  # RegistryError
        "import_rejected",  # ImportRejected
        "pdf_extra_signatures",  # reason = a if c else b, then Check.failed(…, reason, …)
        "no_trust_list",  # VerifierError
        "qr_key_expired",  # IssuanceError
        "no_passphrase",  # KeysError raised by the CLI
        "not_met",  # Skipped
    }
    assert samples <= set(REASONS)
    assert len(REASONS) > 80


@pytest.mark.parametrize("reason", sorted(REASONS))
def test_every_error_reason_is_documented(reason: str) -> None:
    assert reason in documented_codes("errors.md"), (
        f"docs/errors.md does not explain `{reason}` (raised in {sorted(REASONS[reason])})"
    )


def test_every_check_name_is_documented() -> None:
    names: set[str] = set()
    for path in (ROOT / "verifier").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.Call) and callee_name(node).startswith("Check."):
                names.update(literal_strings(node.args[0]) if node.args else [])
    assert "payload.signature" in names
    missing = names - documented_codes("errors.md")
    assert not missing, f"check names missing from docs/errors.md: {sorted(missing)}"
    missing = names - documented_codes("verification.md")
    assert not missing, f"check names missing from docs/verification.md: {sorted(missing)}"


# --- policies ---------------------------------------------------------------------------


@pytest.mark.parametrize("policy_id", sorted(builtin_policies()))
def test_every_policy_is_documented(policy_id: str) -> None:
    assert f"`{policy_id}`" in doc("policies.md")


# --- the QR payload page ----------------------------------------------------------------


def example_block(name: str) -> str:
    """The fenced block after ``<!-- example:NAME -->`` in docs/qr-payload.md."""
    match = re.search(
        rf"<!-- example:{name} -->\n```\n(.*?)\n```", doc("qr-payload.md"), flags=re.DOTALL
    )
    assert match, f"docs/qr-payload.md has no example block {name!r}"
    return match.group(1)


@pytest.mark.parametrize("name", ["text", "cose_hex", "claims_cbor_hex"])
def test_qr_payload_example_is_the_valid_vector(name: str) -> None:
    valid = next(case for case in VECTORS["cases"] if case["name"] == "valid")
    assert example_block(name) == valid[name]


def test_qr_payload_example_decodes_to_the_documented_claims() -> None:
    claims = decode_payload(example_block("text")).claims
    page = doc("qr-payload.md")
    for shown in (claims.number, claims.name, claims.masked_id, claims.policy_id):
        assert f'"{shown}"' in page
    assert str(list(claims.hours)) in page
    assert VECTORS["trust_key"]["kid"] in page
    assert VECTORS["trust_key"]["public_key_pem"].replace("\n", "\\n") in page
    valid = next(case for case in VECTORS["cases"] if case["name"] == "valid")
    compact = re.sub(r"\s", "", page)
    for shown in ("protected_hex", "to_be_signed_hex", "signature_hex"):
        assert valid[shown] in compact, f"docs/qr-payload.md does not show the vector's {shown}"
