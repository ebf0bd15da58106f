"""Issuance requests: the portal's approved applications, taken where the keys are.

The portal holds no key: once the employer and the bureau have approved an application, it
waits in the registry as an issuance request (:meth:`Applications.requests
<registry.store.applications.Applications.requests>`). :func:`take_requests` takes a batch
of them, oldest first, and issues each year's group with one run of the issuer
(:meth:`signer.issuance.issuer.Issuer.issue` with the group's ID numbers: the same
eligibility, policy, numbers, seal and report as ``cecert issue``). Then it closes each
request (:meth:`Applications.close <registry.store.applications.Applications.close>`):

* issued, with the number and edition of the current document of that year the person now
  holds: issued by this run, or before it (the run skipped them as ``already_issued``);
* refused otherwise, with what the run said of them (Chinese, with their figures: the hours
  no longer met, the policy's refusal, …), which the person reads in the portal.

A crash between the issuance and the close loses nothing: the request still waits, and the
next run finds the person holding the document (``already_issued``) and closes it as issued.
Signing a checkpoint and publishing the status afterwards is the caller's (``cecert issue
--requests``: :mod:`cecert.issue_requests`).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from registry.errors import RegistryError
from registry.idnumber import mask_id_number
from registry.portal.values import Application
from registry.store import Clock, DocumentRecord, Registry
from signer.issuance.issuer import Issuer
from signer.issuance.report import Skipped, shown_name

REQUESTS = 256
"""Requests taken per call, at most: a follower asked to stop finishes these first."""


@dataclass(frozen=True, slots=True)
class Taken:
    """A request taken and closed."""

    request: Application
    document: DocumentRecord | None
    """The person's current document of the year, the request closed as issued with it;
    ``None``: refused."""
    reason: str | None
    """``None``: issued by this run; ``already_issued``: the person held it before; else why
    it was refused (the skip's code: ``not_met``, ``outside_jurisdiction``, …, or
    ``policy_not_in_force`` for a year the policy does not cover)."""
    detail: str | None = None
    """Refused: what the person is told, in Chinese (kept with the application)."""

    @property
    def issued(self) -> bool:
        return self.document is not None


def take_requests(
    registry: Registry,
    issuer: Issuer,
    *,
    at: dt.datetime,
    clock: Clock | None = None,
    workers: int = 1,
    limit: int = REQUESTS,
) -> list[Taken]:
    """Take up to ``limit`` waiting requests, issue them year by year with ``issuer`` (built
    on ``registry``) and close each; return what became of them, in the order they were
    made (oldest first). Nothing waiting: an empty list.

    ``at``, ``clock`` and ``workers`` are :meth:`Issuer.issue`'s (a year's group gets no more
    workers than it has requests); each close states ``clock()``, else ``at``. A request
    closed meanwhile by another taker is left out. Errors that are no one person's (the
    seal key, the disk) go on to the caller: what was issued stays issued, and the requests
    not closed wait for the next run, which closes them with those documents.
    """
    waiting = registry.applications.requests(limit=limit)
    years: dict[int, list[Application]] = {}
    for request in waiting:
        years.setdefault(request.year, []).append(request)
    taken: list[Taken] = []
    for year in sorted(years):
        outcomes = _issue_year(
            registry, issuer, years[year], year=year, at=at, clock=clock, workers=workers
        )
        for outcome in outcomes:
            if _close(registry, outcome, at=clock() if clock is not None else at):
                taken.append(outcome)
    return sorted(taken, key=lambda outcome: outcome.request.id)


def _issue_year(
    registry: Registry,
    issuer: Issuer,
    requests: Sequence[Application],
    *,
    year: int,
    at: dt.datetime,
    clock: Clock | None,
    workers: int,
) -> list[Taken]:
    """Issue ``year`` to the people of ``requests`` in one run; what became of each."""
    try:
        report = issuer.issue(
            year=year,
            at=at,
            id_numbers=[request.id_number for request in requests],
            workers=max(1, min(workers, len(requests))),
            clock=clock,
        )
    except RegistryError as exc:
        if exc.reason != "policy_not_in_force":
            raise
        # The year is outside the policy's dates: nobody of it can be issued, ever.
        return [Taken(request, None, exc.reason, exc.message) for request in requests]
    issued = {document.id_number: document for document in report.issued}
    outcomes: list[Taken] = []
    unresolved: list[Application] = []
    for request in requests:
        document = issued.get(request.id_number)
        if document is not None:
            outcomes.append(Taken(request, document, None))
        elif held := registry.current_document(request.id_number, issuer=issuer.region, year=year):
            outcomes.append(Taken(request, held, "already_issued"))
        else:
            unresolved.append(request)
    # A skip names its person by the masked ID number and the name: that is one request of
    # the group, unless two of them share both; those are asked again one by one.
    asked = Counter(_key(request.id_number, request.name) for request in unresolved)
    skips: dict[tuple[str, str], list[Skipped]] = {}
    for skipped in report.skipped:
        skips.setdefault((skipped.masked_id, skipped.name), []).append(skipped)
    for request in unresolved:
        key = _key(request.id_number, request.name)
        found = skips.get(key, [])
        if asked[key] == 1 and len(found) == 1:
            outcomes.append(_refused(request, found[0]))
        else:
            outcomes.append(_issue_one(registry, issuer, request, year=year, at=at, clock=clock))
    return outcomes


def _issue_one(
    registry: Registry,
    issuer: Issuer,
    request: Application,
    *,
    year: int,
    at: dt.datetime,
    clock: Clock | None,
) -> Taken:
    """Issue ``year`` to the person of ``request`` alone: a run of one has one outcome."""
    report = issuer.issue(year=year, at=at, id_numbers=[request.id_number], clock=clock)
    if report.issued:
        return Taken(request, report.issued[0], None)
    held = registry.current_document(request.id_number, issuer=issuer.region, year=year)
    if held is not None:
        return Taken(request, held, "already_issued")
    return _refused(request, report.skipped[0])


def _refused(request: Application, skipped: Skipped) -> Taken:
    return Taken(request, None, skipped.reason, skipped.detail)


def _key(id_number: str, name: str) -> tuple[str, str]:
    """How a :class:`~signer.issuance.report.Skipped` names a person."""
    return mask_id_number(id_number), shown_name(name)


def _close(registry: Registry, outcome: Taken, *, at: dt.datetime) -> bool:
    """Close the request as ``outcome`` says; ``False`` when another taker closed it first."""
    document = outcome.document
    try:
        registry.applications.close(
            outcome.request.id,
            number=document.number if document is not None else None,
            edition=document.edition if document is not None else None,
            reason=outcome.detail if document is None else None,
            at=at,
        )
    except RegistryError as exc:
        if exc.reason != "changed":
            raise
        return False
    return True


__all__ = ["REQUESTS", "Taken", "take_requests"]
