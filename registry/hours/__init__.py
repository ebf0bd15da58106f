"""The hours-rules engine and the jurisdiction policies it evaluates."""

from registry.hours.cycle import CycleEvaluation, CycleYear, cycle_years, evaluate_cycle
from registry.hours.engine import Contribution, Evaluation, Shortfall, evaluate
from registry.hours.policy import Policy, builtin_policies, get_policy, policy_from_mapping

__all__ = [
    "Contribution",
    "CycleEvaluation",
    "CycleYear",
    "Evaluation",
    "Policy",
    "Shortfall",
    "builtin_policies",
    "cycle_years",
    "evaluate",
    "evaluate_cycle",
    "get_policy",
    "policy_from_mapping",
]
