"""Trust across time: key rotation and revocation from a moment on (docs/key-rotation.md).

The scenario: a bureau issues certificates, later rotates its seal and QR key, and later
still learns that the old QR key had leaked from some day on. Documents signed before keep
verifying with the new trust list; a document signed with the old key after it was retired,
or after the moment it was revoked from, does not.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import subprocess
from pathlib import Path

import pytest

from keys import KeysError, parse_trust_list
from keys.private import open_key_ring, read_manifest
from keys.private.signing import Es256Signer
from keys.private.store import derive_key_password, read_private_key
from registry.home import CHINA_TZ
from registry.payload import decode_payload, encode_payload
from registry.store import Registry
from signer import Issuer
from signer.home import key_inventory, revoke, rotate
from tests.conftest import AT, CONFIG, PASSPHRASE, IssuedHome
from tests.support.cli import assert_clean_failure, run
from verifier import Check, RegistryStatus, Verdict, VerificationReport, Verifier

ROTATED = AT + dt.timedelta(days=10)
REISSUED = AT + dt.timedelta(days=11)
LEAKED = AT + dt.timedelta(days=5)
CHECKED = AT + dt.timedelta(days=20)


def check(report: VerificationReport, name: str) -> Check:
    return next(c for c in report.checks if c.name == name)


def verifier_for(home: IssuedHome) -> tuple[Verifier, Registry]:
    registry = Registry.open(home.home.registry_path, read_only=True)
    trust = parse_trust_list(home.home.trust_list_path.read_bytes())
    return Verifier(trust, status=RegistryStatus(registry)), registry


def old_qr_signer(home: IssuedHome, kid: str) -> Es256Signer:
    """The retired QR key, as a thief who copied the key file and the passphrase holds it."""
    manifest = read_manifest(home.home.keys_dir)
    entry = next(q for q in manifest["qr"] if q["kid"] == kid)
    password = derive_key_password(PASSPHRASE, manifest["kdf"])
    return Es256Signer(read_private_key(home.home.keys_dir / entry["key"], password))


def forged_on(payload_text: str, signer: Es256Signer, day: dt.date) -> str:
    """The same claims dated ``day``, signed with ``signer``."""
    claims = dataclasses.replace(decode_payload(payload_text).claims, issued_on=day)
    return encode_payload(claims, kid=signer.kid, sign=signer.sign)


def revoke_leaked(home: IssuedHome, kid: str) -> None:
    """The bureau revokes the retired key ``kid`` from LEAKED on, learning of it at CHECKED."""
    revoke(
        home.home,
        passphrase=PASSPHRASE,
        key=kid,
        revoked_from=LEAKED,
        reason="key_compromise",
        at=CHECKED,
    )


@pytest.fixture
def rotated(fresh_home: IssuedHome) -> tuple[IssuedHome, str, str]:
    """The home with its keys rotated at ROTATED and document 0 reissued after; returns the
    home, the old QR kid and the new one."""
    old_kid = read_manifest(fresh_home.home.keys_dir)["active_qr"]
    manifest = rotate(fresh_home.home, passphrase=PASSPHRASE, at=ROTATED)
    ring = open_key_ring(fresh_home.home.keys_dir, passphrase=PASSPHRASE)
    with Registry.open(fresh_home.home.registry_path) as registry:
        issuer = Issuer(
            registry=registry,
            ring=ring,
            config=CONFIG,
            out_dir=fresh_home.home.certificates_dir,
        )
        issuer.renew(fresh_home.documents[0].number, at=REISSUED)
    return fresh_home, old_kid, manifest["active_qr"]


def test_rotation_keeps_old_documents_valid_and_signs_new_ones_with_new_keys(
    rotated: tuple[IssuedHome, str, str],
) -> None:
    home, old_kid, new_kid = rotated
    assert old_kid != new_kid
    verifier, registry = verifier_for(home)
    with registry:
        before = home.documents[1]
        report = verifier.verify_text(before.payload, at=CHECKED)
        assert report.verdict is Verdict.VALID, report.to_json()
        assert f"key {old_kid}" in check(report, "payload.signature").detail
        pdf = verifier.verify_pdf(home.pdf(before).read_bytes(), at=CHECKED)
        assert pdf.verdict is Verdict.VALID, pdf.to_json()

        renewed = registry.history(home.documents[0].number)[-1]
        assert renewed.edition == 2
        report = verifier.verify_text(renewed.payload, at=CHECKED)
        assert report.verdict is Verdict.VALID, report.to_json()
        assert f"key {new_kid}" in check(report, "payload.signature").detail
        pdf = verifier.verify_pdf(home.pdf(renewed).read_bytes(), at=CHECKED)
        assert pdf.verdict is Verdict.VALID, pdf.to_json()


def test_the_retired_key_is_refused_for_anything_dated_after_the_rotation(
    rotated: tuple[IssuedHome, str, str],
) -> None:
    home, old_kid, _ = rotated
    verifier, registry = verifier_for(home)
    with registry:
        late = forged_on(
            home.documents[1].payload,
            old_qr_signer(home, old_kid),
            (ROTATED + dt.timedelta(days=2)).astimezone(CHINA_TZ).date(),
        )
        report = verifier.verify_text(late, at=CHECKED)
    assert report.verdict is Verdict.INVALID
    assert check(report, "payload.key_validity").reason == "key_not_valid_at_issue"


def test_revocation_from_a_moment_refuses_what_was_signed_from_then_on_only(
    rotated: tuple[IssuedHome, str, str],
) -> None:
    home, old_kid, _ = rotated
    revoke_leaked(home, old_kid)
    trust = parse_trust_list(home.home.trust_list_path.read_bytes())
    key = next(k for k in trust.qr_keys if k.kid_text == old_kid)
    assert key.revoked_from == LEAKED
    assert key.revocation_reason == "key_compromise"
    verifier, registry = verifier_for(home)
    with registry:
        # Signed at AT, before the leak: still valid.
        report = verifier.verify_text(home.documents[1].payload, at=CHECKED)
        assert report.verdict is Verdict.VALID, report.to_json()
        # Signed with the leaked key on a day after the leak, inside its original window.
        thief = forged_on(
            home.documents[1].payload,
            old_qr_signer(home, old_kid),
            (LEAKED + dt.timedelta(days=1)).astimezone(CHINA_TZ).date(),
        )
        report = verifier.verify_text(thief, at=CHECKED)
    assert report.verdict is Verdict.INVALID
    validity = check(report, "payload.key_validity")
    assert validity.reason == "key_revoked"
    assert "key_compromise" in validity.detail


def test_the_day_of_the_revocation_is_refused_whole(rotated: tuple[IssuedHome, str, str]) -> None:
    """A payload carries only a date: on the revocation's own day it may have been signed
    after the leak, so it is refused (fail closed)."""
    home, old_kid, _ = rotated
    revoke_leaked(home, old_kid)
    verifier, registry = verifier_for(home)
    with registry:
        same_day = forged_on(
            home.documents[1].payload,
            old_qr_signer(home, old_kid),
            LEAKED.astimezone(CHINA_TZ).date(),
        )
        report = verifier.verify_text(same_day, at=CHECKED)
    assert check(report, "payload.key_validity").reason == "key_revoked"


def test_rotation_lists_every_key_in_the_trust_list(rotated: tuple[IssuedHome, str, str]) -> None:
    home, old_kid, new_kid = rotated
    raw = json.loads(home.home.trust_list_path.read_bytes())
    assert [k["kid"] for k in raw["keys"]] == [old_kid, new_kid]
    assert raw["keys"][0]["not_after"] == ROTATED.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert len(raw["seals"]) == 2
    assert raw["seals"][0]["not_after"] == ROTATED.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert "not_after" not in raw["seals"][1]
    trust = parse_trust_list(home.home.trust_list_path.read_bytes())
    old_seal, new_seal = trust.trusted_seals
    assert old_seal.usable_at(ROTATED - dt.timedelta(seconds=1))
    assert not old_seal.usable_at(ROTATED + dt.timedelta(seconds=1))
    assert new_seal.usable_at(ROTATED + dt.timedelta(seconds=1))
    ring = open_key_ring(home.home.keys_dir, passphrase=PASSPHRASE)
    assert ring.seal.certificate.sha256 == new_seal.certificate.sha256
    assert ring.qr.kid_text == new_kid
    states = {row["id"]: row["state"] for row in key_inventory(home.home)}
    assert states[new_kid].startswith("active")
    assert states[old_kid].startswith("retired")


def test_revoking_needs_a_retired_key_a_past_moment_and_the_passphrase(
    rotated: tuple[IssuedHome, str, str],
) -> None:
    home, old_kid, new_kid = rotated
    cases = [
        (dict(key=new_kid, revoked_from=LEAKED), "key_active"),
        (dict(key="AAAAAAAAAAA", revoked_from=LEAKED), "unknown_key"),
        (dict(key=old_kid, revoked_from=CHECKED + dt.timedelta(days=1)), "revocation_in_future"),
    ]
    for arguments, reason in cases:
        with pytest.raises(KeysError) as caught:
            revoke(
                home.home,
                passphrase=PASSPHRASE,
                reason="key_compromise",
                at=CHECKED,
                **arguments,  # type: ignore[arg-type]
            )
        assert caught.value.reason == reason
    with pytest.raises(KeysError) as caught:
        revoke(
            home.home,
            passphrase=b"not the passphrase",
            key=old_kid,
            revoked_from=LEAKED,
            reason="key_compromise",
            at=CHECKED,
        )
    assert caught.value.reason == "wrong_passphrase"
    revoke_leaked(home, old_kid)
    with pytest.raises(KeysError) as caught:
        revoke(
            home.home,
            passphrase=PASSPHRASE,
            key=old_kid,
            revoked_from=AT,
            reason="key_compromise",
            at=CHECKED,
        )
    assert caught.value.reason == "already_revoked"


def revoke_key(kid: str, *, env: dict[str, str], home: Path) -> subprocess.CompletedProcess[str]:
    """``cecert keys revoke KID``, with the kid after ``--``: a key id may start with ``-``
    (one in 64 do), which would otherwise be read as an option."""
    return run(
        "keys", "revoke", "--from", "2026-03-05T00:00", "--reason", "key_compromise", "--", kid,
        env=env | {"CECERT_HOME": str(home)},
    )  # fmt: skip


def test_keys_rotate_list_and_revoke_on_the_command_line(fresh_home: IssuedHome) -> None:
    env = {"CECERT_PASSPHRASE": PASSPHRASE.decode()}
    home = fresh_home.home.root
    before = read_manifest(fresh_home.home.keys_dir)
    result = run("keys", "rotate", "--no-seal", env=env, home=home)
    assert result.returncode == 0, result.stderr
    after = read_manifest(fresh_home.home.keys_dir)
    assert after["active_seal"] == before["active_seal"]
    assert after["active_qr"] != before["active_qr"]
    assert f"新二维码密钥：{after['active_qr']} (new QR key)" in result.stdout
    listing = run("keys", "list", home=home)
    assert listing.returncode == 0
    assert before["active_qr"] in listing.stdout
    assert "retired" in listing.stdout
    result = revoke_key(after["active_qr"], env=env, home=home)
    assert_clean_failure(result, "key_active")
    result = revoke_key(before["active_qr"], env=env, home=home)
    assert result.returncode == 0, result.stderr
    trust = parse_trust_list((Path(home) / "trust.json").read_bytes())
    revoked = next(k for k in trust.qr_keys if k.kid_text == before["active_qr"])
    assert revoked.revoked_from == dt.datetime(2026, 3, 5, tzinfo=CHINA_TZ)
    result = run("keys", "rotate", "--no-seal", "--no-qr", env=env, home=home)
    assert_clean_failure(result, "nothing_to_rotate")


def test_a_key_id_read_as_an_option_is_told_to_go_after_the_double_dash(
    fresh_home: IssuedHome,
) -> None:
    """A kid such as ``-hFvH1DWts0`` written before ``--from`` is parsed as options: the
    message names the token and shows the command with the kid after ``--``."""
    result = run(
        "keys", "revoke", "-hFvH1DWts0", "--from", "2026-03-05T00:00", "--reason", "x",
        env={"CECERT_PASSPHRASE": PASSPHRASE.decode()}, home=fresh_home.home.root,
    )  # fmt: skip
    assert result.returncode == 2
    assert "-- -hFvH1DWts0" in result.stderr
    assert "若 -hFvH1DWts0 是密钥标识" in result.stderr
    assert "Traceback" not in result.stderr
