"""A running verifier follows its files (verifier.sources.LiveSources): a rotated trust list
and a newly published snapshot are used without a restart, once they check; a file that does
not check leaves the last good one in use. Real files, real keys; only the clock is ours."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest

from keys.private import open_key_ring
from registry.store import Registry
from signer import Issuer
from signer.home import rotate
from signer.status.publication import publish_status
from tests.conftest import AT, CONFIG, PASSPHRASE, IssuedHome
from verifier import Verdict
from verifier.sources import LiveSources

ROTATED = AT + dt.timedelta(days=10)
REISSUED = AT + dt.timedelta(days=11)
CHECKED = AT + dt.timedelta(days=12)


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def sources(home: IssuedHome, clock: Clock, warnings: list[str]) -> LiveSources:
    return LiveSources(
        trust_path=home.home.trust_list_path,
        pin=None,
        snapshot_path=home.home.published_snapshot_path,
        max_age=dt.timedelta(days=30),
        registry=None,
        snapshot_optional=True,
        interval=1.0,
        clock=clock,
        warn=warnings.append,
    )


def publish(home: IssuedHome, at: dt.datetime) -> None:
    ring = open_key_ring(home.home.keys_dir, passphrase=PASSPHRASE)
    with Registry.open(home.home.registry_path, read_only=True) as registry:
        publish_status(home.home, registry, ring, at=at)


def test_a_rotation_and_a_new_snapshot_are_followed_without_a_restart(
    fresh_home: IssuedHome,
) -> None:
    clock, warnings = Clock(), []
    publish(fresh_home, AT)
    live = sources(fresh_home, clock, warnings)
    first = live.current()
    assert first.snapshot is not None

    rotate(fresh_home.home, passphrase=PASSPHRASE, at=ROTATED)
    ring = open_key_ring(fresh_home.home.keys_dir, passphrase=PASSPHRASE)
    with Registry.open(fresh_home.home.registry_path) as registry:
        issuer = Issuer(
            registry=registry, ring=ring, config=CONFIG, out_dir=fresh_home.home.certificates_dir
        )
        renewed = issuer.renew(fresh_home.documents[0].number, at=REISSUED)
    publish(fresh_home, REISSUED)

    # Within the interval nothing is looked at: the same checked files.
    clock.now = 0.5
    assert live.current() is first
    assert live.verifier().verify_text(renewed.payload, at=CHECKED).reasons == ("unknown_kid",)
    # After it, the new trust list and the new snapshot are in use.
    clock.now = 1.5
    now = live.current()
    assert now is not first
    assert now.trust_bytes == fresh_home.home.trust_list_path.read_bytes()
    assert now.snapshot_bytes == fresh_home.home.published_snapshot_path.read_bytes()
    report = now.verifier.verify_text(renewed.payload, at=CHECKED)
    assert report.verdict is Verdict.VALID, report.to_json()
    old = now.verifier.verify_text(fresh_home.documents[0].payload, at=CHECKED)
    assert old.reasons == ("superseded",)
    assert not warnings
    assert not live.problems


def test_a_file_that_does_not_check_leaves_the_last_good_one_in_use(
    fresh_home: IssuedHome,
) -> None:
    clock, warnings = Clock(), []
    publish(fresh_home, AT)
    live = sources(fresh_home, clock, warnings)
    good = live.current()
    trust_path = fresh_home.home.trust_list_path
    snapshot_path = fresh_home.home.published_snapshot_path
    trust_path.write_bytes(trust_path.read_bytes().replace(b'"keys"', b'"keyz"', 1))
    snapshot = bytearray(snapshot_path.read_bytes())
    snapshot[-1] ^= 1  # the signature's last byte
    snapshot_path.write_bytes(bytes(snapshot))

    for step in range(1, 4):
        clock.now = step * 1.5
        assert live.current() is good
    assert sorted(live.problems) == sorted([str(trust_path), str(snapshot_path)])
    assert len(warnings) == 2, "each problem is said once, not at every look"
    assert all("previous version stays in use" in w for w in warnings)
    document = fresh_home.documents[1]
    assert live.verifier().verify_text(document.payload, at=CHECKED).verdict is Verdict.VALID


def test_a_snapshot_that_appears_later_is_taken_up(fresh_home: IssuedHome) -> None:
    clock, warnings = Clock(), []
    path = fresh_home.home.published_snapshot_path
    assert not path.exists()
    live = sources(fresh_home, clock, warnings)
    assert live.current().snapshot is None
    publish(fresh_home, AT)
    clock.now = 2.0
    loaded = live.current()
    assert loaded.snapshot is not None
    assert loaded.snapshot.header.log_size is not None
    # A file put back with the same bytes (a new inode) is not read as a change of content.
    data = path.read_bytes()
    os.replace(path, path.with_suffix(".old"))
    path.write_bytes(data)
    clock.now = 4.0
    assert live.current() is loaded


@pytest.mark.parametrize("missing", ["trust", "snapshot"])
def test_missing_files_at_start_are_refused_unless_optional(
    fresh_home: IssuedHome, tmp_path: Path, missing: str
) -> None:
    from verifier import VerifierError

    trust = tmp_path / "none.json" if missing == "trust" else fresh_home.home.trust_list_path
    snapshot = tmp_path / "none.cecs"
    with pytest.raises(VerifierError) as refused:
        LiveSources(
            trust_path=trust,
            pin=None,
            snapshot_path=snapshot,
            max_age=dt.timedelta(days=30),
            registry=None,
        )
    assert refused.value.reason == ("no_trust_list" if missing == "trust" else "no_snapshot")
