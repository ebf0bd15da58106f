"""Property-based tests: no input makes the decoders or the importers raise anything but
cecert's own errors, and no random input verifies.

The parsers under test read what an attacker or a careless clerk hands over: QR texts
(``registry.payload.decode_payload``, ``Verifier.verify_text`` / ``verify_bytes``), status
snapshots (``registry.snapshot``, ``verifier.load_snapshot``), trust lists
(``keys.parse_trust_list``) and import files (``registry.importing``). Inputs are arbitrary
text and bytes, arbitrary CBOR structures wrapped as a COSE message, and real files mutated
(bytes flipped, cut, inserted; JSON members replaced and the file re-signed, so the parser
gets past the signature into the members).

Every property runs with a fixed seed (``derandomize=True``) and no example database, so a
CI run is reproducible and writes nothing; each ``@example`` is a minimal input that once
broke a parser and is kept as its regression test.
"""

from __future__ import annotations

import base64
import csv
import datetime as dt
import io
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import cbor2
import openpyxl
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from keys import KeysError, TrustList, canonical_json, parse_trust_list
from keys.private import open_key_ring
from keys.private.signing import Es256Signer
from keys.trust import b64url
from registry.errors import RegistryError
from registry.importing import load_activities, load_people
from registry.payload import PREFIX, Claims, decode_payload
from registry.payload.base45 import b45decode, b45encode
from registry.payload.cose import COSE_SIGN1_TAG
from registry.snapshot import decode_snapshot
from registry.snapshot.codec import MAGIC, VERSION_BYTE
from registry.store import Registry
from signer.status.snapshots import export_snapshot
from tests.conftest import AT, CONFIG, DEMO, PASSPHRASE, IssuedHome
from tests.support.paths import VECTORS_DIR
from verifier import Verdict, VerificationReport, Verifier, VerifierError, load_snapshot

T = TypeVar("T")
TODAY = AT.date()
CHECKED = AT + dt.timedelta(days=1)
VECTOR_TRUST = (VECTORS_DIR / "status-trust.json").read_bytes()
VECTOR_SNAPSHOT = (VECTORS_DIR / "status-snapshot.cecs").read_bytes()
"""Static, signed files: mutating them gives the same inputs on every run."""


def _damaged_root_list() -> bytes:
    """Regression: the vector trust list with its root certificate's key algorithm
    (id-ecPublicKey, 1.2.840.10045.2.1) changed to 1.2.840.10045.2.9. cryptography reads
    the certificate and raises ``UnsupportedAlgorithm`` only when its key is asked for:
    ``load_certificate`` let that escape ``parse_trust_list``."""
    document = json.loads(VECTOR_TRUST)
    pem = document["roots"][0]
    der = base64.b64decode("".join(pem.strip().splitlines()[1:-1]))
    der = der.replace(bytes.fromhex("2a8648ce3d0201"), bytes.fromhex("2a8648ce3d0209"), 1)
    body = base64.encodebytes(der).decode("ascii").replace("\n", "")
    lines = [body[i : i + 64] for i in range(0, len(body), 64)]
    document["roots"][0] = "\n".join(
        ["-----BEGIN CERTIFICATE-----", *lines, "-----END CERTIFICATE-----", ""]
    )
    return json.dumps(document).encode("utf-8")


PROPERTY = settings(
    max_examples=300,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
"""Reproducible (fixed seed, no database) and modest: a few seconds per property."""
SLOW_PROPERTY = settings(PROPERTY, max_examples=100)
"""For properties whose every example parses a PDF, an image or a spreadsheet."""


def only(errors: tuple[type[Exception], ...], call: Callable[[], T]) -> T | None:
    """``call()``, or ``None`` if it raised one of ``errors``. Anything else propagates and
    fails the property."""
    try:
        return call()
    except errors:
        return None


@dataclass(frozen=True, repr=False)
class Material:
    """Real files to mutate, and the keys to re-sign them with."""

    def __repr__(self) -> str:  # the files are large: keep failure reports readable
        return "Material(...)"

    trust_bytes: bytes
    trust: TrustList
    snapshot: bytes
    root: Es256Signer
    qr: Es256Signer
    payload: str
    """A genuine QR text."""
    people_xlsx: bytes
    activities_xlsx: bytes
    scratch: Path
    """A folder for the import files the properties write."""


def _xlsx(csv_path: Path) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    with csv_path.open(encoding="utf-8-sig", newline="") as handle:
        for row in csv.reader(handle):
            sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


@pytest.fixture(scope="module")
def material(issued_home: IssuedHome, tmp_path_factory: pytest.TempPathFactory) -> Material:
    home = issued_home.home
    ring = open_key_ring(home.keys_dir, passphrase=PASSPHRASE)
    with Registry.open(home.registry_path, read_only=True) as registry:
        snapshot = export_snapshot(registry, ring, CONFIG, at=AT + dt.timedelta(hours=1))
    trust_bytes = home.trust_list_path.read_bytes()
    return Material(
        trust_bytes=trust_bytes,
        trust=parse_trust_list(trust_bytes),
        snapshot=snapshot,
        root=ring.root,
        qr=ring.qr,
        payload=issued_home.documents[0].payload,
        people_xlsx=_xlsx(DEMO / "people.csv"),
        activities_xlsx=_xlsx(DEMO / "activities.csv"),
        scratch=tmp_path_factory.mktemp("properties"),
    )


# --- strategies --------------------------------------------------------------------------

# Tags cbor2 gives a meaning to (dates, bignums, decimals, shared references, string
# references, sets, IP addresses, self-description…) and COSE's own, then any tag.
KNOWN_TAGS = [0, 1, 2, 3, 4, 5, 16, 17, 18, 25, 28, 29, 30, 35, 36, 37, 98, 256, 258, 260, 261]
TAGS = st.sampled_from(KNOWN_TAGS) | st.sampled_from([55799]) | st.integers(0, 2**64 - 1)
CBOR_LEAVES = (
    st.none()
    | st.booleans()
    | st.integers()  # unbounded: bignums (tags 2 and 3) included
    | st.floats(allow_nan=True)
    | st.binary(max_size=40)
    | st.text(max_size=20)
)
CBOR_VALUES = st.recursive(
    CBOR_LEAVES,
    lambda children: (
        st.lists(children, max_size=5)
        | st.dictionaries(st.integers(-3, 20) | st.text(max_size=3), children, max_size=5)
        | st.builds(cbor2.CBORTag, TAGS, children)
    ),
    max_leaves=25,
)
"""Python values that cbor2 can encode: any CBOR structure cecert might be handed."""


@st.composite
def mutations(draw: st.DrawFn, original: bytes) -> bytes:
    """``original`` with a few bytes flipped, deleted, inserted, or the tail cut off."""
    data = bytearray(original)
    for _ in range(draw(st.integers(1, 4))):
        if not data:
            break
        action = draw(st.sampled_from(["flip", "delete", "insert", "cut", "set"]))
        at = draw(st.integers(0, len(data) - 1))
        if action == "flip":
            data[at] ^= 1 << draw(st.integers(0, 7))
        elif action == "delete":
            del data[at : at + draw(st.integers(1, 8))]
        elif action == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=8))
        elif action == "cut":
            del data[at:]
        else:
            data[at] = draw(st.sampled_from([0x00, 0x22, 0x2C, 0x7B, 0x7F, 0x80, 0xFF]))
    return bytes(data)


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=30),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=12,
)


def _json_paths(value: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    yield path
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _json_paths(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _json_paths(item, (*path, index))


@st.composite
def json_replacements(draw: st.DrawFn, document: dict[str, Any]) -> dict[str, Any]:
    """``document`` with one member or element (at any depth) replaced by any JSON value,
    or deleted."""
    copy = json.loads(json.dumps(document))
    paths = [p for p in _json_paths(copy) if p]
    path = draw(st.sampled_from(paths))
    parent = copy
    for step in path[:-1]:
        parent = parent[step]
    if draw(st.booleans()) and isinstance(parent, dict):
        del parent[path[-1]]
    else:
        parent[path[-1]] = draw(JSON_VALUES)
    result: dict[str, Any] = copy
    return result


# --- the QR payload decoder --------------------------------------------------------------


@PROPERTY
@given(st.text(max_size=400))
@example("CEC1:")
@example("CEC1:" + "0" * 2796)
def test_decode_payload_on_any_text(text: str) -> None:
    only((RegistryError,), lambda: decode_payload(text))


@PROPERTY
@given(st.text(alphabet="0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:", max_size=600))
def test_decode_payload_on_any_base45_text(body: str) -> None:
    only((RegistryError,), lambda: decode_payload(PREFIX + body))


@PROPERTY
@given(st.binary(max_size=600))
@example(b"\xd2\x84")
@example(b"\xc4\x82\x3b\x7f\xff\xff\xff\xff\xff\xff\xff\x01")  # decimal.InvalidOperation
@example(b"\xc5\x82\x1b\x7f\xff\xff\xff\xff\xff\xff\xff\x01")  # decimal.Overflow
@example(b"\xd8\x1c\x81\xd8\x1d\x00")  # a list that contains itself
def test_decode_payload_on_any_bytes(data: bytes) -> None:
    only((RegistryError,), lambda: decode_payload(PREFIX + b45encode(data)))


@PROPERTY
@given(CBOR_VALUES)
def test_decode_payload_on_any_cbor_item(value: Any) -> None:
    only((RegistryError,), lambda: decode_payload(PREFIX + b45encode(cbor2.dumps(value))))


def _cose(protected: bytes, payload: bytes, signature: bytes) -> str:
    message = cbor2.dumps(cbor2.CBORTag(COSE_SIGN1_TAG, [protected, {}, payload, signature]))
    return PREFIX + b45encode(message)


@PROPERTY
@given(header=CBOR_VALUES, claims=CBOR_VALUES, signature=st.binary(max_size=70))
def test_decode_payload_on_any_cbor_inside_cose(header: Any, claims: Any, signature: bytes) -> None:
    """Any CBOR as the protected header and as the claims of a well-framed COSE_Sign1."""
    text = _cose(cbor2.dumps(header), cbor2.dumps(claims), signature)
    only((RegistryError,), lambda: decode_payload(text))


_CLAIM_VALUES = CBOR_VALUES | st.integers(-(2**70), 2**70) | st.sampled_from([True, 1.0, "1"])


@PROPERTY
@given(changes=st.dictionaries(st.integers(0, 15) | st.booleans(), _CLAIM_VALUES, max_size=4))
@example(changes={True: "440100000000010"})  # True == 1 in Python
def test_claims_parser_on_any_claim_values(material: Material, changes: dict[Any, Any]) -> None:
    """The genuine claim map with some claims replaced by anything (or keys added): it
    parses to claims of exactly the documented types, or it is ``bad_claims``/``bad_cbor``."""
    raw: dict[Any, Any] = cbor2.loads(decode_payload(material.payload).message.payload)
    raw.update(changes)
    claims = only((RegistryError,), lambda: Claims.from_cbor(cbor2.dumps(raw)))
    if claims is not None:
        assert type(claims.edition) is int
        assert type(claims.year) is int
        assert all(type(h) is int for h in claims.hours)
        assert isinstance(claims.issued_on, dt.date)
        assert all(type(value) is str for value in (claims.number, claims.name, claims.issuer))


@PROPERTY
@given(st.data())
def test_decode_payload_on_mutated_genuine_messages(
    material: Material, data: st.DataObject
) -> None:
    message = b45decode(material.payload.removeprefix(PREFIX))
    mutated = data.draw(mutations(message))
    only((RegistryError,), lambda: decode_payload(PREFIX + b45encode(mutated)))


# --- the verifier's entry points ---------------------------------------------------------


def _assert_report(report: VerificationReport) -> None:
    assert isinstance(report, VerificationReport)
    assert report.checks, "a report always says which check decided it"
    assert report.verdict is not Verdict.VALID


@PROPERTY
@given(st.text(max_size=400) | st.builds(lambda s: PREFIX + s, st.text(max_size=400)))
def test_verify_text_never_raises_and_never_validates(material: Material, text: str) -> None:
    _assert_report(Verifier(material.trust).verify_text(text, at=CHECKED))


@PROPERTY
@given(st.data())
def test_verify_text_on_mutated_genuine_codes(material: Material, data: st.DataObject) -> None:
    """A genuine code with bytes of its *message* mutated never verifies (unless the
    mutation changed nothing)."""
    message = b45decode(material.payload.removeprefix(PREFIX))
    mutated = data.draw(mutations(message))
    report = Verifier(material.trust).verify_text(PREFIX + b45encode(mutated), at=CHECKED)
    if mutated == message:
        assert report.claims is not None
    else:
        _assert_report(report)
        assert report.claims is None


MAGICS = [b"", b"%PDF-", b"%PDF-1.7\n", b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"GIF89a", b"BM"]
MAGICS += [b"RIFF", b"CEC1:"]


@SLOW_PROPERTY
@given(head=st.sampled_from(MAGICS), tail=st.binary(max_size=300))
def test_verify_bytes_never_raises(material: Material, head: bytes, tail: bytes) -> None:
    """Any upload, also behind the magic bytes of a PDF or an image."""
    _assert_report(Verifier(material.trust).verify_bytes(head + tail, at=CHECKED))


# --- snapshots ---------------------------------------------------------------------------


@PROPERTY
@given(
    st.binary(max_size=300) | st.builds(lambda b: MAGIC + bytes([VERSION_BYTE]) + b, st.binary())
)
def test_decode_snapshot_on_any_bytes(data: bytes) -> None:
    only((RegistryError,), lambda: decode_snapshot(data))


@PROPERTY
@given(mutations(VECTOR_SNAPSHOT))
def test_mutated_snapshot_is_refused(mutated: bytes) -> None:
    """Decoding raises only ``RegistryError``; loading (which checks the signature) refuses
    every changed file with a ``VerifierError``."""
    trust = parse_trust_list(VECTOR_TRUST)
    only((RegistryError,), lambda: decode_snapshot(mutated))
    loaded = only((VerifierError,), lambda: load_snapshot(mutated, trust))
    assert (loaded is None) == (mutated != VECTOR_SNAPSHOT)


def _reframe(snapshot: bytes, header: dict[str, Any], sign: Callable[[bytes], bytes]) -> bytes:
    """``snapshot`` with its header replaced (canonical JSON) and signed again."""
    hlen = int.from_bytes(snapshot[5:9], "big")
    body = snapshot[9 + hlen : -64]
    head = canonical_json(header)
    signed = MAGIC + bytes([VERSION_BYTE]) + len(head).to_bytes(4, "big") + head + body
    return signed + sign(signed)


@PROPERTY
@given(st.data())
def test_snapshot_header_with_any_member_value(material: Material, data: st.DataObject) -> None:
    """A header member replaced by any JSON value, the file signed again by the bureau's
    own key: the header parser meets every shape of member."""
    hlen = int.from_bytes(material.snapshot[5:9], "big")
    header = json.loads(material.snapshot[9 : 9 + hlen])
    changed = data.draw(json_replacements(header))
    mutated = _reframe(material.snapshot, changed, material.qr.sign)
    only((RegistryError,), lambda: decode_snapshot(mutated))
    only((VerifierError,), lambda: load_snapshot(mutated, material.trust))


# --- trust lists -------------------------------------------------------------------------


@PROPERTY
@given(st.binary(max_size=300) | st.builds(lambda t: t.encode(), JSON_VALUES.map(json.dumps)))
@example(_damaged_root_list())
def test_parse_trust_list_on_any_bytes(data: bytes) -> None:
    only((KeysError,), lambda: parse_trust_list(data))


@PROPERTY
@given(mutations(VECTOR_TRUST))
def test_parse_trust_list_on_mutated_files(mutated: bytes) -> None:
    """Bytes of a real signed list flipped, cut or inserted (the PEM certificates too)."""
    only((KeysError,), lambda: parse_trust_list(mutated))


@PROPERTY
@given(st.data())
def test_parse_trust_list_with_any_member_value_re_signed(
    material: Material, data: st.DataObject
) -> None:
    """A member replaced by any JSON value (at any depth) and the list signed again by the
    root: the parser gets past the signature and meets every shape of member."""
    document = json.loads(material.trust_bytes)
    signature = document.pop("signature")
    body = data.draw(json_replacements(document))
    signature = dict(signature, value=b64url(material.root.sign(canonical_json(body))))
    text = json.dumps(body | {"signature": signature}, ensure_ascii=False).encode("utf-8")
    only((KeysError,), lambda: parse_trust_list(text))


# --- importers ---------------------------------------------------------------------------

LOADERS = {"people": load_people, "activities": load_activities}
CELL_TEXT = st.text(
    alphabet=st.sampled_from([*list('0123456789-.:,"\n\r Xx年月日中级张𠈌'), "\ufeff", "\x00"]),
    max_size=24,
) | st.sampled_from(["2025-03-01", "1e400", "NaN", "-0", "1" * 40, "初级", "public", "12.5"])


def _load(material: Material, kind: str, suffix: str, data: bytes) -> None:
    path = material.scratch / f"{kind}{suffix}"
    path.write_bytes(data)
    only((RegistryError,), lambda: LOADERS[kind](path, today=TODAY))


@PROPERTY
@given(
    kind=st.sampled_from(sorted(LOADERS)),
    suffix=st.sampled_from([".csv", ".jsonl"]),
    data=st.binary(max_size=300) | st.text(max_size=300).map(str.encode),
)
def test_importers_on_any_file(material: Material, kind: str, suffix: str, data: bytes) -> None:
    _load(material, kind, suffix, data)


def _header(kind: str) -> list[str]:
    with (DEMO / f"{kind}.csv").open(encoding="utf-8-sig", newline="") as handle:
        return next(csv.reader(handle))


@PROPERTY
@given(kind=st.sampled_from(sorted(LOADERS)), data=st.data())
def test_importers_on_csv_rows_of_any_cells(
    material: Material, kind: str, data: st.DataObject
) -> None:
    """The real header, then rows of arbitrary cells (too few, too many, quotes, newlines)."""
    header = _header(kind)
    rows = data.draw(
        st.lists(
            st.lists(CELL_TEXT, min_size=len(header) - 2, max_size=len(header) + 1), max_size=4
        )
    )
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    _load(material, kind, ".csv", out.getvalue().encode("utf-8"))


@PROPERTY
@given(
    kind=st.sampled_from(sorted(LOADERS)),
    data=st.data(),
)
def test_importers_on_jsonl_rows_of_any_values(
    material: Material, kind: str, data: st.DataObject
) -> None:
    header = _header(kind)
    values = JSON_VALUES | CELL_TEXT | st.floats(allow_nan=False) | st.integers()
    lines = data.draw(
        st.lists(
            st.dictionaries(st.sampled_from([*header, "extra"]), values, max_size=len(header))
            | JSON_VALUES,
            max_size=4,
        )
    )
    text = "\n".join(json.dumps(line, ensure_ascii=False) for line in lines)
    _load(material, kind, ".jsonl", text.encode("utf-8"))


XLSX_VALUES = (
    st.none()
    | st.booleans()
    | st.integers(-(2**63), 2**63)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.datetimes(min_value=dt.datetime(1900, 3, 1), max_value=dt.datetime(2100, 1, 1))
    | st.dates(min_value=dt.date(1900, 3, 1), max_value=dt.date(2100, 1, 1))
    | CELL_TEXT.filter(lambda t: "\x00" not in t)
)


@SLOW_PROPERTY
@given(kind=st.sampled_from(sorted(LOADERS)), data=st.data())
def test_importers_on_xlsx_cells_of_any_type(
    material: Material, kind: str, data: st.DataObject
) -> None:
    """A real workbook (the header, then rows) whose cells hold numbers, dates, booleans…"""
    header = _header(kind)
    rows = data.draw(st.lists(st.lists(XLSX_VALUES, max_size=len(header) + 1), max_size=3))
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    _load(material, kind, ".xlsx", out.getvalue())


@SLOW_PROPERTY
@given(kind=st.sampled_from(sorted(LOADERS)), data=st.data())
def test_importers_on_mutated_xlsx(material: Material, kind: str, data: st.DataObject) -> None:
    original = material.people_xlsx if kind == "people" else material.activities_xlsx
    _load(material, kind, ".xlsx", data.draw(mutations(original)))
