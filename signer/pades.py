"""The electronic seal: a PAdES B-LTA certification signature whose appearance is the red seal.

The signature is made by pyHanko with the bureau's seal certificate, as a *certification*
signature with DocMDP "no changes allowed" (so a later visible signature or stamp cannot
pass), with the certificate chain embedded. The private keys never leave
:mod:`keys.private`: pyHanko only sees a :class:`pyhanko.sign.signers.Signer` whose raw
signing call is delegated to the seal key, and a time-stamper over the bureau's own
time-stamping unit (:mod:`signer.timestamping`).

Long-term validation (``docs/long-term-validation.md``): the seal signature carries a
signature timestamp; a DSS (document security store) then holds the seal and time-stamping
certificates, an OCSP response for each of the two (signed by the root) and the root's CRL;
a document timestamp over everything closes the file, and nothing follows it. Both DSS
updates and document timestamps are allowed under DocMDP "no changes". A verifier can then
judge the seal decades later, offline, after the seal certificate has expired.
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

from keys.private import KeyRing, SealSigner, issue_crl, issue_ocsp_response
from signer.errors import IssuanceError
from signer.timestamping import TimeStampingUnit

FIELD_NAME = "Seal"
PAYLOAD_KEY = "/CECert"
"""Catalog entry holding ``<< /Payload (QR text) >>``, covered by the signature."""
BYTES_RESERVED = 9216
"""Hex digits reserved for the CMS signature with its signature timestamp (~3.95 KB DER, i.e.
~7.9 k hex digits; the rest is margin). Every byte here is parsed again by each verifier."""
TIMESTAMP_FIELD_NAME = "DocTimeStamp"
"""The document timestamp's field (the only other signature field a certificate has)."""
REVOCATION_WINDOW = dt.timedelta(days=1)
"""Validity of the OCSP responses and the CRL embedded in documents: one set per UTC day,
shared by every document sealed that day (``nextUpdate`` = the next midnight)."""
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


class _OfflineByDesign(logging.Filter):
    """Drops pyHanko's per-document warning that revocation data will be embedded without
    fetching: cecert makes that data itself (the bureau is its own OCSP responder, CRL
    issuer and time-stamping unit), so the warning would only repeat for every document."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "fetching is not allowed" not in record.getMessage()


def _quiet_offline_warning() -> None:
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
class _DailyValidationData:
    """The revocation data of one UTC day, with the validation context that carries it."""

    day: dt.date
    context: ValidationContext


class SealStamper:
    """Applies the B-LTA seal signature to unsigned certificate PDFs. Build once, use many
    times: the OCSP responses and the CRL are made once per day and reused."""

    def __init__(
        self,
        ring: KeyRing,
        *,
        seal_pdf: bytes,
        box: tuple[float, float, float, float],
        bureau: str,
    ) -> None:
        self._ring = ring
        self._signer = _DelegatingSigner(ring.seal)
        self._tsa = TimeStampingUnit(ring.tsa)
        self._root = x509.Certificate.load(ring.ca.certificate.der)
        self._seal_pdf = seal_pdf
        self._box = (int(box[0]), int(box[1]), int(box[2]), int(box[3]))
        self._bureau = bureau
        self._daily: _DailyValidationData | None = None
        _quiet_offline_warning()

    def _check_seal_usable(self, at: dt.datetime) -> None:
        """Refuse to seal with a retired or revoked seal, or outside its certificate."""
        active = self._ring.seal.certificate
        entry = next((e for e in self._ring.seals if e.certificate.sha256 == active.sha256), None)
        if entry is not None and entry.revoked_from is not None and at >= entry.revoked_from:
            raise IssuanceError("seal_revoked", "the active seal is revoked")
        if entry is not None and entry.retired_at is not None and at > entry.retired_at:
            raise IssuanceError("seal_retired", "the active seal was retired by a rotation")
        if not active.not_before <= at <= active.not_after:
            raise IssuanceError("seal_expired", "the seal certificate is not valid now")

    def validation_context(self, at: dt.datetime) -> ValidationContext:
        """The validation context used for sealing at ``at``: trust in the bureau's root,
        no fetching, and the day's OCSP responses (seal and time-stamping certificates) and
        root CRL, which pyHanko embeds in the document's DSS."""
        day = at.astimezone(dt.UTC).date()
        daily = self._daily
        if daily is None or daily.day != day:
            this_update = dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC)
            next_update = this_update + REVOCATION_WINDOW
            ca = self._ring.ca
            revoked = [
                (e.certificate.serial, e.revoked_from)
                for e in self._ring.seals
                if e.revoked_from is not None and e.revoked_from <= this_update
            ]
            ocsps = [
                issue_ocsp_response(
                    ca,
                    certificate,
                    at=this_update,
                    next_update=next_update,
                    revoked_from=_revoked_from(self._ring, certificate.sha256),
                )
                for certificate in (self._ring.seal.certificate, self._ring.tsa.certificate)
            ]
            crl = issue_crl(ca, revoked=revoked, at=this_update, next_update=next_update)
            context = ValidationContext(
                trust_roots=[self._root],
                allow_fetching=False,
                revocation_mode="require",
                ocsps=ocsps,
                crls=[crl],
                moment=at,
            )
            daily = self._daily = _DailyValidationData(day, context)
        return daily.context

    def seal(self, unsigned_pdf: bytes, *, payload: str, at: dt.datetime) -> bytes:
        """Return the signed PDF: ``payload`` stored under the catalog's ``/CECert`` entry,
        then the certification signature with the seal as its visible appearance, its
        signature timestamp, the validation data and a document timestamp, all at ``at``.

        Raises ``IssuanceError`` (``seal_revoked``, ``seal_retired``, ``seal_expired``) when
        the active seal may not be used at ``at``.
        """
        self._check_seal_usable(at)
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
            embed_validation_info=True,
            use_pades_lta=True,
            validation_context=self.validation_context(at),
            timestamp_field_name=TIMESTAMP_FIELD_NAME,
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
            background=_SealArtwork(self._seal_pdf), border_width=0, background_opacity=1.0
        )
        pdf_signer = signers.PdfSigner(
            meta,
            signer=self._signer,
            timestamper=self._tsa.stamper(at),
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


def _revoked_from(ring: KeyRing, sha256: str) -> dt.datetime | None:
    entry = next((e for e in ring.seals if e.certificate.sha256 == sha256), None)
    return entry.revoked_from if entry is not None else None
