"""A signature's place in a PDF: ``/Contents`` reserved as zeros, ``/ByteRange`` around it.

A PDF signature signs every byte of the file but its own ``/Contents`` hex string
(ISO 32000-2 §12.8.1). :class:`Prepared` is a finished file with that string zero-filled:
the caller hashes :meth:`Prepared.digest`, makes the CMS container or time-stamp token and
writes it with :meth:`Prepared.fill`. The ``/ByteRange`` values are written before the hash,
so the digest covers them.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from signer.errors import IssuanceError

_BYTE_RANGE_WIDTH = 48
"""Characters reserved for ``[0 a b c]`` (padded with spaces after the ``]``)."""


@dataclass(slots=True)
class Prepared:
    """A file with one signature placeholder: ``/Contents`` zero-filled, ``/ByteRange`` set."""

    buffer: bytearray
    contents: int
    """Offset of the ``<`` that opens the hex ``/Contents`` string."""
    reserved: int
    """Hex digits between ``<`` and ``>``."""

    @property
    def byte_range(self) -> tuple[int, int, int, int]:
        end = self.contents + self.reserved + 2
        return (0, self.contents, end, len(self.buffer) - end)

    def digest(self) -> bytes:
        """SHA-256 of the bytes ``/ByteRange`` names: everything but ``/Contents``."""
        view = memoryview(self.buffer)
        _, first, start, length = self.byte_range
        sha = hashlib.sha256(view[:first])
        sha.update(view[start : start + length])
        return sha.digest()

    def fill(self, der: bytes) -> bytes:
        """The finished file: ``der`` hex-encoded into ``/Contents``, zero-padded."""
        digits = der.hex().upper().encode("ascii")  # as pyHanko writes them
        if len(digits) > self.reserved:
            raise IssuanceError(
                "seal_container_too_large",
                f"{len(der)} bytes of signature do not fit the {self.reserved} hex digits "
                "reserved for them",
            )
        start = self.contents + 1
        self.buffer[start : start + len(digits)] = digits
        return bytes(self.buffer)


def signature_placeholder(reserved: int) -> tuple[bytes, bytes]:
    """``/Contents <000…>`` and the ``/ByteRange`` placeholder, written before the rest of
    the signature dictionary (so both are where the hash ranges say)."""
    return b"/Contents <" + b"0" * reserved + b">", b"/ByteRange " + b" " * _BYTE_RANGE_WIDTH


def set_byte_range(prepared: Prepared, at: int) -> None:
    text = b"[%d %d %d %d]" % prepared.byte_range
    prepared.buffer[at : at + _BYTE_RANGE_WIDTH] = text.ljust(_BYTE_RANGE_WIDTH)
