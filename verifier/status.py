"""Registry status and hours checks for an authenticated payload.

A verifier without a status source (only a trust list) reports status as *unknown*, which
makes the verdict ``indeterminate``: "could not check" is never shown as "not revoked".
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Protocol

from registry.errors import RegistryError
from registry.hours import get_policy
from registry.model import Activity, DocumentStatus, Person, format_hours
from registry.store import DocumentRecord, Registry
from verifier.payload import AuthenticPayload
from verifier.report import Check


class StatusSource(Protocol):
    """Where document status comes from (the registry; later, a signed snapshot)."""

    def document(self, number: str, edition: int) -> DocumentRecord | None: ...

    def document_by_sha256(self, pdf_sha256: str) -> DocumentRecord | None: ...


class RegistryStatus:
    """Status straight from a registry file, opened read-only; also a panel's view of one
    person's records (:class:`verifier.panel.CandidateRecords`)."""

    def __init__(self, registry: Registry) -> None:
        self._registry = registry

    def document(self, number: str, edition: int) -> DocumentRecord | None:
        return self._registry.document(number, edition)

    def document_by_sha256(self, pdf_sha256: str) -> DocumentRecord | None:
        return self._registry.document_by_sha256(pdf_sha256)

    def person(self, id_number: str) -> Person | None:
        return self._registry.person(id_number)

    def documents(self, *, id_number: str) -> list[DocumentRecord]:
        return self._registry.documents(id_number=id_number)

    def activities(self, id_number: str) -> list[Activity]:
        return self._registry.activities(id_number)


class RegistryFileStatus:
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

    def document_by_sha256(self, pdf_sha256: str) -> DocumentRecord | None:
        return self._status().document_by_sha256(pdf_sha256)

    def person(self, id_number: str) -> Person | None:
        return self._status().person(id_number)

    def documents(self, *, id_number: str) -> list[DocumentRecord]:
        return self._status().documents(id_number=id_number)

    def activities(self, id_number: str) -> list[Activity]:
        return self._status().activities(id_number)


def status_check(payload: AuthenticPayload, source: StatusSource | None) -> Check:
    """Is this exact document current in the registry?"""
    claims = payload.claims
    if source is None:
        return Check.unknown(
            "registry.status",
            "status_not_checked",
            "no registry or snapshot available: revocation and supersession were not checked",
        )
    record = source.document(claims.number, claims.edition)
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
        return Check.failed("registry.status", "revoked", f"{ident} has been revoked")
    if record.status is DocumentStatus.SUPERSEDED:
        return Check.failed(
            "registry.status", "superseded", f"{ident} has been superseded by a later edition"
        )
    return Check.passed("registry.status", f"{ident} is current in the registry")


def hours_check(payload: AuthenticPayload) -> Check:
    """Do the certified hours meet the named policy, category by category and in total?"""
    claims = payload.claims
    try:
        policy = get_policy(claims.policy_id)
    except RegistryError as exc:
        return Check.unknown("hours.policy", exc.reason, str(exc))
    requirements = policy.requirements_for(claims.title_level)
    short: list[str] = []
    for category, required in requirements.categories.items():
        have = claims.hours_for(category)
        if have < required:
            short.append(f"{category.value} {format_hours(have)}/{format_hours(required)} h")
    if claims.hours[3] < requirements.total:
        short.append(f"total {format_hours(claims.hours[3])}/{format_hours(requirements.total)} h")
    if short:
        return Check.failed(
            "hours.policy", "hours_below_policy", f"{policy.id}: " + "; ".join(short)
        )
    return Check.passed(
        "hours.policy",
        f"{policy.id}: {format_hours(claims.hours[3])} h of "
        f"{format_hours(requirements.total)} h, every category met",
    )
