"""The registry store: one SQLite file (WAL) opened through sqlite-utils.

Every write is one explicit ``BEGIN IMMEDIATE`` transaction, on the disk when it commits,
rolled back whole when SQLite refuses it (:mod:`.connection`).

:class:`Registry` opens the file and holds one object per concept, each given the open
:class:`.connection.RegistryConnection`; its methods hand each call to the object that
implements it:

* documents read back: :class:`.documents.DocumentReads`;
* issuing, superseding, revoking: :class:`.lifecycle.DocumentLifecycle`;
* people and their records: :class:`.people.PeopleReads`, a page at a time for batches
  :class:`.paging.PagedReads`;
* correcting a person: :class:`.corrections.PersonCorrections`;
* importing: :class:`.imports.RecordImports`;
* the snapshot read: :class:`.snapshots.DocumentSnapshots`;
* the event log's leaves and checkpoints: :class:`.checkpoints.LogCheckpoints`;
* integrity, audit, backup, serials: :class:`.care.RegistryCare`.

The portal's concepts are reached as attributes, each one object: ``registrations``
(:class:`.enrolment.Registrations`), ``declarations`` (:class:`.declarations.Declarations`),
``applications`` (:class:`.applications.Applications`) and the bureau's ``counter``
(:class:`.counter.CounterDesk`; finding holders: :mod:`.holders`) with the signer's
``counter_queue`` (:class:`.counter_queue.CounterQueue`); the training providers'
``providers`` (:class:`.providers.Providers`: registrations and API tokens), ``class_plans``
(:class:`.class_plans.ClassPlans`) and ``rosters`` (:class:`.rosters.Rosters`); the year at a
glance, ``standings`` (:class:`.standings.Standings`); Jiangxi's ``verifications``
(:class:`.verifications.Verifications`).
"""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager
from pathlib import Path

from registry.documents import DocumentRecord
from registry.errors import RegistryError
from registry.model import (
    Activity,
    DocumentKind,
    HoursSummary,
    Person,
    RevocationReason,
    SupersessionReason,
)
from registry.store.applications import Applications
from registry.store.audit import AuditReport
from registry.store.care import RegistryCare
from registry.store.checkpoints import LogCheckpoints
from registry.store.class_plans import ClassPlans
from registry.store.connection import RegistryConnection, connect
from registry.store.corrections import PersonCorrections
from registry.store.counter import CounterDesk
from registry.store.counter_queue import CounterQueue
from registry.store.declarations import Declarations
from registry.store.documents import DocumentReads
from registry.store.enrolment import Registrations
from registry.store.imports import ImportResult, RecordImports
from registry.store.lifecycle import Clock, DocumentLifecycle
from registry.store.migrations import SCHEMA_VERSION
from registry.store.paging import PagedReads
from registry.store.people import PeopleReads
from registry.store.providers import Providers
from registry.store.rosters import Rosters
from registry.store.schema_upgrade import Migrated, migrate, outdated
from registry.store.slots import IssueSlot
from registry.store.snapshots import DocumentSnapshots, SnapshotRead
from registry.store.standings import Standings
from registry.store.verifications import Verifications


class Registry:
    """An open registry file. Create with :meth:`create`, open with :meth:`open`."""

    def __init__(self, path: Path, conn: sqlite3.Connection) -> None:
        self.path = path
        self._conn = conn
        self._connection = connection = RegistryConnection(path, conn)
        self.db = connection.db
        self.migrated: Migrated | None = None
        """What opening it migrated (``None``: nothing was pending)."""
        self._documents = DocumentReads(connection)
        self._lifecycle = DocumentLifecycle(connection, self._documents)
        self._people = PeopleReads(connection)
        self._paging = PagedReads(connection)
        self._corrections = PersonCorrections(connection)
        self._imports = RecordImports(connection)
        self._snapshots = DocumentSnapshots(connection)
        self._checkpoints = LogCheckpoints(connection)
        self._care = RegistryCare(connection)
        self.registrations = Registrations(connection)
        """The portal's employers and professionals registering, and their approvals."""
        self.declarations = Declarations(connection)
        """The portal's declared records, reviews and confirmations."""
        self.applications = Applications(connection)
        """Applications for the year's certificate and the issuance requests they become."""
        self.counter = CounterDesk(connection)
        """The bureau's counter: reissue, renew, correct and revoke, with dual control."""
        self.counter_queue = CounterQueue(connection)
        """The counter's actions as the signer takes and closes them."""
        self.providers = Providers(connection)
        """Training providers' registrations with the bureau, and their API tokens."""
        self.class_plans = ClassPlans(connection)
        """Class plans: filed by a provider, approved by the authority or the bureau."""
        self.rosters = Rosters(connection)
        """Rosters of ended classes, and the confirmed records they make."""
        self.verifications = Verifications(connection)
        """Jiangxi's verifications of an employer's staff for a year (验证专用章)."""
        self.standings = Standings(connection)
        """The year at a glance: everyone's standing, refreshed by a batch job, and its sums."""

    # -- opening -------------------------------------------------------------------------

    @classmethod
    def create(cls, path: Path) -> Registry:
        """Create a new, empty registry; refuse an existing file (``registry_exists``)."""
        if path.exists():
            raise RegistryError("registry_exists", f"{path}: a registry already exists")
        path.parent.mkdir(parents=True, exist_ok=True)
        # Personal data: readable by the owner only, from the first byte.
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        return cls._connect(path, new=True)

    @classmethod
    def open(
        cls, path: Path, *, read_only: bool = False, migrate_at: dt.datetime | None = None
    ) -> Registry:
        """Open an existing registry. One made by an earlier cecert is refused
        (``registry_outdated``) unless ``migrate_at`` is given: then the pending migrations
        run, logged as one ``migrate`` event at that time (:mod:`registry.store.schema_upgrade`);
        :attr:`migrated` says what they did."""
        if not path.is_file():
            raise RegistryError("no_registry", f"{path}: no registry file here")
        return cls._connect(path, read_only=read_only, migrate_at=migrate_at)

    @classmethod
    def _connect(
        cls,
        path: Path,
        *,
        read_only: bool = False,
        migrate_at: dt.datetime | None = None,
        new: bool = False,
    ) -> Registry:
        conn, version = connect(path, read_only=read_only)
        registry = cls(path, conn)
        if version > SCHEMA_VERSION:
            conn.close()
            raise RegistryError(
                "registry_too_new", f"{path}: schema {version} is newer than this cecert"
            )
        if version < SCHEMA_VERSION:
            if read_only or (migrate_at is None and not new):
                conn.close()
                raise outdated(path, version)
            try:
                # The version is read again under the write lock: another process may have
                # migrated meanwhile.
                with registry.transaction() as locked:
                    registry.migrated = migrate(locked, path, at=migrate_at)
            except BaseException:
                conn.close()
                raise
        return registry

    def close(self) -> None:
        self._connection.close()

    def end_transaction(self) -> None:
        """Roll back a transaction left open, if any: the net under a long-lived connection
        (a web worker thread's) between requests; the store's own transactions end
        themselves."""
        self._connection.rollback_open()

    def __enter__(self) -> Registry:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- the connection (:class:`.connection.RegistryConnection`) ------------------------

    def transaction(self) -> AbstractContextManager[sqlite3.Connection]:
        return self._connection.transaction()

    def write_barrier(self) -> AbstractContextManager[None]:
        return self._connection.write_barrier()

    # -- people and records (:class:`.people.PeopleReads`, :class:`.paging.PagedReads`) --

    def person(self, id_number: str) -> Person | None:
        return self._people.person(id_number)

    def people(self) -> Iterator[Person]:
        return self._people.people()

    def activities(self, id_number: str, *, year: int | None = None) -> list[Activity]:
        return self._people.activities(id_number, year=year)

    def count(self, table: str) -> int:
        """Rows in one of the registry's tables."""
        if table not in {"people", "activities", "certificates", "documents", "events"}:
            raise RegistryError("bad_table", f"no table {table!r}")
        return int(self._conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0])  # noqa: S608

    def people_page(self, *, after: str | None, limit: int) -> list[Person]:
        return self._paging.people_page(after=after, limit=limit)

    def activities_of(self, id_numbers: Sequence[str], *, year: int) -> dict[str, list[Activity]]:
        return self._paging.activities_of(id_numbers, year=year)

    def holders(self, id_numbers: Sequence[str], *, issuer: str, year: int) -> set[str]:
        return self._paging.holders(id_numbers, issuer=issuer, year=year)

    # -- documents (:class:`.documents.DocumentReads`) -----------------------------------

    def document(self, number: str, edition: int) -> DocumentRecord | None:
        return self._documents.document(number, edition)

    def current_document(self, id_number: str, *, issuer: str, year: int) -> DocumentRecord | None:
        return self._documents.current_document(id_number, issuer=issuer, year=year)

    def history(self, number: str) -> list[DocumentRecord]:
        return self._documents.history(number)

    def revocation_of(self, number: str) -> DocumentRecord | None:
        return self._documents.revocation_of(number)

    def document_by_sha256(self, pdf_sha256: str) -> DocumentRecord | None:
        return self._documents.document_by_sha256(pdf_sha256)

    def document_status(self, number: str, edition: int) -> tuple[str, str] | None:
        return self._documents.document_status(number, edition)

    def documents(
        self, *, year: int | None = None, id_number: str | None = None
    ) -> list[DocumentRecord]:
        return self._documents.documents(year=year, id_number=id_number)

    # -- issuing, superseding, revoking (:class:`.lifecycle.DocumentLifecycle`) ----------

    def issuance(
        self,
        *,
        id_number: str,
        issuer: str,
        year: int,
        at: dt.datetime | Clock,
        kind: DocumentKind = DocumentKind.ORIGINAL,
        reason: SupersessionReason | None = None,
    ) -> AbstractContextManager[IssueSlot]:
        return self._lifecycle.issuance(
            id_number=id_number, issuer=issuer, year=year, at=at, kind=kind, reason=reason
        )

    def issuance_batch(
        self, id_numbers: Sequence[str], *, issuer: str, year: int, at: dt.datetime | Clock
    ) -> AbstractContextManager[list[IssueSlot | RegistryError]]:
        return self._lifecycle.issuance_batch(id_numbers, issuer=issuer, year=year, at=at)

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
        return self._lifecycle.record(
            slot,
            policy_id=policy_id,
            summary=summary,
            payload=payload,
            pdf_sha256=pdf_sha256,
            pdf_path=pdf_path,
            at=at,
            carried=carried,
            note=note,
        )

    def revoke(
        self,
        number: str,
        *,
        reason: RevocationReason,
        note: str,
        at: dt.datetime | Clock,
        edition: int | None = None,
    ) -> DocumentRecord:
        return self._lifecycle.revoke(number, reason=reason, note=note, at=at, edition=edition)

    # -- correcting and importing people (:mod:`.corrections`, :mod:`.imports`) ----------

    def correct_person(
        self,
        old_id: str,
        *,
        new_id: str | None = None,
        name: str | None = None,
        at: dt.datetime,
        note: str | None = None,
    ) -> Person:
        return self._corrections.correct_person(old_id, new_id=new_id, name=name, at=at, note=note)

    def import_people(
        self, records: list[tuple[int, Person]], *, source: str, at: dt.datetime
    ) -> ImportResult:
        return self._imports.import_people(records, source=source, at=at)

    def import_activities(
        self, records: list[tuple[int, Activity]], *, source: str, at: dt.datetime
    ) -> ImportResult:
        return self._imports.import_activities(records, source=source, at=at)

    # -- snapshots and the log (:mod:`.snapshots`, :mod:`.checkpoints`) ------------------

    def log_size(self) -> int:
        return self._snapshots.log_size()

    def snapshot_read(self) -> AbstractContextManager[SnapshotRead]:
        return self._snapshots.snapshot_read()

    def event_hashes(self) -> list[str]:
        return self._checkpoints.event_hashes()

    def add_checkpoint(self, tree_size: int, text: str) -> str:
        return self._checkpoints.add_checkpoint(tree_size, text)

    def checkpoints(self) -> list[tuple[int, str]]:
        return self._checkpoints.checkpoints()

    # -- looking after the file (:class:`.care.RegistryCare`) ----------------------------

    def audit(self, *, certificates_dir: Path | None = None) -> AuditReport:
        return self._care.audit(certificates_dir=certificates_dir)

    def integrity(self) -> list[str]:
        return self._care.integrity()

    def backup(self, target: Path) -> None:
        self._care.backup(target)

    def reserve_serials(self, region: str, last_serial: int) -> int:
        return self._care.reserve_serials(region, last_serial)
