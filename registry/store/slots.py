"""The slot of a new document: its certificate number (drawn if the person has none) and its
edition, drawn inside an open transaction (``docs/numbering.md``), and the refusal of a
number that has a revoked edition (``number_revoked``).
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from dataclasses import dataclass, field

from keys import CHINA_TZ
from registry.documents import DocumentRecord
from registry.errors import RegistryError
from registry.model import DocumentKind, RevocationReason, SupersessionReason
from registry.numbering import format_number
from registry.store.records import DOCUMENT_SELECT, document_from_row


@dataclass(slots=True)
class IssueSlot:
    """The number and edition drawn for one document, inside an open transaction."""

    number: str
    edition: int
    year: int
    kind: DocumentKind
    at: dt.datetime
    """When the slot was drawn, the write lock held: the time its document states."""
    reason: SupersessionReason | None = None
    recorded: DocumentRecord | None = field(default=None)


def draw_slot(
    conn: sqlite3.Connection,
    id_number: str,
    *,
    issuer: str,
    year: int,
    at: dt.datetime,
    kind: DocumentKind = DocumentKind.ORIGINAL,
) -> IssueSlot:
    """The person's number (drawn if new) and next edition, inside an open transaction;
    ``already_issued`` for an original when a current document covers ``year``,
    ``nothing_to_replace`` for a replacement without one."""
    row = conn.execute(
        "SELECT number FROM certificates WHERE id_number = ? AND issuer = ?",
        (id_number, issuer),
    ).fetchone()
    if row is None:
        if kind is not DocumentKind.ORIGINAL:
            raise RegistryError("nothing_to_replace", "this person holds no certificate")
        number = _new_number(conn, id_number=id_number, issuer=issuer, at=at)
        return IssueSlot(number, 1, year, kind, at)
    number = row[0]
    refuse_revoked(conn, number)
    existing = conn.execute(
        "SELECT edition FROM documents WHERE number = ? AND year = ? AND status = 'current'",
        (number, year),
    ).fetchone()
    if existing is not None and kind is DocumentKind.ORIGINAL:
        raise RegistryError(
            "already_issued", f"{number} edition {existing[0]} already covers {year}"
        )
    if existing is None and kind is not DocumentKind.ORIGINAL:
        raise RegistryError("nothing_to_replace", f"{number} has no current document for {year}")
    edition = conn.execute(
        "SELECT COALESCE(MAX(edition), 0) + 1 FROM documents WHERE number = ?", (number,)
    ).fetchone()[0]
    return IssueSlot(number, edition, year, kind, at)


def refuse_revoked(conn: sqlite3.Connection, number: str) -> None:
    """Raise ``number_revoked`` when ``number`` has a revoked edition: nothing more is done
    under it (no edition is issued, no counter action is asked)."""
    cursor = conn.execute(
        DOCUMENT_SELECT + " WHERE d.number = ? AND d.status = 'revoked' ORDER BY d.edition",
        (number,),
    )
    if (revoked := cursor.fetchone()) is not None:
        names = [d[0] for d in cursor.description]
        raise number_revoked(document_from_row(dict(zip(names, revoked, strict=True))))


def number_revoked(revoked: DocumentRecord) -> RegistryError:
    """The refusal to issue under the number of ``revoked``, a revoked edition."""
    when = revoked.status_changed_at
    day = when.astimezone(CHINA_TZ).date().isoformat() if when else "?"
    reason = revoked.status_reason or ""
    label = RevocationReason(reason).label_zh if reason in set(RevocationReason) else reason
    number, edition = revoked.number, revoked.edition
    return RegistryError(
        "number_revoked",
        f"证书编号 {number} 第{edition}版（{revoked.year}年度）已于 {day} 撤销（{label}），"
        "撤销不可恢复：该编号不再签发新的证书版本"
        f" ({number} edition {edition} was revoked on {day}: no new edition is issued under it)",
    )


def _new_number(conn: sqlite3.Connection, *, id_number: str, issuer: str, at: dt.datetime) -> str:
    serial = conn.execute(
        "INSERT INTO serials (region, last_serial) VALUES (?, 1)"
        " ON CONFLICT (region) DO UPDATE SET last_serial = last_serial + 1"
        " RETURNING last_serial",
        (issuer,),
    ).fetchone()[0]
    number = format_number(issuer, serial)
    conn.execute(
        "INSERT INTO certificates (number, id_number, issuer, created_at) VALUES (?, ?, ?, ?)",
        (number, id_number, issuer, at.isoformat(timespec="seconds")),
    )
    return number
