"""Exporting the signed trust list from a key ring."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from keys.conventions import canonical_json
from keys.private.authority import KeyRing, read_manifest
from keys.signatures import ES256
from keys.trust import b64url, format_time, trust_list_body


def export_trust_list(directory: Path, ring: KeyRing, *, at: dt.datetime) -> bytes:
    """Build the trust list of this key ring, signed by its root key, as UTF-8 JSON.

    Every QR key and seal of the manifest is listed with its window, retirement and
    revocation, so documents signed with an older key keep verifying and none signed with a
    revoked key after its revocation does.
    """
    manifest = read_manifest(directory)
    keys = []
    for item in manifest["qr"]:
        key = {
            "kid": item["kid"],
            "alg": ES256,
            "public_key_pem": item["public_key_pem"],
            "not_before": item["not_before"],
            "not_after": item["not_after"],
        }
        for optional in ("revoked_from", "revocation_reason"):
            if item.get(optional):
                key[optional] = item[optional]
        keys.append(key)
    seals = []
    for entry in ring.seals:
        seal = {"certificate": entry.certificate.pem}
        if entry.retired_at is not None:
            seal["not_after"] = format_time(entry.retired_at)
        if entry.revoked_from is not None:
            seal["revoked_from"] = format_time(entry.revoked_from)
            seal["revocation_reason"] = entry.revocation_reason or "unspecified"
        seals.append(seal)
    body = trust_list_body(
        issuer=ring.root_certificate.common_name,
        issued_at=at,
        roots=[ring.root_certificate.pem],
        seals=seals,
        timestamping=[ring.tsa.certificate.pem],
        keys=keys,
    )
    signature = ring.root.sign(canonical_json(body))
    signed = dict(body)
    signed["signature"] = {
        "alg": ES256,
        "root_sha256": ring.root_certificate.sha256,
        "value": b64url(signature),
    }
    return (json.dumps(signed, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
