"""The electronic seal: a PAdES certification signature whose appearance is the red seal.

The signature is made by pyHanko with the bureau's seal certificate, as a *certification*
signature with DocMDP "no changes allowed" (so a later visible signature or stamp cannot
pass), with the certificate chain embedded. The private key never leaves
:class:`keys.private.SealSigner`: pyHanko only sees a :class:`pyhanko.sign.signers.Signer`
whose raw signing call is delegated to it.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from io import BytesIO
from typing import Any

from asn1crypto import algos, x509
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.content import PdfContent
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.layout import BoxConstraints
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers
from pyhanko.sign.signers.pdf_cms import PdfCMSSignedAttributes
from pyhanko.stamp import StaticStampStyle
from pyhanko_certvalidator.registry import SimpleCertificateStore

from keys.private import SealSigner

FIELD_NAME = "Seal"
PAYLOAD_KEY = "/CECert"
"""Catalog entry holding ``<< /Payload (QR text) >>``, covered by the signature."""
BYTES_RESERVED = 6144
_ECDSA_DER_MAX = 72


class _DelegatingSigner(signers.Signer):  # type: ignore[misc]
    """A pyHanko signer whose raw signature comes from the seal key object."""

    def __init__(self, seal: SealSigner) -> None:
        certificate = x509.Certificate.load(seal.certificate.der)
        chain = [x509.Certificate.load(c.der) for c in seal.chain]
        super().__init__(
            signing_cert=certificate,
            cert_registry=SimpleCertificateStore.from_certs([certificate, *chain]),
            signature_mechanism=algos.SignedDigestAlgorithm({"algorithm": "sha256_ecdsa"}),
        )
        self._seal = seal

    async def async_sign_raw(
        self, data: bytes, digest_algorithm: str, dry_run: bool = False
    ) -> bytes:
        if dry_run:
            return bytes(_ECDSA_DER_MAX)
        return self._seal.sign_der(data)


class _SealArtwork(PdfContent):  # type: ignore[misc]
    """The seal drawing, imported from an in-memory one-page PDF."""

    def __init__(self, seal_pdf: bytes) -> None:
        super().__init__()
        self._seal_pdf = seal_pdf

    def render(self) -> bytes:
        writer = self._ensure_writer
        reader = PdfFileReader(BytesIO(self._seal_pdf))
        xobject = writer.import_page_as_xobject(reader, page_ix=0)
        self.resources.xobject["/SealArt"] = xobject
        x1, y1, x2, y2 = xobject.get_object()["/BBox"]
        self.box = BoxConstraints(width=abs(x2 - x1), height=abs(y2 - y1))
        return b"/SealArt Do"


class SealStamper:
    """Applies the seal signature to unsigned certificate PDFs. Build once, use many times."""

    def __init__(
        self,
        seal: SealSigner,
        *,
        seal_pdf: bytes,
        box: tuple[float, float, float, float],
        bureau: str,
    ) -> None:
        self._signer = _DelegatingSigner(seal)
        self._seal_pdf = seal_pdf
        self._box = (int(box[0]), int(box[1]), int(box[2]), int(box[3]))
        self._bureau = bureau

    def seal(self, unsigned_pdf: bytes, *, payload: str, at: dt.datetime) -> bytes:
        """Return the signed PDF: ``payload`` stored under the catalog's ``/CECert`` entry,
        then the certification signature with the seal as its visible appearance."""
        writer = IncrementalPdfFileWriter(BytesIO(unsigned_pdf))
        writer.root[PAYLOAD_KEY] = generic.DictionaryObject(
            {generic.NameObject("/Payload"): generic.TextStringObject(payload)}
        )
        writer.update_root()
        meta = signers.PdfSignatureMetadata(
            field_name=FIELD_NAME,
            certify=True,
            docmdp_permissions=fields.MDPPerm.NO_CHANGES,
            subfilter=fields.SigSeedSubFilter.PADES,
            md_algorithm="sha256",
            name=self._bureau,
            reason="专业技术人员继续教育证书",
        )
        style = StaticStampStyle(
            background=_SealArtwork(self._seal_pdf), border_width=0, background_opacity=1.0
        )
        pdf_signer = signers.PdfSigner(
            meta,
            signer=self._signer,
            stamp_style=style,
            new_field_spec=fields.SigFieldSpec(sig_field_name=FIELD_NAME, on_page=0, box=self._box),
        )
        return asyncio.run(self._sign(pdf_signer, writer, at))

    @staticmethod
    async def _sign(
        pdf_signer: signers.PdfSigner, writer: IncrementalPdfFileWriter, at: dt.datetime
    ) -> bytes:
        # pyHanko's interrupted-signing steps, so that the signing time is ``at`` rather than
        # the clock of the machine (time is a parameter everywhere in cecert).
        session = pdf_signer.init_signing_session(writer)
        session.system_time = at
        validation_info = await session.perform_presign_validation(writer)
        tbs = session.prepare_tbs_document(
            validation_info=validation_info, bytes_reserved=BYTES_RESERVED
        )
        output = BytesIO()
        prepared, res_output = tbs.digest_tbs_document(output=output)
        post = await tbs.perform_signature(
            document_digest=prepared.document_digest,
            pdf_cms_signed_attrs=PdfCMSSignedAttributes(signing_time=at),
        )
        await post.post_signature_processing(res_output)
        data: Any = output.getvalue()
        return bytes(data)
