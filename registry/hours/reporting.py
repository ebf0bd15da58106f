"""Evaluations as plain data (JSON) and as text for people. Pure."""

from __future__ import annotations

from typing import Any

from registry.hours.contributions import Contribution
from registry.hours.cycle import CycleEvaluation
from registry.hours.evaluation import Evaluation
from registry.hours.shortfalls import Shortfall
from registry.model import Category, format_hours


def _hours(counted: dict[Category, int] | Any, total: int) -> dict[str, str]:
    return {c.value: format_hours(counted[c]) for c in Category} | {"total": format_hours(total)}


def _shortfall(item: Shortfall) -> dict[str, Any]:
    return {
        "rule": item.rule,
        "category": item.category.value if item.category else None,
        "missing_hours": format_hours(item.missing_minutes),
        "reason_zh": item.message_zh,
        "reason_en": item.message_en,
    }


def _record(item: Contribution) -> dict[str, Any]:
    return {
        "year": item.activity.year,
        "title": item.activity.title,
        "category": item.activity.category.value,
        "counted_as": item.counted_as.value if item.counted_as else None,
        "hours": format_hours(item.activity.minutes),
        "counted_hours": format_hours(item.minutes),
        "rule": item.rule,
        "note_zh": item.note_zh,
        "note_en": item.note_en,
    }


def evaluation_json(evaluation: Evaluation) -> dict[str, Any]:
    summary = evaluation.summary
    counted = {c.category: c.counted for c in summary.categories}
    required = {c.category.value: format_hours(c.required) for c in summary.categories}
    return {
        "policy": evaluation.policy_id,
        "year": evaluation.year,
        "met": evaluation.met,
        "counted": _hours(dict.fromkeys(Category, 0) | counted, summary.total_counted),
        "required": required | {"total": format_hours(summary.total_required)},
        "shortfalls": [_shortfall(s) for s in evaluation.shortfalls],
        "records": [_record(c) for c in evaluation.contributions],
    }


def cycle_json(cycle: CycleEvaluation) -> dict[str, Any]:
    years = cycle.cycle_years
    return {
        "policy": cycle.policy_id,
        "title_date": cycle.title_date.isoformat(),
        "apply_date": cycle.apply_date.isoformat(),
        "cycle_years": list(years),
        "met": cycle.met,
        "counted": {"total": format_hours(cycle.total_counted)},
        "required": {"total": format_hours(cycle.total_required)},
        "years": [
            {
                "year": y.year,
                "in_cycle": y.in_cycle,
                "counted": _hours(y.counted, y.total),
                "records": [_record(c) for c in y.contributions],
            }
            for y in cycle.years
        ],
        "shortfalls": [_shortfall(s) for s in cycle.shortfalls],
    }
