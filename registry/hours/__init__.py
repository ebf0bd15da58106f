"""The hours-rules engine and the jurisdiction policies it evaluates."""

from registry.hours.engine import Contribution, Evaluation, Shortfall, evaluate
from registry.hours.policy import Policy, builtin_policies, get_policy, policy_from_mapping

__all__ = [
    "Contribution",
    "Evaluation",
    "Policy",
    "Shortfall",
    "builtin_policies",
    "evaluate",
    "get_policy",
    "policy_from_mapping",
]
