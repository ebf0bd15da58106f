"""Publishing the status (signer.status.publication, `cecert snapshot publish`): a fresh signed
snapshot after every change and on a schedule, and a server that says when the snapshot it
serves misses changes of its registry (``X-Cecert-Log-Behind``)."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from keys.kid import kid_text
from keys.private import open_key_ring, read_manifest
from registry.home import CHINA_TZ
from registry.model import RevocationReason
from registry.snapshot import read_header
from registry.store import Registry
from signer.status.publication import publish_status, published_log_size
from tests.conftest import AT, PASSPHRASE, IssuedHome
from tests.support.cli import run
from verifier.web import create_app
from verifier.web.offline import LOG_BEHIND

ENV = {"CECERT_PASSPHRASE": PASSPHRASE.decode()}
NOW = dt.datetime.now(dt.UTC)


def test_a_published_snapshot_says_how_much_of_the_log_it_reflects(
    fresh_home: IssuedHome,
) -> None:
    home = fresh_home.home
    ring = open_key_ring(home.keys_dir, passphrase=PASSPHRASE)
    with Registry.open(home.registry_path) as registry:
        published = publish_status(home, registry, ring, at=NOW)
        assert published.log_size == registry.log_size() > 0
    header, _signed, _signature = read_header(home.published_snapshot_path.read_bytes())
    assert header.log_size == published.log_size
    assert published_log_size(home) == published.log_size
    assert not list(home.published_snapshot_path.parent.glob("*.tmp*")), "no partial file left"


def test_the_server_says_when_its_snapshot_misses_changes(fresh_home: IssuedHome) -> None:
    home = fresh_home.home
    ring = open_key_ring(home.keys_dir, passphrase=PASSPHRASE)
    with Registry.open(home.registry_path) as registry:
        publish_status(home, registry, ring, at=NOW)
    app = create_app(
        {
            "TESTING": True,
            "TRUST_LIST": str(home.trust_list_path),
            "REGISTRY": str(home.registry_path),
            "SNAPSHOT": str(home.published_snapshot_path),
            "SOURCES_CHECK_SECONDS": 0.0,
        }
    )
    client = app.test_client()
    served = client.get("/offline/snapshot")
    assert served.status_code == 200
    assert LOG_BEHIND not in served.headers
    assert served.headers["Cache-Control"] == "no-cache"
    again = client.get("/offline/snapshot", headers={"If-None-Match": served.headers["ETag"]})
    assert again.status_code == 304

    # A revocation written to the registry, its snapshot not published yet.
    with Registry.open(home.registry_path) as registry:
        registry.revoke(
            fresh_home.documents[0].number,
            reason=RevocationReason.FRAUD,
            note="",
            at=NOW,
        )
    behind = client.get("/offline/snapshot")
    assert behind.headers[LOG_BEHIND] == "1"
    with Registry.open(home.registry_path, read_only=True) as registry:
        publish_status(home, registry, ring, at=NOW)
    fresh = client.get("/offline/snapshot")
    assert LOG_BEHIND not in fresh.headers
    assert fresh.headers["ETag"] != served.headers["ETag"]


def test_publish_watch_publishes_after_changes_made_elsewhere(
    fresh_home: IssuedHome, tmp_path: Path
) -> None:
    home = fresh_home.home
    environment = {k: v for k, v in os.environ.items() if not k.startswith("CECERT_")}
    environment.update(ENV)
    command = [sys.executable, "-m", "cecert", "snapshot", "publish", "--home", str(home.root)]
    watcher = subprocess.Popen(
        [*command, "--watch", "0.5", "--refresh", "60"],
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while published_log_size(home) is None:
            assert watcher.poll() is None, watcher.communicate()
            assert time.monotonic() < deadline, "nothing published"
            time.sleep(0.1)
        first = published_log_size(home)
        with Registry.open(home.registry_path) as registry:
            registry.revoke(
                fresh_home.documents[1].number,
                reason=RevocationReason.WITHDRAWN,
                note="",
                at=NOW,
            )
        deadline = time.monotonic() + 10
        while published_log_size(home) == first:
            assert time.monotonic() < deadline, "the change was not published"
            time.sleep(0.1)
        assert published_log_size(home) == (first or 0) + 1
    finally:
        watcher.send_signal(signal.SIGTERM)
        _out, err = watcher.communicate(timeout=20)
    assert watcher.returncode == 0, err
    assert "登记状态已发布" in err


def test_publish_needs_the_passphrase(fresh_home: IssuedHome) -> None:
    refused = run("snapshot", "publish", home=fresh_home.home.root)
    assert refused.returncode != 0
    assert "[no_passphrase]" in refused.stderr
    assert not fresh_home.home.published_snapshot_path.exists()


def test_a_key_revoked_from_before_the_published_snapshot_is_followed_by_a_new_one(
    fresh_home: IssuedHome,
) -> None:
    """`cecert keys revoke --from` a moment before the published snapshot was signed would
    leave servers a snapshot that no longer checks: the command publishes again with the
    key in use now, and a server starts and serves it."""
    home = fresh_home.home
    old_kid = read_manifest(home.keys_dir)["active_qr"]
    assert run("snapshot", "publish", env=ENV, home=home.root).returncode == 0
    rotated = run("keys", "rotate", env=ENV, home=home.root)
    assert rotated.returncode == 0, rotated.stderr
    assert "登记状态已发布" in rotated.stdout
    since = (AT + dt.timedelta(days=5)).astimezone(CHINA_TZ).strftime("%Y-%m-%dT%H:%M")
    revoked = run(
        "keys", "revoke", "--from", since, "--reason", "key_compromise", "--", old_kid,
        env=ENV | {"CECERT_HOME": str(home.root)},
    )  # fmt: skip
    assert revoked.returncode == 0, revoked.stderr
    assert "登记状态已发布" in revoked.stdout
    header, _signed, _signature = read_header(home.published_snapshot_path.read_bytes())
    assert kid_text(header.kid) == read_manifest(home.keys_dir)["active_qr"] != old_kid
    app = create_app(
        {
            "TESTING": True,
            "TRUST_LIST": str(home.trust_list_path),
            "SNAPSHOT": str(home.published_snapshot_path),
        }
    )
    assert app.test_client().get("/offline/snapshot").status_code == 200
