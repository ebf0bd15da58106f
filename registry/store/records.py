"""Row ⇄ model conversions for the store. Pure functions, no connection."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from decimal import Decimal
from typing import Any

from registry.documents import DocumentRecord
from registry.model import (
    Activity,
    Category,
    CategoryHours,
    Confirmer,
    DocumentKind,
    DocumentStatus,
    HoursSummary,
    Person,
    RecordStatus,
    Role,
    SupersessionReason,
    TitleLevel,
)
from registry.store.integrity import damaged

DOCUMENT_SELECT = (
    "SELECT d.*, c.id_number, c.issuer FROM documents d JOIN certificates c ON c.number = d.number"
)
"""The ``documents`` rows with their certificate's holder and issuer: what
:func:`document_from_row` reads."""


def person_row(person: Person) -> dict[str, Any]:
    return {
        "id_number": person.id_number,
        "name": person.name,
        "employer": person.employer,
        "series": person.series,
        "title_level": person.title_level.value,
        "title_date": person.title_date.isoformat(),
        "region": person.region,
    }


def person_from_row(row: dict[str, Any]) -> Person:
    return Person(
        id_number=row["id_number"],
        name=row["name"],
        employer=row["employer"],
        series=row["series"],
        title_level=TitleLevel(row["title_level"]),
        title_date=dt.date.fromisoformat(row["title_date"]),
        region=row["region"],
    )


def _date(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


def activity_row(activity: Activity) -> dict[str, Any]:
    row: dict[str, Any] = {
        "id_number": activity.id_number,
        "year": activity.year,
        "category": activity.category.value,
        "kind": activity.kind,
        "title": activity.title,
        "course_code": activity.course_code,
        "minutes": activity.minutes,
        "start_date": activity.start_date.isoformat() if activity.start_date else None,
        "end_date": activity.end_date.isoformat() if activity.end_date else None,
        "provider": activity.provider,
        "score": str(activity.score) if activity.score is not None else None,
        "role": activity.role.value if activity.role else None,
        "status": activity.status.value,
    }
    if activity.confirmed_by is not None:
        # Only present when set, so that fingerprints of earlier records stay the same.
        row["confirmed_by"] = activity.confirmed_by.value
    canonical = json.dumps(row, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    row["fingerprint"] = hashlib.sha256(canonical.encode("utf-8")).hexdigest()
    return row


def activity_from_row(row: dict[str, Any]) -> Activity:
    return Activity(
        id_number=row["id_number"],
        year=row["year"],
        category=Category(row["category"]),
        kind=row["kind"],
        title=row["title"],
        course_code=row["course_code"],
        minutes=row["minutes"],
        start_date=_date(row["start_date"]),
        end_date=_date(row["end_date"]),
        provider=row["provider"],
        score=Decimal(row["score"]) if row["score"] is not None else None,
        role=Role(row["role"]) if row["role"] else None,
        status=RecordStatus(row["status"]),
        confirmed_by=Confirmer(row["confirmed_by"]) if row.get("confirmed_by") else None,
    )


def summary_json(summary: HoursSummary) -> str:
    return json.dumps(
        {
            "policy_id": summary.policy_id,
            "total_counted": summary.total_counted,
            "total_required": summary.total_required,
            "categories": [
                {"category": c.category.value, "counted": c.counted, "required": c.required}
                for c in summary.categories
            ],
        },
        separators=(",", ":"),
    )


def summary_from_json(text: str) -> HoursSummary:
    raw = json.loads(text)
    return HoursSummary(
        policy_id=raw["policy_id"],
        categories=tuple(
            CategoryHours(Category(c["category"]), c["counted"], c["required"])
            for c in raw["categories"]
        ),
        total_counted=raw["total_counted"],
        total_required=raw["total_required"],
    )


def document_from_row(row: dict[str, Any]) -> DocumentRecord:
    """The record of one ``documents`` row; ``registry_damaged`` when a stored value does not
    fit (a flipped byte in a status: no verifier, history or revocation may crash on it)."""
    try:
        return _document(row)
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        where = f"documents:{row.get('number')}/{row.get('edition')}"
        raise damaged(where, [f"a stored value is not valid: {exc}"]) from exc


def _document(row: dict[str, Any]) -> DocumentRecord:
    return DocumentRecord(
        number=row["number"],
        edition=row["edition"],
        kind=DocumentKind(row["kind"]),
        year=row["year"],
        id_number=row["id_number"],
        issuer=row["issuer"],
        policy_id=row["policy_id"],
        summary=summary_from_json(row["hours"]),
        payload=row["payload"],
        pdf_sha256=row["pdf_sha256"],
        pdf_path=row["pdf_path"],
        status=DocumentStatus(row["status"]),
        issued_at=dt.datetime.fromisoformat(row["issued_at"]),
        issue_reason=SupersessionReason(row["issue_reason"]) if row.get("issue_reason") else None,
        carried=row.get("carried"),
        superseded_by=row.get("superseded_by"),
        status_changed_at=(
            dt.datetime.fromisoformat(row["status_changed_at"])
            if row.get("status_changed_at")
            else None
        ),
        status_reason=row.get("status_reason"),
        status_note=row.get("status_note"),
    )
