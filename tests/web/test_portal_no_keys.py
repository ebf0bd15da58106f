"""The portal holds no private key: a bureau's home (keys and all) served by a Python that
cannot import ``signer`` or ``keys.private``, watched by an audit hook that records every file
opened under ``<home>/keys``. A professional registers, is approved, declares with a proof,
downloads it, and downloads their certificate; nothing under ``keys`` is opened. Then
``cecert portal serve`` runs under the same Python and answers its pages."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from tests.conftest import IssuedHome
from tests.support.paths import ROOT
from tests.verifier.test_offline_verifier import BLOCKER

SCRIPT = r"""
import datetime as dt, io, json, os, re, sys
from pathlib import Path

home, instance = sys.argv[1], sys.argv[2]
keys = os.path.realpath(os.path.join(home, "keys"))
touched = []


def hook(event, args):
    if event in {"open", "os.listdir", "os.scandir", "sqlite3.connect"} and args:
        target = args[0]
        if isinstance(target, (str, bytes, os.PathLike)):
            path = os.path.realpath(os.fsdecode(target))
            if path == keys or path.startswith(keys + os.sep):
                touched.append(path)


sys.addaudithook(hook)

from portal.web import create_app
from registry import CHINA_TZ
from registry.portal import Actor, PortalRole, check_character
from registry.store import Registry
from webcore import AccountStore

NOW = dt.datetime(2026, 3, 2, 10, 0, tzinfo=CHINA_TZ)
CODE = "91440106MA59P0000" + check_character("91440106MA59P0000")
ZHANG = "440106198503120031"
PASSWORD = "a long enough password"
AccountStore.create(Path(instance))
app = create_app(
    {"HOME": home, "SECRET_KEY": "test", "CLOCK": lambda: NOW},
    instance_path=instance,
)
client = app.test_client()
seen = {}


def token(page):
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def post(path, data, page="/login"):
    csrf = token(client.get(page).get_data(as_text=True))
    return client.post(path, data={"csrf_token": csrf, **data})


account = {"password": PASSWORD, "password2": PASSWORD}
seen["employer"] = post("/register/employer", {"name": "医院", "credit_code": CODE,
                        "region": "440106", "username": "hospital", **account}).status_code
employer = Actor("hospital", PortalRole.EMPLOYER, CODE)
with Registry.open(Path(home, "registry.sqlite")) as registry:
    made = registry.registrations.employer(CODE)
    registry.registrations.decide_employer(Actor("b", PortalRole.BUREAU, "440106"), CODE,
                                           version=made.version, approve=True, reason=None, at=NOW)
seen["person"] = post("/register/professional", {"id_number": ZHANG, "name": "张伟",
    "employer": CODE, "series": "卫生技术", "level": "intermediate", "title_date": "2016-07-01",
    "username": "zhang", **account}).status_code
with Registry.open(Path(home, "registry.sqlite")) as registry:
    made = registry.registrations.enrolment(employer, ZHANG)
    registry.registrations.decide_person(employer, ZHANG, version=made.version, approve=True,
                                         reason=None, at=NOW)
seen["login"] = post("/login", {"username": "zhang", "password": PASSWORD}).status_code
seen["year"] = client.get("/me").status_code
page = client.get("/me/declare?year=2025").get_data(as_text=True)
form = {"token": re.search(r'name="token" value="([^"]+)"', page).group(1), "year": "2025",
        "category": "public", "kind": "online_course", "title": "课程", "provider": "平台",
        "start_date": "2025-05-01", "end_date": "2025-05-02", "hours": "3",
        "proofs": [(io.BytesIO(b"%PDF-1.4\n%%EOF\n"), "a.pdf")]}
seen["declare"] = post("/me/declare", form, page="/me").status_code
page = client.get("/me?year=2025").get_data(as_text=True)
proof = re.search(r'href="(/proofs/[^"]+)"', page).group(1)
seen["proof"] = client.get(proof).status_code
page = client.get("/me/certificates").get_data(as_text=True)
pdf = re.search(r'href="(/me/certificates/[^"]+\.pdf)"', page).group(1)
seen["certificate"] = client.get(pdf).status_code
seen["modules"] = sorted(m for m in sys.modules if m == "signer" or m.startswith(("signer.",
                         "keys.private")))
seen["touched"] = touched
print(json.dumps(seen))
"""


def _environment(tmp_path: Path) -> dict[str, str]:
    blocker = tmp_path / "blocker"
    blocker.mkdir()
    (blocker / "sitecustomize.py").write_text(BLOCKER, "utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("CECERT_")}
    return env | {"PYTHONPATH": os.pathsep.join([str(blocker), str(ROOT)])}


def test_the_portal_serves_a_bureaus_home_without_key_code(
    fresh_home: IssuedHome, tmp_path: Path
) -> None:
    home = fresh_home.home.root
    assert (home / "keys").is_dir()
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(home), str(tmp_path / "instance")],
        capture_output=True,
        text=True,
        env=_environment(tmp_path),
        cwd=ROOT,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    assert seen == {
        "employer": 302,
        "person": 302,
        "login": 302,
        "year": 200,
        "declare": 302,
        "proof": 200,
        "certificate": 200,
        "modules": [],
        "touched": [],
    }


def test_cecert_portal_serve_runs_without_key_code(fresh_home: IssuedHome, tmp_path: Path) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    command = [
        sys.executable, "-m", "cecert", "portal", "serve", "--home", str(fresh_home.home.root),
        "--instance", str(tmp_path / "instance"), "--port", str(port), "--workers", "1",
    ]  # fmt: skip
    process = subprocess.Popen(
        command,
        env=_environment(tmp_path),
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        pages = {}
        for path in ("/", "/register/professional", "/login"):
            for _ in range(150):
                try:
                    with urllib.request.urlopen(base + path, timeout=2) as answer:
                        pages[path] = answer.read().decode()
                    break
                except OSError:
                    if process.poll() is not None:
                        break
                    time.sleep(0.1)
        assert "继续教育管理平台" in pages.get("/", ""), process.poll()
        assert "专业技术人员注册" in pages["/register/professional"]
        assert 'name="csrf_token"' in pages["/login"]
    finally:
        process.terminate()
        _out, err = process.communicate(timeout=10)
    assert b"Traceback" not in err, err.decode(errors="replace")
    assert (tmp_path / "instance" / "accounts.sqlite").is_file()
