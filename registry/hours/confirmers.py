"""Who confirms records: whom a blank ``confirmed_by`` stands for, what confirmers are called
in Chinese, and why a record confirmed by someone its clauses do not accept does not count."""

from __future__ import annotations

from registry.hours.policy import RecordRule
from registry.model import Category, Confirmer

_LABEL_ZH = {category: category.label_zh for category in Category}
CONFIRMER_ZH = {
    Confirmer.SYSTEM: "继续教育管理系统",
    Confirmer.EMPLOYER: "用人单位",
    Confirmer.HR_BUREAU: "人力资源社会保障部门",
    Confirmer.INDUSTRY_AUTHORITY: "行业主管部门",
    Confirmer.BASE: "继续教育基地",
}
"""What each confirmer is called in Chinese notes."""
IMPORTER = Confirmer.HR_BUREAU
"""Who confirmed a confirmed record whose ``confirmed_by`` is blank: the bureau that keeps the
registry and imported it (``docs/decisions.md``)."""


def confirmer_refusal(
    confirmation: RecordRule,
    category: Category,
    confirmed_by: Confirmer | None,
    series: str,
) -> tuple[str, str, str]:
    """(rule, Chinese, English) of a ``category`` record of a person of ``series``
    confirmed by ``confirmed_by`` (``None``: blank), whom ``confirmation`` does not accept."""
    confirmer = confirmed_by or IMPORTER
    clause = next(c for c in confirmation.confirmations if confirmer not in c.by)
    who = "或".join(CONFIRMER_ZH[c] for c in sorted(clause.by))
    whose = f"{series}系列的{_LABEL_ZH[category]}" if clause.sectors else _LABEL_ZH[category]
    need_zh = f"{whose}须由{who}认定（{clause.cite}）"
    need_en = (
        f"{category.value} records must be confirmed by {', '.join(sorted(clause.by))} "
        f"({clause.key})"
    )
    if confirmed_by is None:
        return (
            "confirmer_unstated",
            f"{need_zh}；本记录未注明认定单位（confirmed_by 为空，视为人社部门认定），不计学时",
            f"{need_en}; confirmed_by is blank (taken as the importing HR bureau): counts zero",
        )
    only_industry = clause.by == frozenset({Confirmer.INDUSTRY_AUTHORITY})
    return (
        "needs_industry_authority" if only_industry else "confirmer_not_accepted",
        f"{need_zh}；本记录由{CONFIRMER_ZH[confirmed_by]}认定，不计学时",
        f"{need_en}; confirmed by {confirmed_by.value}: counts zero",
    )
