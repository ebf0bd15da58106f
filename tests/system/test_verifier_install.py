"""A verifier-only installation: `pip install cecert` without the `issuer` extra.

A panel's machine gets the plain package from the registry (here: from this checkout) in a
fresh virtual environment, with none of the issuer's libraries (QR drawing, spreadsheets),
and checks certificates with nothing but the trust list and a signed snapshot: no registry
file, no key ring, no network.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import venv
from pathlib import Path

import pytest

from keys.private import open_key_ring
from registry.store import Registry
from signer.status.snapshots import export_snapshot
from tests.conftest import CONFIG, PASSPHRASE, ROOT, IssuedHome

ISSUER_ONLY = ("qrcode", "openpyxl", "pikepdf", "defusedxml")


@pytest.fixture(scope="module")
def verifier_venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A new virtual environment with `pip install <this checkout>` (no extras)."""
    target = tmp_path_factory.mktemp("verifier-only") / "venv"
    venv.EnvBuilder(with_pip=True).create(target)
    python = target / "bin" / "python"
    result = subprocess.run(
        [str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check", str(ROOT)],
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return target


def test_the_plain_package_has_none_of_the_issuers_libraries(verifier_venv: Path) -> None:
    python = verifier_venv / "bin" / "python"
    for module in ISSUER_ONLY:
        result = subprocess.run([str(python), "-c", f"import {module}"], capture_output=True)
        assert result.returncode != 0, f"{module} is installed in a verifier-only environment"
    # Run outside the checkout, so that what is imported is what was installed.
    code = (
        "import pathlib, verifier, verifier.web, cecert.cli\n"
        "import webcore, webcore.auth, webcore.limits, webcore.server\n"
        "assert 'site-packages' in webcore.__file__, webcore.__file__\n"
        "templates = pathlib.Path(webcore.__file__).parent / 'templates' / 'webcore'\n"
        "assert {p.name for p in templates.iterdir()} >= {'login.html', 'account_bar.html'}\n"
    )
    result = subprocess.run(
        [str(python), "-c", code], capture_output=True, text=True, cwd=verifier_venv
    )
    assert result.returncode == 0, result.stderr


def test_it_verifies_with_a_trust_list_and_a_snapshot_only(
    verifier_venv: Path, issued_home: IssuedHome, tmp_path: Path
) -> None:
    ring = open_key_ring(issued_home.home.keys_dir, passphrase=PASSPHRASE)
    with Registry.open(issued_home.home.registry_path, read_only=True) as registry:
        # The CLI judges at the machine's clock, so the snapshot is made now.
        snapshot = export_snapshot(registry, ring, CONFIG, at=dt.datetime.now(dt.UTC))
    panel = tmp_path / "panel"
    panel.mkdir()
    (panel / "trust.json").write_bytes(issued_home.home.trust_list_path.read_bytes())
    (panel / "status.cecs").write_bytes(snapshot)
    document = issued_home.documents[0]
    (panel / "cert.pdf").write_bytes(issued_home.pdf(document).read_bytes())
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(panel),
        "CECERT_HOME": str(panel / "no-home-here"),
    }
    cecert = verifier_venv / "bin" / "cecert"
    for subject in ("cert.pdf", document.payload):
        result = subprocess.run(
            [
                str(cecert),
                "verify",
                "--trust",
                "trust.json",
                "--snapshot",
                "status.cecs",
                subject,
            ],
            capture_output=True,
            text=True,
            cwd=panel,
            env=env,
        )
        assert result.returncode == 0, result.stdout + result.stderr
        assert "verdict: valid" in result.stdout
    assert sorted(p.name for p in panel.iterdir()) == ["cert.pdf", "status.cecs", "trust.json"]
