"""Status from a signed registry snapshot: a verifier that needs no registry.

A bureau exports a snapshot (``cecert snapshot export``; format in ``docs/snapshots.md``):
every document edition it ever recorded, keyed by a hash of its QR text, with its status,
the time the registry was read (``as_of``) and the bureau's ES256 signature by a QR key of
the trust list. :func:`load_snapshot` checks it once; :class:`SnapshotStatus` then answers the
``registry.status`` check of every verification::

    status = load_snapshot(data, trust, max_age=dt.timedelta(days=30))
    report = Verifier(trust, status=status).verify_text(qr_text, at=now)
    report.snapshot.as_of, report.snapshot.age

Security: a snapshot is refused as a whole (:class:`VerifierError`) unless its signature
verifies with a key of the trust list that was valid (window and revocation) at its
``as_of``; nothing of a refused file is used. A snapshot only knows status up to ``as_of``:
past ``max_age`` the status check becomes *unknown* (``snapshot_too_old``) while the
signature, key and hours checks still run. A snapshot holds no file digests and no history:
a PDF is judged by its seal and signed payload (no ``pdf.registered`` check).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from pathlib import Path

from keys import KeysError, TrustList, kid_text
from registry.documents import DocumentRecord
from registry.errors import RegistryError
from registry.home import CHINA_TZ
from registry.log import Checkpoint, origin_for
from registry.payload import Claims
from registry.snapshot import (
    RecordStatus,
    RecordTable,
    SignedSnapshot,
    SnapshotHeader,
    SnapshotKind,
    SnapshotRecord,
    apply_delta,
    decode_snapshot,
    read_header,
    snapshot_key,
)
from verifier.errors import VerifierError
from verifier.payload import AuthenticPayload
from verifier.registry_status import revocation_text, supersession_text
from verifier.report import Check, SnapshotAge

DEFAULT_MAX_AGE = dt.timedelta(days=30)
"""How old a snapshot may be before status is no longer judged from it."""
_PROOF = object()

__all__ = [
    "DEFAULT_MAX_AGE",
    "SnapshotStatus",
    "load_snapshot",
    "read_snapshot",
]


class SnapshotStatus:
    """Document status from a checked snapshot (a :class:`verifier.registry_status.StatusSource`).

    Only :func:`load_snapshot` builds one, after the signature checks. Immutable; safe to
    share between threads (look-ups are a binary search over bytes)."""

    __slots__ = ("_records", "header", "max_age")

    def __init__(
        self, header: SnapshotHeader, records: RecordTable, max_age: dt.timedelta, proof: object
    ) -> None:
        if proof is not _PROOF:
            raise TypeError("SnapshotStatus is only built by verifier.snapshot.load_snapshot")
        self.header = header
        """The (full) snapshot's header: ``as_of``, ``issuer``, ``checkpoint``, …"""
        self._records = records
        self.max_age = max_age

    @property
    def as_of(self) -> dt.datetime:
        return self.header.as_of

    @property
    def issuer(self) -> str:
        return self.header.issuer

    @property
    def checkpoint(self) -> Checkpoint | None:
        """The latest log checkpoint the bureau put into the snapshot, parsed."""
        return Checkpoint.from_text(self.header.checkpoint) if self.header.checkpoint else None

    def __len__(self) -> int:
        return len(self._records)

    def lookup(self, payload_text: str) -> SnapshotRecord | None:
        """The record of the document with this exact QR text, or ``None``."""
        try:
            key = snapshot_key(payload_text)
        except RegistryError:
            return None
        i = self._records.index(key)
        return None if i is None else self._records.record(i, self.header.reasons)

    def snapshot_age(self, at: dt.datetime) -> SnapshotAge:
        return SnapshotAge(as_of=self.as_of, age=at - self.as_of, max_age=self.max_age)

    def status_check(self, payload: AuthenticPayload, *, at: dt.datetime) -> Check:
        """``registry.status`` from the snapshot, as of its ``as_of`` (said in the detail)."""
        age = self.snapshot_age(at)
        claims = payload.claims
        ident = f"{claims.number} edition {claims.edition}"
        if age.from_the_future:
            return Check.unknown(
                "registry.status",
                "snapshot_in_future",
                f"{age.describe()}: made with a clock that was ahead; status not judged",
            )
        if age.too_old:
            return Check.unknown(
                "registry.status",
                "snapshot_too_old",
                f"{age.describe()}: too old to judge status; revocation and supersession "
                "were not checked",
            )
        if claims.issuer != self.issuer:
            return Check.unknown(
                "registry.status",
                "snapshot_other_issuer",
                f"the snapshot covers region {self.issuer}, {ident} was issued by "
                f"{claims.issuer}: status not checked",
            )
        record = self.lookup(payload.text)
        if record is None:
            return self._absent(claims, ident, age)
        if record.status is RecordStatus.REVOKED:
            text = revocation_text(record.changed_on, record.reason)
            return Check.failed("registry.status", "revoked", f"{ident} was {text}")
        if record.status is RecordStatus.SUPERSEDED:
            text = supersession_text(record.by, record.changed_on, record.reason)
            return Check.failed("registry.status", "superseded", f"{ident} was {text}")
        return Check.passed("registry.status", f"{ident} is current ({age.describe()})")

    def _absent(self, claims: Claims, ident: str, age: SnapshotAge) -> Check:
        # A document issued on the snapshot's (China) day or later may simply be newer.
        if claims.issued_on >= self.as_of.astimezone(CHINA_TZ).date():
            return Check.unknown(
                "registry.status",
                "issued_after_snapshot",
                f"{ident} was issued on {claims.issued_on}, not before the {age.describe()}: "
                "status not checked",
            )
        return Check.failed(
            "registry.status",
            "not_in_registry",
            f"{ident} (this exact QR text) is not in the registry ({age.describe()})",
        )

    def pdf_check(self, claims: Claims, pdf_sha256: str) -> Check | None:
        """A snapshot holds no file digests: the PDF is judged by its seal and payload."""
        return None

    def history(self, number: str) -> list[DocumentRecord] | None:
        """A snapshot has no history (it cannot be searched by number)."""
        return None


def _refused(name: str, exc: RegistryError) -> VerifierError:
    return VerifierError(exc.reason, f"{name}: {exc.message}")


def _checked(data: bytes, trust: TrustList, name: str) -> SignedSnapshot:
    """Decode one file and check its signature and key; raise :class:`VerifierError`."""
    try:
        header, signed, signature = read_header(data)
    except RegistryError as exc:
        raise _refused(name, exc) from exc
    kid = kid_text(header.kid)
    try:
        key = trust.qr_key(header.kid)
    except KeysError as exc:
        raise VerifierError(
            "snapshot_key", f"{name}: signed by key {kid}, which is not in the trust list"
        ) from exc
    if not key.public_key.verify(signature, signed):
        raise VerifierError(
            "snapshot_signature",
            f"{name}: the signature does not verify with key {kid}: the file was altered "
            "or damaged after signing",
        )
    if not key.valid_at(header.as_of):
        raise VerifierError(
            "snapshot_key",
            f"{name}: key {kid} was not valid at the snapshot's time "
            f"{header.as_of:%Y-%m-%dT%H:%M:%SZ} (outside its window, or revoked)",
        )
    try:
        snapshot = decode_snapshot(data)
        if header.checkpoint is not None:
            origin = Checkpoint.from_text(header.checkpoint).origin
            if origin != origin_for(header.issuer):
                raise RegistryError(
                    "bad_snapshot", f"its checkpoint is of {origin}, not region {header.issuer}"
                )
    except RegistryError as exc:
        raise _refused(name, exc) from exc
    return snapshot


def load_snapshot(
    data: bytes,
    trust: TrustList,
    *,
    max_age: dt.timedelta = DEFAULT_MAX_AGE,
    delta: bytes | None = None,
    issuer: str | None = None,
    name: str = "snapshot",
    delta_name: str = "delta",
) -> SnapshotStatus:
    """Check a full snapshot (and, when given, a delta to apply to it) against ``trust``;
    return the status source, or raise :class:`VerifierError` naming the file (``name``,
    ``delta_name``).

    Reasons: ``bad_snapshot`` (malformed, truncated, not a snapshot, a delta where a full
    one is needed), ``snapshot_signature`` (does not verify: altered or damaged),
    ``snapshot_key`` (the kid is not in the trust list, or was not valid at ``as_of``),
    ``snapshot_issuer`` (not the ``issuer`` region asked for), ``snapshot_delta_mismatch``
    (the delta is not for this full snapshot, or its result does not hash as signed).
    ``max_age`` is not checked here but at each verification (a server keeps running).
    """
    full = _checked(data, trust, name)
    if full.header.kind is not SnapshotKind.FULL:
        raise VerifierError(
            "bad_snapshot", f"{name}: this is a delta; give the full snapshot it applies to"
        )
    header, records = full.header, full.records
    if delta is not None:
        change = _checked(delta, trust, delta_name)
        if change.header.kind is not SnapshotKind.DELTA:
            raise VerifierError("bad_snapshot", f"{delta_name}: not a delta snapshot")
        try:
            records = apply_delta(header, records, change.header, change.records)
        except RegistryError as exc:
            raise _refused(delta_name, exc) from exc
        header = replace(
            change.header,
            kind=SnapshotKind.FULL,
            count=change.header.total,
            base_records_sha256=None,
            base_as_of=None,
        )
    if issuer is not None and header.issuer != issuer:
        raise VerifierError(
            "snapshot_issuer", f"{name}: a snapshot of region {header.issuer}, not of {issuer}"
        )
    return SnapshotStatus(header, records, max_age, _PROOF)


def read_snapshot(
    path: Path,
    trust: TrustList,
    *,
    max_age: dt.timedelta = DEFAULT_MAX_AGE,
    delta: Path | None = None,
    issuer: str | None = None,
) -> SnapshotStatus:
    """:func:`load_snapshot` from files; an unreadable file is ``no_snapshot``."""

    def read(file: Path) -> bytes:
        try:
            return file.read_bytes()
        except OSError as exc:
            raise VerifierError(
                "no_snapshot", f"{file}: cannot read the snapshot ({exc.strerror})"
            ) from exc

    return load_snapshot(
        read(path),
        trust,
        max_age=max_age,
        delta=read(delta) if delta is not None else None,
        issuer=issuer,
        name=str(path),
        delta_name=str(delta),
    )
