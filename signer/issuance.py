"""Issuance: eligibility → number → QR payload → page → seal → file → registry record.

One document is one registry transaction (``Registry.issuance``): the number and edition are
drawn, the PDF is rendered, sealed and written (temporary file, fsync, rename), and the
document row is recorded, all before the commit. A failure anywhere rolls the number back;
a crash after the rename but before the commit leaves a file that the next run overwrites
with the same number, so no file is ever counted as issued without its row.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from keys.private import KeyRing
from registry.errors import RegistryError
from registry.home import CHINA_TZ, BureauConfig
from registry.hours import Evaluation, Policy, evaluate, get_policy
from registry.idnumber import mask_id_number
from registry.model import Category, HoursSummary, Person
from registry.payload import ID_SALT_BYTES, Claims, encode_payload, id_digest
from registry.store import DocumentRecord, IssueSlot, Registry
from signer.errors import IssuanceError
from signer.layout import SEAL_BOX, CertificatePage, PageRenderer
from signer.lifecycle import DocumentEditions
from signer.pades import SealStamper
from signer.seal import seal_appearance_pdf

Progress = Callable[[int, int], None]
"""Called with (done, total) after each person."""


@dataclass(frozen=True, slots=True)
class Skipped:
    """A person who got no certificate, and why."""

    masked_id: str
    name: str
    reason: str
    """``not_met``, ``already_issued`` or ``policy_not_applicable``."""
    detail: str


@dataclass(frozen=True, slots=True)
class IssueReport:
    issued: tuple[DocumentRecord, ...]
    skipped: tuple[Skipped, ...]


def write_atomically(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so that the file is either absent or complete."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(temporary, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)


class Issuer(DocumentEditions):
    """Issues certificates for one bureau. Build once per process; it holds the seal key.

    The first edition of each year comes from :meth:`issue`; renewals, reissues and
    corrections from :meth:`renew`, :meth:`reissue` and :meth:`correct`
    (:class:`signer.lifecycle.DocumentEditions`).
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
        self._out_dir = out_dir
        self._renderer = renderer or PageRenderer()
        self._stamper = SealStamper(
            ring,
            seal_pdf=seal_appearance_pdf(config.bureau),
            box=SEAL_BOX,
            bureau=config.bureau,
        )

    def issue(
        self,
        *,
        year: int,
        at: dt.datetime,
        policy_id: str | None = None,
        id_numbers: Sequence[str] | None = None,
        progress: Progress | None = None,
    ) -> IssueReport:
        """Issue the ``year`` certificate to every eligible person (or to ``id_numbers``).

        Running it again issues nothing new: people who already hold a current document for
        the year are reported as skipped (``already_issued``).
        """
        policy = get_policy(policy_id or self._config.default_policy)
        if policy.requirements is None:
            raise IssuanceError(
                "not_annual", f"{policy.id} is not an annual hours policy and cannot issue"
            )
        if not policy.in_force(year):
            raise IssuanceError(
                "policy_not_in_force", f"policy {policy.id} is not in force in {year}"
            )
        self._check_qr_key(at)
        people = self._select(id_numbers)
        issued: list[DocumentRecord] = []
        skipped: list[Skipped] = []
        for done, person in enumerate(people, start=1):
            outcome = self._issue_one(person, policy, year=year, at=at)
            if isinstance(outcome, Skipped):
                skipped.append(outcome)
            else:
                issued.append(outcome)
            if progress is not None:
                progress(done, len(people))
        return IssueReport(tuple(issued), tuple(skipped))

    def _check_qr_key(self, at: dt.datetime) -> None:
        if not self._ring.qr_not_before <= at <= self._ring.qr_not_after:
            raise IssuanceError("qr_key_expired", "the active QR key is not valid now")

    def _select(self, id_numbers: Sequence[str] | None) -> list[Person]:
        if id_numbers is None:
            return list(self._registry.people())
        people: list[Person] = []
        for id_number in id_numbers:
            person = self._registry.person(id_number)
            if person is None:
                raise IssuanceError(
                    "unknown_person", f"ID number {id_number[:4]}… is not in the registry"
                )
            people.append(person)
        return people

    def _issue_one(
        self, person: Person, policy: Policy, *, year: int, at: dt.datetime
    ) -> DocumentRecord | Skipped:
        masked = mask_id_number(person.id_number)
        if not policy.applies_to(person.series, person.title_level):
            return Skipped(masked, person.name, "policy_not_applicable", policy.id)
        evaluation = evaluate(
            policy,
            self._registry.activities(person.id_number, year=year),
            year=year,
            level=person.title_level,
            series=person.series,
        )
        if not evaluation.met:
            detail = "；".join(s.message_zh for s in evaluation.shortfalls)
            return Skipped(masked, person.name, "not_met", detail)
        issuer = self._config.region
        if self._registry.current_document(person.id_number, issuer=issuer, year=year):
            return Skipped(masked, person.name, "already_issued", f"{year}")
        try:
            with self._registry.issuance(
                id_number=person.id_number, issuer=issuer, year=year, at=at
            ) as slot:
                return self._make(slot, person, evaluation, at=at)
        except RegistryError as exc:
            if exc.reason == "already_issued":  # another process was faster
                return Skipped(masked, person.name, "already_issued", str(exc))
            raise

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
        salt = secrets.token_bytes(ID_SALT_BYTES)
        issued_on = at.astimezone(CHINA_TZ).date()
        claims = Claims(
            number=slot.number,
            edition=slot.edition,
            kind=slot.kind,
            year=slot.year,
            name=person.name,
            masked_id=mask_id_number(person.id_number),
            id_salt=salt,
            id_digest=id_digest(salt, person.id_number),
            hours=(
                summary.counted(Category.PUBLIC),
                summary.counted(Category.PROFESSIONAL),
                summary.counted(Category.ELECTIVE),
                summary.total_counted,
            ),
            policy_id=summary.policy_id,
            issuer=self._config.region,
            issued_on=issued_on,
            title_level=person.title_level,
        )
        payload = encode_payload(claims, kid=self._ring.qr.kid, sign=self._ring.qr.sign)
        policy = get_policy(summary.policy_id)
        page = CertificatePage(
            number=slot.number,
            edition=slot.edition,
            kind=slot.kind,
            year=slot.year,
            name=person.name,
            masked_id=claims.masked_id,
            employer=person.employer,
            series=person.series,
            title_level=person.title_level,
            summary=summary,
            activities=tuple(c.activity for c in evaluation.contributions if c.minutes > 0),
            issuer_name=self._config.bureau,
            issue_date=issued_on,
            policy_label=f"{policy.title_zh}（{policy.id}）",
            qr_text=payload,
            note=carried or "",
        )
        signed = self._stamper.seal(self._renderer.render(page), payload=payload, at=at)
        path = self._out_dir / str(slot.year) / f"{slot.number}-{slot.edition}.pdf"
        write_atomically(path, signed)
        return self._registry.record(
            slot,
            policy_id=summary.policy_id,
            summary=summary,
            payload=payload,
            pdf_sha256=hashlib.sha256(signed).hexdigest(),
            pdf_path=str(path),
            at=at,
            carried=carried,
            note=note,
        )


__all__ = ["IssueReport", "Issuer", "Skipped", "write_atomically"]
