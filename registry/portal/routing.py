"""Who confirms a declared record, read from the rules (not from the portal's code).

The employer always looks first (初审, or 认定 of elective records). After it, the policy's
confirmation clauses for the record's category, date, the person's sector and place decide
who confirms and whom the record then names as ``confirmed_by``: the industry authority for
the sectors it governs, the HR bureau otherwise; where the employer's word is the confirmation
(elective records), the bureau re-checks it (复核) and the record names the employer. Pure.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from registry.hours import Policy, Subject, get_policy, refusal
from registry.model import Category, Confirmer
from registry.portal.roles import Stage


@dataclass(frozen=True, slots=True)
class Route:
    """After the employer: who confirms, and whom the confirmed record names."""

    confirmer_stage: Stage
    confirmed_by: Confirmer
    clause_keys: tuple[str, ...]


def policy_for(subject: Subject, year: int, default_policy: str) -> Policy:
    """The policy that judges ``subject``'s ``year``: the home's default, or the one their
    series is sent to instead (as issuance chooses)."""
    policy = get_policy(default_policy)
    refused = refusal(policy, subject, year)
    if refused is not None and refused.instead is not None:
        return get_policy(refused.instead)
    return policy


def route(policy: Policy, subject: Subject, category: Category, day: dt.date) -> Route:
    """Who confirms a ``category`` record of ``subject`` dated ``day`` under ``policy``."""
    rule = policy.record_rule(day, subject.region, category, subject.series.sector)
    accepted = rule.accepted
    if Confirmer.INDUSTRY_AUTHORITY in accepted and Confirmer.HR_BUREAU not in accepted:
        return Route(Stage.AUTHORITY, Confirmer.INDUSTRY_AUTHORITY, rule.keys)
    if Confirmer.HR_BUREAU in accepted or not accepted:
        return Route(Stage.BUREAU, Confirmer.HR_BUREAU, rule.keys)
    if Confirmer.EMPLOYER in accepted:
        return Route(Stage.BUREAU, Confirmer.EMPLOYER, rule.keys)
    return Route(Stage.BUREAU, Confirmer.HR_BUREAU, rule.keys)


__all__ = ["Route", "policy_for", "route"]
