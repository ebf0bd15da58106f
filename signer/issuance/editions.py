"""New editions of an issued certificate: renewal (续办), reissue (补办), correction (更正).

Each keeps the certificate number (一人一证), draws the next edition, and supersedes the
current edition of the same year in the same registry transaction (``Registry.issuance``):
the old PDF and QR stop verifying as valid the moment the new one is recorded. Revocation is
the registry's (``Registry.revoke``): it makes no new document.

* **renew** re-evaluates the hours from the registry's current records of the year, under
  the policy of the edition it replaces, and refuses when they fall short (``not_met``).
* **reissue** carries the replaced edition's hours, except where its policy requires the
  hours of some categories to be proven again (Guangde 2020, notice 003 四(三): professional
  hours only for the records whose proof was provided again, ``reproven``;
  :mod:`signer.issuance.carry_over`). When the new edition would then fall short of the policy, it
  is refused (``reissue_falls_short``, saying what it would state) unless the clerk confirms
  (``accept_shortfall``): it then states what was proven.
* **correct** fixes the holder's name or ID number in the registry
  (``Registry.correct_person``), then issues a correction edition, with the hours of the
  edition it replaces, for every year whose current document shows the old identity.

The rules and their reasons are in ``docs/lifecycle.md``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence

from registry.home import BureauConfig
from registry.hours import Evaluation, Subject, evaluate, get_policy
from registry.model import (
    Activity,
    DocumentKind,
    DocumentStatus,
    Person,
    SupersessionReason,
)
from registry.payload import decode_payload
from registry.store import DocumentRecord, IssueSlot, Registry, number_revoked
from signer.errors import IssuanceError
from signer.issuance.carry_over import ReissuePlan, ReissueReason, plan_reissue
from signer.issuance.recorder import DocumentRecorder

_Build = Callable[[IssueSlot, DocumentRecord, Person], DocumentRecord]


def _stale_fields(document: DocumentRecord, person: Person) -> list[str]:
    """What the document shows of its holder that the registry now says otherwise."""
    claims = decode_payload(document.payload).claims
    fields = []
    if claims.name != person.name:
        fields.append("姓名")
    if not claims.matches_id_number(person.id_number):
        fields.append("身份证号")
    return fields


class DocumentEditions:
    """Renewal, reissue and correction of the certificates of one bureau (``config``): the
    ``registry`` draws and supersedes, the ``recorder`` makes and records each new edition
    (held by :class:`signer.Issuer`)."""

    def __init__(
        self, *, registry: Registry, config: BureauConfig, recorder: DocumentRecorder
    ) -> None:
        self._registry = registry
        self._config = config
        self._recorder = recorder

    def renew(self, number: str, *, year: int | None = None, at: dt.datetime) -> DocumentRecord:
        """Issue a renewal (续办) of ``number`` for ``year`` (default: the latest year with a
        current document), superseding that year's current edition.

        The hours are evaluated again from the registry's current records of the year, under
        the policy of the edition replaced and the holder's title level now. Raises
        ``IssuanceError``: ``no_such_document``, ``nothing_to_replace``, ``other_issuer``,
        ``not_met`` (the records no longer meet the policy), ``qr_key_expired``.
        """

        def build(slot: IssueSlot, replaced: DocumentRecord, person: Person) -> DocumentRecord:
            evaluation = self._evaluate(replaced, person)
            if not evaluation.met:
                detail = "；".join(s.message_zh for s in evaluation.shortfalls)
                raise IssuanceError("not_met", f"{number} {replaced.year}: {detail}")
            return self._recorder.make(slot, person, evaluation, at=at)

        return self._replace(
            number, year, DocumentKind.RENEWAL, SupersessionReason.RENEWAL, at=at, build=build
        )

    def plan_reissue(
        self,
        number: str,
        *,
        reason: ReissueReason,
        year: int | None = None,
        reproven: Sequence[Activity] = (),
    ) -> ReissuePlan:
        """What :meth:`reissue` would state now, without issuing anything: the hours, the
        text printed on the page and how they fall short of the policy, if they do. Raises
        as :meth:`reissue` does before it issues."""
        replaced = self._current_of(number, year)
        person = self._person(replaced.id_number)
        return self._plan(replaced, person, reason, reproven)

    def reissue(
        self,
        number: str,
        *,
        reason: ReissueReason,
        year: int | None = None,
        reproven: Sequence[Activity] = (),
        accept_shortfall: bool = False,
        at: dt.datetime,
    ) -> DocumentRecord:
        """Issue a reissue (补办) of ``number`` for ``year`` (default: the latest year with a
        current document), because the holder's copy was lost or damaged.

        The hours are carried as the replaced edition states them, except the categories its
        policy requires to be proven again (:func:`signer.issuance.carry_over.plan_reissue`): those
        count only the records in ``reproven``. When the new edition would then fall short of the
        policy, nothing is issued (``IssuanceError('reissue_falls_short')``, its message says
        what the edition would state) unless ``accept_shortfall``: then it is issued stating
        what was proven, and its ``carried`` text, printed on the page, says so. Raises
        ``IssuanceError``: ``reproven_not_found``, ``reissue_falls_short``, and those of
        :meth:`renew` but ``not_met``.
        """

        def build(slot: IssueSlot, replaced: DocumentRecord, person: Person) -> DocumentRecord:
            plan = self._plan(replaced, person, reason, reproven)
            if plan.falls_short and not accept_shortfall:
                raise IssuanceError("reissue_falls_short", plan.warning_zh(number))
            return self._recorder.make(
                slot, person, plan.evaluation, at=at, summary=plan.summary, carried=plan.carried
            )

        return self._replace(
            number, year, DocumentKind.REISSUE, reason.supersession, at=at, build=build
        )

    def _plan(
        self,
        replaced: DocumentRecord,
        person: Person,
        reason: ReissueReason,
        reproven: Sequence[Activity],
    ) -> ReissuePlan:
        records = self._registry.activities(person.id_number, year=replaced.year)
        return plan_reissue(
            get_policy(replaced.policy_id),
            replaced,
            records,
            reproven,
            subject=Subject.of(person),
            reason=reason,
        )

    def correct(
        self,
        number: str,
        *,
        name: str | None = None,
        id_number: str | None = None,
        reason_text: str,
        at: dt.datetime,
    ) -> tuple[DocumentRecord, ...]:
        """Correct the holder's name and/or ID number, then issue a correction (更正) of every
        current document that shows the old identity; return the new editions, by year.

        The registry change is one transaction (``Registry.correct_person``: a new ID number
        moves the person's records and certificate). Each correction edition states the hours
        of the edition it replaces, carries ``更正姓名：<reason_text>`` (or 身份证号) and
        leaves ``reason_text`` as the replaced edition's status note. Without ``name`` and
        ``id_number``, only documents still showing an outdated identity are corrected (to
        finish a correction that was interrupted). Raises ``IssuanceError``
        (``reason_required``, ``nothing_to_correct``, and those of :meth:`renew` but
        ``not_met``) and ``RegistryError`` (``nothing_to_correct``, ``id_number_taken``,
        ``bad_id_number``, ``bad_person``).
        """
        reason_text = reason_text.strip()
        if not reason_text:
            raise IssuanceError("reason_required", "a correction must say why it is made")
        self._recorder.check_qr_key(at)
        holder = self._history(number)[-1]
        if name is not None or id_number is not None:
            person = self._registry.correct_person(
                holder.id_number, new_id=id_number, name=name, at=at, note=reason_text
            )
        else:
            person = self._person(holder.id_number)
        issued: list[DocumentRecord] = []
        for year, document in sorted(self._current(number).items()):
            fields = _stale_fields(document, person)
            if not fields:
                continue
            carried = f"更正{'、'.join(fields)}：{reason_text}"
            issued.append(self._correction(number, year, carried, reason_text, at=at))
        if not issued and name is None and id_number is None:
            raise IssuanceError(
                "nothing_to_correct",
                f"{number}: every current document already shows the registry's name and ID number",
            )
        return tuple(issued)

    def _correction(
        self, number: str, year: int, carried: str, reason_text: str, *, at: dt.datetime
    ) -> DocumentRecord:
        def build(slot: IssueSlot, replaced: DocumentRecord, person: Person) -> DocumentRecord:
            return self._recorder.make(
                slot,
                person,
                self._evaluate(replaced, person),
                at=at,
                summary=replaced.summary,
                carried=carried,
                note=reason_text,
            )

        kind, reason = DocumentKind.CORRECTION, SupersessionReason.CORRECTION
        return self._replace(number, year, kind, reason, at=at, build=build)

    # -- shared steps --------------------------------------------------------------------

    def _history(self, number: str) -> list[DocumentRecord]:
        history = self._registry.history(number)
        if not history:
            raise IssuanceError("no_such_document", f"{number}: no such certificate number")
        if history[-1].issuer != self._config.region:
            raise IssuanceError(
                "other_issuer",
                f"{number} was issued by region {history[-1].issuer}, "
                f"not by this bureau ({self._config.region})",
            )
        revoked = next((d for d in history if d.status is DocumentStatus.REVOKED), None)
        if revoked is not None:  # revocation is final for the number
            raise IssuanceError("number_revoked", number_revoked(revoked).message)
        return history

    def _current(self, number: str) -> dict[int, DocumentRecord]:
        """The current document of each year of ``number``."""
        return {d.year: d for d in self._history(number) if d.status is DocumentStatus.CURRENT}

    def _person(self, id_number: str) -> Person:
        person = self._registry.person(id_number)
        if person is None:  # pragma: no cover - certificates reference people
            raise IssuanceError("unknown_person", "the holder is not in the registry")
        return person

    def _evaluate(
        self,
        replaced: DocumentRecord,
        person: Person,
        records: Sequence[Activity] | None = None,
    ) -> Evaluation:
        """The replaced edition's policy applied to ``records`` (default: the registry's
        current records of its year)."""
        if records is None:
            records = self._registry.activities(person.id_number, year=replaced.year)
        return evaluate(
            get_policy(replaced.policy_id), records, year=replaced.year, subject=Subject.of(person)
        )

    def _current_of(self, number: str, year: int | None) -> DocumentRecord:
        """The current edition of ``number`` for ``year`` (default: the latest year with a
        current document)."""
        current = self._current(number)
        if year is None:
            if not current:
                raise IssuanceError("nothing_to_replace", f"{number} has no current document")
            year = max(current)
        if year not in current:
            raise IssuanceError(
                "nothing_to_replace", f"{number} has no current document for {year}"
            )
        return current[year]

    def _replace(
        self,
        number: str,
        year: int | None,
        kind: DocumentKind,
        reason: SupersessionReason,
        *,
        at: dt.datetime,
        build: _Build,
    ) -> DocumentRecord:
        """Draw the next edition of ``number`` for ``year`` and let ``build`` make it from the
        edition it replaces, read inside the same transaction."""
        self._recorder.check_qr_key(at)
        found = self._current_of(number, year)
        id_number, year = found.id_number, found.year
        region = self._config.region
        with self._registry.issuance(
            id_number=id_number, issuer=region, year=year, at=at, kind=kind, reason=reason
        ) as slot:
            replaced = self._registry.current_document(id_number, issuer=region, year=year)
            if replaced is None or slot.number != number:  # pragma: no cover - checked above
                raise IssuanceError("nothing_to_replace", f"{number} changed meanwhile")
            return build(slot, replaced, self._person(id_number))


__all__ = ["DocumentEditions"]
