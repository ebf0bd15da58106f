"""Making one certificate: QR payload, page, seal, and the file written durably.

:class:`DocumentMaker` touches no registry, so the same object runs in the issuing process
and in forked worker processes (:mod:`signer.issuance.workers`); the caller draws the number and
edition before and records the row after.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from keys.durable import remove_temporaries, sync_folders, write_durably
from keys.private import KeyRing
from registry.home import CHINA_TZ, BureauConfig
from registry.hours import Evaluation, get_policy
from registry.idnumber import mask_id_number
from registry.model import Activity, Category, DocumentKind, HoursSummary, Person
from registry.payload import ID_SALT_BYTES, Claims, encode_payload, id_digest
from registry.store import IssueSlot
from signer.document.content import CertificatePage
from signer.document.geometry import SEAL_BOX
from signer.document.page import PageRenderer
from signer.document.seal_artwork import seal_appearance_pdf
from signer.errors import IssuanceError, write_failed
from signer.pades.signature import SealStamper


@dataclass(frozen=True, slots=True)
class DocumentJob:
    """One document to make: the number and edition drawn for it, and what it states."""

    number: str
    edition: int
    kind: DocumentKind
    year: int
    person: Person
    summary: HoursSummary
    """The hours the document states: the evaluation's, or for a reissue or correction the
    hours carried from the edition it replaces."""
    activities: tuple[Activity, ...]
    """The records the evaluation counted, listed on the page."""

    @classmethod
    def of(
        cls,
        slot: IssueSlot,
        person: Person,
        evaluation: Evaluation,
        summary: HoursSummary | None = None,
    ) -> DocumentJob:
        """The job of ``slot``: the records ``evaluation`` counted, ``summary`` (default:
        the evaluation's). Only what the page and payload need, so that sending it to a
        worker process costs little."""
        counted = tuple(c.activity for c in evaluation.contributions if c.minutes > 0)
        return cls(
            slot.number,
            slot.edition,
            slot.kind,
            slot.year,
            person,
            summary or evaluation.summary,
            counted,
        )


@dataclass(frozen=True, slots=True)
class MadeDocument:
    """A document made and durably written, ready to be recorded."""

    payload: str
    """The QR payload text (``CEC1:`` + Base45)."""
    pdf_sha256: str
    pdf_path: str


@dataclass(frozen=True, slots=True)
class SealedDocument:
    """A sealed document not yet written: what to record, and the file's bytes."""

    made: MadeDocument
    data: bytes


def write_atomically(path: Path, data: bytes, *, keep: Callable[[], bool] | None = None) -> None:
    """Write ``data`` to ``path`` so that the file is either absent or complete
    (:func:`keys.durable.write_durably`); the folder is not synced: the caller syncs it
    (:func:`sync_directories`, once per batch) before it records the document.

    ``keep`` is asked once the data is durable, just before the rename: when it says no
    (a worker whose parent died), the temporary file is removed, nothing is replaced and
    ``abandoned`` is raised. ``write_failed`` when the file cannot be written (disk full,
    no permission): nothing is left at ``path``."""
    try:
        kept = write_durably(path, data, sync_folder=False, keep=keep)
    except OSError as exc:
        raise write_failed(path, exc) from exc
    if not kept:
        raise IssuanceError("abandoned", f"{path.name}: the issuing run ended; not written")


def sync_directories(paths: Iterable[Path]) -> None:
    """fsync the folder of each of ``paths`` once, so that their renames are durable
    (``write_failed`` when the disk refuses)."""
    written = list(paths)
    try:
        sync_folders(written)
    except OSError as exc:
        raise write_failed(written[0].parent, exc) from exc


class DocumentMaker:
    """Renders, seals and writes documents for one bureau. Holds the seal and QR keys."""

    def __init__(
        self,
        *,
        ring: KeyRing,
        config: BureauConfig,
        out_dir: Path,
        renderer: PageRenderer | None = None,
    ) -> None:
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

    def make(
        self,
        job: DocumentJob,
        *,
        at: dt.datetime,
        carried: str | None = None,
    ) -> MadeDocument:
        """:meth:`seal` ``job`` and write it durably (:func:`write_atomically`, then its
        folder synced)."""
        sealed = self.seal(job, at=at, carried=carried)
        path = Path(sealed.made.pdf_path)
        write_atomically(path, sealed.data)
        sync_directories([path])  # before the caller records the document and commits
        return sealed.made

    def remove_leftovers(self, year: int) -> list[Path]:
        """Remove the temporary files that killed runs left in the folder of ``year``
        (:func:`keys.durable.remove_temporaries`; those of running writers stay)."""
        return remove_temporaries(self._out_dir / str(year))

    def seal(
        self,
        job: DocumentJob,
        *,
        at: dt.datetime,
        carried: str | None = None,
    ) -> SealedDocument:
        """The QR payload, page and seal of ``job``, to be written to
        ``<out_dir>/<year>/<number>-<edition>.pdf``; ``carried`` is printed on the page."""
        person, summary = job.person, job.summary
        salt = secrets.token_bytes(ID_SALT_BYTES)
        issued_on = at.astimezone(CHINA_TZ).date()
        claims = Claims(
            number=job.number,
            edition=job.edition,
            kind=job.kind,
            year=job.year,
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
            number=job.number,
            edition=job.edition,
            kind=job.kind,
            year=job.year,
            name=person.name,
            masked_id=claims.masked_id,
            employer=person.employer,
            series=person.series,
            title_level=person.title_level,
            summary=summary,
            activities=job.activities,
            issuer_name=self._config.bureau,
            issue_date=issued_on,
            policy_label=policy.title_zh,
            qr_text=payload,
            note=carried or "",
            verify_url=self._config.verify_url,
        )
        signed = self._stamper.seal(self._renderer.render(page), payload=payload, at=at)
        path = self._out_dir / str(job.year) / f"{job.number}-{job.edition}.pdf"
        return SealedDocument(
            MadeDocument(payload, hashlib.sha256(signed).hexdigest(), str(path)), signed
        )


__all__ = [
    "DocumentJob",
    "DocumentMaker",
    "MadeDocument",
    "SealedDocument",
    "sync_directories",
    "write_atomically",
]
