"""The panel check's acceptance scenario, built in a real home with real certificates.

One candidate (陈𠈌明, a rare character in the name) with certificates for 2020-2024 from the
Gaoming bureau: 2021 was reissued (edition 2 superseded by a reissue edition), 2022's
certificate states too few professional hours. A second person holds a 2023 certificate,
for the "someone else's certificate" cases.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from keys import TrustList, parse_trust_list
from keys.private import open_key_ring
from registry.home import BureauConfig, Home
from registry.hours import Subject, evaluate, get_policy
from registry.idnumber import mod11_2_check
from registry.model import (
    Activity,
    Category,
    DocumentKind,
    Person,
    RecordStatus,
    SupersessionReason,
    TitleLevel,
)
from registry.store import DocumentRecord, Registry
from signer import Issuer, init_home
from signer.issuance.maker import DocumentMaker
from signer.issuance.recorder import DocumentRecorder

CANDIDATE_ID = "44060819850312003" + mod11_2_check("44060819850312003")
CANDIDATE_NAME = "陈𠈌明"
OTHER_ID = "44060819900101002" + mod11_2_check("44060819900101002")
OTHER_NAME = "李四"
REGION = "440608"
CONFIG = BureauConfig(
    bureau="佛山市高明区人力资源和社会保障局",
    region=REGION,
    province="广东省人力资源和社会保障厅",
    default_policy="gd-2010",
)
INIT_AT = dt.datetime(2025, 1, 2, 1, 0, tzinfo=dt.UTC)
YEARS = (2020, 2021, 2022, 2023, 2024)
SHORT_YEAR = 2022
REISSUED_YEAR = 2021
SHORT_PROFESSIONAL_HOURS = 30
TITLE_DATE = dt.date(2019, 6, 30)
EVALUATION_DATE = dt.date(2025, 5, 1)
RULE = "foshan-gaoming-2015"
PASSPHRASE = b"panel test passphrase, not a secret"


@dataclass(frozen=True)
class PanelHome:
    home: Home
    documents: tuple[DocumentRecord, ...]
    """Every document of the candidate, in edition order, as the registry now holds them."""
    other: DocumentRecord
    """The other person's 2023 certificate."""

    def document(self, year: int, edition: int | None = None) -> DocumentRecord:
        """The candidate's document of ``year`` (the highest edition unless one is named)."""
        found = [d for d in self.documents if d.year == year]
        if edition is not None:
            found = [d for d in found if d.edition == edition]
        return max(found, key=lambda d: d.edition)

    @property
    def superseded(self) -> DocumentRecord:
        return min((d for d in self.documents if d.year == REISSUED_YEAR), key=lambda d: d.edition)

    @property
    def trust(self) -> TrustList:
        return parse_trust_list(self.home.trust_list_path.read_bytes())


def _records(id_number: str, year: int, professional_hours: int) -> list[tuple[int, Activity]]:
    # A professional shortfall made up by electives: the total is met, the category is not.
    elective = 12 + 42 - professional_hours
    hours = {
        Category.PUBLIC: 18,
        Category.PROFESSIONAL: professional_hours,
        Category.ELECTIVE: elective,
    }
    return [
        (
            line,
            Activity(
                id_number=id_number,
                year=year,
                category=category,
                kind="online_course",
                title=f"{year}年{category.label_zh}课程",
                course_code=f"{category.value[:3].upper()}{year}",
                minutes=amount * 60,
                start_date=dt.date(year, 3, 1),
                end_date=dt.date(year, 3, 20),
                provider="广东省专业技术人员继续教育平台",
                score=Decimal("90"),
                role=None,
                status=RecordStatus.CONFIRMED,
            ),
        )
        for line, (category, amount) in enumerate(hours.items(), start=1)
    ]


def make_panel_home(root: Path) -> PanelHome:
    home = init_home(Home(root), config=CONFIG, passphrase=PASSPHRASE, at=INIT_AT)
    ring = open_key_ring(home.keys_dir, passphrase=PASSPHRASE)
    candidate = Person(
        CANDIDATE_ID, CANDIDATE_NAME, "佛山市高明区建设工程公司", "工程", TitleLevel.INTERMEDIATE,
        TITLE_DATE, REGION,
    )  # fmt: skip
    other = Person(
        OTHER_ID, OTHER_NAME, "佛山市高明区人民医院", "工程", TitleLevel.INTERMEDIATE,
        dt.date(2018, 1, 1), REGION,
    )  # fmt: skip
    policy = get_policy("gd-2010")
    with Registry.open(home.registry_path) as registry:
        registry.import_people([(1, candidate), (2, other)], source="people", at=INIT_AT)
        for year in YEARS:
            short = year == SHORT_YEAR
            hours = SHORT_PROFESSIONAL_HOURS if short else 42
            registry.import_activities(
                _records(CANDIDATE_ID, year, hours), source=f"{year}", at=INIT_AT
            )
        registry.import_activities(_records(OTHER_ID, 2023, 42), source="other", at=INIT_AT)
        issuer = Issuer(registry=registry, ring=ring, config=CONFIG, out_dir=home.certificates_dir)
        maker = DocumentMaker(ring=ring, config=CONFIG, out_dir=home.certificates_dir)
        recorder = DocumentRecorder(registry=registry, ring=ring, maker=maker)
        for day, year in enumerate(YEARS, start=4):
            issuer.issue(year=year, at=INIT_AT + dt.timedelta(days=day))

        def issue_anyway(
            year: int,
            kind: DocumentKind,
            at: dt.datetime,
            reason: SupersessionReason | None = None,
        ) -> None:
            # Issuer.issue only issues when the hours are met, so the short year's certificate
            # is made the way a bureau error would make it: the real evaluation (not met) is
            # sealed and recorded anyway. The reissue goes through the same document maker; the
            # registry supersedes the edition it replaces.
            evaluation = evaluate(
                policy,
                registry.activities(CANDIDATE_ID, year=year),
                year=year,
                subject=Subject.of(candidate),
            )
            with registry.issuance(
                id_number=CANDIDATE_ID, issuer=REGION, year=year, at=at, kind=kind, reason=reason
            ) as slot:
                recorder.make(slot, candidate, evaluation, at=at)

        issue_anyway(SHORT_YEAR, DocumentKind.ORIGINAL, INIT_AT + dt.timedelta(days=20))
        issue_anyway(
            REISSUED_YEAR,
            DocumentKind.REISSUE,
            INIT_AT + dt.timedelta(days=40),
            SupersessionReason.REISSUE_LOST,
        )
    with Registry.open(home.registry_path, read_only=True) as registry:
        documents = tuple(registry.documents(id_number=CANDIDATE_ID))
        (other_document,) = registry.documents(id_number=OTHER_ID)
    return PanelHome(home, documents, other_document)
