"""Base45 (RFC 9285): bytes as QR-alphanumeric text.

Decoding runs on every scan, so :func:`b45decode` does its work in a few whole-string
operations (a byte translation and three big-integer operations) instead of a Python loop per
3-character group; any input it does not accept is decoded again by the plain loop, which
names the first bad character or group. Both accept exactly the same texts.
"""

from __future__ import annotations

from functools import lru_cache

from registry.errors import RegistryError

ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"
_VALUE = {char: index for index, char in enumerate(ALPHABET)}
_BAD = 0xFF
_DIGITS = bytes(_VALUE.get(chr(code), _BAD) for code in range(256))
"""``bytes.translate`` table: each ASCII code to its Base45 value, anything else to 0xFF."""


def b45encode(data: bytes) -> str:
    out: list[str] = []
    for i in range(0, len(data) - 1, 2):
        n = data[i] * 256 + data[i + 1]
        n, c = divmod(n, 45)
        e, d = divmod(n, 45)
        out += (ALPHABET[c], ALPHABET[d], ALPHABET[e])
    if len(data) % 2:
        e, c = divmod(data[-1], 45)
        out += (ALPHABET[c], ALPHABET[e])
    return "".join(out)


def b45decode(text: str) -> bytes:
    """Decode Base45; raise ``RegistryError('bad_base45')`` naming the first bad position."""
    decoded = _decode_whole(text)
    return decoded if decoded is not None else _decode_groups(text)


@lru_cache(maxsize=64)
def _lanes(groups: int) -> int:
    """A mask with the low byte of each of ``groups`` 3-byte little-endian lanes set."""
    return int.from_bytes(b"\xff\x00\x00" * groups, "little")


def _decode_whole(text: str) -> bytes | None:
    """The decoded bytes, or ``None`` when ``text`` is not valid Base45 (or not ASCII).

    The digits of the 3-character groups are read as one little-endian integer of 3-byte
    lanes ``c·2¹⁶ + d·2⁸ + e``; masking and shifting give three integers of the lanes' c, d
    and e, and ``c + 45·d + 2025·e`` computes every group's value at once (at most 91,124, so
    no lane carries into the next). A group above 0xFFFF shows as a non-zero top byte.
    """
    try:
        digits = text.encode("ascii").translate(_DIGITS)
    except UnicodeEncodeError:
        return None
    groups, rest = divmod(len(digits), 3)
    if rest == 1 or _BAD in digits:
        return None
    mask = _lanes(groups)
    whole = int.from_bytes(digits[: 3 * groups], "little")
    values = (whole & mask) + 45 * ((whole >> 8) & mask) + 2025 * ((whole >> 16) & mask)
    lanes = values.to_bytes(3 * groups, "little")
    if lanes[2::3].count(0) != groups:
        return None
    out = bytearray(2 * groups)
    out[0::2] = lanes[1::3]
    out[1::2] = lanes[0::3]
    if rest == 2:
        last = digits[-2] + 45 * digits[-1]
        if last > 0xFF:
            return None
        out.append(last)
    return bytes(out)


def _decode_groups(text: str) -> bytes:
    """The plain group-by-group decoder: slow, but it names what is wrong."""
    out = bytearray()
    length = len(text)
    if length % 3 == 1:
        raise RegistryError("bad_base45", f"Base45 text has an impossible length ({length})")
    for i in range(0, length, 3):
        chunk = text[i : i + 3]
        try:
            values = [_VALUE[ch] for ch in chunk]
        except KeyError as exc:
            bad = next(j for j, ch in enumerate(chunk) if ch not in _VALUE)
            raise RegistryError(
                "bad_base45", f"character {chunk[bad]!r} at position {i + bad} is not Base45"
            ) from exc
        if len(values) == 3:
            n = values[0] + values[1] * 45 + values[2] * 2025
            if n > 0xFFFF:
                raise RegistryError("bad_base45", f"Base45 group at position {i} is out of range")
            out += n.to_bytes(2, "big")
        else:
            n = values[0] + values[1] * 45
            if n > 0xFF:
                raise RegistryError("bad_base45", f"Base45 group at position {i} is out of range")
            out.append(n)
    return bytes(out)
