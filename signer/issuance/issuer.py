"""Issuance: eligibility → number → QR payload → page → seal → file → registry record.

With one worker (``workers=1``) one document is one registry transaction
(``Registry.issuance``): the number and edition are drawn, the PDF is rendered, sealed and
written (temporary file, fsync, rename), and the document row is recorded, all before the
commit. With more, the process that called :meth:`Issuer.issue` is the one writer: it draws
the numbers of a batch of documents in one transaction (``Registry.issuance_batch``), forked
workers (:mod:`signer.issuance.workers`) make and write the batch's files, and the writer records
every row and commits. Either way a failure or a crash rolls back every number not committed, and a
crash after a rename but before the commit leaves a file that the next run overwrites with
the same number, so no file is ever counted as issued without its row
(``docs/performance.md``, *Issuance pipeline: workers and one writer*).

People are read a page at a time (:data:`PAGE` people, one query each for the people, their
records and who already holds a document), so memory does not grow with the batch unless the
caller keeps every record (``keep_records``). Who of them gets a certificate is decided in
:mod:`signer.issuance.eligibility`; what the run returns is :mod:`signer.issuance.report`'s.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from pathlib import Path

from keys.private import KeyRing
from registry.errors import RegistryError
from registry.home import BureauConfig
from registry.hours import Evaluation, get_policy
from registry.idnumber import mask_id_number
from registry.model import Activity, Person
from registry.store import PERSONAL_REFUSALS, Clock, DocumentRecord, IssueSlot, Registry
from signer.document.page import PageRenderer
from signer.errors import IssuanceError
from signer.issuance.carry_over import ReissuePlan, ReissueReason
from signer.issuance.editions import DocumentEditions
from signer.issuance.eligibility import eligible_people
from signer.issuance.maker import DocumentJob, DocumentMaker, sync_directories, write_atomically
from signer.issuance.recorder import DocumentRecorder
from signer.issuance.report import Issued, IssueReport, Progress, Skipped, Tally, unmakeable
from signer.issuance.workers import PERSON_FAULTS, Unmade, WorkerPool

PAGE = 1_000
"""People read per query."""
BATCH = 64
"""Documents per transaction with workers: the write lock is held while they are made, so
other writers wait at most one batch (≈ 2 s at 30 certificates/s, 0.2 s at 300/s)."""


class _Remake(Exception):
    """Raised inside a batch's transaction to roll it back: documents of the batch could not
    be made (``unmade``: their indexes in the batch, and why)."""

    def __init__(self, unmade: list[tuple[int, Unmade]]) -> None:
        super().__init__(f"{len(unmade)} document(s) of the batch could not be made")
        self.unmade = unmade


class Issuer:
    """Issues certificates for one bureau. Build once per process; it holds the seal key.

    The first edition of each year comes from :meth:`issue`; renewals, reissues and
    corrections from :meth:`renew`, :meth:`reissue` and :meth:`correct`
    (:class:`signer.issuance.editions.DocumentEditions`, which it holds). Both make and
    record each document with one :class:`signer.issuance.recorder.DocumentRecorder`.
    """

    def __init__(
        self,
        *,
        registry: Registry,
        ring: KeyRing,
        config: BureauConfig,
        out_dir: Path,
        renderer: PageRenderer | None = None,
    ) -> None:
        self._registry = registry
        self._config = config
        self._maker = DocumentMaker(ring=ring, config=config, out_dir=out_dir, renderer=renderer)
        self._recorder = DocumentRecorder(registry=registry, ring=ring, maker=self._maker)
        self._editions = DocumentEditions(registry=registry, config=config, recorder=self._recorder)

    @property
    def region(self) -> str:
        """The bureau's region code: the ``issuer`` of every document it issues."""
        return self._config.region

    def issue(
        self,
        *,
        year: int,
        at: dt.datetime,
        policy_id: str | None = None,
        id_numbers: Sequence[str] | None = None,
        progress: Progress | None = None,
        workers: int = 1,
        keep_records: bool = True,
        on_issued: Issued | None = None,
        clock: Clock | None = None,
    ) -> IssueReport:
        """Issue the ``year`` certificate to every eligible person (or to ``id_numbers``).

        Running it again issues nothing new: people who already hold a current document for
        the year are reported as skipped (``already_issued``).

        Without ``policy_id`` the home's default policy judges everyone, except the series
        it sends to a policy of their own (accounting and archives under ``gd-2010``), who
        are judged by that one; with ``policy_id`` only that policy judges, and the people it
        may not judge are skipped with its refusal. Raises ``RegistryError
        ('policy_not_in_force')`` for a policy outside its dates.

        ``workers`` > 1 forks that many processes to make the documents while this process
        draws the numbers and records the rows, :data:`BATCH` documents per transaction;
        the result is the same documents, numbers in the same order. ``keep_records=False``
        keeps only counts and skips in the report, for batches too large to hold every
        record in memory; ``on_issued`` sees each document once committed.

        Documents state ``at``; with a ``clock`` each transaction (one person, or a batch
        with workers) reads its own time from it once it holds the write lock, and its
        documents state that: a run that crosses midnight dates what it issues after
        midnight with the new day, as a snapshot taken then expects (``at`` is the run's
        start, for the checks made before the first transaction).
        """
        policy = get_policy(policy_id or self._config.default_policy)
        if not policy.annual:
            raise IssuanceError(
                "not_annual", f"{policy.id} is not an annual hours policy and cannot issue"
            )
        policy.check_in_force(year=year)
        if workers < 1:
            raise IssuanceError("bad_workers", f"workers must be at least 1, not {workers}")
        self._recorder.check_qr_key(at)
        self._maker.remove_leftovers(year)  # temporary files of a killed run
        chosen = self._select(id_numbers) if id_numbers is not None else None
        total = len(chosen) if chosen is not None else self._registry.count("people")
        tally = Tally(total, progress, keep_records, on_issued)
        when: dt.datetime | Clock = clock or at
        pool = WorkerPool(self._maker, workers) if workers > 1 else None
        try:
            for page in self._pages(chosen):
                eligible = eligible_people(
                    self._registry,
                    page,
                    policy,
                    issuer=self._config.region,
                    year=year,
                    tally=tally,
                    follow_series=policy_id is None,
                )
                if pool is None:
                    for person, evaluation in eligible:
                        tally.add(self._issue_one(person, evaluation, year=year, at=when))
                    continue
                for start in range(0, len(eligible), BATCH):
                    batch = eligible[start : start + BATCH]
                    for outcome in self._issue_batch(batch, pool, year=year, at=when):
                        tally.add(outcome)
        except BaseException:
            if pool is not None:
                pool.close(graceful=False)
            raise
        if pool is not None:
            pool.close()
        return tally.report()

    def _select(self, id_numbers: Sequence[str]) -> list[Person]:
        people: list[Person] = []
        for id_number in id_numbers:
            person = self._registry.person(id_number)
            if person is None:
                raise IssuanceError(
                    "unknown_person", f"ID number {id_number[:4]}… is not in the registry"
                )
            people.append(person)
        return people

    def _pages(self, chosen: list[Person] | None) -> Iterator[list[Person]]:
        """The people to go through, :data:`PAGE` at a time, in ID number order (or in the
        order chosen)."""
        if chosen is not None:
            for start in range(0, len(chosen), PAGE):
                yield chosen[start : start + PAGE]
            return
        after: str | None = None
        while page := self._registry.people_page(after=after, limit=PAGE):
            yield page
            after = page[-1].id_number

    def _issue_one(
        self, person: Person, evaluation: Evaluation, *, year: int, at: dt.datetime | Clock
    ) -> DocumentRecord | Skipped:
        try:
            with self._registry.issuance(
                id_number=person.id_number, issuer=self._config.region, year=year, at=at
            ) as slot:
                self._recorder.check_qr_key(slot.at)
                return self._recorder.make(slot, person, evaluation, at=slot.at)
        except (RegistryError, IssuanceError) as exc:
            if exc.reason in PERSON_FAULTS:  # rolled back before any file was written
                return unmakeable(person, exc.reason, exc.message)
            if exc.reason in PERSONAL_REFUSALS:  # issued meanwhile, or the number is revoked
                masked = mask_id_number(person.id_number)
                return Skipped(masked, person.name, exc.reason, exc.message)
            raise

    def _issue_batch(
        self,
        batch: list[tuple[Person, Evaluation]],
        pool: WorkerPool,
        *,
        year: int,
        at: dt.datetime | Clock,
    ) -> list[DocumentRecord | Skipped]:
        """Issue ``batch`` in one transaction (:meth:`_try_batch`). When documents of it
        cannot be made (:data:`signer.issuance.workers.PERSON_FAULTS`), that transaction is rolled
        back and the batch made again without those people, who are skipped: serials stay
        gapless and in order, and one person never stops the others."""
        skipped: list[DocumentRecord | Skipped] = []
        while True:
            try:
                return skipped + self._try_batch(batch, pool, year=year, at=at)
            except _Remake as remake:
                left_out = {index for index, _unmade in remake.unmade}
                for index, unmade in remake.unmade:
                    skipped.append(unmakeable(batch[index][0], unmade.reason, unmade.message))
                batch = [item for index, item in enumerate(batch) if index not in left_out]

    def _try_batch(
        self,
        batch: list[tuple[Person, Evaluation]],
        pool: WorkerPool,
        *,
        year: int,
        at: dt.datetime | Clock,
    ) -> list[DocumentRecord | Skipped]:
        """One transaction: draw the batch's numbers, have the workers make and write the
        documents, make the renames durable, record every row, commit. Raises
        :class:`_Remake`, rolled back and this attempt's files removed, when a document
        could not be made."""
        ids = [person.id_number for person, _evaluation in batch]
        outcomes: list[DocumentRecord | Skipped] = []
        with self._registry.issuance_batch(
            ids, issuer=self._config.region, year=year, at=at
        ) as slots:
            drawn = [
                (index, slot, evaluation)
                for index, (slot, (_person, evaluation)) in enumerate(
                    zip(slots, batch, strict=True)
                )
                if isinstance(slot, IssueSlot)
            ]
            jobs = [DocumentJob.of(s, batch[i][0], evaluation) for i, s, evaluation in drawn]
            # Every slot states the one time the batch read under its lock; with no slot
            # drawn there is nothing to make, and no time to check.
            if drawn:
                self._recorder.check_qr_key(drawn[0][1].at)
            made = pool.imap(jobs, at=drawn[0][1].at) if drawn else iter(())
            # Rows are written as the documents come back (in order), while the workers
            # make the rest; the commit waits for the folder's fsync, so no row is ever
            # committed before its file is durable.
            recorded: list[DocumentRecord] = []
            written: list[Path] = []
            unmade: list[tuple[int, Unmade]] = []
            try:
                for (index, drawn_slot, evaluation), document in zip(drawn, made, strict=True):
                    if isinstance(document, Unmade):
                        unmade.append((index, document))
                        continue
                    written.append(Path(document.pdf_path))
                    if not unmade:  # else the batch is made again: nothing more to record
                        recorded.append(
                            self._recorder.record(
                                drawn_slot, evaluation.summary, document, at=drawn_slot.at
                            )
                        )
            except BaseException:
                # Stop every worker before the batch is rolled back: none may put a file in
                # place once its number is free again for another writer to draw.
                pool.close(graceful=False)
                raise
            if unmade:
                # Every file of this attempt is in place (imap waits for them) and its number
                # still held by this transaction: remove them before it is rolled back, so
                # that no file outlives its number.
                for path in written:
                    path.unlink(missing_ok=True)
                raise _Remake(unmade)
            sync_directories(written)
        records = iter(recorded)
        for slot, (person, _evaluation) in zip(slots, batch, strict=True):
            if isinstance(slot, IssueSlot):
                outcomes.append(next(records))
            else:  # issued by another process since the page was read, or number revoked
                masked = mask_id_number(person.id_number)
                outcomes.append(Skipped(masked, person.name, slot.reason, slot.message))
        return outcomes

    # -- new editions (:class:`signer.issuance.editions.DocumentEditions`) ---------------

    def renew(self, number: str, *, year: int | None = None, at: dt.datetime) -> DocumentRecord:
        return self._editions.renew(number, year=year, at=at)

    def plan_reissue(
        self,
        number: str,
        *,
        reason: ReissueReason,
        year: int | None = None,
        reproven: Sequence[Activity] = (),
    ) -> ReissuePlan:
        return self._editions.plan_reissue(number, reason=reason, year=year, reproven=reproven)

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
        return self._editions.reissue(
            number,
            reason=reason,
            year=year,
            reproven=reproven,
            accept_shortfall=accept_shortfall,
            at=at,
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
        return self._editions.correct(
            number, name=name, id_number=id_number, reason_text=reason_text, at=at
        )


__all__ = ["Issuer", "write_atomically"]
