"""The portal's values as the registry stores them. Pure, frozen."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Generic, TypeVar

from registry.model import Activity
from registry.portal.proofs import Proof
from registry.portal.roles import ApplicationState, Approval, DeclarationState, Stage


@dataclass(frozen=True, slots=True)
class Organisation:
    """An organisation registered in the portal with the bureau of its region: an employer
    (用人单位) or a training provider (施教机构)."""

    credit_code: str
    name: str
    region: str
    state: Approval
    reason: str | None
    version: int
    registered_at: dt.datetime


Employer = Organisation
Provider = Organisation


@dataclass(frozen=True, slots=True)
class Enrolment:
    """A professional's registration with their employer."""

    id_number: str
    name: str
    credit_code: str
    state: Approval
    reason: str | None
    version: int
    registered_at: dt.datetime


@dataclass(frozen=True, slots=True)
class Declaration:
    """One declared training record on its way to confirmation."""

    id: int
    record: Activity
    """What is declared (its ``status`` follows ``state``)."""
    name: str
    """The person's name, for queues."""
    credit_code: str
    region: str
    sector: str
    state: DeclarationState
    stage: Stage
    reason: str | None
    """The last reviewer's reason (a return's, shown to the person)."""
    version: int
    declared_at: dt.datetime
    changed_at: dt.datetime
    proofs: tuple[Proof, ...] = ()


@dataclass(frozen=True, slots=True)
class Application:
    """An application for the year's certificate (登记申报) and, once approved, the
    issuance request the signer takes."""

    id: int
    id_number: str
    name: str
    year: int
    credit_code: str
    region: str
    state: ApplicationState
    reason: str | None
    number: str | None
    edition: int | None
    version: int
    submitted_at: dt.datetime
    changed_at: dt.datetime


T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    """One page of a queue: its items, the cursor of the next page (None: last page) and
    how many wait in all (with ``capped``: at least that many; the count stopped there)."""

    items: tuple[T, ...]
    after: int | None
    total: int
    capped: bool = False


__all__ = [
    "Application", "Declaration", "Employer", "Enrolment", "Organisation", "Page", "Provider",
]  # fmt: skip
