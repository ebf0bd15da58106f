"""Which queue items are past a deadline in force for them (:mod:`registry.portal.deadlines`),
for the queues' templates to mark."""

from __future__ import annotations

import datetime as dt

from portal.web.session import now, registry
from registry import CHINA_TZ
from registry.portal.deadlines import Deadline, overdue
from registry.portal.values import Application, Declaration

_WAITS_AT = {"submitted": "employer", "employer_approved": "bureau"}
"""Where an application waits, by its state (the others wait for no one)."""


def record_overdue(declaration: Declaration) -> Deadline | None:
    """The deadline a declared record waiting at its stage has missed, if any."""
    year = declaration.record.year
    return overdue(
        "declaration", stage=declaration.stage.value, region=declaration.region,
        day=dt.date(year, 12, 31), year=year, today=now().astimezone(CHINA_TZ).date(),
    )  # fmt: skip


def application_overdue(application: Application) -> Deadline | None:
    """The deadline an application waiting at the employer or the bureau has missed."""
    stage = _WAITS_AT.get(application.state.value)
    if stage is None:
        return None
    person = registry().person(application.id_number)
    return overdue(
        "application", stage=stage, region=application.region,
        day=application.submitted_at.astimezone(CHINA_TZ).date(), year=application.year,
        today=now().astimezone(CHINA_TZ).date(),
        level=person.title_level.value if person is not None else None,
    )  # fmt: skip


__all__ = ["application_overdue", "record_overdue"]
