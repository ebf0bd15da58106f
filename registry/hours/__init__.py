"""The hours-rules engine and the jurisdiction policies it evaluates."""

from registry.hours.clauses import Clause, Requirement, Rule
from registry.hours.contributions import Contribution
from registry.hours.cycle import CycleEvaluation, CycleYear, cycle_years, evaluate_cycle
from registry.hours.evaluation import Evaluation, evaluate
from registry.hours.policy import Policy
from registry.hours.policy_files import builtin_policies, get_policy, policy_from_mapping
from registry.hours.reporting import cycle_json, evaluation_json
from registry.hours.shortfalls import Shortfall, stated_shortfalls
from registry.hours.subject import Refusal, Subject, check_applies, refusal

__all__ = [
    "Clause",
    "Contribution",
    "CycleEvaluation",
    "CycleYear",
    "Evaluation",
    "Policy",
    "Refusal",
    "Requirement",
    "Rule",
    "Shortfall",
    "Subject",
    "builtin_policies",
    "check_applies",
    "cycle_json",
    "cycle_years",
    "evaluate",
    "evaluate_cycle",
    "evaluation_json",
    "get_policy",
    "policy_from_mapping",
    "refusal",
    "stated_shortfalls",
]
