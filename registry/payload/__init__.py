"""The QR payload codec: claims ⇄ CBOR ⇄ COSE_Sign1 ⇄ QR text. No cryptography here."""

from registry.payload.claims import ID_SALT_BYTES, Claims, id_digest
from registry.payload.cose import Sign1Message
from registry.payload.text import PREFIX, SignedPayload, decode_payload, encode_payload

__all__ = [
    "ID_SALT_BYTES",
    "PREFIX",
    "Claims",
    "Sign1Message",
    "SignedPayload",
    "decode_payload",
    "encode_payload",
    "id_digest",
]
