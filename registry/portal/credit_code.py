"""Unified social credit codes (统一社会信用代码, GB 32100-2015): how employers are named.

Eighteen characters from the code's alphabet (digits and capitals without I, O, Z, S, V);
the last is a check character over the first seventeen, weighted by powers of 3 modulo 31.
Pure.
"""

from __future__ import annotations

from registry.errors import RegistryError

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
"""The 31 characters of GB 32100, in value order (0–30)."""
_WEIGHTS = tuple(pow(3, i, 31) for i in range(17))


def check_character(first17: str) -> str:
    """The check character of the first seventeen characters."""
    total = sum(ALPHABET.index(c) * w for c, w in zip(first17, _WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


def parse_credit_code(text: str, *, field: str = "credit_code") -> str:
    """Return the code, upper-cased and stripped, or raise ``RegistryError('bad_credit_code')``
    naming the field and what is wrong."""
    value = text.strip().upper()
    if len(value) != 18:
        raise RegistryError(
            "bad_credit_code",
            f"{field}：统一社会信用代码应为 18 位，这里是 {len(value)} 位 "
            f"(a unified social credit code has 18 characters, not {len(value)})",
        )
    wrong = [c for c in value if c not in ALPHABET]
    if wrong:
        raise RegistryError(
            "bad_credit_code",
            f"{field}：统一社会信用代码不能含有“{wrong[0]}” "
            f"({wrong[0]!r} is not a character of GB 32100)",
        )
    if check_character(value[:17]) != value[17]:
        raise RegistryError(
            "bad_credit_code",
            f"{field}：统一社会信用代码的校验位不符，请核对 "
            "(the check character does not match: a character was mistyped)",
        )
    return value


__all__ = ["ALPHABET", "check_character", "parse_credit_code"]
