"""Registry status of an authenticated payload.

A verifier without a status source (only a trust list) reports status as *unknown*, which
makes the verdict ``indeterminate``: "could not check" is never shown as "not revoked".
Status comes from a registry (here) or from a signed snapshot (:mod:`verifier.snapshot`).

A registry that cannot be read, or that is found damaged where the document is kept
(``registry_damaged``: a page SQLite cannot read, a status that is no status, a document its
key does not find but another path does), gives *unknown* too: a genuine certificate is never
called invalid, nor a revoked one current, because the bureau's file is damaged.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

from registry.documents import DocumentRecord
from registry.errors import RegistryError
from registry.home import CHINA_TZ
from registry.model import (
    Activity,
    DocumentStatus,
    Person,
    RevocationReason,
    SupersessionReason,
)
from registry.payload import Claims
from registry.store import Registry
from verifier.payload import AuthenticPayload
from verifier.report import Check, SnapshotAge


class StatusSource(Protocol):
    """Where document status comes from: a registry (:class:`RegistryStatus`,
    :class:`RegistryFileStatus`) or a signed snapshot (:class:`verifier.snapshot.SnapshotStatus`).
    """

    def status_check(self, payload: AuthenticPayload, *, at: dt.datetime) -> Check:
        """The ``registry.status`` check of an authenticated payload at time ``at``."""
        ...

    def pdf_check(self, claims: Claims, pdf_sha256: str) -> Check | None:
        """The ``pdf.registered`` check (the exact file recorded), or ``None`` when this
        source does not know files (a snapshot) or not this document."""
        ...

    def history(self, number: str) -> list[DocumentRecord] | None:
        """Every edition of ``number``, oldest first (empty when the number is unknown);
        ``None`` when this source has no history (a snapshot)."""
        ...

    def snapshot_age(self, at: dt.datetime) -> SnapshotAge | None:
        """The snapshot status comes from and its age at ``at``; ``None`` for a registry."""
        ...


class _RegistryLookups:
    """The status checks of a registry, over its ``document`` look-up."""

    def document(self, number: str, edition: int) -> DocumentRecord | None:
        raise NotImplementedError

    def document_status(self, number: str, edition: int) -> tuple[str, str] | None:
        """(status, payload text) of one document (:meth:`Registry.document_status`)."""
        raise NotImplementedError

    def status_check(self, payload: AuthenticPayload, *, at: dt.datetime) -> Check:
        """Every scan reads only the document's status and payload text; when they are
        ``current`` and exactly the text scanned, the document is current (the two facts
        :func:`registry_status_check` passes on). Anything else reads the whole record and
        judges it there, with the reason and the dates of the change."""
        del at  # a registry is read live: its status is as of now
        claims = payload.claims
        try:
            found = self.document_status(claims.number, claims.edition)
            if found is not None and found[0] == _CURRENT and found[1] == payload.text:
                return _current(claims)
            record = self.document(claims.number, claims.edition)
        except RegistryError as exc:  # a damaged registry: status unknown, never "current"
            return Check.unknown("registry.status", exc.reason, str(exc))
        return registry_status_check(payload, record)

    def pdf_check(self, claims: Claims, pdf_sha256: str) -> Check | None:
        try:
            record = self.document(claims.number, claims.edition)
        except RegistryError:  # reported once, by registry.status
            return None
        if record is None:  # registry.status already failed: not_in_registry
            return None
        if record.pdf_sha256 != pdf_sha256:
            return Check.failed(
                "pdf.registered",
                "pdf_not_registered",
                "the file differs from the one the registry recorded for this document",
            )
        return Check.passed("pdf.registered", "the exact file the registry recorded")

    def snapshot_age(self, at: dt.datetime) -> SnapshotAge | None:
        return None


_CURRENT = DocumentStatus.CURRENT.value


def _current(claims: Claims) -> Check:
    return Check.passed(
        "registry.status", f"{claims.number} edition {claims.edition} is current in the registry"
    )


class RegistryStatus(_RegistryLookups):
    """Status straight from a registry file, opened read-only; also a panel's view of one
    person's records (:class:`verifier.panel_evidence.CandidateRecords`)."""

    def __init__(self, registry: Registry) -> None:
        self._registry = registry

    def document(self, number: str, edition: int) -> DocumentRecord | None:
        return self._registry.document(number, edition)

    def document_status(self, number: str, edition: int) -> tuple[str, str] | None:
        return self._registry.document_status(number, edition)

    def document_by_sha256(self, pdf_sha256: str) -> DocumentRecord | None:
        return self._registry.document_by_sha256(pdf_sha256)

    def history(self, number: str) -> list[DocumentRecord]:
        return self._registry.history(number)

    def person(self, id_number: str) -> Person | None:
        return self._registry.person(id_number)

    def documents(self, *, id_number: str) -> list[DocumentRecord]:
        return self._registry.documents(id_number=id_number)

    def activities(self, id_number: str) -> list[Activity]:
        return self._registry.activities(id_number)

    def log_size(self) -> int:
        """Events in the registry's log now (``Registry.log_size``)."""
        return self._registry.log_size()


class RegistryFileStatus(_RegistryLookups):
    """Status (and a panel's view of one person) from a registry file, with one read-only
    connection per thread (SQLite connections must not be shared between threads, as a
    threaded web server would)."""

    def __init__(self, path: Path) -> None:
        Registry.open(path, read_only=True).close()  # fail at start-up, not per request
        self._path = path
        self._local = threading.local()

    def _status(self) -> RegistryStatus:
        status: RegistryStatus | None = getattr(self._local, "status", None)
        if status is None:
            status = RegistryStatus(Registry.open(self._path, read_only=True))
            self._local.status = status
        return status

    def document(self, number: str, edition: int) -> DocumentRecord | None:
        return self._status().document(number, edition)

    def document_status(self, number: str, edition: int) -> tuple[str, str] | None:
        return self._status().document_status(number, edition)

    def document_by_sha256(self, pdf_sha256: str) -> DocumentRecord | None:
        return self._status().document_by_sha256(pdf_sha256)

    def history(self, number: str) -> list[DocumentRecord]:
        return self._status().history(number)

    def person(self, id_number: str) -> Person | None:
        return self._status().person(id_number)

    def documents(self, *, id_number: str) -> list[DocumentRecord]:
        return self._status().documents(id_number=id_number)

    def activities(self, id_number: str) -> list[Activity]:
        return self._status().activities(id_number)

    def log_size(self) -> int:
        return self._status().log_size()


def status_check(
    payload: AuthenticPayload, source: StatusSource | None, *, at: dt.datetime
) -> Check:
    """Is this exact document current? Asks ``source``; without one, status is unknown."""
    if source is None:
        return Check.unknown(
            "registry.status",
            "status_not_checked",
            "no registry or snapshot available: revocation and supersession were not checked",
        )
    return source.status_check(payload, at=at)


def registry_status_check(payload: AuthenticPayload, record: DocumentRecord | None) -> Check:
    """Is this exact document current in the registry, which holds ``record`` for it?"""
    claims = payload.claims
    ident = f"{claims.number} edition {claims.edition}"
    if record is None:
        return Check.failed("registry.status", "not_in_registry", f"{ident} is not in the registry")
    if record.payload != payload.text:
        return Check.failed(
            "registry.status",
            "payload_mismatch",
            f"the registry holds a different payload for {ident}",
        )
    if record.status is DocumentStatus.REVOKED:
        return Check.failed("registry.status", "revoked", f"{ident} was {_revocation(record)}")
    if record.status is DocumentStatus.SUPERSEDED:
        return Check.failed("registry.status", "superseded", f"{ident} was {_supersession(record)}")
    return _current(claims)


def _china_date(when: dt.datetime | None) -> str:
    return when.astimezone(CHINA_TZ).date().isoformat() if when else "an unknown date"


def _supersession(record: DocumentRecord) -> str:
    changed = record.status_changed_at
    return supersession_text(
        record.superseded_by,
        changed.astimezone(CHINA_TZ).date() if changed else None,
        record.status_reason,
    )


def _revocation(record: DocumentRecord) -> str:
    changed = record.status_changed_at
    return revocation_text(
        changed.astimezone(CHINA_TZ).date() if changed else None,
        record.status_reason,
        record.status_note,
    )


def supersession_text(by: int | None, on: dt.date | None, reason: str | None) -> str:
    """``superseded by edition 2 on 2026-03-02 (遗失补办: reissue_lost)`` (``on``: China date)."""
    edition = f"edition {by}" if by else "a later edition"
    text = f"superseded by {edition} on {on.isoformat() if on else 'an unknown date'}"
    if reason in _SUPERSESSION:
        text += f" ({SupersessionReason(reason).label_zh}: {reason})"
    elif reason:
        text += f" ({reason})"
    return text


def revocation_text(on: dt.date | None, reason: str | None, note: str | None = None) -> str:
    """``revoked on 2026-03-02: fraud (弄虚作假) — note`` (``on``: China date)."""
    text = f"revoked on {on.isoformat() if on else 'an unknown date'}"
    if reason in _REVOCATION:
        text += f": {reason} ({RevocationReason(reason).label_zh})"
    elif reason:
        text += f": {reason}"
    if note:
        text += f" — {note}"
    return text


_SUPERSESSION = {r.value for r in SupersessionReason}
_REVOCATION = {r.value for r in RevocationReason}


def edition_history(records: Sequence[DocumentRecord]) -> list[dict[str, Any]]:
    """The editions of a number for people (the web result page): kind, year, status, the
    dates in China time, why the status changed (for a revocation, with its note), with
    Chinese labels. No personal data."""
    rows: list[dict[str, Any]] = []
    for record in records:
        reason = record.status_reason or ""
        if reason in _SUPERSESSION:
            reason_zh = SupersessionReason(reason).label_zh
        elif reason in _REVOCATION:
            reason_zh = RevocationReason(reason).label_zh
        else:
            reason_zh = reason
        if record.status is DocumentStatus.SUPERSEDED:
            status_zh = (
                f"已被第{record.superseded_by}版取代" if record.superseded_by else "已被取代"
            )
        else:
            status_zh = {DocumentStatus.CURRENT: "现行有效", DocumentStatus.REVOKED: "已撤销"}[
                record.status
            ]
        rows.append(
            {
                "edition": record.edition,
                "kind": record.kind.value,
                "kind_zh": record.kind.label_zh,
                "year": record.year,
                "status": record.status.value,
                "status_zh": status_zh,
                "issued_on": _china_date(record.issued_at),
                "changed_on": (
                    _china_date(record.status_changed_at) if record.status_changed_at else None
                ),
                "reason": reason or None,
                "reason_zh": reason_zh or None,
                "note": record.status_note if record.status is DocumentStatus.REVOKED else None,
                "carried": record.carried,
            }
        )
    return rows
