"""A verifier with no registry and no private key: only the trust list and a signed snapshot.

The bureau issues certificates, renews one (superseding its first edition), revokes another,
exports its trust list and a snapshot. Only those two files, the PDFs and the QR texts are
copied to a fresh directory, and ``cecert verify --trust … --snapshot …`` runs there in a
process that cannot import ``signer`` or ``keys.private`` and whose home is empty.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from keys.private import open_key_ring
from registry.model import RevocationReason
from registry.snapshot import decode_snapshot
from registry.store import DocumentRecord, Registry
from signer import Issuer
from signer.status.snapshots import export_snapshot
from tests.conftest import AT, CONFIG, PASSPHRASE, IssuedHome
from verifier import VerifierError
from verifier.web import create_app

CHANGED = AT + dt.timedelta(days=1)
BLOCKER = '''\
"""Make this interpreter unable to import private-key or issuance code."""
import sys


class _NoPrivateCode:
    BLOCKED = ("signer", "keys.private")

    def find_spec(self, name, path=None, target=None):
        if any(name == b or name.startswith(b + ".") for b in self.BLOCKED):
            raise ImportError(f"{name} is not installed on this verifier")
        return None


sys.meta_path.insert(0, _NoPrivateCode())
'''


@dataclasses.dataclass(frozen=True)
class Offline:
    """The verifier's directory: trust.json, snapshots, PDFs and QR texts, nothing else."""

    root: Path
    env: dict[str, str]
    valid: DocumentRecord
    superseded: DocumentRecord
    revoked: DocumentRecord
    renewal: DocumentRecord

    def verify(self, *args: str) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-m", "cecert", "verify", "--trust", "trust.json", *args]
        return subprocess.run(
            command,
            capture_output=True,
            text=True,
            env=self.env,
            cwd=self.root,
            stdin=subprocess.DEVNULL,
            check=False,
        )

    def report(self, input_: str, *extra: str) -> dict[str, object]:
        result = self.verify("--snapshot", "status.cecs", "--json", *extra, input_)
        report: dict[str, object] = json.loads(result.stdout)  # a crash prints no JSON
        assert result.returncode == (0 if report["verdict"] == "valid" else 1)
        return report


def _qr_file(root: Path, name: str, text: str) -> str:
    (root / name).write_text(text, "ascii")
    return name


@pytest.fixture(scope="module")
def offline(tmp_path_factory: pytest.TempPathFactory, issued_home: IssuedHome) -> Offline:
    bureau = tmp_path_factory.mktemp("bureau") / "home"
    shutil.copytree(issued_home.home.root, bureau)
    home = dataclasses.replace(issued_home.home, root=bureau)
    ring = open_key_ring(home.keys_dir, passphrase=PASSPHRASE)
    with Registry.open(home.registry_path) as registry:
        first, second, third = issued_home.documents[:3]
        issuer = Issuer(registry=registry, ring=ring, config=CONFIG, out_dir=home.certificates_dir)
        renewal = issuer.renew(first.number, at=CHANGED)
        registry.revoke(
            second.number, reason=RevocationReason.FRAUD, note="经核查，记录系伪造", at=CHANGED
        )
        now = dt.datetime.now(dt.UTC)
        fresh = export_snapshot(registry, ring, CONFIG, at=now)
        stale = export_snapshot(registry, ring, CONFIG, at=now - dt.timedelta(days=31))
    root = tmp_path_factory.mktemp("verifier")
    (root / "trust.json").write_bytes(home.trust_list_path.read_bytes())
    (root / "status.cecs").write_bytes(fresh)
    (root / "old.cecs").write_bytes(stale)
    for document in (first, second, third, renewal):
        name = f"{document.number}-{document.edition}"
        source = home.certificates_dir / str(document.year) / f"{name}.pdf"
        shutil.copy(source, root / f"{name}.pdf")
        _qr_file(root, f"{name}.txt", document.payload)
    empty = tmp_path_factory.mktemp("empty-home")
    blocker = tmp_path_factory.mktemp("blocker")
    (blocker / "sitecustomize.py").write_text(BLOCKER, "utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("CECERT_")}
    env |= {"HOME": str(empty), "CECERT_HOME": str(empty), "PYTHONPATH": str(blocker)}
    return Offline(root, env, valid=third, superseded=first, revoked=second, renewal=renewal)


def _name(document: DocumentRecord, suffix: str) -> str:
    return f"{document.number}-{document.edition}.{suffix}"


def test_the_verifier_process_cannot_use_private_code(offline: Offline) -> None:
    probe = subprocess.run(
        [sys.executable, "-c", "import keys.private"],
        capture_output=True,
        text=True,
        env=offline.env,
        cwd=offline.root,
        check=False,
    )
    assert probe.returncode != 0
    assert "not installed on this verifier" in probe.stderr
    assert sorted(p.name for p in offline.root.iterdir()) == sorted(
        ["trust.json", "status.cecs", "old.cecs"]
        + [
            _name(d, s)
            for d in (offline.valid, offline.superseded, offline.revoked, offline.renewal)
            for s in ("pdf", "txt")
        ]
    )
    assert not list(Path(offline.env["CECERT_HOME"]).iterdir())


@pytest.mark.parametrize("suffix", ["pdf", "txt"])
def test_valid_documents_are_valid_with_the_snapshots_age(offline: Offline, suffix: str) -> None:
    for document in (offline.valid, offline.renewal):
        report = offline.report(_name(document, suffix))
        assert report["verdict"] == "valid", report
        snapshot = report["snapshot"]
        assert isinstance(snapshot, dict)
        assert snapshot["too_old"] is False
        assert 0 <= snapshot["age_seconds"] < 600
        names = [c["name"] for c in report["checks"]]  # type: ignore[attr-defined]
        assert "pdf.registered" not in names  # a snapshot holds no file digests


@pytest.mark.parametrize("suffix", ["pdf", "txt"])
def test_superseded_and_revoked_documents_are_invalid(offline: Offline, suffix: str) -> None:
    superseded = offline.report(_name(offline.superseded, suffix))
    assert (superseded["verdict"], superseded["reasons"]) == ("invalid", ["superseded"])
    revoked = offline.report(_name(offline.revoked, suffix))
    assert (revoked["verdict"], revoked["reasons"]) == ("invalid", ["revoked"])
    detail = next(
        c["detail"]
        for c in revoked["checks"]  # type: ignore[attr-defined]
        if c["name"] == "registry.status"
    )
    assert "fraud (弄虚作假)" in detail


def test_tampered_documents_are_invalid(offline: Offline) -> None:
    pdf = bytearray((offline.root / _name(offline.valid, "pdf")).read_bytes())
    middle = len(pdf) // 2
    pdf[middle] = (pdf[middle] + 1) % 256
    (offline.root / "tampered.pdf").write_bytes(bytes(pdf))
    text = offline.valid.payload
    position = len(text) // 2
    swapped = "A" if text[position] != "A" else "B"
    (offline.root / "tampered.txt").write_text(text[:position] + swapped + text[position + 1 :])
    try:
        for name in ("tampered.pdf", "tampered.txt"):
            report = offline.report(name)
            assert report["verdict"] == "invalid", report
            assert report["certificate"] is None
    finally:
        (offline.root / "tampered.pdf").unlink()
        (offline.root / "tampered.txt").unlink()


def test_an_old_snapshot_leaves_status_indeterminate(offline: Offline) -> None:
    result = offline.verify("--snapshot", "old.cecs", _name(offline.revoked, "txt"))
    assert result.returncode == 1
    assert "verdict: indeterminate" in result.stdout
    assert "[snapshot_too_old]" in result.stdout
    assert "31 days 0 hours old, at most 30 days" in result.stdout
    assert "too old: status not judged" in result.stdout
    report = offline.report(_name(offline.valid, "pdf"), "--max-age", "30")
    assert report["verdict"] == "valid"
    stale = json.loads(
        offline.verify("--snapshot", "old.cecs", "--json", _name(offline.valid, "pdf")).stdout
    )
    assert (stale["verdict"], stale["reasons"]) == ("indeterminate", ["snapshot_too_old"])
    passed = [c["name"] for c in stale["checks"] if c["status"] == "passed"]
    assert {"pdf.signature", "payload.signature"} <= set(passed)
    assert stale["hours"]["status"] == "met"
    assert offline.report(_name(offline.valid, "txt"), "--max-age", "0")["reasons"] == [
        "snapshot_too_old"
    ]


def test_a_bad_snapshot_is_refused_with_a_clear_message(offline: Offline) -> None:
    data = bytearray((offline.root / "status.cecs").read_bytes())
    data[-10] ^= 0xFF
    (offline.root / "forged.cecs").write_bytes(bytes(data))
    try:
        result = offline.verify("--snapshot", "forged.cecs", _name(offline.valid, "txt"))
        assert result.returncode == 2
        assert "error [snapshot_signature]: forged.cecs: " in result.stderr
        result = offline.verify("--snapshot", "missing.cecs", _name(offline.valid, "txt"))
        assert "error [no_snapshot]: missing.cecs: " in result.stderr
        result = offline.verify("--snapshot", "trust.json", _name(offline.valid, "txt"))
        assert "error [bad_snapshot]: trust.json: " in result.stderr
    finally:
        (offline.root / "forged.cecs").unlink()


def test_a_bad_trust_list_is_refused(offline: Offline) -> None:
    trust = json.loads((offline.root / "trust.json").read_text("utf-8"))
    trust["issuer"] = "someone else"
    (offline.root / "forged.json").write_text(json.dumps(trust), "utf-8")
    try:
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "cecert",
                "verify",
                "--trust",
                "forged.json",
                "--snapshot",
                "status.cecs",
                _name(offline.valid, "txt"),
            ],
            capture_output=True,
            text=True,
            env=offline.env,
            cwd=offline.root,
            check=False,
        )
        assert result.returncode == 2
        assert "error [trust_list_signature]" in result.stderr
    finally:
        (offline.root / "forged.json").unlink()


def test_the_web_verifier_uses_a_snapshot_without_a_registry(offline: Offline) -> None:
    app = create_app(
        {
            "TESTING": True,
            "TRUST_LIST": str(offline.root / "trust.json"),
            "SNAPSHOT": str(offline.root / "status.cecs"),
        }
    )
    client = app.test_client()
    for document, verdict in (
        (offline.valid, "valid"),
        (offline.superseded, "invalid"),
        (offline.revoked, "invalid"),
    ):
        pdf = (offline.root / _name(document, "pdf")).read_bytes()
        answer = client.post("/api/v1/verify", data=pdf, content_type="application/pdf")
        assert answer.status_code == 200
        body = answer.get_json()
        assert body["verdict"] == verdict, body
        assert body["snapshot"]["too_old"] is False
    page = client.post("/", data={"qr": offline.valid.payload})
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "登记状态截至" in text
    assert "依据发证机关签名的状态快照" in text
    assert "有效" in text
    stale = create_app(
        {
            "TESTING": True,
            "TRUST_LIST": str(offline.root / "trust.json"),
            "SNAPSHOT": str(offline.root / "old.cecs"),
            "SNAPSHOT_MAX_AGE_DAYS": 60,
        }
    ).test_client()
    body = stale.post("/api/v1/verify", json={"qr": offline.revoked.payload}).get_json()
    assert body["reasons"] == ["revoked"]
    assert body["snapshot"]["max_age_seconds"] == 60 * 86400


def test_the_bureau_exports_full_and_delta_snapshots_from_the_command_line(
    fresh_home: IssuedHome, tmp_path: Path
) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CECERT_")}
    env["CECERT_PASSPHRASE"] = PASSPHRASE.decode()
    home = str(fresh_home.home.root)

    def cecert(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "cecert", *args],
            capture_output=True,
            text=True,
            env=env,
            stdin=subprocess.DEVNULL,
            check=False,
        )

    full = cecert("snapshot", "export", "--home", home, str(tmp_path / "full.cecs"))
    assert full.returncode == 0, full.stderr
    assert "full snapshot of" in full.stdout
    document = fresh_home.documents[0]
    revoked = cecert(
        "revoke", document.number, "--reason", "fraud", "--note", "核查", "--home", home
    )
    assert revoked.returncode == 0, revoked.stderr
    delta = cecert(
        "snapshot", "export", "--home", home, "--base", str(tmp_path / "full.cecs"),
        str(tmp_path / "delta.cecs"),
    )  # fmt: skip
    assert delta.returncode == 0, delta.stderr
    changes = decode_snapshot((tmp_path / "delta.cecs").read_bytes()).header
    assert (changes.kind.value, changes.count, changes.total) == (
        "delta",
        1,
        decode_snapshot((tmp_path / "full.cecs").read_bytes()).header.total,
    )
    text = tmp_path / "qr.txt"
    text.write_text(document.payload)
    trust = str(fresh_home.home.trust_list_path)
    before = cecert(
        "verify", "--trust", trust, "--snapshot", str(tmp_path / "full.cecs"), str(text)
    )
    assert "verdict: valid" in before.stdout, before.stdout + before.stderr
    after = cecert(
        "verify", "--trust", trust, "--snapshot", str(tmp_path / "full.cecs"),
        "--delta", str(tmp_path / "delta.cecs"), str(text),
    )  # fmt: skip
    assert "verdict: invalid" in after.stdout, after.stdout + after.stderr
    assert "[revoked]" in after.stdout
    wrong = cecert(
        "verify", "--trust", trust, "--snapshot", str(tmp_path / "delta.cecs"),
        "--delta", str(tmp_path / "full.cecs"), str(text),
    )  # fmt: skip
    assert wrong.returncode == 2
    assert "error [bad_snapshot]" in wrong.stderr
    both = cecert("verify", "--registry", "x", "--snapshot", "y", str(text))
    assert both.returncode == 2


def test_a_bureau_server_judges_by_its_registry_and_publishes_the_snapshot(
    offline: Offline, issued_home: IssuedHome
) -> None:
    """With both a registry and a snapshot (the demo, a bureau's own server), the registry
    judges status and the snapshot is only handed to the offline page."""
    snapshot = offline.root / "status.cecs"
    client = create_app(
        {
            "TESTING": True,
            "TRUST_LIST": str(offline.root / "trust.json"),
            "REGISTRY": str(issued_home.home.registry_path),
            "SNAPSHOT": str(snapshot),
        }
    ).test_client()
    # The bureau's registry (issued_home) never revoked this document; the snapshot (made
    # from another registry copy) says it is revoked: the registry wins.
    body = client.post("/api/v1/verify", json={"qr": offline.revoked.payload}).get_json()
    assert body["verdict"] == "valid", body
    assert body["snapshot"] is None
    published = client.get("/offline/snapshot")
    assert published.status_code == 200
    assert published.get_data() == snapshot.read_bytes()
    with pytest.raises(VerifierError) as caught:
        create_app(
            {
                "TESTING": True,
                "TRUST_LIST": str(offline.root / "trust.json"),
                "REGISTRY": str(issued_home.home.registry_path),
                "SNAPSHOT": str(offline.root / "trust.json"),
            }
        )
    assert caught.value.reason == "bad_snapshot"


AUDIT = """
import os as _os
import sys as _sys

_LOG = _os.environ["KEY_AUDIT_LOG"]
_KEYS = _os.environ["KEY_AUDIT_DIR"]


def _audit(event, args):
    if event == "open" and args and isinstance(args[0], (str, bytes)):
        path = _os.fsdecode(args[0])
        if path.endswith(".key.pem") or _os.path.abspath(path).startswith(_KEYS):
            with open(_LOG, "a", encoding="utf-8") as log:
                log.write(path + "\\n")


_sys.addaudithook(_audit)
"""


def test_the_web_verifier_of_a_bureau_never_opens_a_private_key(
    issued_home: IssuedHome, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`cecert serve` on the bureau's own home, keys on the same disk: the server and its
    workers cannot import private-key code, and no file of the key ring is ever opened."""
    import urllib.request

    from tests.conftest import serving

    site = tmp_path / "site"
    site.mkdir()
    (site / "sitecustomize.py").write_text(BLOCKER + AUDIT, "utf-8")
    opened = tmp_path / "opened.log"
    opened.write_text("", "utf-8")
    monkeypatch.setenv("PYTHONPATH", str(site))
    monkeypatch.setenv("KEY_AUDIT_LOG", str(opened))
    monkeypatch.setenv("KEY_AUDIT_DIR", str(issued_home.home.keys_dir.resolve()))
    document = issued_home.documents[0]
    with serving(issued_home.home.root, "--workers", "2") as base:
        for body, kind in (
            (issued_home.pdf(document).read_bytes(), "application/pdf"),
            (document.payload.encode("ascii"), "text/plain"),
        ):
            request = urllib.request.Request(
                base + "/api/v1/verify", data=body, headers={"Content-Type": kind}
            )
            with urllib.request.urlopen(request, timeout=30) as answer:
                assert json.loads(answer.read())["verdict"] == "valid"
    assert any(issued_home.home.keys_dir.glob("*.key.pem"))
    assert opened.read_text("utf-8") == ""
