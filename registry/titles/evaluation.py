"""Title evaluation (职称评审): which years must be covered under a rule, and for each whether
a usable certificate exists and its hours meet that year's policy (POLICIES.md §4).

Pure: the caller gathers the evidence (from the registry, or certificates presented and
verified) and, for the Guangzhou cycle rule, the person's records.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

from registry.errors import RegistryError
from registry.hours import (
    Policy,
    Subject,
    builtin_policies,
    evaluate_cycle,
    get_policy,
    stated_shortfalls,
)
from registry.hours.clauses import TitleRule
from registry.model import Activity, Category, DocumentStatus, TitleLevel, format_hours
from registry.places import covers
from registry.titles.model import (
    CertificateEvidence,
    TitleReport,
    YearCheck,
    YearVerdict,
)

_CATEGORIES = (Category.PUBLIC, Category.PROFESSIONAL, Category.ELECTIVE)


def title_rules(on: dt.date | None = None) -> Mapping[str, str]:
    """Title-evaluation rule ids and their Chinese titles: every rule, or with ``on`` only
    those an evaluation on that date may use (:func:`title_rule_refusal` is None)."""
    return {
        p.id: p.title_zh
        for p in builtin_policies().values()
        if p.has_title_rule and (on is None or _refusal(p, on) is None)
    }


def title_rule_refusal(rule_id: str, on: dt.date) -> tuple[str, str] | None:
    """None when title rule ``rule_id`` can judge an evaluation on ``on`` (its policy and a
    title clause are in force that day, as :func:`evaluate_title` requires); otherwise why
    not, ``(Chinese, English)``, naming the rule's title and the dates it holds.
    Raises ``RegistryError('unknown_rule')`` for an id that is not a title rule."""
    return _refusal(_title_policy(rule_id), on)


def _title_policy(rule_id: str) -> Policy:
    try:
        policy = get_policy(rule_id)
    except RegistryError:
        policy = None
    if policy is None or not policy.has_title_rule:
        known = ", ".join(sorted(title_rules()))
        raise RegistryError("unknown_rule", f"no title-evaluation rule {rule_id!r} ({known})")
    return policy


def _refusal(policy: Policy, on: dt.date) -> tuple[str, str] | None:
    if policy.in_force_on(on) and policy.title_rule(on) is not None:
        return None
    periods = [
        (max(c.effective_from, policy.effective_from), _earlier(c.until, policy.effective_to))
        for c in policy.of_type(TitleRule)
    ]
    if len(periods) == 1 and periods[0][1] is None:
        zh = f"自{periods[0][0]}起有效"
    else:
        zh = "有效期为" + "、".join(f"{a}至{b}" if b else f"{a}起" for a, b in periods)
    en = ", ".join(f"{a} to {b}" if b else f"from {a}" for a, b in periods)
    return (
        f"评审规则“{policy.title_zh}”（{policy.id}）{zh}，评审日期 {on} 不在有效期内。",
        f"title rule {policy.id} holds {en}, not on {on}",
    )


def _earlier(a: dt.date | None, b: dt.date | None) -> dt.date | None:
    return b if a is None else a if b is None else min(a, b)


def _rule(rule_id: str, on: dt.date) -> tuple[Policy, TitleRule]:
    """The policy ``rule_id`` and its title rule in force on ``on``; ``unknown_rule`` when it
    has none, ``policy_not_in_force`` (the reason every evaluation uses) outside its dates."""
    policy = _title_policy(rule_id)
    policy.check_in_force(on=on)
    clause = policy.title_rule(on)
    if clause is None:
        raise RegistryError(
            "policy_not_in_force",
            f"评审规则 {policy.id} 在{on}没有有效的条款 (no title clause of {policy.id} holds on "
            f"{on})",
        )
    return policy, clause


def required_years(
    rule: TitleRule,
    *,
    title_date: dt.date,
    target_level: TitleLevel,
    evaluation_date: dt.date,
    direct: bool,
    have_years: frozenset[int],
) -> tuple[list[int], list[str], list[str]]:
    """The years a panel must see under ``rule``, with notes on how they were chosen."""
    mode = rule.mode(target_level)
    this_year = evaluation_date.year
    if mode == "current_year":
        return (
            [this_year],
            [f"须提供{this_year}年度（当年）证书"],
            [f"the certificate of {this_year} (the current year) is required"],
        )
    if mode == "latest_one":
        year = this_year if this_year in have_years else this_year - 1
        return (
            [year],
            [f"须提供近1年（{year}年度）证书"],
            [f"the certificate of the latest year ({year}) is required"],
        )
    if mode == "since_title":
        floor = rule.floor_year or 0
        start = title_date.year + 1
        zh = [f"现职称取得于{title_date}，须提供此后每一年度的证书"]
        en = [f"title obtained {title_date}: every year since is required"]
        if direct and target_level is TitleLevel.INTERMEDIATE:
            start = floor
            zh.append(f"直接申报中级，从{floor}年起计算")
            en.append(f"direct application for intermediate: counted from {floor}")
        elif start <= floor:
            start = floor
            zh.append(f"现职称于{floor}年前取得，从{floor}年起计算")
            en.append(f"title obtained before {floor}: counted from {floor}")
        last = this_year if this_year in have_years else this_year - 1
        return list(range(start, last + 1)), zh, en
    raise RegistryError("bad_policy", f"{rule.key}: mode {mode!r} needs the cycle")


def _judge(
    year: int, found: Sequence[CertificateEvidence], rule: TitleRule, level: TitleLevel
) -> YearCheck:
    if not found:
        return YearCheck(
            year,
            YearVerdict.MISSING,
            None,
            (f"缺少{year}年度继续教育证书",),
            (f"no certificate for {year}",),
        )
    usable = [e for e in found if e.authentic and e.status is DocumentStatus.CURRENT]
    if not usable:
        latest = max(found, key=lambda e: e.edition)
        if not latest.authentic:
            zh, en = (
                f"证书验证未通过：{latest.problem}",
                f"certificate failed verification: {latest.problem}",
            )
        elif latest.status is DocumentStatus.REVOKED:
            zh, en = (
                f"证书{latest.number}第{latest.edition}版已撤销",
                f"{latest.number} edition {latest.edition} is revoked",
            )
        else:
            zh = f"证书{latest.number}第{latest.edition}版已被新版本取代，未提供现行版本"
            en = (
                f"{latest.number} edition {latest.edition} is superseded; "
                "the current edition is missing"
            )
        return YearCheck(year, YearVerdict.NOT_MET, latest, (zh,), (en,))
    evidence = max(usable, key=lambda e: e.edition)
    policy_id = rule.require_policy or evidence.policy_id
    stated = dict(zip(_CATEGORIES, evidence.hours[:3], strict=True))
    try:
        policy = get_policy(policy_id)
        requirements, shortfalls = stated_shortfalls(policy, year, level, stated, evidence.hours[3])
    except RegistryError as exc:
        return YearCheck(year, YearVerdict.NOT_MET, evidence, (str(exc),), (str(exc),))
    categories = requirements.minimums
    judged = (
        categories.get(Category.PUBLIC),
        categories.get(Category.PROFESSIONAL),
        categories.get(Category.ELECTIVE),
        requirements.total,
    )
    zh_reasons: list[str] = []
    en_reasons: list[str] = []
    for shortfall in shortfalls:
        category = shortfall.category
        have = evidence.hours[3] if category is None else stated[category]
        required = have + shortfall.missing_minutes
        if category is None:
            zh_reasons.append(
                f"合计{format_hours(have)}学时，低于要求的{format_hours(required)}学时"
            )
            en_reasons.append(f"total {format_hours(have)} h, below {format_hours(required)} h")
        else:
            zh_reasons.append(
                f"{category.label_zh}{format_hours(have)}学时，低于{policy.id}要求的"
                f"{format_hours(required)}学时"
            )
            en_reasons.append(
                f"{category.value} {format_hours(have)} h, below the {format_hours(required)} h "
                f"{policy.id} requires"
            )
    if zh_reasons:
        return YearCheck(
            year, YearVerdict.NOT_MET, evidence, tuple(zh_reasons), tuple(en_reasons), judged
        )
    return YearCheck(
        year,
        YearVerdict.MET,
        evidence,
        (f"证书{evidence.number}第{evidence.edition}版，学时符合{policy.id}",),
        (f"{evidence.number} edition {evidence.edition}, hours meet {policy.id}",),
        judged,
    )


def evaluate_title(
    *,
    rule_id: str,
    name: str,
    masked_id: str,
    title_date: dt.date,
    target_level: TitleLevel,
    evaluation_date: dt.date,
    evidence: Sequence[CertificateEvidence],
    direct: bool = False,
    records: Sequence[Activity] | None = None,
    subject: Subject | None = None,
) -> TitleReport:
    """The panel's check under ``rule_id`` on ``evaluation_date``.

    ``subject`` (where the candidate is registered, their series) is known when the registry
    holds them: a candidate registered outside the rule's jurisdiction is refused
    (``outside_jurisdiction``), and the Guangzhou cycle needs it with the ``records``. A
    panel that has only presented certificates passes none: the rule is the panel's own.
    Raises ``RegistryError``: ``unknown_rule``, ``policy_not_in_force``,
    ``outside_jurisdiction``."""
    policy, rule = _rule(rule_id, evaluation_date)
    if subject is not None and not covers(policy.jurisdiction, subject.region):
        raise RegistryError(
            "outside_jurisdiction",
            f"评审规则 {policy.id} 适用于行政区划 {policy.jurisdiction}，申报人登记地为 "
            f"{subject.region} ({policy.id} governs {policy.jurisdiction}, the candidate is "
            f"registered in {subject.region})",
        )
    if rule.mode(target_level) == "cycle":
        return _cycle_report(
            policy,
            rule,
            name,
            masked_id,
            title_date,
            target_level,
            evaluation_date,
            records,
            subject,
        )
    by_year: dict[int, list[CertificateEvidence]] = {}
    for item in evidence:
        by_year.setdefault(item.year, []).append(item)
    have = frozenset(y for y, items in by_year.items() if any(i.authentic for i in items))
    years, notes_zh, notes_en = required_years(
        rule,
        title_date=title_date,
        target_level=target_level,
        evaluation_date=evaluation_date,
        direct=direct,
        have_years=have,
    )
    checks = tuple(_judge(y, by_year.get(y, []), rule, target_level) for y in years)
    met = bool(checks) and all(c.verdict is YearVerdict.MET for c in checks)
    return TitleReport(
        policy.id,
        policy.title_zh,
        name,
        masked_id,
        target_level,
        evaluation_date,
        checks,
        tuple(notes_zh),
        tuple(notes_en),
        met,
        frozenset({rule.key}),
    )


def _cycle_report(
    policy: Policy,
    clause: TitleRule,
    name: str,
    masked_id: str,
    title_date: dt.date,
    level: TitleLevel,
    evaluation_date: dt.date,
    records: Sequence[Activity] | None,
    subject: Subject | None,
) -> TitleReport:
    if records is None or subject is None:
        return TitleReport(
            policy.id,
            policy.title_zh,
            name,
            masked_id,
            level,
            evaluation_date,
            (),
            ("周期验证需要登记系统中的学习记录（请输入身份证号）",),
            ("cycle verification needs the person's records from the registry",),
            False,
        )
    cycle = evaluate_cycle(
        policy, records, title_date=title_date, apply_date=evaluation_date, subject=subject
    )
    checks: list[YearCheck] = []
    for item in cycle.years:
        problems = [
            s for s in cycle.shortfalls if s.rule.startswith(f"cycle_year_minimum:{item.year}:")
        ]
        hours = "，".join(f"{c.label_zh}{format_hours(item.counted[c])}" for c in _CATEGORIES)
        zh = tuple(s.message_zh for s in problems) or (f"{hours}学时",)
        en = tuple(s.message_en for s in problems) or (
            ", ".join(f"{c.value} {format_hours(item.counted[c])} h" for c in _CATEGORIES),
        )
        verdict = YearVerdict.NOT_MET if problems else YearVerdict.MET
        if not item.in_cycle:
            zh = (f"申请日前本年度完成{format_hours(item.total)}学时，计入周期合计",)
            en = (f"{format_hours(item.total)} h of the application year count toward the total",)
        checks.append(YearCheck(item.year, verdict, None, zh, en))
    totals = [s for s in cycle.shortfalls if not s.rule.startswith("cycle_year_minimum")]
    notes_zh = [
        f"周期合计{format_hours(cycle.total_counted)}学时，要求{format_hours(cycle.total_required)}学时",
        *(s.message_zh for s in totals),
    ]
    notes_en = [
        f"cycle total {format_hours(cycle.total_counted)} h "
        f"of {format_hours(cycle.total_required)} h",
        *(s.message_en for s in totals),
    ]
    return TitleReport(
        policy.id,
        policy.title_zh,
        name,
        masked_id,
        level,
        evaluation_date,
        tuple(checks),
        tuple(notes_zh),
        tuple(notes_en),
        cycle.met,
        cycle.clauses | {clause.key},
    )
