"""Base45 (RFC 9285): bytes as QR-alphanumeric text."""

from __future__ import annotations

from registry.errors import RegistryError

ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"
_VALUE = {char: index for index, char in enumerate(ALPHABET)}


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
