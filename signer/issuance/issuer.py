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
caller keeps every record (``keep_records``).
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from keys.private import KeyRing
from registry.errors import RegistryError
from registry.home import BureauConfig
from registry.hours import Evaluation, Policy, Subject, evaluate, get_policy, refusal
from registry.hours.reasons import cause_label_zh
from registry.idnumber import mask_id_number
from registry.model import NAME_MAX_CHARS, UNPRINTABLE, HoursSummary, Person, check_text
from registry.store import PERSONAL_REFUSALS, Clock, DocumentRecord, IssueSlot, Registry, moment
from signer.document.page import PageRenderer
from signer.errors import IssuanceError
from signer.issuance.editions import DocumentEditions
from signer.issuance.maker import (
    DocumentJob,
    DocumentMaker,
    MadeDocument,
    sync_directories,
    write_atomically,
)
from signer.issuance.workers import PERSON_FAULTS, Unmade, WorkerPool

Progress = Callable[[int, int], None]
"""Called with (done, total) after each person (after each batch's commit with workers)."""
Issued = Callable[[DocumentRecord], None]
"""Called with each document once it is committed."""

PAGE = 1_000
"""People read per query."""
BATCH = 64
"""Documents per transaction with workers: the write lock is held while they are made, so
other writers wait at most one batch (≈ 2 s at 30 certificates/s, 0.2 s at 300/s)."""


@dataclass(frozen=True, slots=True)
class Skipped:
    """A person who got no certificate, and why."""

    masked_id: str
    name: str
    """The name as a report may print it (:func:`_shown`)."""
    reason: str
    """``not_met``, ``already_issued``, ``number_revoked``, ``unknown_series`` or a policy refusal
    (``outside_jurisdiction``, ``series_not_covered``, ``level_not_covered``,
    ``series_own_policy``)."""
    detail: str
    """For people: Chinese first, with their figures (what was recorded, what counted, why)."""
    causes: tuple[tuple[str, str], ...] = ()
    """``(code, 中文)`` of why, without the person's figures: what a batch groups by."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "name", _shown(self.name))


UNMAKEABLE_ZH = {
    "bad_character": "姓名、工作单位或职称系列含控制或格式字符",
    "text_too_long": "姓名过长，二维码将无法核验",
    "glyph_missing": "有字符不在证书字体中",
    "qr_too_long": "二维码内容过长",
}
"""Why one person's document cannot be made, in Chinese. A batch skips that person, reports
them with this cause and issues everyone else. The first two are found before a number is
drawn (stored before import refused such text: :func:`registry.model.check_text`), the
others when the page is drawn (:data:`signer.issuance.workers.PERSON_FAULTS`)."""


def _shown(name: str) -> str:
    """``name`` as a report may print it: a character of :data:`registry.model.UNPRINTABLE`
    as ``⟨U+202E⟩`` (printed raw, it could turn the line around or drive the terminal), and
    cut with ``…`` after :data:`registry.model.NAME_MAX_CHARS` characters."""
    shown = "".join(
        f"⟨U+{ord(c):04X}⟩" if unicodedata.category(c) in UNPRINTABLE else c
        for c in name[:NAME_MAX_CHARS]
    )
    return shown + ("…" if len(name) > NAME_MAX_CHARS else "")


def _unmakeable(person: Person, reason: str, message: str) -> Skipped:
    """The skip of a person whose document cannot be made (:data:`UNMAKEABLE_ZH`)."""
    label = UNMAKEABLE_ZH[reason]
    detail = f"无法制作此人的证书（{label}），已跳过，其余照常签发：{message}"
    masked = mask_id_number(person.id_number)
    return Skipped(masked, person.name, reason, detail, ((reason, label),))


def _identity_fault(person: Person) -> RegistryError | None:
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


class _Remake(Exception):
    """Raised inside a batch's transaction to roll it back: documents of the batch could not
    be made (``unmade``: their indexes in the batch, and why)."""

    def __init__(self, unmade: list[tuple[int, Unmade]]) -> None:
        super().__init__(f"{len(unmade)} document(s) of the batch could not be made")
        self.unmade = unmade


@dataclass(frozen=True, slots=True)
class SkipGroup:
    """The people a batch skipped for the same causes."""

    codes: tuple[str, ...]
    label_zh: str
    count: int


@dataclass(frozen=True, slots=True)
class IssueReport:
    issued: tuple[DocumentRecord, ...]
    """The documents issued, in the order they were committed; empty when the batch ran
    with ``keep_records=False`` (then count with :attr:`issued_count`)."""
    skipped: tuple[Skipped, ...]
    issued_count: int
    """How many documents were issued."""

    def skipped_by_cause(self) -> tuple[SkipGroup, ...]:
        """The skipped people grouped by their causes, the largest group first, so that a
        bureau whose whole sheet lacks a column sees that in one line."""
        groups: dict[tuple[str, ...], tuple[str, int]] = {}
        for item in self.skipped:
            causes = item.causes or ((item.reason, cause_label_zh(item.reason)),)
            codes = tuple(code for code, _label in causes)
            label = "；".join(label for _code, label in causes)
            groups[codes] = (label, groups.get(codes, (label, 0))[1] + 1)
        ordered = sorted(groups.items(), key=lambda item: (-item[1][1], item[0]))
        return tuple(SkipGroup(codes, label, count) for codes, (label, count) in ordered)


class _Tally:
    """What a batch did so far: counts, skips, the records if kept; reports progress."""

    def __init__(
        self, total: int, progress: Progress | None, keep: bool, on_issued: Issued | None
    ) -> None:
        self.total = total
        self.done = 0
        self.count = 0
        self.issued: list[DocumentRecord] = []
        self.skipped: list[Skipped] = []
        self._progress = progress
        self._keep = keep
        self._on_issued = on_issued

    def add(self, outcome: DocumentRecord | Skipped) -> None:
        if isinstance(outcome, Skipped):
            self.skipped.append(outcome)
        else:
            self.count += 1
            if self._keep:
                self.issued.append(outcome)
            if self._on_issued is not None:
                self._on_issued(outcome)
        self.done += 1
        if self._progress is not None:
            self._progress(self.done, self.total)

    def report(self) -> IssueReport:
        return IssueReport(tuple(self.issued), tuple(self.skipped), self.count)


class Issuer(DocumentEditions):
    """Issues certificates for one bureau. Build once per process; it holds the seal key.

    The first edition of each year comes from :meth:`issue`; renewals, reissues and
    corrections from :meth:`renew`, :meth:`reissue` and :meth:`correct`
    (:class:`signer.issuance.editions.DocumentEditions`).
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
        self._ring = ring
        self._config = config
        self._maker = DocumentMaker(ring=ring, config=config, out_dir=out_dir, renderer=renderer)

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
        self._check_qr_key(at)
        self._maker.remove_leftovers(year)  # temporary files of a killed run
        chosen = self._select(id_numbers) if id_numbers is not None else None
        total = len(chosen) if chosen is not None else self._registry.count("people")
        tally = _Tally(total, progress, keep_records, on_issued)
        when: dt.datetime | Clock = clock or at
        pool = WorkerPool(self._maker, workers) if workers > 1 else None
        try:
            for page in self._pages(chosen):
                eligible = self._eligible(
                    page, policy, year=year, tally=tally, follow_series=policy_id is None
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

    def _check_qr_key(self, at: dt.datetime) -> None:
        if not self._ring.qr_not_before <= at <= self._ring.qr_not_after:
            raise IssuanceError("qr_key_expired", "the active QR key is not valid now")

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

    def _eligible(
        self,
        page: list[Person],
        policy: Policy,
        *,
        year: int,
        tally: _Tally,
        follow_series: bool,
    ) -> list[tuple[Person, Evaluation]]:
        """The people of ``page`` whom ``policy`` (or, with ``follow_series``, the policy their
        series has instead) may judge, whose hours meet it and who hold no document of
        ``year`` yet; the others go to ``tally`` as skipped."""
        ids = [p.id_number for p in page]
        records = self._registry.activities_of(ids, year=year)
        holders = self._registry.holders(ids, issuer=self._config.region, year=year)
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
            evaluation = evaluate(
                chosen, records.get(person.id_number, []), year=year, subject=subject
            )
            if not evaluation.met:
                detail = "；".join(s.message_zh for s in evaluation.shortfalls)
                tally.add(Skipped(masked, person.name, "not_met", detail, evaluation.causes()))
            elif person.id_number in holders:
                tally.add(Skipped(masked, person.name, "already_issued", f"{year}年度证书已颁发"))
            elif (fault := _identity_fault(person)) is not None:
                tally.add(_unmakeable(person, fault.reason, fault.message))
            else:
                eligible.append((person, evaluation))
        return eligible

    def _issue_one(
        self, person: Person, evaluation: Evaluation, *, year: int, at: dt.datetime | Clock
    ) -> DocumentRecord | Skipped:
        try:
            with self._registry.issuance(
                id_number=person.id_number, issuer=self._config.region, year=year, at=at
            ) as slot:
                self._check_qr_key(slot.at)
                return self._make(slot, person, evaluation, at=slot.at)
        except (RegistryError, IssuanceError) as exc:
            if exc.reason in PERSON_FAULTS:  # rolled back before any file was written
                return _unmakeable(person, exc.reason, exc.message)
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
                    skipped.append(_unmakeable(batch[index][0], unmade.reason, unmade.message))
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
            stamped = drawn[0][1].at if drawn else moment(at)  # one time for the batch
            self._check_qr_key(stamped)
            # Rows are written as the documents come back (in order), while the workers
            # make the rest; the commit waits for the folder's fsync, so no row is ever
            # committed before its file is durable.
            recorded: list[DocumentRecord] = []
            written: list[Path] = []
            unmade: list[tuple[int, Unmade]] = []
            try:
                for (index, drawn_slot, evaluation), document in zip(
                    drawn, pool.imap(jobs, at=stamped), strict=True
                ):
                    if isinstance(document, Unmade):
                        unmade.append((index, document))
                        continue
                    written.append(Path(document.pdf_path))
                    if not unmade:  # else the batch is made again: nothing more to record
                        recorded.append(
                            self._record(drawn_slot, evaluation.summary, document, at=drawn_slot.at)
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

    def _make(
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
        return self._record(slot, summary, made, at=at, carried=carried, note=note)

    def _record(
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


__all__ = ["IssueReport", "Issuer", "SkipGroup", "Skipped", "write_atomically"]
