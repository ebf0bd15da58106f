"""Checking the signature of a registry checkpoint (``docs/transparency.md``): public side.

A checkpoint is signed with ES256 by a QR-signing key of the trust list, named by its kid.
Signing needs nothing new: the caller passes ``KeyRing.qr.sign`` (an
:class:`keys.private.Es256Signer`) as the signer of the checkpoint body.
"""

from __future__ import annotations

import datetime as dt

from keys.errors import KeysError
from keys.kid import kid_text
from keys.trust import TrustList


def verify_checkpoint_signature(
    trust: TrustList, kid: bytes, signature: bytes, body: bytes, at: dt.datetime
) -> None:
    """Accept ``signature`` (raw ES256, 64 bytes) over the checkpoint ``body`` by the trusted
    QR key ``kid``, or raise :class:`KeysError`.

    ``at`` (time-zone aware) is when the checkpoint says it was made; the key must have been
    valid then, as for a QR payload's issue date. Reasons, in the order checked:
    ``unknown_kid`` (no such key in the trust list), ``bad_checkpoint_signature`` (the body
    was altered or signed by another key), ``key_not_valid`` (the key's window does not
    include ``at``). The signature is checked before the time because ``at`` comes from the
    body: until the signature verifies, it is only a claim.

    Security: pass the body exactly as received; a signature over a re-serialisation
    proves nothing about the received bytes.
    """
    key = trust.qr_key(kid)
    if not key.public_key.verify(signature, body):
        raise KeysError(
            "bad_checkpoint_signature",
            f"the checkpoint signature does not verify with key {kid_text(kid)}",
        )
    if not key.valid_at(at):
        raise KeysError(
            "key_not_valid",
            f"key {kid_text(kid)} is valid from {key.not_before.isoformat()} to "
            f"{key.not_after.isoformat()}, not at {at.isoformat()}",
        )
