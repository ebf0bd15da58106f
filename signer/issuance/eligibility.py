"""Who a run issues to: the policy that judges each person (the one asked for, or the one
their series has instead), whether their hours meet it, whether they already hold the year's
document, and whether their name, employer and series may go on a certificate.

:class:`signer.issuance.issuer.Issuer` asks this of each page of people it reads; whom it
leaves out goes to the run's :class:`~signer.issuance.report.Tally` as skipped.
"""

from __future__ import annotations

from registry.errors import RegistryError
from registry.hours import Evaluation, Policy, Subject, evaluate, get_policy, refusal
from registry.hours.reasons import cause_label_zh
from registry.idnumber import mask_id_number
from registry.model import NAME_MAX_CHARS, Person, check_text
from registry.store import Registry
from signer.issuance.report import Skipped, Tally, unmakeable


def identity_fault(person: Person) -> RegistryError | None:
    """Why the name, employer or series of ``person`` may not go on a certificate, or
    ``None``: what import refuses now (:func:`registry.model.check_text`), for people stored
    before it did. The name's limit keeps the QR payload within what verifiers accept."""
    for field, text, limit in (
        ("name", person.name, NAME_MAX_CHARS),
        ("employer", person.employer, None),
        ("series", person.series, None),
    ):
        try:
            check_text(text, field=field, limit=limit)
        except RegistryError as exc:
            return exc
    return None


def eligible_people(
    registry: Registry,
    page: list[Person],
    policy: Policy,
    *,
    issuer: str,
    year: int,
    tally: Tally,
    follow_series: bool,
) -> list[tuple[Person, Evaluation]]:
    """The people of ``page`` whom ``policy`` (or, with ``follow_series``, the policy their
    series has instead) may judge, whose hours meet it and who hold no document of
    ``year`` yet (from ``issuer``, the bureau's region); the others go to ``tally`` as
    skipped."""
    ids = [p.id_number for p in page]
    records = registry.activities_of(ids, year=year)
    holders = registry.holders(ids, issuer=issuer, year=year)
    eligible: list[tuple[Person, Evaluation]] = []
    for person in page:
        masked = mask_id_number(person.id_number)
        try:
            subject = Subject.of(person)
        except RegistryError as exc:
            tally.add(Skipped(masked, person.name, exc.reason, exc.message))
            continue
        chosen = policy
        refused = refusal(policy, subject, year)
        if refused is not None and refused.instead is not None and follow_series:
            chosen = get_policy(refused.instead)
            refused = refusal(chosen, subject, year)
        if refused is not None:
            causes = ((refused.reason, cause_label_zh(refused.reason)),)
            tally.add(Skipped(masked, person.name, refused.reason, refused.message_zh, causes))
            continue
        evaluation = evaluate(chosen, records.get(person.id_number, []), year=year, subject=subject)
        if not evaluation.met:
            detail = "；".join(s.message_zh for s in evaluation.shortfalls)
            tally.add(Skipped(masked, person.name, "not_met", detail, evaluation.causes()))
        elif person.id_number in holders:
            tally.add(Skipped(masked, person.name, "already_issued", f"{year}年度证书已颁发"))
        elif (fault := identity_fault(person)) is not None:
            tally.add(unmakeable(person, fault.reason, fault.message))
        else:
            eligible.append((person, evaluation))
    return eligible


__all__ = ["eligible_people", "identity_fault"]
