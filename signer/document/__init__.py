"""The certificate page itself: its layout, the words on it, the QR symbol and the seal's
artwork."""

from signer.document.content import CertificatePage
from signer.document.geometry import SEAL_BOX
from signer.document.page import PageRenderer
from signer.document.seal_artwork import seal_appearance_pdf

__all__ = [
    "SEAL_BOX",
    "CertificatePage",
    "PageRenderer",
    "seal_appearance_pdf",
]
