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
        claims = _read_written_claims(data)
        return claims if claims is not None else cls._from_map(loads_strict(data, "claims"))

    @classmethod
    def _from_map(cls, raw: Any) -> Claims:
        """Check a decoded claim map claim by claim; raise ``RegistryError('bad_claims')``."""
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


def _read_written_claims(data: bytes) -> Claims | None:
    """The claims, read straight from ``data`` when it has the one layout
    :meth:`Claims.to_cbor` writes and every claim is in range; else ``None``, and
    :meth:`Claims.from_cbor` runs the general strict decoder and the claim-by-claim checks,
    which accept or refuse ``data`` and name what is wrong.

    The layout: a map of 13 items, keys 1 to 13 in order, each value of its claim's CBOR
    type (a UTF-8 text string, an unsigned integer, a byte string, an array of 4 unsigned
    integers), every head in shortest form, nothing after the map. Such bytes are their own
    canonical encoding, the strict decoder reads them as the same values, and the range
    checks here are those of the claim-by-claim path: what this accepts, that path accepts
    with the same claims (``tests/registry/test_payload_fast_paths.py``).
    """
    if data[:1] != b"\xad":  # a map of 13 items
        return None
    values: list[Any] = []
    at, end = 1, len(data)
    try:
        for key, major in _LAYOUT:
            head = data[at + 1]
            if data[at] != key or head >> 5 != major:
                return None
            argument, at = _argument(data, head & 0x1F, at + 2)
            if argument is None:
                return None
            if major == 0:
                values.append(argument)
            elif major == 4:
                if argument != 4:
                    return None
                hours = []
                for _ in range(4):
                    head = data[at]
                    if head >> 5:  # not an unsigned integer
                        return None
                    minutes, at = _argument(data, head, at + 1)
                    if minutes is None:
                        return None
                    hours.append(minutes)
                values.append(hours)
            else:
                stop = at + argument
                if stop > end:
                    return None
                values.append(data[at:stop].decode("utf-8") if major == 3 else data[at:stop])
                at = stop
    except (IndexError, UnicodeDecodeError):
        return None
    if at != end:
        return None
    (number, edition, kind, year, name, masked_id, salt) = values[:7]
    (digest, hours, policy, issuer, issued_text, level) = values[7:]
    if not (
        edition < 2**31
        and kind < len(_KINDS)
        and year < 2**31
        and level < len(_LEVELS)
        and max(hours) < 10**7
    ):
        return None
    try:
        issued_on = dt.date.fromisoformat(issued_text)
    except ValueError:
        return None
    return Claims(
        number=number,
        edition=edition,
        kind=_KINDS[kind],
        year=year,
        name=name,
        masked_id=masked_id,
        id_salt=salt,
        id_digest=digest,
        hours=(hours[0], hours[1], hours[2], hours[3]),
        policy_id=policy,
        issuer=issuer,
        issued_on=issued_on,
        title_level=_LEVELS[level],
    )


def _argument(data: bytes, info: int, at: int) -> tuple[int | None, int]:
    """The argument of a head whose low 5 bits are ``info`` and whose extra bytes start at
    ``at``, and the position after them; ``None`` unless it is in shortest form (up to 4
    bytes). Raises ``IndexError`` past the end of ``data``."""
    if info < 24:
        return info, at
    if info == 24:
        value = data[at]
        return (value if value >= 24 else None), at + 1
    if info == 25:
        value = (data[at] << 8) | data[at + 1]
        return (value if value > 0xFF else None), at + 2
    if info == 26:
        if at + 4 > len(data):
            raise IndexError(at)
        value = int.from_bytes(data[at : at + 4], "big")
        return (value if value > 0xFFFF else None), at + 4
    return None, at


_LAYOUT = tuple(zip(range(1, 14), (3, 0, 0, 0, 3, 3, 2, 2, 4, 3, 3, 3, 0), strict=True))
"""Each claim key in the order :meth:`Claims.to_cbor` writes them, with the CBOR major type
of its value: 0 unsigned integer, 2 byte string, 3 text string, 4 array (the hours)."""


def _want(raw: Mapping[Any, Any], key: int, kind: type, name: str) -> Any:
    value = raw[key]
    if type(value) is not kind:
        raise RegistryError("bad_claims", f"claim {name} (key {key}) must be {kind.__name__}")
    if isinstance(value, int) and not 0 <= value < 2**31:
        raise RegistryError("bad_claims", f"claim {name} (key {key}) is out of range")
    return value
