"""The step every issuance shares, originals and new editions alike: make the document of a
drawn slot (:class:`signer.issuance.maker.DocumentMaker`) and record it in the open registry
transaction (``Registry.record``), once the active QR key is known to be valid for the time
the document states."""

from __future__ import annotations

import datetime as dt

from keys.private import KeyRing
from registry.hours import Evaluation
from registry.model import HoursSummary, Person
from registry.store import DocumentRecord, IssueSlot, Registry
from signer.errors import IssuanceError
from signer.issuance.maker import DocumentJob, DocumentMaker, MadeDocument


class DocumentRecorder:
    """Makes and records one document in an open issuance: the ``maker`` writes it, the
    ``registry`` records it; the ``ring``'s QR key must be valid at the time it states."""

    def __init__(self, *, registry: Registry, ring: KeyRing, maker: DocumentMaker) -> None:
        self._registry = registry
        self._ring = ring
        self._maker = maker

    def check_qr_key(self, at: dt.datetime) -> None:
        if not self._ring.qr_not_before <= at <= self._ring.qr_not_after:
            raise IssuanceError("qr_key_expired", "the active QR key is not valid now")

    def make(
        self,
        slot: IssueSlot,
        person: Person,
        evaluation: Evaluation,
        *,
        at: dt.datetime,
        summary: HoursSummary | None = None,
        carried: str | None = None,
        note: str | None = None,
    ) -> DocumentRecord:
        """Make, seal, write and record the document of ``slot`` (inside
        :meth:`Registry.issuance`).

        The hours are ``summary`` when given (a reissue or correction states hours carried
        from the edition it replaces), else the evaluation's; the page lists the records the
        evaluation counted. ``carried`` is printed on the page and stored with the document;
        ``note`` becomes the superseded editions' status note.
        """
        if summary is None:
            summary = evaluation.summary
        job = DocumentJob.of(slot, person, evaluation, summary)
        made = self._maker.make(job, at=at, carried=carried)
        return self.record(slot, summary, made, at=at, carried=carried, note=note)

    def record(
        self,
        slot: IssueSlot,
        summary: HoursSummary,
        made: MadeDocument,
        *,
        at: dt.datetime,
        carried: str | None = None,
        note: str | None = None,
    ) -> DocumentRecord:
        """Record ``made`` (durably written) as the document of ``slot``, stating
        ``summary``: in the open issuance transaction, one call per document."""
        return self._registry.record(
            slot,
            policy_id=summary.policy_id,
            summary=summary,
            payload=made.payload,
            pdf_sha256=made.pdf_sha256,
            pdf_path=made.pdf_path,
            at=at,
            carried=carried,
            note=note,
        )


__all__ = ["DocumentRecorder"]
