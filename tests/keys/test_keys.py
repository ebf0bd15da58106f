"""Keys: encrypted storage, passphrases, the signed trust list."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from keys import KeysError, parse_trust_list
from keys.private import create_key_ring, export_trust_list, open_key_ring
from tests.support.keyrings import NAMES

AT = dt.datetime(2026, 3, 2, tzinfo=dt.UTC)
PASSPHRASE = b"a long enough passphrase"


@pytest.fixture(scope="module")
def ring_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("keys") / "keys"
    create_key_ring(directory, names=NAMES, passphrase=PASSPHRASE, at=AT)
    return directory


@pytest.fixture(scope="module")
def trust_bytes(ring_dir: Path) -> bytes:
    return export_trust_list(ring_dir, open_key_ring(ring_dir, passphrase=PASSPHRASE), at=AT)


def test_wrong_passphrase_is_named(ring_dir: Path) -> None:
    with pytest.raises(KeysError) as caught:
        open_key_ring(ring_dir, passphrase=b"the wrong passphrase")
    assert caught.value.reason == "wrong_passphrase"
    assert "root.key.pem" in str(caught.value)


def test_key_ring_is_not_overwritten(ring_dir: Path) -> None:
    with pytest.raises(KeysError) as caught:
        create_key_ring(ring_dir, names=NAMES, passphrase=PASSPHRASE, at=AT)
    assert caught.value.reason == "key_ring_exists"


def test_seal_certificate_is_for_signing_only(ring_dir: Path) -> None:
    from cryptography import x509

    seal_file = next(ring_dir.glob("seal-*.crt.pem"))
    seal = x509.load_pem_x509_certificate(seal_file.read_bytes())
    usage = seal.extensions.get_extension_for_class(x509.KeyUsage).value
    assert usage.digital_signature
    assert usage.content_commitment
    assert not usage.key_cert_sign
    assert seal.extensions.get_extension_for_class(x509.BasicConstraints).value.ca is False


def test_trust_list_round_trip(trust_bytes: bytes) -> None:
    trust = parse_trust_list(trust_bytes)
    raw = json.loads(trust_bytes)
    assert trust.signed_by == raw["signature"]["root_sha256"]
    assert [k.kid_text for k in trust.qr_keys] == [k["kid"] for k in raw["keys"]]
    assert parse_trust_list(trust_bytes, pin=trust.signed_by).signed_by == trust.signed_by


@pytest.mark.parametrize(
    ("mutate", "reason"),
    [
        (
            lambda raw: raw["keys"][0].update(not_after="2099-01-01T00:00:00Z"),
            "trust_list_signature",
        ),
        (lambda raw: raw["seals"].append({"certificate": raw["roots"][0]}), "trust_list_signature"),
        (lambda raw: raw.pop("signature"), "trust_list_signature"),
        (lambda raw: raw.update(extra="x"), "bad_trust_list"),
        (lambda raw: raw["signature"].update(root_sha256="00" * 32), "trust_list_signature"),
    ],
)
def test_tampered_trust_list_is_refused(trust_bytes: bytes, mutate: object, reason: str) -> None:
    raw = json.loads(trust_bytes)
    mutate(raw)  # type: ignore[operator]
    with pytest.raises(KeysError) as caught:
        parse_trust_list(json.dumps(raw).encode())
    assert caught.value.reason == reason


def test_pin_mismatch_and_garbage(trust_bytes: bytes) -> None:
    with pytest.raises(KeysError) as pinned:
        parse_trust_list(trust_bytes, pin="ab" * 32)
    assert pinned.value.reason == "trust_list_pin"
    with pytest.raises(KeysError) as garbage:
        parse_trust_list(b"\xff\xfe not json")
    assert garbage.value.reason == "bad_trust_list"
    duplicated = trust_bytes.replace(b'"version": 2,', b'"version": 2, "version": 2,', 1)
    with pytest.raises(KeysError) as twice:
        parse_trust_list(duplicated)
    assert twice.value.reason == "bad_trust_list"


def _resign(ring_dir: Path, raw: dict[str, object]) -> bytes:
    """Re-sign a modified trust list with the genuine root key (an insider's mistake)."""
    from keys import canonical_json
    from keys.trust import b64url

    ring = open_key_ring(ring_dir, passphrase=PASSPHRASE)
    body = {k: v for k, v in raw.items() if k != "signature"}
    raw["signature"] = {
        "alg": "ES256",
        "root_sha256": ring.root_certificate.sha256,
        "value": b64url(ring.root.sign(canonical_json(body))),
    }
    return json.dumps(raw).encode()


@pytest.mark.parametrize(
    "mutate",
    [
        lambda raw: raw["keys"][0].update(kid="!!not base64url!!"),
        lambda raw: raw["keys"][0].update(public_key_pem=12345),
        lambda raw: raw["keys"][0].update(public_key_pem="-----BEGIN PUBLIC KEY-----\nxx"),
        lambda raw: raw.update(roots=[42]),
        lambda raw: raw.update(keys="not a list"),
    ],
)
def test_signed_but_malformed_members_are_our_error(
    ring_dir: Path, trust_bytes: bytes, mutate: object
) -> None:
    raw = json.loads(trust_bytes)
    mutate(raw)  # type: ignore[operator]
    with pytest.raises(KeysError) as caught:
        parse_trust_list(_resign(ring_dir, raw))
    assert caught.value.reason in {"bad_trust_list", "bad_certificate"}


def test_nan_and_infinity_are_refused(trust_bytes: bytes) -> None:
    for constant in (b"NaN", b"Infinity", b"-Infinity"):
        data = trust_bytes.replace(b'"version": 2', b'"version": ' + constant, 1)
        with pytest.raises(KeysError) as caught:
            parse_trust_list(data)
        assert caught.value.reason == "bad_trust_list"
        assert "is not allowed in a trust list" in str(caught.value)


def test_passphrase_is_stretched_before_it_encrypts_a_key(ring_dir: Path) -> None:
    from cryptography.hazmat.primitives.serialization import load_pem_private_key

    from keys.private import read_manifest

    kdf = read_manifest(ring_dir)["kdf"]
    assert kdf["kdf"] == "scrypt"
    assert kdf["n"] >= 2**17
    assert kdf["r"] >= 8
    # The PKCS#8 file does not open with the passphrase itself: only with the scrypt output.
    # A wrong password is usually reported as such, but about one time in 256 the decrypted
    # bytes end in valid padding and OpenSSL reports an ASN.1 error instead: both refuse.
    with pytest.raises(ValueError, match=r"(?i)password|decrypt|deserialize"):
        load_pem_private_key(next(ring_dir.glob("seal-*.key.pem")).read_bytes(), PASSPHRASE)
