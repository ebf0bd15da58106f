"""Keys: the only door to cryptographic primitives (public side).

This package's top level holds what a verifier needs: reading certificates, checking ES256
signatures and trust lists, and the conventions every layer shares (China's time zone,
canonical JSON: :mod:`keys.conventions`). Private-key custody lives in :mod:`keys.private`.
"""

from keys.certificates import CertificateInfo, fingerprint, load_certificate
from keys.checkpoints import verify_checkpoint_signature
from keys.conventions import CHINA_TZ, canonical_json
from keys.errors import CecertError, KeysError
from keys.kid import kid_for_spki, kid_from_text, kid_text
from keys.signatures import ES256, LOW_S_REQUIRED_FROM, PublicKey, der_is_low_s, is_low_s
from keys.trust import QrKey, TrustList, parse_trust_list

__all__ = [
    "CHINA_TZ",
    "ES256",
    "LOW_S_REQUIRED_FROM",
    "CecertError",
    "CertificateInfo",
    "KeysError",
    "PublicKey",
    "QrKey",
    "TrustList",
    "canonical_json",
    "der_is_low_s",
    "fingerprint",
    "is_low_s",
    "kid_for_spki",
    "kid_from_text",
    "kid_text",
    "load_certificate",
    "parse_trust_list",
    "verify_checkpoint_signature",
]
