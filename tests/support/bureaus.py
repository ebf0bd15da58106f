"""Bureaus whose certificates a test may renew, reissue, correct or revoke.

:func:`bureau` is the demo bureau (Guangzhou) on a private copy of the session home, its
holder 张伟; :func:`make_guangde_bureau` is a Guangde bureau (Anhui) with one holder issued
for 2020, whose reissues ask for the professional proofs again."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest

from keys import parse_trust_list
from keys.private import open_key_ring
from registry.home import BureauConfig, Home
from registry.model import Activity, Category, Confirmer, Person, RecordStatus, TitleLevel
from registry.numbering import mod11_2
from registry.store import DocumentRecord, Registry
from signer import Issuer, init_home
from tests.conftest import AT, CONFIG, LATER, PASSPHRASE, IssuedHome
from verifier import RegistryStatus, VerificationReport, Verifier

CHANGED = AT + dt.timedelta(days=1)
"""When editions are renewed, reissued, corrected or revoked; verification is at LATER."""

# --- the demo bureau ----------------------------------------------------------------------

HOLDER = "440106198503120031"
"""张伟: public 20 h, professional 46 h (two records), elective 12 h in 2025."""


@dataclasses.dataclass
class Bureau:
    home: IssuedHome
    registry: Registry
    issuer: Issuer

    @property
    def original(self) -> DocumentRecord:
        return next(d for d in self.home.documents if d.id_number == HOLDER)

    def verifier(self) -> Verifier:
        return Verifier(self.home.trust, status=RegistryStatus(self.registry))

    def verify_pdf(self, document: DocumentRecord) -> VerificationReport:
        return self.verifier().verify_pdf(Path(document.pdf_path).read_bytes(), at=LATER)

    def verify_qr(self, document: DocumentRecord) -> VerificationReport:
        return self.verifier().verify_text(document.payload, at=LATER)


@pytest.fixture
def bureau(fresh_home: IssuedHome) -> Iterator[Bureau]:
    home = fresh_home.home
    ring = open_key_ring(home.keys_dir, passphrase=PASSPHRASE)
    registry = Registry.open(home.registry_path)
    issuer = Issuer(registry=registry, ring=ring, config=CONFIG, out_dir=home.certificates_dir)
    # The session's documents name the session home's files: point them at this copy.
    documents = tuple(
        dataclasses.replace(d, pdf_path=str(fresh_home.pdf(d))) for d in fresh_home.documents
    )
    yield Bureau(dataclasses.replace(fresh_home, documents=documents), registry, issuer)
    registry.close()


# --- a Guangde bureau ---------------------------------------------------------------------

GUANGDE = BureauConfig(
    bureau="广德市人力资源和社会保障局",
    region="341882",
    province="安徽省人力资源和社会保障厅",
    default_policy="ah-guangde-2020",
)
GUANGDE_HOLDER = "34188219900101123" + mod11_2("34188219900101123")


def guangde_record(category: Category, title: str, hours: int, **extra: object) -> Activity:
    values: dict[str, object] = {
        "id_number": GUANGDE_HOLDER,
        "year": 2020,
        "category": category,
        "kind": "face_to_face",
        "title": title,
        "course_code": "",
        "minutes": hours * 60,
        "start_date": dt.date(2020, 6, 1),
        "end_date": dt.date(2020, 6, 5),
        "provider": "宣城市机械电子工程学校",
        "score": None,
        "role": None,
        "status": RecordStatus.CONFIRMED,
        "confirmed_by": Confirmer.HR_BUREAU,
    }
    values.update(extra)
    return Activity(**values)  # type: ignore[arg-type]


GUANGDE_RECORDS = [
    guangde_record(
        Category.PUBLIC,
        "新时代专业技术人员新理念素养提升",
        30,
        kind="online_course",
        score=Decimal(82),
        course_code="AH2020-GX",
    ),
    guangde_record(Category.PROFESSIONAL, "机械制造新技术研修班", 36),
    guangde_record(Category.PROFESSIONAL, "数控加工工艺", 24, end_date=dt.date(2020, 9, 1)),
]


@dataclasses.dataclass
class GuangdeBureau:
    home: Home
    registry: Registry
    issuer: Issuer
    original: DocumentRecord

    def verifier(self) -> Verifier:
        trust = parse_trust_list(self.home.trust_list_path.read_bytes())
        return Verifier(trust, status=RegistryStatus(self.registry))


def make_guangde_bureau(root: Path) -> GuangdeBureau:
    """A Guangde bureau's home with one holder issued for 2020 (public 30 h, professional
    60 h); the registry stays open in the result (close it)."""
    home = Home(root)
    init_home(home, config=GUANGDE, passphrase=PASSPHRASE, at=AT)
    ring = open_key_ring(home.keys_dir, passphrase=PASSPHRASE)
    registry = Registry.open(home.registry_path)
    person = Person(
        GUANGDE_HOLDER, "周䶮", "宣城市机械电子工程学校", "工程技术", TitleLevel.INTERMEDIATE,
        dt.date(2016, 7, 1), "341882",
    )  # fmt: skip
    registry.import_people([(2, person)], source="people", at=AT)
    registry.import_activities(list(enumerate(GUANGDE_RECORDS, start=2)), source="records", at=AT)
    issuer = Issuer(registry=registry, ring=ring, config=GUANGDE, out_dir=home.certificates_dir)
    report = issuer.issue(year=2020, at=AT)
    (original,) = report.issued
    return GuangdeBureau(home, registry, issuer, original)
