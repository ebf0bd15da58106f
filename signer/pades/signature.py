"""The electronic seal: a PAdES B-LTA certification signature whose appearance is the red seal.

A *certification* signature with DocMDP "no changes allowed" (so a later visible signature or
stamp cannot pass) by the bureau's seal certificate, with the certificate chain embedded.
The private keys never leave :mod:`keys.private`: this module only calls the seal key's
``sign_der`` and the bureau's own time-stamping unit (:mod:`signer.pades.timestamps`).

Long-term validation (``docs/long-term-validation.md``): the seal signature carries a
signature timestamp; a DSS (document security store) then holds the seal and time-stamping
certificates, an OCSP response for each of the two (signed by the root) and the root's CRL;
a document timestamp over everything closes the file, and nothing follows it. Both DSS
updates and document timestamps are allowed under DocMDP "no changes". A verifier can then
judge the seal decades later, offline, after the seal certificate has expired.

The file is written from parts made once (:attr:`Assembly.PARTS`): the revisions by
:mod:`signer.pades.revisions`, the CMS container by :mod:`signer.pades.cms`, ≈ 1 ms a document.
pyHanko's general signing flow (:mod:`signer.pades.reference`, ≈ 30 ms) is the reference the
tests compare with, and seals a page the byte templates do not fit.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import enum
import hashlib
import warnings
from dataclasses import dataclass

from asn1crypto import x509
from pyhanko.sign.signers import constants
from pyhanko_certvalidator import CertificateValidator, ValidationContext
from pyhanko_certvalidator.errors import PathBuildingError, PathValidationError

from keys.private import KeyRing, issue_crl, issue_ocsp_response
from signer.errors import IssuanceError, SlowPathWarning
from signer.pades.cms import SealSignedData
from signer.pades.pdfobjects import fit_page
from signer.pades.reference import DelegatingSigner, PyHankoSeal
from signer.pades.revisions import SignatureRevision, TimestampRevision
from signer.pades.timestamps import TimeStampingUnit

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
SEAL_REASON = "专业技术人员继续教育证书"
"""The seal signature's ``/Reason``."""
_TOKEN_MARGIN = 512
"""Hex digits reserved beyond the size of a first token. Tokens differ by at most two bytes
(the ECDSA signature's DER length); the rest is zero padding, as in pyHanko's files."""


class Assembly(enum.Enum):
    """How a :class:`SealStamper` writes the signed file."""

    PARTS = "parts"
    """Revisions and CMS container from parts made once per stamper, per day and per seal
    key (:mod:`signer.pades.revisions`, :mod:`signer.pades.cms`): the production path."""
    PYHANKO = "pyhanko"
    """pyHanko's general signing flow (:mod:`signer.pades.reference`): the reference the tests
    compare the production path with."""


@dataclass(frozen=True, slots=True)
class _DailyValidationData:
    """The revocation data of one UTC day (DER), with the validation context that carries it
    for pyHanko and the timestamp revision template that carries it in the fast path."""

    day: dt.date
    context: ValidationContext
    revision: TimestampRevision


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
        assembly: Assembly = Assembly.PARTS,
    ) -> None:
        self._ring = ring
        signer = DelegatingSigner(ring.seal)
        self._seal_certificate = signer.signing_cert
        self._tsa = TimeStampingUnit(ring.tsa)
        self._root = x509.Certificate.load(ring.ca.certificate.der)
        self._box = (int(box[0]), int(box[1]), int(box[2]), int(box[3]))
        self._reference = PyHankoSeal(
            signer=signer,
            tsa=self._tsa,
            seal_pdf=seal_pdf,
            box=self._box,
            bureau=bureau,
            reason=SEAL_REASON,
            field_name=FIELD_NAME,
            timestamp_field_name=TIMESTAMP_FIELD_NAME,
            payload_key=PAYLOAD_KEY,
            bytes_reserved=BYTES_RESERVED,
        )
        self._daily: _DailyValidationData | None = None
        self._parts = SealSignedData(ring.seal)
        self._revision = (
            SignatureRevision(
                seal_pdf=seal_pdf,
                box=self._box,
                field_name=FIELD_NAME,
                name=bureau,
                reason=SEAL_REASON,
                reserved=BYTES_RESERVED,
            )
            if assembly is Assembly.PARTS
            else None
        )

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
        return self._daily_data(at).context

    def _daily_data(self, at: dt.datetime) -> _DailyValidationData:
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
            ocsps = tuple(
                issue_ocsp_response(
                    ca,
                    certificate,
                    at=this_update,
                    next_update=next_update,
                    revoked_from=_revoked_from(self._ring, certificate.sha256),
                )
                for certificate in (self._ring.seal.certificate, self._ring.tsa.certificate)
            )
            crl = issue_crl(ca, revoked=revoked, at=this_update, next_update=next_update)
            context = ValidationContext(
                trust_roots=[self._root],
                allow_fetching=False,
                revocation_mode="require",
                ocsps=list(ocsps),
                crls=[crl],
                moment=at,
            )
            asyncio.run(self._validate_chains(context))
            ring = self._ring
            certificates = (ca.certificate.der, ring.seal.certificate.der, ring.tsa.certificate.der)
            revision = TimestampRevision(
                certificates=tuple(dict.fromkeys(certificates)),
                ocsps=ocsps,
                crls=(crl,),
                field_name=TIMESTAMP_FIELD_NAME,
                reserved=2 * len(self._tsa.dummy("sha256", at=at).dump()) + _TOKEN_MARGIN,
            )
            daily = self._daily = _DailyValidationData(day, context, revision)
        return daily

    async def _validate_chains(self, context: ValidationContext) -> None:
        """The checks pyHanko's signer makes before it signs, once per day: the seal
        certificate (key usage non-repudiation) and the time-stamping certificate (extended
        key usage timeStamping) chain to the root, and the day's OCSP responses and CRL,
        which every document of the day carries, say they are not revoked."""
        chain = [x509.Certificate.load(c.der) for c in self._ring.seal.chain]
        jobs: tuple[tuple[x509.Certificate, set[str], set[str] | None], ...] = (
            (self._seal_certificate, set(constants.DEFAULT_SIGNER_KEY_USAGE), None),
            (self._tsa.certificate, set(), {"time_stamping"}),
        )
        for certificate, usage, extended in jobs:
            validator = CertificateValidator(
                certificate, intermediate_certs=chain, validation_context=context
            )
            try:
                await validator.async_validate_usage(usage, extended)
            except (PathBuildingError, PathValidationError) as exc:
                raise IssuanceError(
                    "seal_chain_invalid",
                    f"{certificate.subject.human_friendly}: not valid under the bureau's root "
                    f"with the day's revocation data ({exc})",
                ) from exc

    def seal(self, unsigned_pdf: bytes, *, payload: str, at: dt.datetime) -> bytes:
        """Return the signed PDF: ``payload`` stored under the catalog's ``/CECert`` entry,
        then the certification signature with the seal as its visible appearance, its
        signature timestamp, the validation data and a document timestamp, all at ``at``.

        Raises ``IssuanceError`` (``seal_revoked``, ``seal_retired``, ``seal_expired``) when
        the active seal may not be used at ``at``.
        """
        self._check_seal_usable(at)
        revision = self._revision
        if revision is None:  # Assembly.PYHANKO, chosen
            return self._seal_with_pyhanko(unsigned_pdf, payload=payload, at=at)
        page = fit_page(unsigned_pdf)
        if isinstance(page, str):
            warnings.warn(
                SlowPathWarning(
                    f"the page does not fit the seal's byte templates ({page}): sealed through "
                    "pyHanko's general flow, about 56 times slower"
                ),
                stacklevel=2,
            )
            return self._seal_with_pyhanko(unsigned_pdf, payload=payload, at=at)
        daily = self._daily_data(at)
        prepared, layout = revision.prepare(page, payload=payload, at=at)
        attributes = self._parts.signed_attributes(prepared.digest())
        signature = self._ring.seal.sign_der(attributes)
        token = self._tsa.token_der(hashlib.sha256(signature).digest(), "sha256", at=at)
        sealed = prepared.fill(self._parts.container(attributes, signature, token))
        stamped = daily.revision.prepare(page, sealed, layout)
        return stamped.fill(self._tsa.token_der(stamped.digest(), "sha256", at=at))

    def _seal_with_pyhanko(self, unsigned_pdf: bytes, *, payload: str, at: dt.datetime) -> bytes:
        return self._reference.seal(
            unsigned_pdf, payload=payload, at=at, context=self.validation_context(at)
        )


def _revoked_from(ring: KeyRing, sha256: str) -> dt.datetime | None:
    entry = next((e for e in ring.seals if e.certificate.sha256 == sha256), None)
    return entry.revoked_from if entry is not None else None
