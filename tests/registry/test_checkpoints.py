"""Signed checkpoints of the event log: the codec, the signature, the audit, with real keys."""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import json
import re
import sqlite3
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import pytest

from keys import KeysError, PublicKey, QrKey, TrustList
from registry.errors import RegistryError
from registry.importing import load_people
from registry.log import (
    EMPTY_ROOT,
    Checkpoint,
    check_checkpoint,
    event_leaves,
    inclusion_proof,
    make_checkpoint,
    origin_for,
    root_for,
    verify_inclusion,
)
from registry.store import Registry
from registry.store.events import GENESIS, event_hash
from tests.support.keyrings import Keys, make_keys
from tests.support.paths import ROOT

AT = dt.datetime(2026, 3, 2, 9, 30, tzinfo=dt.UTC)
LATER = AT + dt.timedelta(days=30)
PASSPHRASE = b"checkpoint test passphrase"
ORIGIN = "cecert-registry/440100"


@pytest.fixture(scope="module")
def keys(tmp_path_factory: pytest.TempPathFactory) -> Keys:
    return make_keys(tmp_path_factory.mktemp("keys") / "keys", passphrase=PASSPHRASE, at=AT)


@pytest.fixture(scope="module")
def stranger(tmp_path_factory: pytest.TempPathFactory) -> Keys:
    """Another bureau's keys: not in ``keys.trust``."""
    return make_keys(tmp_path_factory.mktemp("stranger") / "keys", passphrase=PASSPHRASE, at=AT)


# --- an event log built the way the store builds it -------------------------------------


def chain(events: list[tuple[str, str, str]]) -> list[str]:
    """The ``hash`` column of a log of (kind, subject, data) events, from seq 1."""
    hashes: list[str] = []
    prev = GENESIS
    for seq, (kind, subject, data) in enumerate(events, start=1):
        when = (AT + dt.timedelta(minutes=seq)).isoformat(timespec="seconds")
        prev = event_hash(prev, seq, when, kind, subject, data)
        hashes.append(prev)
    return hashes


EVENTS = [("issue", f"44010000000{i:04d}/1", json.dumps({"year": 2025, "n": i})) for i in range(13)]
HASHES = chain(EVENTS)


def checkpoint_of(keys: Keys, hashes: list[str], at: dt.datetime = AT) -> Checkpoint:
    return make_checkpoint(
        origin=ORIGIN, event_hashes=hashes, at=at, kid=keys.ring.qr.kid, sign=keys.ring.qr.sign
    )


def reason_of(error: pytest.ExceptionInfo[Exception]) -> str:
    value = error.value
    assert isinstance(value, RegistryError | KeysError)
    return value.reason


# --- making and auditing ----------------------------------------------------------------


def test_a_checkpoint_travels_as_text_and_checks(keys: Keys) -> None:
    checkpoint = checkpoint_of(keys, HASHES)
    assert checkpoint.tree_size == len(HASHES)
    assert checkpoint.root_hash == root_for(HASHES)
    text = checkpoint.to_text()
    received = Checkpoint.from_text(text)
    assert received == checkpoint
    assert received.to_text() == text
    check_checkpoint(received, HASHES, keys.trust, LATER)


def test_the_text_is_the_documented_shape(keys: Keys) -> None:
    checkpoint = checkpoint_of(keys, HASHES)
    lines = checkpoint.to_text().split("\n")
    root = base64.b64encode(root_for(HASHES)).decode()
    assert lines[:5] == [ORIGIN, "13", root, "2026-03-02T09:30:00Z", ""]
    assert lines[5] == f"— {keys.ring.qr.kid_text} " + base64.b64encode(
        checkpoint.signature
    ).decode("ascii")
    assert lines[6] == ""
    assert checkpoint.body() == "\n".join(lines[:4]).encode("ascii") + b"\n"


def test_events_appended_after_the_checkpoint_are_allowed(keys: Keys) -> None:
    checkpoint = checkpoint_of(keys, HASHES[:8])
    check_checkpoint(checkpoint, HASHES, keys.trust, LATER)


def test_an_empty_log_has_a_checkpoint_too(keys: Keys) -> None:
    checkpoint = checkpoint_of(keys, [])
    assert (checkpoint.tree_size, checkpoint.root_hash) == (0, EMPTY_ROOT)
    check_checkpoint(Checkpoint.from_text(checkpoint.to_text()), [], keys.trust, LATER)
    check_checkpoint(checkpoint, HASHES, keys.trust, LATER)


def test_make_checkpoint_keeps_whole_seconds(keys: Keys) -> None:
    checkpoint = checkpoint_of(keys, HASHES, at=AT.replace(microsecond=987654))
    assert checkpoint.at == AT


def test_time_is_written_in_utc(keys: Keys) -> None:
    china = dt.timezone(dt.timedelta(hours=8))
    checkpoint = checkpoint_of(keys, HASHES, at=AT.astimezone(china))
    assert "\n2026-03-02T09:30:00Z\n" in checkpoint.to_text()
    check_checkpoint(Checkpoint.from_text(checkpoint.to_text()), HASHES, keys.trust, LATER)


def edited(events: list[tuple[str, str, str]], index: int) -> list[tuple[str, str, str]]:
    kind, subject, _ = events[index]
    return [*events[:index], (kind, subject, '{"forged":true}'), *events[index + 1 :]]


@pytest.mark.parametrize(
    ("log", "reason"),
    [
        # Rewritten with the hash chain recomputed, so the chain alone would look intact.
        (chain(edited(EVENTS, 4)), "checkpoint_root_mismatch"),
        (chain(edited(EVENTS, 0)), "checkpoint_root_mismatch"),
        (chain(EVENTS[:3] + EVENTS[4:]), "checkpoint_ahead"),  # deleted in the middle
        (chain(EVENTS[:3] + EVENTS[4:] + EVENTS[-1:]), "checkpoint_root_mismatch"),
        (chain([EVENTS[1], EVENTS[0], *EVENTS[2:]]), "checkpoint_root_mismatch"),
        (HASHES[:-1], "checkpoint_ahead"),  # deleted from the end
        ([], "checkpoint_ahead"),
        (chain([*EVENTS[:-1], EVENTS[0]]), "checkpoint_root_mismatch"),  # last one replaced
    ],
    ids=[
        "edited",
        "first edited",
        "deleted",
        "deleted and replaced",
        "reordered",
        "truncated",
        "emptied",
        "last replaced",
    ],
)
def test_the_audit_names_what_happened_to_the_log(keys: Keys, log: list[str], reason: str) -> None:
    checkpoint = checkpoint_of(keys, HASHES)
    with pytest.raises(RegistryError) as caught:
        check_checkpoint(checkpoint, log, keys.trust, LATER)
    assert caught.value.reason == reason


def test_a_checkpoint_dated_after_the_audit_is_refused(keys: Keys) -> None:
    checkpoint = checkpoint_of(keys, HASHES, at=LATER)
    with pytest.raises(RegistryError) as caught:
        check_checkpoint(checkpoint, HASHES, keys.trust, AT)
    assert caught.value.reason == "checkpoint_in_future"


# --- the signature ----------------------------------------------------------------------


def retyped(text: str, line: int, value: str) -> str:
    lines = text.split("\n")
    lines[line] = value
    return "\n".join(lines)


@pytest.mark.parametrize(
    ("line", "value"),
    [
        (0, "cecert-registry/440106"),
        (1, "12"),
        (2, base64.b64encode(root_for(HASHES[:12])).decode()),
        (3, "2026-03-02T09:30:01Z"),
    ],
    ids=["origin", "size", "root", "time"],
)
def test_any_change_to_the_body_breaks_the_signature(keys: Keys, line: int, value: str) -> None:
    text = retyped(checkpoint_of(keys, HASHES).to_text(), line, value)
    forged = Checkpoint.from_text(text)
    with pytest.raises(KeysError) as caught:
        check_checkpoint(forged, HASHES, keys.trust, LATER)
    assert caught.value.reason == "bad_checkpoint_signature"


def test_a_key_outside_the_trust_list_is_unknown(keys: Keys, stranger: Keys) -> None:
    checkpoint = checkpoint_of(stranger, HASHES)
    with pytest.raises(KeysError) as caught:
        check_checkpoint(checkpoint, HASHES, keys.trust, LATER)
    assert caught.value.reason == "unknown_kid"


def test_a_signature_by_another_key_under_the_trusted_kid_fails(keys: Keys, stranger: Keys) -> None:
    checkpoint = make_checkpoint(
        origin=ORIGIN, event_hashes=HASHES, at=AT, kid=keys.ring.qr.kid, sign=stranger.ring.qr.sign
    )
    with pytest.raises(KeysError) as caught:
        check_checkpoint(checkpoint, HASHES, keys.trust, LATER)
    assert caught.value.reason == "bad_checkpoint_signature"


def test_the_root_key_does_not_sign_checkpoints(keys: Keys) -> None:
    checkpoint = make_checkpoint(
        origin=ORIGIN, event_hashes=HASHES, at=AT, kid=keys.ring.root.kid, sign=keys.ring.root.sign
    )
    with pytest.raises(KeysError) as caught:
        check_checkpoint(checkpoint, HASHES, keys.trust, LATER)
    assert caught.value.reason == "unknown_kid"


@pytest.mark.parametrize(
    "at",
    [AT - dt.timedelta(hours=1), AT + dt.timedelta(days=6 * 366)],
    ids=["before the key", "after the key"],
)
def test_the_key_must_be_valid_when_the_checkpoint_was_made(keys: Keys, at: dt.datetime) -> None:
    checkpoint = checkpoint_of(keys, HASHES, at=at)
    with pytest.raises(KeysError) as caught:
        check_checkpoint(checkpoint, HASHES, keys.trust, at + dt.timedelta(days=1))
    assert caught.value.reason == "key_not_valid"


def test_the_signature_is_checked_before_anything_the_body_claims(keys: Keys) -> None:
    """A forged body claiming a time outside the key's window is a bad signature, not an
    expired key: until the signature verifies, the body's claims mean nothing."""
    text = retyped(checkpoint_of(keys, HASHES).to_text(), 3, "2099-01-01T00:00:00Z")
    with pytest.raises(KeysError) as caught:
        check_checkpoint(Checkpoint.from_text(text), [], keys.trust, LATER)
    assert caught.value.reason == "bad_checkpoint_signature"


# --- the codec is strict ----------------------------------------------------------------


@pytest.fixture(scope="module")
def good_text(keys: Keys) -> str:
    return checkpoint_of(keys, HASHES).to_text()


def _mutations(text: str) -> Iterator[tuple[str, str]]:
    lines = text.split("\n")
    _, size, root, when, _, signed, _ = lines
    mark, kid, signature = signed.split(" ")

    def with_line(index: int, value: str) -> str:
        return retyped(text, index, value)

    yield "crlf", text.replace("\n", "\r\n")
    yield "no final newline", text[:-1]
    yield "extra final newline", text + "\n"
    yield "no blank line", text.replace("\n\n", "\n")
    yield "two signatures", text + signed + "\n"
    yield "extension line", text.replace(f"{when}\n", f"{when}\nextra\n")
    yield "leading space", " " + text
    yield "other origin prefix", with_line(0, "other-log/440100")
    yield "bad region", with_line(0, "cecert-registry/040100")
    yield "region with space", with_line(0, "cecert-registry/ 440100")
    yield "empty origin", with_line(0, "")
    yield "leading zero size", with_line(1, "0" + size)
    yield "signed size", with_line(1, "+" + size)
    yield "negative size", with_line(1, "-" + size)
    yield "hex size", with_line(1, "0xd")
    yield "fullwidth digits", with_line(1, "１３")
    yield "huge size", with_line(1, str(2**63))
    yield "short root", with_line(2, base64.b64encode(bytes(31)).decode())
    yield "unpadded root", with_line(2, root.rstrip("="))
    yield "urlsafe root", with_line(2, base64.urlsafe_b64encode(bytes([0xFB] * 32)).decode())
    yield "root with space", with_line(2, root[:4] + " " + root[4:])
    yield "root in hex", with_line(2, bytes.fromhex(HASHES[0]).hex())
    yield "time with offset", with_line(3, "2026-03-02T09:30:00+00:00")
    yield "time with fraction", with_line(3, "2026-03-02T09:30:00.5Z")
    yield "date only", with_line(3, "2026-03-02")
    yield "impossible date", with_line(3, "2026-02-30T09:30:00Z")
    yield "lower-case z", with_line(3, "2026-03-02T09:30:00z")
    yield "hyphen for dash", with_line(5, f"- {kid} {signature}")
    yield "no space after dash", with_line(5, f"—{kid} {signature}")
    yield "two spaces", with_line(5, f"{mark}  {kid} {signature}")
    yield "missing kid", with_line(5, f"{mark} {signature}")
    yield "padded kid", with_line(5, f"{mark} {kid}= {signature}")
    yield "short kid", with_line(5, f"{mark} {kid[:-2]} {signature}")
    yield "kid not base64url", with_line(5, f"{mark} {kid[:-1]}! {signature}")
    yield "non-ascii kid", with_line(5, f"{mark} {kid[:-1]}é {signature}")
    yield "short signature", with_line(5, f"{mark} {kid} " + base64.b64encode(bytes(63)).decode())
    yield (
        "signature in base64url",
        with_line(5, f"{mark} {kid} " + base64.urlsafe_b64encode(bytes([0xFF] * 64)).decode()),
    )
    yield "trailing space", with_line(5, f"{signed} ")
    yield "too long", text + "x" * 600


def _mutation_cases() -> list[str]:
    return [name for name, _ in _mutations(_SAMPLE)]


# A structurally valid sample (the signature is never checked by the codec).
_SAMPLE = Checkpoint(
    origin=ORIGIN,
    tree_size=13,
    root_hash=bytes(range(32)),
    at=AT,
    kid=bytes(range(8)),
    signature=bytes(range(64)),
).to_text()


@pytest.mark.parametrize("name", _mutation_cases())
def test_the_parser_refuses_every_other_spelling(good_text: str, name: str) -> None:
    text = dict(_mutations(good_text))[name]
    with pytest.raises(RegistryError) as caught:
        Checkpoint.from_text(text)
    assert caught.value.reason == "bad_checkpoint"


@pytest.mark.parametrize(
    "changes",
    [
        {"origin": "cecert-registry/44010"},
        {"origin": "cecert-registry/440100\n"},
        {"tree_size": -1},
        {"tree_size": True},
        {"tree_size": 2**63},
        {"root_hash": bytes(31)},
        {"at": dt.datetime(2026, 3, 2, 9, 30)},
        {"at": AT.replace(microsecond=1)},
        {"at": dt.datetime(999, 1, 1, tzinfo=dt.UTC)},
        {"kid": bytes(7)},
        {"signature": bytes(70)},
    ],
    ids=lambda changes: next(iter(changes)) + "=" + repr(next(iter(changes.values())))[:20],
)
def test_a_checkpoint_checks_its_values_when_built(changes: dict[str, object]) -> None:
    sample = Checkpoint.from_text(_SAMPLE)
    with pytest.raises(RegistryError) as caught:
        dataclasses.replace(sample, **changes)
    assert caught.value.reason == "bad_checkpoint"


def test_origin_for_a_region() -> None:
    assert origin_for("440100") == ORIGIN
    with pytest.raises(RegistryError) as caught:
        origin_for("4401")
    assert caught.value.reason == "bad_region"


@pytest.mark.parametrize(
    "bad",
    ["xyz", HASHES[0][:62], HASHES[0] + "00", HASHES[0][:30] + " " + HASHES[0][31:] + "a", 7],
    ids=["not hex", "short", "long", "white space", "not text"],
)
def test_event_hashes_must_be_64_hex_digits(bad: object) -> None:
    with pytest.raises(RegistryError) as caught:
        root_for([*HASHES[:3], bad])
    assert caught.value.reason == "bad_event_hash"
    assert "event 4 of the log" in str(caught.value)


def test_leaves_are_the_raw_event_hashes() -> None:
    assert event_leaves(HASHES[:2]) == [bytes.fromhex(h) for h in HASHES[:2]]
    assert event_leaves([h.upper() for h in HASHES]) == event_leaves(HASHES)


# --- a real registry --------------------------------------------------------------------


def _hashes(path: Path) -> list[str]:
    """How the store reads its leaves: the hash column in seq order."""
    with closing(sqlite3.connect(path)) as conn:
        return [row[0] for row in conn.execute("SELECT hash FROM events ORDER BY seq")]


def test_a_real_registry_log_is_checkpointed_and_audited(keys: Keys, tmp_path: Path) -> None:
    path = tmp_path / "registry.sqlite"
    people = load_people(ROOT / "demo" / "people.csv", today=AT.date())
    with Registry.create(path) as registry:
        registry.import_people(people[:3], source="first.csv", at=AT)
        registry.import_people(people[3:], source="second.csv", at=AT)
    hashes = _hashes(path)
    assert len(hashes) == 2
    checkpoint = Checkpoint.from_text(checkpoint_of(keys, hashes).to_text())
    check_checkpoint(checkpoint, hashes, keys.trust, LATER)

    # Someone with write access drops the append-only triggers and rewrites the first
    # event, recomputing every hash after it so that the chain itself stays consistent.
    with closing(sqlite3.connect(path)) as conn, conn:
        conn.execute("DROP TRIGGER events_append_only_update")
        rows = conn.execute(
            "SELECT seq, at, kind, subject, data FROM events ORDER BY seq"
        ).fetchall()
        prev = GENESIS
        for seq, at, kind, subject, data in rows:
            if seq == 1:
                data = data.replace('"added":3', '"added":2')
            digest = event_hash(prev, seq, at, kind, subject, data)
            conn.execute(
                "UPDATE events SET data = ?, prev_hash = ?, hash = ? WHERE seq = ?",
                (data, prev, digest, seq),
            )
            prev = digest
    rewritten = _hashes(path)
    assert rewritten != hashes
    with pytest.raises(RegistryError) as caught:
        check_checkpoint(checkpoint, rewritten, keys.trust, LATER)
    assert caught.value.reason == "checkpoint_root_mismatch"


# --- the worked example of docs/transparency.md -----------------------------------------

VECTORS = json.loads((ROOT / "tests" / "vectors" / "payload-vectors.json").read_text("utf-8"))


def example_block(name: str) -> str:
    page = (ROOT / "docs" / "transparency.md").read_text("utf-8")
    match = re.search(rf"<!-- example:{name} -->\n```\n(.*?)```", page, flags=re.DOTALL)
    assert match, f"docs/transparency.md has no example block {name!r}"
    return match.group(1)


def vector_trust() -> TrustList:
    key = VECTORS["trust_key"]
    public_key = PublicKey(key["public_key_pem"])
    qr_key = QrKey(
        kid=bytes.fromhex(key["kid_hex"]),
        alg="ES256",
        public_key=public_key,
        not_before=dt.datetime.fromisoformat(key["not_before"]),
        not_after=dt.datetime.fromisoformat(key["not_after"]),
    )
    return TrustList(
        issuer="test vectors",
        issued_at=AT,
        roots=(),
        trusted_seals=(),
        timestamping=(),
        qr_keys=(qr_key,),
        signed_by="",
    )


def test_the_documented_example_is_a_real_checkpoint() -> None:
    example_events = [
        (
            "2026-03-02T09:30:00+00:00",
            "import_people",
            "people.csv",
            '{"added":2,"rows":{},"updated":0}',
        ),
        (
            "2026-03-02T09:31:00+00:00",
            "import_activities",
            "activities.csv",
            '{"added":5,"rows":{}}',
        ),
        (
            "2026-03-02T09:40:00+00:00",
            "issue",
            "440100000000010/1",
            '{"kind":"original","pdf_sha256":'
            '"f0e0e0365e899bc3c990a05b651f401cd89ff7769b5aba3d4618416ed7c1b002",'
            '"reason":null,"rows":{},"supersedes":null,"year":2025}',
        ),
    ]
    hashes = example_block("event-hashes").split()
    prev = GENESIS
    for seq, (at, kind, subject, data) in enumerate(example_events, start=1):
        prev = event_hash(prev, seq, at, kind, subject, data)
        assert hashes[seq - 1] == prev
    checkpoint = Checkpoint.from_text(example_block("checkpoint"))
    assert checkpoint.to_text() == example_block("checkpoint")
    check_checkpoint(checkpoint, hashes, vector_trust(), LATER)
    assert example_block("root").strip() == checkpoint.root_hash.hex()
    assert example_block("body-hex").replace("\n", "") == checkpoint.body().hex()

    proof = [bytes.fromhex(h) for h in example_block("inclusion-proof").split()]
    leaves = event_leaves(hashes)
    assert proof == inclusion_proof(leaves, 2)
    assert verify_inclusion(leaves[2], 2, checkpoint.tree_size, proof, checkpoint.root_hash)
