"""The seal through pyHanko's general signing flow: the reference for the fast path.

:class:`signer.pades.signature.SealStamper` writes its revisions from precomputed parts
(:mod:`signer.pades.revisions`, :mod:`signer.pades.cms`). This module seals the same page the
way pyHanko's :class:`~pyhanko.sign.signers.PdfSigner` does it, with library defaults except
where cecert needs otherwise (time as a parameter, the document timestamp last): the tests
seal one page both ways and compare, and a page the byte templates do not fit is sealed here.
It costs ≈ 30 ms a document (``docs/performance.md``).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from dataclasses import dataclass
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
from pyhanko.sign.signers.pdf_signer import DSSContentSettings, TimestampDSSContentSettings
from pyhanko.stamp import StaticStampStyle
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.registry import SimpleCertificateStore

from keys.private import SealSigner
from signer.pades.timestamps import TimeStampingUnit

_ECDSA_DER_MAX = 72


class DelegatingSigner(signers.Signer):  # type: ignore[misc]
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


class _OfflineByDesign(logging.Filter):
    """Drops pyHanko's per-document warning that revocation data will be embedded without
    fetching: cecert makes that data itself (the bureau is its own OCSP responder, CRL
    issuer and time-stamping unit), so the warning would only repeat for every document."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "fetching is not allowed" not in record.getMessage()


def quiet_offline_warning() -> None:
    logger = logging.getLogger("pyhanko.sign.signers.pdf_signer")
    if not any(isinstance(f, _OfflineByDesign) for f in logger.filters):
        logger.addFilter(_OfflineByDesign())


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


@dataclass(frozen=True, slots=True)
class PyHankoSeal:
    """What the pyHanko flow needs besides the page: the signer, the time-stamping unit,
    the appearance and the names and sizes :mod:`signer.pades.signature` fixes."""

    signer: DelegatingSigner
    tsa: TimeStampingUnit
    seal_pdf: bytes
    box: tuple[int, int, int, int]
    bureau: str
    reason: str
    field_name: str
    timestamp_field_name: str
    payload_key: str
    bytes_reserved: int

    def seal(
        self, unsigned_pdf: bytes, *, payload: str, at: dt.datetime, context: ValidationContext
    ) -> bytes:
        """The sealed PDF, made by pyHanko's signer with the day's validation ``context``."""
        quiet_offline_warning()
        writer = IncrementalPdfFileWriter(BytesIO(unsigned_pdf))
        writer.root[self.payload_key] = generic.DictionaryObject(
            {generic.NameObject("/Payload"): generic.TextStringObject(payload)}
        )
        writer.update_root()
        meta = signers.PdfSignatureMetadata(
            field_name=self.field_name,
            certify=True,
            docmdp_permissions=fields.MDPPerm.NO_CHANGES,
            subfilter=fields.SigSeedSubFilter.PADES,
            md_algorithm="sha256",
            name=self.bureau,
            reason=self.reason,
            embed_validation_info=True,
            use_pades_lta=True,
            validation_context=context,
            timestamp_field_name=self.timestamp_field_name,
            # The file must end with the document timestamp: anything written after it is
            # covered by nothing, and verifiers refuse it (docs/verification.md). pyHanko
            # would otherwise append a last revision with a VRI entry for the document
            # timestamp and a fresh Info dictionary and XMP; the DSS already holds every
            # certificate and response that timestamp needs, so it goes in before it.
            dss_settings=DSSContentSettings(
                next_ts_settings=TimestampDSSContentSettings(
                    update_before_ts=True, include_vri=False
                )
            ),
        )
        style = StaticStampStyle(
            background=_SealArtwork(self.seal_pdf), border_width=0, background_opacity=1.0
        )
        pdf_signer = signers.PdfSigner(
            meta,
            signer=self.signer,
            timestamper=self.tsa.stamper(at),
            stamp_style=style,
            new_field_spec=fields.SigFieldSpec(
                sig_field_name=self.field_name, on_page=0, box=self.box
            ),
        )
        return asyncio.run(self._sign(pdf_signer, writer, at))

    async def _sign(
        self, pdf_signer: signers.PdfSigner, writer: IncrementalPdfFileWriter, at: dt.datetime
    ) -> bytes:
        # pyHanko's interrupted-signing steps, so that the signing time is ``at`` rather than
        # the clock of the machine (time is a parameter everywhere in cecert).
        session = pdf_signer.init_signing_session(writer)
        session.system_time = at
        validation_info = await session.perform_presign_validation(writer)
        tbs = session.prepare_tbs_document(
            validation_info=validation_info, bytes_reserved=self.bytes_reserved
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
