"""Private-key custody: creating, storing and using the bureau's private keys.

Only issuance code imports this package; the verifier never does (enforced by
import-linter).
"""

from keys.private.authority import (
    AuthorityNames,
    KeyRing,
    create_key_ring,
    open_key_ring,
    read_manifest,
)
from keys.private.rotation import revoke_key, rotate_keys
from keys.private.signing import Es256Signer, SealSigner
from keys.private.store import check_passphrase
from keys.private.trust_export import export_trust_list
from keys.private.upgrade import upgrade_key_ring
from keys.private.validation_data import issue_crl, issue_ocsp_response

__all__ = [
    "AuthorityNames",
    "Es256Signer",
    "KeyRing",
    "SealSigner",
    "check_passphrase",
    "create_key_ring",
    "export_trust_list",
    "issue_crl",
    "issue_ocsp_response",
    "open_key_ring",
    "read_manifest",
    "revoke_key",
    "rotate_keys",
    "upgrade_key_ring",
]
