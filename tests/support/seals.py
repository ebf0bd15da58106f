"""The bureau's seal stampers: one per assembly, the precomputed parts and pyHanko's flow."""

from __future__ import annotations

from keys.private import KeyRing
from signer.document.geometry import SEAL_BOX
from signer.document.seal_artwork import seal_appearance_pdf
from signer.pades.signature import Assembly, SealStamper
from tests.conftest import CONFIG


def stampers_of(ring: KeyRing) -> dict[Assembly, SealStamper]:
    """One stamper per assembly (the fast parts and pyHanko's flow) with the bureau's seal."""
    artwork = seal_appearance_pdf(CONFIG.bureau)
    return {
        assembly: SealStamper(
            ring, seal_pdf=artwork, box=SEAL_BOX, bureau=CONFIG.bureau, assembly=assembly
        )
        for assembly in Assembly
    }
