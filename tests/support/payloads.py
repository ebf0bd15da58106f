"""QR texts made from genuine ones: the same signature over claims changed after signing."""

from __future__ import annotations

import dataclasses

import cbor2

from registry.payload import PREFIX, decode_payload
from registry.payload.base45 import b45encode
from registry.payload.cose import COSE_SIGN1_TAG


def tampered_text(text: str) -> str:
    """The same signed message with the total hours changed after signing."""
    message = decode_payload(text)
    claims = dataclasses.replace(
        message.claims, hours=(*message.claims.hours[:3], message.claims.hours[3] + 600)
    )
    body = [message.message.protected, {}, claims.to_cbor(), message.message.signature]
    return PREFIX + b45encode(cbor2.dumps(cbor2.CBORTag(COSE_SIGN1_TAG, body)))
