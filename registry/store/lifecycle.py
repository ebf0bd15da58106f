"""The life of a certificate number in the registry: issuing editions, superseding earlier
ones, revoking. Every change is one transaction with its event (and the digests of the rows
it wrote), so the registry and its log never disagree.

Rules (``docs/lifecycle.md``):

* one number per person and issuing bureau (一人一证); every document is an edition of it;
* a renewal, reissue or correction for a year supersedes every current edition of that year
  (by which edition, when, why) — the old row is never edited otherwise;
* revocation is final: a revoked row can no longer change, and no new edition of any year
  is drawn under a number that has a revoked edition (``number_revoked``; triggers enforce
  both behind cecert's back). Only an explicit bureau decision could lift that, and cecert
  has none.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from registry.documents import DocumentRecord
from registry.errors import RegistryError
from registry.model import (
    DocumentKind,
    DocumentStatus,
    HoursSummary,
    RevocationReason,
    SupersessionReason,
)
from registry.numbering import parse_number
from registry.store.connection import RegistryConnection
from registry.store.digests import digests_of
from registry.store.documents import DocumentReads
from registry.store.events import append_event
from registry.store.records import summary_json
from registry.store.slots import IssueSlot, draw_slot

PERSONAL_REFUSALS = frozenset({"already_issued", "number_revoked"})
"""Refusals of one person's slot in a batch: the batch skips that person and goes on."""
Clock = Callable[[], dt.datetime]
"""Where a change reads the time when it should be the moment the change holds the write
lock (a batch of hours stamps each transaction with its own time, not the run's start)."""
_REASON_FOR_KIND = {
    DocumentKind.RENEWAL: {SupersessionReason.RENEWAL},
    DocumentKind.REISSUE: {SupersessionReason.REISSUE_LOST, SupersessionReason.REISSUE_DAMAGED},
    DocumentKind.CORRECTION: {SupersessionReason.CORRECTION},
}


def moment(at: dt.datetime | Clock) -> dt.datetime:
    """``at``, or the time a :data:`Clock` gives now."""
    return at if isinstance(at, dt.datetime) else at()


class DocumentLifecycle:
    """Issuing, superseding and revoking documents, through ``connection``; ``documents``
    reads back what was written."""

    def __init__(self, connection: RegistryConnection, documents: DocumentReads) -> None:
        self._connection = connection
        self._documents = documents

    @contextmanager
    def issuance(
        self,
        *,
        id_number: str,
        issuer: str,
        year: int,
        at: dt.datetime | Clock,
        kind: DocumentKind = DocumentKind.ORIGINAL,
        reason: SupersessionReason | None = None,
    ) -> Iterator[IssueSlot]:
        """Draw the number and edition for a new document and hold the write lock.

        A :data:`Clock` for ``at`` is read once the lock is held: the slot's ``at``, the time
        the document states, is then never earlier than a snapshot that could miss it
        (:meth:`Registry.snapshot_read` waits for the write lock before it reads).

        Inside the ``with`` block the caller makes the document and calls :meth:`record`;
        leaving the block commits number, document row, supersession and event together.
        Any exception, or leaving without recording, rolls everything back, so no number is
        consumed by a document that does not exist.

        An ``original`` needs no current document for the year (``already_issued``
        otherwise); a renewal, reissue or correction needs one to replace
        (``nothing_to_replace``) and a reason matching its kind (``bad_reason``).
        """
        if kind is not DocumentKind.ORIGINAL and reason not in _REASON_FOR_KIND[kind]:
            raise RegistryError("bad_reason", f"a {kind.value} needs a reason of its kind")
        with self._connection.transaction() as conn:
            slot = draw_slot(conn, id_number, issuer=issuer, year=year, at=moment(at), kind=kind)
            slot.reason = reason
            yield slot
            if slot.recorded is None:
                raise RegistryError(
                    "not_recorded", f"{slot.number}/{slot.edition}: no document recorded"
                )

    @contextmanager
    def issuance_batch(
        self, id_numbers: Sequence[str], *, issuer: str, year: int, at: dt.datetime | Clock
    ) -> Iterator[list[IssueSlot | RegistryError]]:
        """Draw numbers and editions for the originals of many people in ONE transaction.

        Yields one entry per ID number, in order: an :class:`IssueSlot`, or the
        :class:`RegistryError` of a person who may not have one (no slot drawn):
        ``already_issued`` for a current document of ``year``, ``number_revoked``. New
        numbers are drawn in the order given, so serials follow that order exactly as one
        :meth:`issuance` per person would.

        The write lock is held until the block ends: the caller makes every document and
        calls :meth:`record` for each slot inside it. Leaving the block commits all numbers,
        rows and events together; any exception, or a slot left unrecorded
        (``not_recorded``), rolls the whole batch back, so a crash or a failure consumes no
        serial and leaves no row without its document. Other writers wait meanwhile (up to
        ``WRITE_WAIT_SECONDS``): keep batches to what is made in a second or two. A
        :data:`Clock` for ``at`` is read once, the lock held: every slot has that time.
        """
        with self._connection.transaction() as conn:
            now = moment(at)
            slots: list[IssueSlot | RegistryError] = []
            drawn: dict[str, IssueSlot] = {}
            for id_number in id_numbers:
                if (twice := drawn.get(id_number)) is not None:  # named twice in the batch
                    slots.append(
                        RegistryError(
                            "already_issued",
                            f"{twice.number} edition {twice.edition} already covers {year}",
                        )
                    )
                    continue
                try:
                    slot = draw_slot(conn, id_number, issuer=issuer, year=year, at=now)
                except RegistryError as exc:
                    if exc.reason not in PERSONAL_REFUSALS:
                        raise
                    slots.append(exc)
                else:
                    drawn[id_number] = slot
                    slots.append(slot)
            yield slots
            missing = [s for s in slots if isinstance(s, IssueSlot) and s.recorded is None]
            if missing:
                raise RegistryError(
                    "not_recorded",
                    f"{len(missing)} of the batch's documents not recorded, the first "
                    f"{missing[0].number}/{missing[0].edition}",
                )

    def record(
        self,
        slot: IssueSlot,
        *,
        policy_id: str,
        summary: HoursSummary,
        payload: str,
        pdf_sha256: str,
        pdf_path: str,
        at: dt.datetime,
        carried: str | None = None,
        note: str | None = None,
    ) -> DocumentRecord:
        """Record the document of ``slot`` (inside :meth:`issuance`), supersede what it
        replaces, and log it. ``carried`` says what a reissue carried over (or why a
        correction was made); ``note`` is kept as the superseded editions' ``status_note``."""
        conn = self._connection.conn
        when = at.isoformat(timespec="seconds")
        conn.execute(
            "INSERT INTO documents (number, edition, kind, year, policy_id, hours, payload,"
            " pdf_sha256, pdf_path, status, issued_at, issue_reason, carried)"
            " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (
                slot.number,
                slot.edition,
                slot.kind.value,
                slot.year,
                policy_id,
                summary_json(summary),
                payload,
                pdf_sha256,
                pdf_path,
                DocumentStatus.CURRENT.value,
                when,
                slot.reason.value if slot.reason else None,
                carried,
            ),
        )
        replaced: list[int] = []
        if slot.kind is not DocumentKind.ORIGINAL:
            replaced = [
                r[0]
                for r in conn.execute(
                    "SELECT edition FROM documents WHERE number = ? AND year = ?"
                    " AND status = 'current' AND edition < ?",
                    (slot.number, slot.year, slot.edition),
                )
            ]
            conn.execute(
                "UPDATE documents SET status = 'superseded', superseded_by = ?,"
                " status_changed_at = ?, status_reason = ?, status_note = ?"
                " WHERE number = ? AND year = ? AND status = 'current' AND edition < ?",
                (slot.edition, when, slot.reason.value if slot.reason else None, note,
                 slot.number, slot.year, slot.edition),
            )  # fmt: skip
        rows = digests_of(conn, "documents", "number = ?", (slot.number,))
        rows |= digests_of(conn, "certificates", "number = ?", (slot.number,))
        data: dict[str, Any] = {
            "kind": slot.kind.value,
            "year": slot.year,
            "pdf_sha256": pdf_sha256,
            "supersedes": replaced,
            "reason": slot.reason.value if slot.reason else None,
            "rows": rows,
        }
        if note is not None:
            data["note"] = note
        append_event(
            conn,
            kind="issue" if slot.kind is DocumentKind.ORIGINAL else slot.kind.value,
            subject=f"{slot.number}/{slot.edition}",
            data=data,
            at=at,
        )
        document = self._documents.document(slot.number, slot.edition)
        assert document is not None
        slot.recorded = document
        return document

    def revoke(
        self,
        number: str,
        *,
        reason: RevocationReason,
        note: str,
        at: dt.datetime | Clock,
        edition: int | None = None,
    ) -> DocumentRecord:
        """Revoke one edition (default: the latest). Final; refuses a revoked edition, a
        mistyped number (``bad_number``) and one the registry does not hold. A
        :data:`Clock` for ``at`` is read once the write lock is held."""
        number = parse_number(number)
        with self._connection.transaction() as conn:
            at = moment(at)
            if edition is None:
                found = conn.execute(
                    "SELECT MAX(edition) FROM documents WHERE number = ?", (number,)
                ).fetchone()
                edition = found[0] if found else None
                if edition is None:
                    raise RegistryError(
                        "no_such_document",
                        f"登记系统中没有证书编号 {number} ({number}: no such certificate number)",
                    )
            if self._documents.document(number, edition) is None:
                raise RegistryError(
                    "no_such_document",
                    f"证书 {number} 没有第 {edition} 版 ({number} has no edition {edition})",
                )
            status = conn.execute(
                "SELECT status FROM documents WHERE number = ? AND edition = ?", (number, edition)
            ).fetchone()[0]
            if status == DocumentStatus.REVOKED.value:
                raise RegistryError("already_revoked", f"{number} edition {edition} is revoked")
            conn.execute(
                "UPDATE documents SET status = 'revoked', status_changed_at = ?,"
                " status_reason = ?, status_note = ? WHERE number = ? AND edition = ?",
                (at.isoformat(timespec="seconds"), reason.value, note, number, edition),
            )
            rows = digests_of(conn, "documents", "number = ? AND edition = ?", (number, edition))
            append_event(
                conn,
                kind="revoke",
                subject=f"{number}/{edition}",
                data={"reason": reason.value, "note": note, "rows": rows},
                at=at,
            )
        revoked = self._documents.document(number, edition)
        assert revoked is not None
        return revoked
