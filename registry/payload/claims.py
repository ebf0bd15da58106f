"""The claims a certificate's QR code carries, and their CBOR form (``docs/qr-payload.md``)."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import cbor2

from registry.errors import RegistryError
from registry.model import Category, DocumentKind, TitleLevel
from registry.payload.cose import loads_strict

ID_SALT_BYTES = 8
ID_DIGEST_BYTES = 16
_KINDS = (
    DocumentKind.ORIGINAL,
    DocumentKind.RENEWAL,
    DocumentKind.REISSUE,
    DocumentKind.CORRECTION,
)

# CBOR map keys (small integers keep the QR small).
K_NUMBER, K_EDITION, K_KIND, K_YEAR, K_NAME, K_MASKED_ID = 1, 2, 3, 4, 5, 6
K_ID_SALT, K_ID_DIGEST, K_HOURS, K_POLICY, K_ISSUER, K_ISSUED_ON = 7, 8, 9, 10, 11, 12
K_LEVEL = 13
_ALL_KEYS = frozenset(range(1, 14))
_LEVELS = (TitleLevel.JUNIOR, TitleLevel.INTERMEDIATE, TitleLevel.SENIOR)


def id_digest(salt: bytes, id_number: str) -> bytes:
    """SHA-256 of ``salt || id_number`` (UTF-8), first 16 bytes.

    Lets a verifier who is shown the holder's ID card confirm it is the same person without
    the QR printing the full number. It does not hide the number from a determined guesser:
    see the privacy note in ``docs/qr-payload.md``.
    """
    return hashlib.sha256(salt + id_number.encode("utf-8")).digest()[:ID_DIGEST_BYTES]


@dataclass(frozen=True, slots=True)
class Claims:
    """What one certificate document states, as signed into its QR code."""

    number: str
    edition: int
    kind: DocumentKind
    year: int
    name: str
    masked_id: str
    id_salt: bytes
    id_digest: bytes
    hours: tuple[int, int, int, int]
    """Counted minutes: public, professional, elective, total."""
    policy_id: str
    issuer: str
    """Six-digit region code of the issuing bureau."""
    issued_on: dt.date
    title_level: TitleLevel
    """The holder's title level: some policies require different hours by level."""

    def hours_for(self, category: Category) -> int:
        index = (Category.PUBLIC, Category.PROFESSIONAL, Category.ELECTIVE).index(category)
        return self.hours[index]

    def matches_id_number(self, id_number: str) -> bool:
        """Whether ``id_number`` is the one this certificate was issued to (constant time)."""
        return hmac.compare_digest(id_digest(self.id_salt, id_number), self.id_digest)

    def to_cbor(self) -> bytes:
        return cbor2.dumps(
            {
                K_NUMBER: self.number,
                K_EDITION: self.edition,
                K_KIND: _KINDS.index(self.kind),
                K_YEAR: self.year,
                K_NAME: self.name,
                K_MASKED_ID: self.masked_id,
                K_ID_SALT: self.id_salt,
                K_ID_DIGEST: self.id_digest,
                K_HOURS: list(self.hours),
                K_POLICY: self.policy_id,
                K_ISSUER: self.issuer,
                K_ISSUED_ON: self.issued_on.isoformat(),
                K_LEVEL: _LEVELS.index(self.title_level),
            }
        )

    @classmethod
    def from_cbor(cls, data: bytes) -> Claims:
        """Parse and check the claim map; raise ``RegistryError('bad_claims')`` naming the
        offending claim. Unknown or missing keys are errors."""
        raw = loads_strict(data, "claims")
        if not isinstance(raw, Mapping):
            raise RegistryError("bad_claims", "claims must be a CBOR map")
        if any(type(key) is not int for key in raw):
            # By type: in Python ``True == 1.0 == 1``, so {true: …} would pass as key 1.
            raise RegistryError("bad_claims", "claim keys must be integers")
        keys = set(raw)
        if keys != _ALL_KEYS:
            missing = sorted(_ALL_KEYS - keys, key=str)
            extra = sorted(keys - _ALL_KEYS, key=str)
            raise RegistryError("bad_claims", f"claims missing {missing} or unknown {extra}")
        hours = raw[K_HOURS]
        kind_index = _want(raw, K_KIND, int, "kind")
        if not 0 <= kind_index < len(_KINDS):
            raise RegistryError("bad_claims", f"kind {kind_index} is unknown")
        if not (
            isinstance(hours, list | tuple)
            and len(hours) == 4
            and all(type(h) is int and 0 <= h < 10**7 for h in hours)
        ):
            raise RegistryError("bad_claims", "hours must be 4 non-negative integers")
        level_index = _want(raw, K_LEVEL, int, "title_level")
        if not 0 <= level_index < len(_LEVELS):
            raise RegistryError("bad_claims", f"title level {level_index} is unknown")
        issued_text = _want(raw, K_ISSUED_ON, str, "issued_on")
        try:
            issued_on = dt.date.fromisoformat(issued_text)
        except ValueError as exc:
            raise RegistryError("bad_claims", f"issued_on {issued_text!r} is no date") from exc
        return cls(
            number=_want(raw, K_NUMBER, str, "number"),
            edition=_want(raw, K_EDITION, int, "edition"),
            kind=_KINDS[kind_index],
            year=_want(raw, K_YEAR, int, "year"),
            name=_want(raw, K_NAME, str, "name"),
            masked_id=_want(raw, K_MASKED_ID, str, "masked_id"),
            id_salt=_want(raw, K_ID_SALT, bytes, "id_salt"),
            id_digest=_want(raw, K_ID_DIGEST, bytes, "id_digest"),
            hours=(hours[0], hours[1], hours[2], hours[3]),
            policy_id=_want(raw, K_POLICY, str, "policy_id"),
            issuer=_want(raw, K_ISSUER, str, "issuer"),
            issued_on=issued_on,
            title_level=_LEVELS[level_index],
        )


def _want(raw: Mapping[Any, Any], key: int, kind: type, name: str) -> Any:
    value = raw[key]
    if type(value) is not kind:
        raise RegistryError("bad_claims", f"claim {name} (key {key}) must be {kind.__name__}")
    if isinstance(value, int) and not 0 <= value < 2**31:
        raise RegistryError("bad_claims", f"claim {name} (key {key}) is out of range")
    return value
