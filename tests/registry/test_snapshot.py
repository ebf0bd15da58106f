"""Signed status snapshots: the codec byte by byte, deltas, and the verifier's refusals and
status checks, with real keys and real issued payloads."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import zlib

import pytest

from keys import PublicKey, canonical_json, kid_text
from keys.private import (
    KeyRing,
    open_key_ring,
)
from registry.errors import RegistryError
from registry.snapshot import (
    RECORD_SIZE,
    DocumentRow,
    RecordStatus,
    RecordTable,
    SnapshotHeader,
    SnapshotKind,
    build_records,
    decode_snapshot,
    delta_records,
    encode_snapshot,
    snapshot_key,
    snapshot_reasons,
)
from tests.conftest import AT, PASSPHRASE, IssuedHome
from tests.support.keyrings import Keys, make_keys
from verifier import Check, CheckStatus, VerificationReport, Verifier, VerifierError, load_snapshot
from verifier.snapshot import DEFAULT_MAX_AGE

CHANGED = "2026-03-03T02:00:00+00:00"
"""A status change at 10:00 China time on 2026-03-03 (day 20515 since 1970-01-01)."""
CHANGED_DAY = (dt.date(2026, 3, 3) - dt.date(1970, 1, 1)).days


@pytest.fixture(scope="module")
def keys(tmp_path_factory: pytest.TempPathFactory) -> Keys:
    return make_keys(tmp_path_factory.mktemp("keys") / "keys", passphrase=PASSPHRASE, at=AT)


@pytest.fixture(scope="module")
def stranger(tmp_path_factory: pytest.TempPathFactory) -> Keys:
    """Another bureau's keys: not in ``keys.trust``."""
    return make_keys(tmp_path_factory.mktemp("stranger") / "keys", passphrase=PASSPHRASE, at=AT)


ROWS: list[DocumentRow] = [
    ("CEC1:CURRENT-ONE", "current", None, None, None),
    ("CEC1:OLD-EDITION", "superseded", "reissue_lost", 2, CHANGED),
    ("CEC1:REVOKED", "revoked", "fraud", None, CHANGED),
    ("CEC1:CURRENT-TWO", "current", None, None, None),
]


def snapshot(
    ring: KeyRing,
    rows: list[DocumentRow],
    *,
    as_of: dt.datetime = AT,
    issuer: str = "440100",
    checkpoint: str | None = None,
) -> tuple[bytes, SnapshotHeader, RecordTable]:
    reasons = snapshot_reasons(r[2] or "" for r in rows)
    records = build_records(rows, reasons)
    header = SnapshotHeader(
        kind=SnapshotKind.FULL,
        issuer=issuer,
        kid=ring.qr.kid,
        as_of=as_of,
        count=len(records),
        total=len(records),
        records_sha256=records.sha256(),
        reasons=reasons,
        checkpoint=checkpoint,
    )
    return encode_snapshot(header, records, ring.qr.sign), header, records


def delta(
    ring: KeyRing, base: tuple[bytes, SnapshotHeader, RecordTable], rows: list[DocumentRow]
) -> bytes:
    _, old, old_records = base
    reasons = snapshot_reasons((r[2] or "" for r in rows), base=old.reasons)
    records = build_records(rows, reasons)
    changes = delta_records(old_records, records)
    header = SnapshotHeader(
        kind=SnapshotKind.DELTA,
        issuer=old.issuer,
        kid=ring.qr.kid,
        as_of=old.as_of + dt.timedelta(days=1),
        count=len(changes),
        total=len(records),
        records_sha256=records.sha256(),
        reasons=reasons,
        checkpoint=None,
        base_records_sha256=old.records_sha256,
        base_as_of=old.as_of,
    )
    return encode_snapshot(header, changes, ring.qr.sign)


# --- the codec ------------------------------------------------------------------------------


def test_the_key_is_the_truncated_domain_separated_hash_of_the_stripped_text() -> None:
    text = "CEC1:6BFOXN%TS3DH0YOJ58S S-W5HDC *M0II5XHC9B5G2+$N IOP-IA%NFQGRJPC%OQHIZC4.OI1RM8ZA"
    expected = hashlib.sha256(b"cecert-snapshot-v1\x00" + text.encode("ascii")).digest()[:8]
    assert snapshot_key(text) == snapshot_key(f"  {text}\n") == expected
    assert len(expected) == 8
    assert snapshot_key(text + "A") != expected


def test_a_full_snapshot_is_laid_out_as_the_spec_says(keys: Keys) -> None:
    data, header, _records = snapshot(keys.ring, ROWS)
    assert data[:5] == b"CECS\x01"
    hlen = int.from_bytes(data[5:9], "big")
    head = data[9 : 9 + hlen]
    assert json.loads(head) == header.to_json()
    assert canonical_json(json.loads(head)) == head
    assert header.to_json()["kid"] == kid_text(keys.ring.qr.kid)
    assert header.to_json()["as_of"] == "2026-03-02T09:30:00Z"
    assert header.reasons == ("", "fraud", "reissue_lost")
    block = zlib.decompress(data[9 + hlen : -64])
    assert len(block) == RECORD_SIZE * 4
    assert hashlib.sha256(block).hexdigest() == header.records_sha256
    keys_column = block[:32]
    sorted_keys = sorted(snapshot_key(r[0]) for r in ROWS)
    assert keys_column == b"".join(sorted_keys)
    i = sorted_keys.index(snapshot_key("CEC1:OLD-EDITION"))
    assert block[32 + i] == RecordStatus.SUPERSEDED  # status column
    assert block[36 + i] == 2  # reason column: "reissue_lost"
    assert block[40 + 2 * i : 42 + 2 * i] == (2).to_bytes(2, "big")  # by column
    assert block[48 + 2 * i : 50 + 2 * i] == CHANGED_DAY.to_bytes(2, "big")  # day column
    assert PublicKey(keys.ring.qr.public_key_pem).verify(data[-64:], data[:-64])


def test_decoding_returns_what_was_encoded(keys: Keys) -> None:
    data, header, records = snapshot(keys.ring, ROWS, checkpoint=None)
    decoded = decode_snapshot(data)
    assert decoded.header == header
    assert decoded.records.block() == records.block()
    assert decoded.signed == data[:-64]
    assert decoded.signature == data[-64:]
    i = decoded.records.index(snapshot_key("CEC1:REVOKED"))
    assert i is not None
    record = decoded.records.record(i, header.reasons)
    assert (record.status, record.reason, record.by) == (RecordStatus.REVOKED, "fraud", 0)
    assert record.changed_on == dt.date(2026, 3, 3)
    assert decoded.records.index(snapshot_key("CEC1:NEVER")) is None


def test_every_truncation_is_refused_by_the_codec(keys: Keys) -> None:
    data, _, _ = snapshot(keys.ring, ROWS)
    for size in range(len(data)):
        with pytest.raises(RegistryError) as refused:
            decode_snapshot(data[:size])
        assert refused.value.reason == "bad_snapshot"


@pytest.mark.parametrize(
    "garbage",
    [b"", b"CECS", b"\x00" * 200, b"%PDF-1.7\n" + b"x" * 200, b'{"format":"cecert-trust-list"}'],
    ids=["empty", "magic-only", "zeros", "pdf", "json"],
)
def test_garbage_is_refused_with_a_reason_naming_the_file(keys: Keys, garbage: bytes) -> None:
    with pytest.raises(VerifierError) as refused:
        load_snapshot(garbage, keys.trust, name="status.cecs")
    assert refused.value.reason == "bad_snapshot"
    assert str(refused.value).startswith("status.cecs: ")


def test_duplicate_payloads_cannot_be_exported(keys: Keys) -> None:
    with pytest.raises(RegistryError) as refused:
        snapshot(keys.ring, [*ROWS, ROWS[0]])
    assert refused.value.reason == "snapshot_duplicate_key"


# --- signature, key, issuer -----------------------------------------------------------------


def test_a_good_snapshot_loads(keys: Keys) -> None:
    data, _header, _ = snapshot(keys.ring, ROWS)
    status = load_snapshot(data, keys.trust)
    assert (status.as_of, status.issuer, len(status)) == (AT, "440100", 4)
    assert status.max_age == DEFAULT_MAX_AGE
    record = status.lookup("CEC1:OLD-EDITION\n")
    assert record is not None
    assert (record.by, record.reason) == (2, "reissue_lost")


def test_any_changed_byte_is_refused(keys: Keys) -> None:
    data, _, _ = snapshot(keys.ring, ROWS)
    hlen = int.from_bytes(data[5:9], "big")
    as_of = data.index(b"2026-03-02T09:30:00Z")
    for position in (as_of + 3, 9 + hlen + 2, len(data) - 70, len(data) - 1):
        changed = bytearray(data)
        changed[position] ^= 0x01
        with pytest.raises(VerifierError) as refused:
            load_snapshot(bytes(changed), keys.trust)
        assert refused.value.reason == "snapshot_signature", position
    changed = bytearray(data)
    changed[hlen] = ord("{")  # the header no longer parses: malformed before any signature
    with pytest.raises(VerifierError) as refused:
        load_snapshot(bytes(changed), keys.trust)
    assert refused.value.reason in {"bad_snapshot", "snapshot_signature"}


def test_truncated_files_are_refused(keys: Keys) -> None:
    data, _, _ = snapshot(keys.ring, ROWS)
    for size in (0, 8, 60, len(data) // 2, len(data) - 64, len(data) - 1):
        with pytest.raises(VerifierError) as refused:
            load_snapshot(data[:size], keys.trust)
        assert refused.value.reason in {"bad_snapshot", "snapshot_signature"}


def test_a_snapshot_signed_by_an_unknown_key_is_refused(keys: Keys, stranger: Keys) -> None:
    data, _, _ = snapshot(stranger.ring, ROWS)
    with pytest.raises(VerifierError) as refused:
        load_snapshot(data, keys.trust, name="s.cecs")
    assert refused.value.reason == "snapshot_key"
    assert "not in the trust list" in str(refused.value)


def test_a_snapshot_dated_outside_its_keys_window_is_refused(keys: Keys) -> None:
    data, _, _ = snapshot(keys.ring, ROWS, as_of=AT - dt.timedelta(days=1))
    with pytest.raises(VerifierError) as refused:
        load_snapshot(data, keys.trust)
    assert refused.value.reason == "snapshot_key"


def test_a_snapshot_of_another_region_is_refused_when_one_is_asked_for(keys: Keys) -> None:
    data, _, _ = snapshot(keys.ring, ROWS, issuer="440300")
    load_snapshot(data, keys.trust)
    with pytest.raises(VerifierError) as refused:
        load_snapshot(data, keys.trust, issuer="440100")
    assert refused.value.reason == "snapshot_issuer"


def test_a_checkpoint_of_another_registry_is_refused(keys: Keys) -> None:
    from registry.log import make_checkpoint, origin_for

    other = make_checkpoint(
        origin=origin_for("440300"), event_hashes=[], at=AT, kid=keys.ring.qr.kid,
        sign=keys.ring.qr.sign,
    )  # fmt: skip
    data, _, _ = snapshot(keys.ring, ROWS, checkpoint=other.to_text())
    with pytest.raises(VerifierError) as refused:
        load_snapshot(data, keys.trust)
    assert refused.value.reason == "bad_snapshot"


def test_unsorted_records_are_refused_even_when_signed(keys: Keys) -> None:
    _, header, records = snapshot(keys.ring, ROWS)
    swapped = RecordTable.from_columns(
        records.keys[8:16] + records.keys[:8] + records.keys[16:],
        records.status[1:2] + records.status[:1] + records.status[2:],
        records.reasons[1:2] + records.reasons[:1] + records.reasons[2:],
        records.by[2:4] + records.by[:2] + records.by[4:],
        records.days[2:4] + records.days[:2] + records.days[4:],
    )
    header = dataclasses.replace(header, records_sha256=swapped.sha256())
    data = encode_snapshot(header, swapped, keys.ring.qr.sign)
    with pytest.raises(VerifierError) as refused:
        load_snapshot(data, keys.trust)
    assert refused.value.reason == "bad_snapshot"
    assert "sorted" in str(refused.value)


# --- deltas ---------------------------------------------------------------------------------

NEWER: list[DocumentRow] = [
    ("CEC1:CURRENT-ONE", "revoked", "altered", None, CHANGED),  # changed
    *ROWS[1:],
    ("CEC1:CURRENT-THREE", "current", None, None, None),  # added
]


def test_a_delta_brings_an_old_snapshot_up_to_date(keys: Keys) -> None:
    base = snapshot(keys.ring, ROWS)
    update = delta(keys.ring, base, NEWER)
    decoded = decode_snapshot(update)
    assert decoded.header.kind is SnapshotKind.DELTA
    assert (decoded.header.count, decoded.header.total) == (2, 5)
    _, _full_header, _ = snapshot(keys.ring, NEWER)
    status = load_snapshot(base[0], keys.trust, delta=update)
    assert status.as_of == AT + dt.timedelta(days=1)
    assert status.header.records_sha256 == decoded.header.records_sha256
    assert decoded.header.reasons == ("", "fraud", "reissue_lost", "altered")
    revoked = status.lookup("CEC1:CURRENT-ONE")
    assert revoked is not None
    assert (revoked.status, revoked.reason) == (
        RecordStatus.REVOKED,
        "altered",
    )
    added = status.lookup("CEC1:CURRENT-THREE")
    assert added is not None
    assert added.status is RecordStatus.CURRENT
    kept = status.lookup("CEC1:REVOKED")
    assert kept is not None
    assert kept.reason == "fraud"
    assert len(status) == 5


def test_a_delta_for_another_base_is_refused(keys: Keys) -> None:
    base = snapshot(keys.ring, ROWS)
    other = snapshot(keys.ring, [*ROWS, ("CEC1:ELSEWHERE", "current", None, None, None)])
    update = delta(keys.ring, base, NEWER)
    with pytest.raises(VerifierError) as refused:
        load_snapshot(other[0], keys.trust, delta=update, delta_name="d.cecs")
    assert refused.value.reason == "snapshot_delta_mismatch"
    assert str(refused.value).startswith("d.cecs: ")


def test_a_delta_whose_result_does_not_hash_as_signed_is_refused(keys: Keys) -> None:
    base = snapshot(keys.ring, ROWS)
    decoded = decode_snapshot(delta(keys.ring, base, NEWER))
    lying = dataclasses.replace(decoded.header, records_sha256="0" * 64)
    update = encode_snapshot(lying, decoded.records, keys.ring.qr.sign)
    with pytest.raises(VerifierError) as refused:
        load_snapshot(base[0], keys.trust, delta=update)
    assert refused.value.reason == "snapshot_delta_mismatch"


def test_a_delta_alone_or_twice_is_refused(keys: Keys) -> None:
    base = snapshot(keys.ring, ROWS)
    update = delta(keys.ring, base, NEWER)
    with pytest.raises(VerifierError) as refused:
        load_snapshot(update, keys.trust)
    assert refused.value.reason == "bad_snapshot"
    with pytest.raises(VerifierError) as refused:
        load_snapshot(base[0], keys.trust, delta=base[0])
    assert refused.value.reason == "bad_snapshot"


def test_a_delta_cannot_drop_documents(keys: Keys) -> None:
    base = snapshot(keys.ring, ROWS)
    with pytest.raises(RegistryError) as refused:
        delta(keys.ring, base, ROWS[1:])
    assert refused.value.reason == "snapshot_delta_mismatch"


# --- status checks with real payloads -------------------------------------------------------


def _home_snapshot(
    issued_home: IssuedHome, rows: list[DocumentRow], as_of: dt.datetime
) -> tuple[Verifier, list[str]]:
    ring = open_key_ring(issued_home.home.keys_dir, passphrase=PASSPHRASE)
    data, _, _ = snapshot(ring, rows, as_of=as_of)
    trust = issued_home.trust
    return Verifier(trust, status=load_snapshot(data, trust)), [
        d.payload for d in issued_home.documents
    ]


def _status(report: VerificationReport) -> Check:
    return next(c for c in report.checks if c.name == "registry.status")


def test_status_from_a_snapshot_and_its_age(issued_home: IssuedHome) -> None:
    payloads = [d.payload for d in issued_home.documents]
    rows: list[DocumentRow] = [(payloads[0], "current", None, None, None)]
    rows += [(payloads[1], "superseded", "renewal", 2, CHANGED)]
    rows += [(payloads[2], "revoked", "fraud", None, CHANGED)]
    as_of = AT + dt.timedelta(days=2)
    verifier, _ = _home_snapshot(issued_home, rows, as_of)
    at = as_of + dt.timedelta(days=3, hours=4)

    valid = verifier.verify_text(payloads[0], at=at)
    assert valid.verdict.value == "valid", valid.to_json()
    assert valid.snapshot is not None
    assert valid.snapshot.age == dt.timedelta(days=3, hours=4)
    assert valid.to_json()["snapshot"] == {
        "as_of": "2026-03-04T09:30:00+00:00",
        "age_seconds": (3 * 24 + 4) * 3600,
        "max_age_seconds": 30 * 86400,
        "too_old": False,
    }
    assert "snapshot of 2026-03-04T09:30:00Z, 3 days 4 hours old" in _status(valid).detail

    superseded = verifier.verify_text(payloads[1], at=at)
    assert superseded.reasons == ("superseded",)
    assert "superseded by edition 2 on 2026-03-03 (续办: renewal)" in _status(superseded).detail
    revoked = verifier.verify_text(payloads[2], at=at)
    assert revoked.reasons == ("revoked",)
    assert "revoked on 2026-03-03: fraud (弄虚作假)" in _status(revoked).detail

    # Not in a snapshot made two days after it was issued: never registered.
    missing = verifier.verify_text(payloads[3], at=at)
    assert (missing.verdict.value, missing.reasons) == ("invalid", ("not_in_registry",))


def test_a_snapshot_dated_in_the_future_is_not_fresh(issued_home: IssuedHome) -> None:
    """A snapshot exported with the clock 400 days ahead: its age is negative, never "fresh"
    (within 10 minutes of skew it is still used: clocks differ)."""
    payload = issued_home.documents[0].payload
    rows: list[DocumentRow] = [(payload, "revoked", "fraud", None, CHANGED)]
    ahead = AT + dt.timedelta(days=400)
    verifier, _ = _home_snapshot(issued_home, rows, ahead)
    refused = verifier.verify_text(payload, at=AT + dt.timedelta(days=1))
    assert (refused.verdict.value, refused.reasons) == ("indeterminate", ("snapshot_in_future",))
    within_skew = verifier.verify_text(payload, at=ahead - dt.timedelta(minutes=10))
    assert within_skew.reasons == ("revoked",)
    beyond_skew = verifier.verify_text(payload, at=ahead - dt.timedelta(minutes=10, seconds=1))
    assert beyond_skew.reasons == ("snapshot_in_future",)


def test_a_snapshot_older_than_the_maximum_age_judges_no_status(issued_home: IssuedHome) -> None:
    payload = issued_home.documents[0].payload
    rows: list[DocumentRow] = [(payload, "revoked", "fraud", None, CHANGED)]
    verifier, _ = _home_snapshot(issued_home, rows, AT)
    at_limit = verifier.verify_text(payload, at=AT + DEFAULT_MAX_AGE)
    assert at_limit.reasons == ("revoked",)
    stale = verifier.verify_text(payload, at=AT + DEFAULT_MAX_AGE + dt.timedelta(seconds=1))
    assert (stale.verdict.value, stale.reasons) == ("indeterminate", ("snapshot_too_old",))
    assert stale.snapshot is not None
    assert stale.snapshot.too_old
    # The signature checks still ran and passed.
    assert [c.status for c in stale.checks if c.name.startswith("payload.")] == [
        CheckStatus.PASSED
    ] * 3


def test_a_document_issued_on_the_snapshots_day_is_not_known_yet(issued_home: IssuedHome) -> None:
    verifier, payloads = _home_snapshot(issued_home, [], AT)
    report = verifier.verify_text(payloads[0], at=AT + dt.timedelta(days=1))
    assert (report.verdict.value, report.reasons) == ("indeterminate", ("issued_after_snapshot",))


def test_a_snapshot_of_another_region_judges_no_status(issued_home: IssuedHome) -> None:
    ring = open_key_ring(issued_home.home.keys_dir, passphrase=PASSPHRASE)
    payload = issued_home.documents[0].payload
    data, _, _ = snapshot(ring, [(payload, "current", None, None, None)], issuer="440300")
    verifier = Verifier(issued_home.trust, status=load_snapshot(data, issued_home.trust))
    report = verifier.verify_text(payload, at=AT + dt.timedelta(days=1))
    assert report.reasons == ("snapshot_other_issuer",)


def test_a_current_record_with_a_reason_is_refused_even_when_signed(keys: Keys) -> None:
    _, header, records = snapshot(keys.ring, ROWS)
    i = next(i for i in range(len(records)) if records.status[i] == RecordStatus.CURRENT)
    reasons = bytearray(records.reasons)
    reasons[i] = 1
    odd = RecordTable.from_columns(
        records.keys, records.status, bytes(reasons), records.by, records.days
    )
    data = encode_snapshot(
        dataclasses.replace(header, records_sha256=odd.sha256()), odd, keys.ring.qr.sign
    )
    with pytest.raises(VerifierError) as refused:
        load_snapshot(data, keys.trust)
    assert refused.value.reason == "bad_snapshot"
    assert "current record" in str(refused.value)
