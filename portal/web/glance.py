"""The year at a glance (``/glance``), for a bureau (its region) and an employer (its staff):
how many met the year's task, by employer, series or level, with a chart drawn here as SVG;
who is furthest short and by how much; what waits at each stage and for how long. Every
table downloads as CSV or Excel (:mod:`portal.web.exports`).

The figures are the store's sums (:mod:`registry.store.standings`), made by
``cecert portal stats``; the page says when, and whether the registry has changed since. The
waiting work is read live from the queues.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from werkzeug.wrappers.response import Response as BaseResponse

from portal.web.exports import csv_response, xlsx_response
from portal.web.organisation_gate import own_organisation
from portal.web.review_queue import year_choices
from portal.web.session import actor, now, registry, require_role
from registry import CHINA_TZ
from registry.model import Category, TitleLevel, format_hours
from registry.portal import Actor, Approval, PortalRole
from registry.store.standings import GROUPINGS, ShortPerson, Totals

bp = Blueprint("glance", __name__)
bp.before_request(require_role(PortalRole.BUREAU, PortalRole.EMPLOYER))


@bp.before_request
def _employer_approved_first() -> BaseResponse | None:
    """An employer sees its year once the bureau has approved it, as its other pages."""
    if actor().role is not PortalRole.EMPLOYER:
        return None
    found = own_organisation()
    if found is None or found.state is not Approval.APPROVED:
        flash("本单位的注册尚未通过人社局审核，审核通过后才能办理这些事项。", "info")
        return redirect(url_for("employer.index"))
    return None


BY_ZH = {"employer": "单位", "series": "职称系列", "title_level": "职称级别"}
LEVEL_ZH = {level.value: level.label_zh for level in TitleLevel}
CHART_BARS = 12


@dataclass(frozen=True, slots=True)
class Waiting:
    """Work waiting at one stage: how much, and how long the oldest has waited."""

    label: str
    count: str
    oldest_days: int | None


def _year() -> int:
    default = now().astimezone(CHINA_TZ).year - 1
    text = request.args.get("year", "")
    if not text:
        return default
    if not (text.isascii() and text.isdigit() and len(text) == 4):
        abort(400)
    return int(text)


def _by() -> str:
    by = request.args.get("by", "employer")
    if by not in GROUPINGS:
        abort(400)
    return by


def group_label(by: str, totals: Totals) -> str:
    if by == "employer":
        code, name = totals.key
        return f"{name}（{code}）" if code else f"{name}（未在平台注册）"
    if by == "title_level":
        return LEVEL_ZH.get(totals.key[0], totals.key[0])
    return totals.key[0]


def _days(since: dt.datetime | None) -> int | None:
    return None if since is None else max(0, (now() - since).days)


def _waiting(who: Actor) -> list[Waiting]:
    reg = registry()
    found: list[Waiting] = []
    records = reg.declarations.queue(who, limit=1)
    found.append(Waiting("待审核的学时记录", _count(records), _days(
        records.items[0].changed_at if records.items else None)))  # fmt: skip
    applications = reg.applications.queue(who, limit=1)
    found.append(Waiting("待审核的证书申请", _count(applications), _days(
        applications.items[0].changed_at if applications.items else None)))  # fmt: skip
    if who.role is PortalRole.EMPLOYER:
        staff = reg.registrations.staff(who, state=Approval.PENDING, limit=1)
        found.append(Waiting("待审核的职工注册", str(staff.total), _days(
            staff.items[0].registered_at if staff.items else None)))  # fmt: skip
    return found


def _count(page: Any) -> str:
    return f"超过 {page.total}" if page.capped else str(page.total)


def _chart(by: str, groups: list[Totals]) -> list[dict[str, Any]]:
    """The bars of the chart: the largest groups' completion, in the SVG's own units."""
    bars = []
    for index, group in enumerate(groups[:CHART_BARS]):
        bars.append({
            "y": index * 44, "label": _short_label(group_label(by, group)),
            "width": round(group.percent * 3.2), "percent": group.percent,
            "people": group.people,
        })  # fmt: skip
    return bars


def _short_label(text: str) -> str:
    """A bar's label: the group's name cut to fit the line beside its figure."""
    return text if len(text) <= 13 else text[:12] + "…"


@bp.get("/")
def index() -> ResponseReturnValue:
    who = actor()
    year, by = _year(), _by()
    reg = registry()
    groups = reg.standings.groups(who, year, by=by)
    return render_template(
        "glance.html", year=year, by=by, by_zh=BY_ZH, years=year_choices(year),
        fresh=reg.standings.freshness(year), totals=reg.standings.totals(who, year),
        groups=groups, label=lambda g: group_label(by, g), bars=_chart(by, groups),
        short=reg.standings.short(who, year), waiting=_waiting(who), levels=LEVEL_ZH,
        categories={c: c.label_zh for c in Category}, hours=format_hours,
    )  # fmt: skip


def _groups_table(who: Actor, year: int, by: str) -> tuple[list[str], list[list[Any]]]:
    header = [BY_ZH[by], "人数", "已核算", "已完成", "完成率（%）", "尚差学时合计",
              "公需科目未达标", "专业科目未达标", "选修科目未达标"]  # fmt: skip
    rows = [
        [group_label(by, g), g.people, g.judged, g.met, g.percent, format_hours(g.missing),
         g.public_short, g.professional_short, g.elective_short]
        for g in registry().standings.groups(who, year, by=by, limit=10_000)
    ]  # fmt: skip
    return header, rows


def _short_table(who: Actor, year: int) -> tuple[list[str], list[list[Any]]]:
    header = ["姓名", "单位", "职称系列", "职称级别", "已计入学时", "要求学时", "尚差学时",
              "公需科目差", "专业科目差", "选修科目差"]  # fmt: skip

    def row(p: ShortPerson) -> list[Any]:
        gap = [format_hours(p.gaps.get(c, 0)) for c in Category]
        return [p.name, p.employer, p.series, LEVEL_ZH.get(p.title_level, p.title_level),
                format_hours(p.counted), format_hours(p.required), format_hours(p.missing),
                *gap]  # fmt: skip

    return header, [row(p) for p in registry().standings.short(who, year, limit=1_000)]


@bp.get("/<table>.<kind>")
def export(table: str, kind: str) -> Response:
    """A table of the page as CSV or Excel: ``groups`` (``?by=``) or ``short``."""
    who, year = actor(), _year()
    if table == "groups":
        by = _by()
        header, rows = _groups_table(who, year, by)
        name = f"{year}年度统计-按{BY_ZH[by]}"
    elif table == "short":
        header, rows = _short_table(who, year)
        name = f"{year}年度学时未达标人员"
    else:
        abort(404)
    if kind == "csv":
        return csv_response(name, header, rows)
    if kind == "xlsx":
        return xlsx_response(name, header, rows)
    abort(404)


__all__ = ["bp", "group_label"]
