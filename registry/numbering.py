"""Certificate numbers (证书编号): ``RRRRRR`` + ``SSSSSSSS`` + ``C``.

* ``RRRRRR`` — six-digit administrative division code of the issuing bureau;
* ``SSSSSSSS`` — serial within that bureau, from 00000001, never reused;
* ``C`` — ISO 7064 MOD 11-2 check character over the 14 digits (``0``-``9`` or ``X``), the
  scheme of the resident ID card, so a mistyped number is caught before any look-up.

A number belongs to one person for good (一人一证): renewals and reissues keep it.
"""

from __future__ import annotations

import re

from registry.errors import RegistryError
from registry.idnumber import mod11_2_check as mod11_2
from registry.model import parse_region

SERIAL_DIGITS = 8
_NUMBER = re.compile(r"[1-9][0-9]{5}[0-9]{8}[0-9X]")


def format_number(region: str, serial: int) -> str:
    """The certificate number for ``serial`` within ``region``."""
    parse_region(region)
    if not 1 <= serial < 10**SERIAL_DIGITS:
        raise RegistryError("serial_exhausted", f"serial {serial} is out of range for {region}")
    body = f"{region}{serial:0{SERIAL_DIGITS}d}"
    return body + mod11_2(body)


def parse_number(text: str) -> str:
    """Normalise and check a certificate number; raise ``RegistryError('bad_number')``."""
    value = text.strip().upper().replace(" ", "")
    if not _NUMBER.fullmatch(value):
        raise RegistryError(
            "bad_number",
            f"“{text}”不是证书编号（证书编号为15位：6位行政区划代码、8位序号、1位校验位）"
            f" ({text!r} is not a certificate number: 6 + 8 digits + check)",
        )
    expected = mod11_2(value[:-1])
    if value[-1] != expected:
        raise RegistryError(
            "bad_number",
            f"证书编号 {value} 有误：最后一位校验位应为 {expected}，可能输错了，请核对"
            f" ({text!r}: check character should be {expected}, not {value[-1]}: mistyped?)",
        )
    return value


__all__ = ["SERIAL_DIGITS", "format_number", "mod11_2", "parse_number"]
