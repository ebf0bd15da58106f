"""The fast paths of the QR payload decoder accept exactly what the general decoder accepts.

Every scan goes through readers that only know the one layout cecert writes (Base45 by whole
string operations, the COSE_Sign1 envelope and the claim map read byte by byte, a reused
CBOR encoder for the canonical check, a narrow registry status look-up); anything else goes
to the general strict decoder, which names the reason. These properties compare each fast
reader with the general one on the genuine vector payload, on mutations of it (bytes flipped,
inserted, cut, length heads changed) and on arbitrary input: where the fast reader gives an
answer, the general one gives the same answer; where the general one refuses, so does the
fast reader. Seeds are fixed, as in ``tests/system/test_properties.py``.
"""

from __future__ import annotations

import json
from typing import Any

import cbor2
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from registry.errors import RegistryError
from registry.payload import PREFIX, Claims, decode_payload
from registry.payload.base45 import ALPHABET, _decode_groups, _decode_whole, b45encode
from registry.payload.claims import _read_written_claims
from registry.payload.cose import (
    _decode_sign1_strict,
    _encode,
    _read_exact_sign1,
    loads_strict,
    sig_structure,
)
from registry.store import Registry
from tests.conftest import LATER, IssuedHome
from tests.support.paths import VECTORS_DIR
from verifier import RegistryStatus, Verifier

VECTORS = json.loads((VECTORS_DIR / "payload-vectors.json").read_text())
GENUINE_TEXT: str = VECTORS["cases"][0]["text"]
GENUINE_COSE = _decode_groups(GENUINE_TEXT[len(PREFIX) :])
GENUINE_CLAIMS = decode_payload(GENUINE_TEXT).message.payload

FAST = settings(
    max_examples=600,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)


def _slow_b45(text: str) -> bytes | None:
    try:
        return _decode_groups(text)
    except RegistryError:
        return None


def _mutated(data: bytes, draw: st.DrawFn) -> bytes:
    """``data`` with a few bytes flipped, replaced, inserted or cut."""
    out = bytearray(data)
    for _ in range(draw(st.integers(1, 3))):
        if not out:
            break
        at = draw(st.integers(0, len(out) - 1))
        action = draw(st.sampled_from(("flip", "set", "insert", "cut")))
        if action == "flip":
            out[at] ^= 1 << draw(st.integers(0, 7))
        elif action == "set":
            out[at] = draw(st.integers(0, 255))
        elif action == "insert":
            out[at:at] = draw(st.binary(min_size=1, max_size=3))
        else:
            del out[at : at + draw(st.integers(1, 3))]
    return bytes(out)


@st.composite
def mutated_cose(draw: st.DrawFn) -> bytes:
    return _mutated(GENUINE_COSE, draw)


@st.composite
def mutated_claims(draw: st.DrawFn) -> bytes:
    return _mutated(GENUINE_CLAIMS, draw)


base45_texts = st.text(alphabet=ALPHABET + "a~\u00e9\x00", max_size=40)


@FAST
@given(st.one_of(base45_texts, st.binary(max_size=40).map(b45encode)))
@example("")
@example("GGW")  # 0xFFFF + 1: the first group out of range
@example("FGW")  # 0xFFFF: the last group in range
@example("U5")  # 0x100: the last 2-character group out of range
@example("T5")  # 0xFF
@example("0")  # impossible length
def test_base45_fast_decoder_equals_the_group_decoder(text: str) -> None:
    assert _decode_whole(text) == _slow_b45(text)


def test_genuine_payload_takes_every_fast_path() -> None:
    """A payload as cecert writes it never needs the general decoder (else the fast paths
    would only cost time): each fast reader returns what the general one does."""
    assert _decode_whole(GENUINE_TEXT[len(PREFIX) :]) == GENUINE_COSE
    assert _read_exact_sign1(GENUINE_COSE) == _decode_sign1_strict(GENUINE_COSE)
    claims = _read_written_claims(GENUINE_CLAIMS)
    assert claims is not None
    assert claims == Claims._from_map(loads_strict(GENUINE_CLAIMS, "claims"))


@FAST
@given(st.one_of(mutated_cose(), st.binary(max_size=300)))
@example(GENUINE_COSE)
def test_cose_envelope_reader_equals_the_strict_decoder(data: bytes) -> None:
    fast = _read_exact_sign1(data)
    try:
        strict = _decode_sign1_strict(data)
    except RegistryError:
        assert fast is None
        return
    assert fast is None or fast == strict


def _general_claims(data: bytes) -> Claims | None:
    try:
        return Claims._from_map(loads_strict(data, "claims"))
    except RegistryError:
        return None


@FAST
@given(st.one_of(mutated_claims(), st.binary(max_size=200)))
@example(GENUINE_CLAIMS)
def test_claims_reader_equals_the_strict_decoder_and_checks(data: bytes) -> None:
    fast = _read_written_claims(data)
    general = _general_claims(data)
    assert fast is None or fast == general
    if general is None:
        assert fast is None


def _claim_map(**changes: Any) -> bytes:
    raw = cbor2.loads(GENUINE_CLAIMS)
    for key, value in changes.items():
        raw[int(key[1:])] = value
    return cbor2.dumps(raw)


@pytest.mark.parametrize(
    ("data", "accepted"),
    [
        (_claim_map(k2=2**31 - 1), True),  # edition
        (_claim_map(k2=2**31), False),
        (_claim_map(k2=2**32), False),  # a 64-bit head
        (_claim_map(k3=3), True),  # kind
        (_claim_map(k3=4), False),
        (_claim_map(k13=2), True),  # title level
        (_claim_map(k13=3), False),
        (_claim_map(k9=[0, 0, 0, 10**7 - 1]), True),  # hours
        (_claim_map(k9=[0, 0, 0, 10**7]), False),
        (_claim_map(k9=[0, 0, 0, -1]), False),
        (_claim_map(k9=[0, 0, 0]), False),
        (_claim_map(k9=(1, 2, 3, 4)), True),
        (_claim_map(k12="2025-02-30"), False),  # issued_on
        (_claim_map(k12="20250315"), True),  # fromisoformat reads it: so do both paths
        (_claim_map(k1=b"bytes"), False),  # number as bytes
        (_claim_map(k5=""), True),
        (cbor2.dumps(dict(reversed(list(cbor2.loads(GENUINE_CLAIMS).items())))), True),
    ],
)
def test_claims_reader_at_the_edges(data: bytes, accepted: bool) -> None:
    """Each range and type edge: the general path decides, the fast reader either agrees or
    (for a layout it does not read, such as keys in another order) leaves it to it."""
    general = _general_claims(data)
    assert (general is not None) == accepted
    fast = _read_written_claims(data)
    assert fast is None or fast == general
    if not accepted:
        assert fast is None


cbor_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**70), 2**70)
    | st.floats(allow_nan=False)
    | st.text(max_size=30)
    | st.binary(max_size=30),
    lambda inner: (
        st.lists(inner, max_size=5)
        | st.dictionaries(st.integers(-50, 50) | st.text(max_size=5), inner, max_size=5)
    ),
    max_leaves=20,
)


@FAST
@given(cbor_values)
def test_reused_encoder_writes_what_dumps_writes(value: Any) -> None:
    assert _encode(value) == cbor2.dumps(value)


def test_reused_encoder_recovers_after_an_error() -> None:
    with pytest.raises(cbor2.CBOREncodeError):
        _encode([1, {2: object()}])
    assert _encode([1, {2: 3}]) == cbor2.dumps([1, {2: 3}])


@pytest.mark.parametrize("protected", [0, 13, 23, 24, 255, 256])
@pytest.mark.parametrize("payload", [0, 23, 24, 131, 255, 256, 65535, 65536])
def test_sig_structure_is_the_cbor_array(protected: int, payload: int) -> None:
    p, q = bytes(range(protected % 256)) * (protected // 256 + 1), b"\x07" * payload
    p = p[:protected]
    assert sig_structure(p, q) == cbor2.dumps(["Signature1", p, b"", q])


def test_status_look_up_reads_status_and_text(issued_home: IssuedHome) -> None:
    """The narrow look-up gives the status and exact text the full record holds; a document
    the registry does not hold is ``None`` (the full path then says ``not_in_registry``)."""
    registry = Registry.open(issued_home.home.registry_path, read_only=True)
    try:
        for document in issued_home.documents:
            record = registry.document(document.number, document.edition)
            assert record is not None
            found = registry.document_status(document.number, document.edition)
            assert found == (record.status.value, record.payload)
        document = issued_home.documents[0]
        assert registry.document_status(document.number, document.edition + 9) is None
        verifier = Verifier(issued_home.trust, status=RegistryStatus(registry))
        assert verifier.verify_text(document.payload, at=LATER).reasons == ()
    finally:
        registry.close()
