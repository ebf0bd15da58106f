"""What one certificate page prints: :class:`CertificatePage`, every value already decided by
the issuance step (:mod:`signer.issuance.maker` fills it in), for
:class:`signer.document.page.PageRenderer` to draw."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from registry.model import Activity, DocumentKind, HoursSummary, TitleLevel


@dataclass(frozen=True, slots=True)
class CertificatePage:
    """Everything printed on one certificate page, already decided by the issuance step."""

    number: str
    """Certificate number, e.g. ``440100000000017``."""
    edition: int
    """Edition of the certificate number (1 for the first document)."""
    kind: DocumentKind
    """Why this edition was issued; printed next to the edition."""
    year: int
    """Year the hours are certified for."""
    name: str
    """Holder's name, drawn in full with every rare character (never truncated)."""
    masked_id: str
    """Holder's ID number, masked, e.g. ``4401**********123X``."""
    employer: str
    series: str
    """Title series (职称系列), e.g. ``工程``."""
    title_level: TitleLevel
    summary: HoursSummary
    """Counted and required minutes per category and in total."""
    activities: tuple[Activity, ...]
    """Training records listed in this order; see
    :data:`~signer.document.geometry.MAX_ACTIVITY_ROWS` for overflow."""
    issuer_name: str
    """Issuing bureau, e.g. ``广州市人力资源和社会保障局``."""
    issue_date: dt.date
    policy_label: str
    """The hours rules applied, by title, e.g. ``广东省专业技术人员继续教育年度学时要求`` (the
    policy's id is in the QR payload and the registry, not on the page)."""
    qr_text: str
    """QR payload text (upper-case alphanumeric, ~300–450 characters)."""
    note: str = ""
    """What this edition carried over or corrected, printed under the policy line (e.g. a
    reissue's 补办：公需、选修学时按原证书第1版结转；…); one line, cut with an ellipsis if it
    does not fit (the registry keeps it whole). Empty for most documents."""
    verify_url: str = ""
    """The bureau's verification address (:attr:`registry.home.BureauConfig.verify_url`),
    printed whole on one line beside the QR code, shrunk if needed; empty: the page says to
    present the PDF to the issuing bureau instead."""


__all__ = ["CertificatePage"]
