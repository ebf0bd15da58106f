"""pyHanko's validation settings for a certificate PDF: the trust list's roots as the only
anchors, revocation data required and taken from the document alone, nothing fetched.

The trust anchors are built once per trust list and shared by validations; every judgement
that depends on time or on the document (validity, revocation, paths) is made per
validation, at its own ``at``.
"""

from __future__ import annotations

import datetime as dt
import threading

from asn1crypto import x509
from pyhanko.sign.validation.policy_decl import (
    CertificateFetchingRule,
    LocalKnowledge,
    PdfSignatureValidationSpec,
    RevinfoOnlineFetchingRule,
    RevocationInfoGatheringSpec,
    SignatureValidationSpec,
)
from pyhanko_certvalidator.context import CertValidationPolicySpec
from pyhanko_certvalidator.policy_decl import (
    REQUIRE_REVINFO,
    CertRevTrustPolicy,
    NonRevokedStatusAssertion,
)
from pyhanko_certvalidator.registry import SimpleTrustManager

from keys import TrustList

_MANAGER_USES = 1000
"""Validations one trust-anchor manager serves before it is built again (see below)."""
_managers: dict[TrustList, tuple[SimpleTrustManager, int]] = {}
_managers_lock = threading.Lock()


def _trust_manager(trust: TrustList) -> SimpleTrustManager:
    """The trust anchors of ``trust`` for pyHanko, shared by validations (≈ 0.3 ms to build).

    Only the anchors are shared: every judgement that depends on time or on the document
    (validity, revocation, path) is made per validation at its own ``at``. The manager
    files every issuer name it is asked about (a ``defaultdict``), so a long-lived one
    would grow with the names of uploaded files: it is built again after
    :data:`_MANAGER_USES` validations."""
    with _managers_lock:
        manager, uses = _managers.get(trust, (None, _MANAGER_USES))
        if manager is None or uses >= _MANAGER_USES:
            if len(_managers) >= 8:
                _managers.clear()
            roots = [x509.Certificate.load(r.der) for r in trust.roots]
            manager, uses = SimpleTrustManager.build(trust_roots=roots), 0
        _managers[trust] = (manager, uses + 1)
        return manager


def validation_spec(trust: TrustList, *, at: dt.datetime) -> PdfSignatureValidationSpec:
    """pyHanko's AdES validation settings for ``trust`` at ``at``.

    Trust anchors: the trust list's roots only. Revocation information is required for the
    seal and time-stamping certificates and taken only from the document (its DSS): nothing
    is fetched. The time-stamping certificates the trust list names are taken as unrevoked
    at ``at``: the trust list is the verifier's current word on them (the bureau removes a
    compromised unit from it), and the last document timestamp can have no fresher
    revocation data than the one embedded when the certificate was issued.
    """
    assertions = [
        NonRevokedStatusAssertion(cert_sha256=bytes.fromhex(c.sha256), at=at)
        for c in trust.timestamping
    ]
    return PdfSignatureValidationSpec(
        SignatureValidationSpec(
            cert_validation_policy=CertValidationPolicySpec(
                trust_manager=_trust_manager(trust),
                revinfo_policy=CertRevTrustPolicy(REQUIRE_REVINFO),
            ),
            revinfo_gathering_policy=RevocationInfoGatheringSpec(
                online_fetching_rule=RevinfoOnlineFetchingRule.LOCAL_ONLY,
                certificate_fetching_rule=CertificateFetchingRule.NEVER_FETCH,
            ),
            local_knowledge=LocalKnowledge(nonrevoked_assertions=assertions),
        )
    )
