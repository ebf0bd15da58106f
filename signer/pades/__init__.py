"""The electronic seal as a PAdES B-LTA signature: CMS, byte ranges, PDF objects, revisions, time
stamps, and pyHanko's general flow as the reference."""

from signer.pades.signature import SealStamper

__all__ = [
    "SealStamper",
]
