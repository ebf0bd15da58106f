"""The trust list: what a verifier trusts, and the check that it came from the root.

Format (``docs/trust-list.md``): a JSON object with ``roots`` (PEM), ``seals`` (seal
certificates with their retirement and revocation times), ``timestamping`` (the bureaus'
time-stamping certificates), ``keys`` (QR-signing public keys with their kid, validity window
and revocation time) and a ``signature`` member made by a root key over the canonical JSON of
every other member. A trust list whose signature does not verify is refused as a whole:
nothing in it is used.

Security: the signature proves the list was made by the holder of a root key that the list
itself names. Pin that root (``pin=`` its SHA-256 fingerprint, published by the province) to
rule out a wholesale substitute list.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
from dataclasses import dataclass, field
from typing import Any

from keys.certificates import CertificateInfo, load_certificate
from keys.conventions import CHINA_TZ, canonical_json
from keys.errors import KeysError
from keys.kid import kid_for_spki, kid_from_text, kid_text
from keys.signatures import ES256, PublicKey

FORMAT = "cecert-trust-list"
VERSION = 2
_TOP_KEYS = {
    "format",
    "version",
    "issuer",
    "issued_at",
    "roots",
    "seals",
    "timestamping",
    "keys",
    "signature",
}
_KEY_KEYS = {"kid", "alg", "public_key_pem", "not_before", "not_after"}
_KEY_OPTIONAL = {"revoked_from", "revocation_reason"}
_SEAL_KEYS = {"certificate"}
_SEAL_OPTIONAL = {"not_after", "revoked_from", "revocation_reason"}


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode((text + "=" * (-len(text) % 4)).encode("ascii"))


def parse_time(text: str, *, where: str) -> dt.datetime:
    try:
        value = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except (ValueError, AttributeError) as exc:
        raise KeysError("bad_trust_list", f"{where}: {text!r} is not an ISO 8601 time") from exc
    if value.tzinfo is None:
        raise KeysError("bad_trust_list", f"{where}: {text!r} has no time zone")
    return value


def format_time(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True, slots=True)
class QrKey:
    """One QR-signing public key the verifier trusts, within its validity window and, if it
    was revoked, only before the revocation time."""

    kid: bytes
    alg: str
    public_key: PublicKey = field(compare=False, repr=False)
    not_before: dt.datetime
    not_after: dt.datetime
    revoked_from: dt.datetime | None = None
    revocation_reason: str | None = None
    kid_text: str = field(init=False, compare=False, repr=False)
    """The kid as printed in texts and the trust list (base64url); made once."""
    first_day: dt.date = field(init=False, compare=False, repr=False)
    """The China date of ``not_before``."""
    last_day: dt.date = field(init=False, compare=False, repr=False)
    """The China date of ``not_after``."""
    revoked_day: dt.date | None = field(init=False, compare=False, repr=False)
    """The China date of ``revoked_from``: refused from this day on."""

    def __post_init__(self) -> None:
        # Derived once, as every QR verification needs them; the key is frozen, so they
        # cannot drift from the times they are derived from.
        revoked = self.revoked_from
        object.__setattr__(self, "kid_text", kid_text(self.kid))
        object.__setattr__(self, "first_day", self.not_before.astimezone(CHINA_TZ).date())
        object.__setattr__(self, "last_day", self.not_after.astimezone(CHINA_TZ).date())
        object.__setattr__(
            self, "revoked_day", revoked.astimezone(CHINA_TZ).date() if revoked else None
        )

    def valid_at(self, at: dt.datetime) -> bool:
        """May a signature made at the moment ``at`` be accepted?"""
        if self.revoked_from is not None and at >= self.revoked_from:
            return False
        return self.not_before <= at <= self.not_after

    def valid_on(self, day: dt.date) -> bool:
        """May a payload dated ``day`` (China time, as QR claims are) be accepted?

        The window is compared in China dates, so a key valid at any moment of a day is
        accepted for it; a revoked key is refused from the China date of its revocation on,
        the whole of that day included (fail closed: the payload carries no time of day).
        """
        if self.revoked_day is not None and day >= self.revoked_day:
            return False
        return self.first_day <= day <= self.last_day


@dataclass(frozen=True, slots=True)
class TrustedSeal:
    """A seal certificate the trust list names, with the bureau's retirement and revocation."""

    certificate: CertificateInfo
    retired_at: dt.datetime | None = None
    """When a rotation replaced the seal: nothing sealed after it is accepted."""
    revoked_from: dt.datetime | None = None
    revocation_reason: str | None = None

    def usable_at(self, at: dt.datetime) -> bool:
        """May a seal signature whose trusted time (its RFC 3161 timestamp) is ``at`` be
        accepted? Within the certificate's validity, before retirement and revocation."""
        if self.revoked_from is not None and at >= self.revoked_from:
            return False
        if self.retired_at is not None and at > self.retired_at:
            return False
        return self.certificate.not_before <= at <= self.certificate.not_after


@dataclass(frozen=True, slots=True)
class TrustList:
    """A checked trust list. Only :func:`parse_trust_list` builds one from outside data."""

    issuer: str
    issued_at: dt.datetime
    roots: tuple[CertificateInfo, ...]
    trusted_seals: tuple[TrustedSeal, ...]
    timestamping: tuple[CertificateInfo, ...]
    qr_keys: tuple[QrKey, ...]
    signed_by: str
    """SHA-256 fingerprint of the root whose key signed the list."""

    @property
    def seals(self) -> tuple[CertificateInfo, ...]:
        """The seal certificates (whatever their retirement or revocation)."""
        return tuple(s.certificate for s in self.trusted_seals)

    def bureau_name(self, region: str) -> str | None:
        """The name of the bureau of ``region``, as its seals' certificates give it (the
        newest seal's), or ``None`` when the trust list has no seal of that region."""
        names = [
            s.certificate
            for s in self.trusted_seals
            if s.certificate.subject_serial == region and s.certificate.organization
        ]
        if not names:
            return None
        return max(names, key=lambda c: c.not_before).organization

    def seal(self, sha256: str) -> TrustedSeal | None:
        """The trusted seal with this certificate fingerprint (hex), if any."""
        return next((s for s in self.trusted_seals if s.certificate.sha256 == sha256), None)

    def qr_key(self, kid: bytes) -> QrKey:
        """The trusted key with this kid; raise ``KeysError('unknown_kid')`` if there is none."""
        for key in self.qr_keys:
            if key.kid == kid:
                return key
        raise KeysError("unknown_kid", f"key id {kid_text(kid)} is not in the trust list")


def trust_list_body(
    *,
    issuer: str,
    issued_at: dt.datetime,
    roots: list[str],
    seals: list[dict[str, str]],
    timestamping: list[str],
    keys: list[dict[str, str]],
) -> dict[str, Any]:
    """The unsigned members of a trust list, in their JSON form."""
    return {
        "format": FORMAT,
        "version": VERSION,
        "issuer": issuer,
        "issued_at": format_time(issued_at),
        "roots": roots,
        "seals": seals,
        "timestamping": timestamping,
        "keys": keys,
    }


def _no_floats(text: str) -> Any:
    raise KeysError("bad_trust_list", f"numbers with fractions ({text}) are not allowed")


def _no_constants(text: str) -> Any:
    raise KeysError("bad_trust_list", f"{text} is not allowed in a trust list")


def _unique_pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise KeysError("bad_trust_list", f"member {key!r} appears twice")
        result[key] = value
    return result


def parse_trust_list(data: bytes, *, pin: str | None = None) -> TrustList:
    """Parse a trust list and check its root signature; raise :class:`KeysError`.

    Reasons: ``bad_trust_list`` (not the format), ``trust_list_signature`` (the signature
    does not verify, or no root in the list matches it), ``trust_list_pin`` (signed by a root
    other than the pinned one).
    """
    try:
        obj = json.loads(
            data.decode("utf-8"),
            object_pairs_hook=_unique_pairs,
            parse_float=_no_floats,
            parse_constant=_no_constants,
        )
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise KeysError("bad_trust_list", f"trust list is not UTF-8 JSON: {exc}") from exc
    if not isinstance(obj, dict):
        raise KeysError("bad_trust_list", "trust list must be a JSON object")
    unknown = set(obj) - _TOP_KEYS
    if unknown:
        raise KeysError("bad_trust_list", f"unknown members: {', '.join(sorted(unknown))}")
    if obj.get("format") != FORMAT or obj.get("version") != VERSION:
        raise KeysError(
            "bad_trust_list",
            f"not a {FORMAT} version {VERSION} file (export it again with this cecert)",
        )
    signature = obj.pop("signature", None)
    if not isinstance(signature, dict):
        raise KeysError("trust_list_signature", "trust list is not signed")
    try:
        roots = tuple(load_certificate(p, source="roots") for p in obj["roots"])
        seal_items = obj["seals"]
        timestamping = tuple(
            load_certificate(p, source="timestamping") for p in obj["timestamping"]
        )
        issued_at = parse_time(obj["issued_at"], where="issued_at")
        issuer = str(obj["issuer"])
        key_items = obj["keys"]
    except (KeyError, TypeError) as exc:
        raise KeysError("bad_trust_list", f"missing or malformed member: {exc}") from exc

    signer_fp = signature.get("root_sha256")
    signer = next((r for r in roots if r.sha256 == signer_fp), None)
    if signature.get("alg") != ES256 or signer is None:
        raise KeysError("trust_list_signature", "trust list signature names no root in the list")
    root_key = PublicKey(signer.spki_der)
    try:
        value = b64url_decode(str(signature.get("value", "")))
    except ValueError as exc:
        raise KeysError("trust_list_signature", "trust list signature is not base64url") from exc
    if not root_key.verify(value, canonical_json(obj)):
        raise KeysError("trust_list_signature", "trust list signature does not verify")
    if pin is not None and pin.lower().replace(":", "") != signer.sha256:
        raise KeysError(
            "trust_list_pin",
            f"trust list is signed by root {signer.sha256}, not the pinned root {pin}",
        )
    if not isinstance(key_items, list) or not isinstance(seal_items, list):
        raise KeysError("bad_trust_list", "keys and seals must be lists")
    qr_keys = tuple(_parse_key(item, index) for index, item in enumerate(key_items))
    seals = tuple(_parse_seal(item, index) for index, item in enumerate(seal_items))
    return TrustList(
        issuer=issuer,
        issued_at=issued_at,
        roots=roots,
        trusted_seals=seals,
        timestamping=timestamping,
        qr_keys=qr_keys,
        signed_by=signer.sha256,
    )


def _check_members(item: Any, where: str, required: set[str], optional: set[str]) -> None:
    if not isinstance(item, dict) or not required <= set(item) <= required | optional:
        raise KeysError(
            "bad_trust_list",
            f"{where}: expected {sorted(required)} and optionally {sorted(optional)}",
        )
    if not all(isinstance(value, str) for value in item.values()):
        raise KeysError("bad_trust_list", f"{where}: every member must be a string")


def _optional_time(item: dict[str, str], name: str, where: str) -> dt.datetime | None:
    return parse_time(item[name], where=f"{where}.{name}") if name in item else None


def _parse_seal(item: Any, index: int) -> TrustedSeal:
    where = f"seals[{index}]"
    _check_members(item, where, _SEAL_KEYS, _SEAL_OPTIONAL)
    return TrustedSeal(
        certificate=load_certificate(item["certificate"], source=where),
        retired_at=_optional_time(item, "not_after", where),
        revoked_from=_optional_time(item, "revoked_from", where),
        revocation_reason=item.get("revocation_reason"),
    )


def _parse_key(item: Any, index: int) -> QrKey:
    where = f"keys[{index}]"
    _check_members(item, where, _KEY_KEYS, _KEY_OPTIONAL)
    if item["alg"] != ES256:
        raise KeysError("bad_trust_list", f"{where}: unsupported alg {item['alg']!r}")
    try:
        public_key = PublicKey(item["public_key_pem"])
        kid = kid_from_text(item["kid"])
    except (KeysError, ValueError, UnicodeError) as exc:
        raise KeysError("bad_trust_list", f"{where}: unreadable kid or public key") from exc
    if kid != kid_for_spki(public_key.spki_der):
        raise KeysError("bad_trust_list", f"{where}: kid does not match the public key")
    return QrKey(
        kid=kid,
        alg=ES256,
        public_key=public_key,
        not_before=parse_time(item["not_before"], where=f"{where}.not_before"),
        not_after=parse_time(item["not_after"], where=f"{where}.not_after"),
        revoked_from=_optional_time(item, "revoked_from", where),
        revocation_reason=item.get("revocation_reason"),
    )
