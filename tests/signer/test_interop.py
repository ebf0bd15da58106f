"""Independent tools agree with cecert: zbarimg reads the printed QR, pycose verifies the
payload with only the trust list, and poppler's pdfsig accepts the seal signature."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from pycose.keys import EC2Key
from pycose.messages import Sign1Message

from registry.payload.base45 import b45decode
from tests.conftest import IssuedHome


def test_zbarimg_reads_the_registered_payload(issued_home: IssuedHome, tmp_path: Path) -> None:
    for document in issued_home.documents:
        pdf = issued_home.pdf(document)
        prefix = tmp_path / document.number
        subprocess.run(
            ["pdftoppm", "-r", "100", "-png", "-singlefile", str(pdf), str(prefix)], check=True
        )
        result = subprocess.run(
            ["zbarimg", "--raw", "-q", str(prefix.with_suffix(".png"))],
            capture_output=True,
            text=True,
            check=True,
        )
        assert result.stdout.strip() == document.payload


def test_pycose_verifies_with_only_the_trust_list(issued_home: IssuedHome) -> None:
    trust = json.loads(issued_home.home.trust_list_path.read_text("utf-8"))
    from cryptography.hazmat.primitives.serialization import load_pem_public_key

    for document in issued_home.documents:
        message = Sign1Message.decode(b45decode(document.payload.removeprefix("CEC1:")))
        kid = message.phdr[next(k for k in message.phdr if getattr(k, "identifier", None) == 4)]
        import base64

        kid_text = base64.urlsafe_b64encode(kid).rstrip(b"=").decode()
        entry = next(k for k in trust["keys"] if k["kid"] == kid_text)
        public = load_pem_public_key(entry["public_key_pem"].encode()).public_numbers()  # type: ignore[union-attr]
        message.key = EC2Key(
            crv="P_256",
            x=public.x.to_bytes(32, "big"),
            y=public.y.to_bytes(32, "big"),
        )
        assert message.verify_signature()
        message.payload = message.payload[:-1] + bytes([message.payload[-1] ^ 1])
        assert not message.verify_signature()


@pytest.fixture
def nss_db(issued_home: IssuedHome, tmp_path: Path) -> Path:
    trust = json.loads(issued_home.home.trust_list_path.read_text("utf-8"))
    root = tmp_path / "root.pem"
    root.write_text(trust["roots"][0])
    db = tmp_path / "nss"
    db.mkdir()
    subprocess.run(["certutil", "-N", "-d", f"sql:{db}", "--empty-password"], check=True)
    subprocess.run(
        ["certutil", "-A", "-d", f"sql:{db}", "-n", "cecert-root", "-t", "CT,C,C", "-i", str(root)],
        check=True,
    )
    return db


def test_pdfsig_accepts_the_seal(issued_home: IssuedHome, nss_db: Path) -> None:
    pdf = issued_home.pdf(issued_home.documents[0])
    result = subprocess.run(
        ["pdfsig", "-nssdir", f"sql:{nss_db}", str(pdf)], capture_output=True, text=True
    )
    assert "Signature is Valid" in result.stdout, result.stdout + result.stderr
    assert "Certificate is Trusted" in result.stdout, result.stdout


def test_pdfsig_rejects_a_flipped_byte(
    issued_home: IssuedHome, nss_db: Path, tmp_path: Path
) -> None:
    data = bytearray(issued_home.pdf(issued_home.documents[0]).read_bytes())
    data[data.index(b"stream") + 40] ^= 0x01
    tampered = tmp_path / "tampered.pdf"
    tampered.write_bytes(bytes(data))
    result = subprocess.run(
        ["pdfsig", "-nssdir", f"sql:{nss_db}", str(tampered)], capture_output=True, text=True
    )
    assert "Signature is Valid" not in result.stdout
