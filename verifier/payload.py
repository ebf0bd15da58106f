"""Checking a QR payload: format, ES256 signature against the trust list, key validity.

Security: the claims are only handed on inside an :class:`AuthenticPayload`, which only
:func:`authenticate` builds, after the signature verified with a trusted key that was valid
on the claimed issue date. Nothing unauthenticated reaches a report. A code issued from
:data:`keys.LOW_S_REQUIRED_FROM` on must carry its signature in the low-S form: its high-S
twin would be a second, different code with the same valid signature.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from keys import LOW_S_REQUIRED_FROM, KeysError, QrKey, TrustList, is_low_s
from registry.errors import RegistryError
from registry.home import CHINA_TZ
from registry.payload import Claims, decode_payload
from verifier.report import Check

_PROOF = object()
NOT_A_CODE = "bad_prefix"
"""The reason a text that does not start with ``CEC1:`` gets: not a certificate code."""
_WELL_FORMED = Check.passed("payload.format", "CEC1 COSE_Sign1 payload, well-formed")


def _first_day_from(moment: dt.datetime) -> dt.date:
    """The first China date that begins at or after ``moment``."""
    local = moment.astimezone(CHINA_TZ)
    day = local.date()
    if local > dt.datetime.combine(day, dt.time(), CHINA_TZ):
        day += dt.timedelta(days=1)
    return day


LOW_S_REQUIRED_ON = _first_day_from(LOW_S_REQUIRED_FROM)
"""A payload issued on or after this China date (2026-12-06) must be signed low-S: it was
signed after :data:`keys.LOW_S_REQUIRED_FROM` (the issue date is all the payload says of its
signing time, so a day that begins before that moment is not judged)."""


@dataclass(frozen=True, slots=True)
class AuthenticPayload:
    """A payload whose signature verified. Cannot be built outside this module."""

    text: str
    claims: Claims
    key: QrKey
    _proof: object = field(repr=False, compare=False)

    def __post_init__(self) -> None:
        if self._proof is not _PROOF:
            raise TypeError("AuthenticPayload is only built by verifier.payload.authenticate")


def authenticate(
    text: str, trust: TrustList, *, at: dt.datetime
) -> tuple[list[Check], AuthenticPayload | None]:
    """Run the payload checks; return them and, if all passed, the authenticated payload."""
    checks: list[Check] = []
    try:
        signed = decode_payload(text)
    except RegistryError as exc:
        # A text that is not a cecert code at all holds no certificate to judge: "could not
        # verify". One that is a cecert code but damaged or altered is invalid.
        make = Check.unknown if exc.reason == NOT_A_CODE else Check.failed
        checks.append(make("payload.format", exc.reason, str(exc)))
        return checks, None
    checks.append(_WELL_FORMED)
    message = signed.message
    try:
        key = trust.qr_key(message.kid)
    except KeysError as exc:
        checks.append(Check.failed("payload.signature", exc.reason, str(exc)))
        return checks, None
    if not key.public_key.verify(message.signature, message.to_be_signed):
        checks.append(
            Check.failed(
                "payload.signature",
                "bad_signature",
                f"the signature does not verify with key {key.kid_text}: content was altered "
                "or signed by someone else",
            )
        )
        return checks, None
    claims = signed.claims  # authenticated from here on
    if claims.issued_on >= LOW_S_REQUIRED_ON and not is_low_s(message.signature):
        checks.append(
            Check.failed(
                "payload.signature",
                "signature_not_low_s",
                f"the signature verifies with key {key.kid_text}, but in its high-S form, "
                f"which the issuer has not written since {LOW_S_REQUIRED_ON} (China time): "
                f"this code, issued on {claims.issued_on}, was re-encoded after signing",
            )
        )
        return checks, None
    checks.append(Check.passed("payload.signature", f"ES256 signature by key {key.kid_text}"))
    if claims.issued_on > at.astimezone(CHINA_TZ).date():
        checks.append(
            Check.failed(
                "payload.key_validity",
                "issued_in_future",
                f"issue date {claims.issued_on} is after the verification time",
            )
        )
        return checks, None
    # The payload carries a date in China time, so the key's window (and revocation) is
    # compared in China dates too (QrKey.valid_on).
    if not key.valid_on(claims.issued_on):
        first_day, last_day = key.first_day, key.last_day
        if key.revoked_from is not None and first_day <= claims.issued_on <= last_day:
            revoked_on = key.revoked_day
            checks.append(
                Check.failed(
                    "payload.key_validity",
                    "key_revoked",
                    f"key {key.kid_text} was revoked from {revoked_on} "
                    f"({key.revocation_reason or 'no reason given'}); the payload is dated "
                    f"{claims.issued_on}",
                )
            )
            return checks, None
        checks.append(
            Check.failed(
                "payload.key_validity",
                "key_not_valid_at_issue",
                f"key {key.kid_text} was valid {first_day} to {last_day} (China time), "
                f"not on the issue date {claims.issued_on}",
            )
        )
        return checks, None
    checks.append(
        Check.passed("payload.key_validity", f"key {key.kid_text} was valid on {claims.issued_on}")
    )
    return checks, AuthenticPayload(text.strip(), claims, key, _PROOF)
