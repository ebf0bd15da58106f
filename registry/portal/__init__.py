"""The portal's pure core: roles and states, who confirms what (from the rules), unified
social credit codes, proof files judged by their bytes. Storage is
:mod:`registry.store` (``Registry.portal``); pages are the ``portal`` package."""

from registry.portal.credit_code import check_character, parse_credit_code
from registry.portal.proofs import MAX_PROOF_BYTES, MAX_PROOFS, MediaType, Proof, check_proof
from registry.portal.roles import (
    Actor,
    ApplicationState,
    Approval,
    DeclarationState,
    PortalRole,
    Stage,
)
from registry.portal.routing import Route, policy_for, route

__all__ = [
    "MAX_PROOFS",
    "MAX_PROOF_BYTES",
    "Actor",
    "ApplicationState",
    "Approval",
    "DeclarationState",
    "MediaType",
    "PortalRole",
    "Proof",
    "Route",
    "Stage",
    "check_character",
    "check_proof",
    "parse_credit_code",
    "policy_for",
    "route",
]
