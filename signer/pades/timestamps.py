"""The bureau's own RFC 3161 time-stamping unit, run in process from its key ring.

A PAdES B-LTA certificate carries two time stamps (``docs/long-term-validation.md``): the
*signature timestamp* over the seal signature, which proves when the document was sealed,
and the *document timestamp* over the finished file with its validation data. Both come from
this unit: a time-stamp token (CMS ``SignedData`` over a ``TSTInfo``, RFC 3161 §2.4.2) signed
with ECDSA P-256 by the bureau's time-stamping key (:attr:`keys.private.KeyRing.tsa`, whose
certificate carries the critical extended key usage timeStamping).

The time in a token is the ``at`` its caller passes, never the machine's clock: the unit
asserts the issuance time the rest of cecert already uses. That makes the bureau, not an
outside authority, the witness of its own signing time; a verifier trusts the unit because
the trust list names its certificate (``timestamping``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from typing import Any

from asn1crypto import algos, cms, core, x509
from pyhanko.sign.general import as_signing_certificate_v2
from pyhanko.sign.timestamps import TimeStamper

from keys.private import SealSigner
from signer.errors import IssuanceError
from signer.pades.cms import attribute, der, message_digest_attribute

TSA_POLICY = "2.25.153431084210117607064044160590551990491"
"""The unit's time-stamping policy (``TSTInfo.policy``): an OID of the UUID arc (ITU-T X.667,
``2.25``), which needs no registration. Its meaning is written in
``docs/long-term-validation.md``: the time is the issuance time of the bureau's own system."""

_HASHES = {"sha256": hashlib.sha256}


def _cms_time(at: dt.datetime) -> cms.Time:
    # UTCTime only reaches 2049 (RFC 5280 §4.1.2.5): GeneralizedTime after that.
    if at.year < 2050:
        return cms.Time({"utc_time": core.UTCTime(at)})
    return cms.Time({"generalized_time": core.GeneralizedTime(at)})


_SEQUENCE, _SET, _OCTET_STRING, _CONTEXT_0 = 0x30, 0x31, 0x04, 0xA0
_VERSION_1, _VERSION_3 = core.Integer(1).dump(), core.Integer(3).dump()


class TimeStampingUnit:
    """Issues RFC 3161 time-stamp tokens with the bureau's time-stamping key.

    Build once per process (it holds the key); tokens are made by :meth:`token`, or through
    pyHanko with :meth:`stamper`. Serial numbers are 62 random bits: unique across processes
    and runs without shared state (a collision among a million tokens has odds of 1 in 10⁷).

    A token is assembled as DER from parts encoded once here (algorithm identifiers, the
    certificate, the signer identifier, the signing-certificate-v2 attribute), so that a
    token costs one ECDSA signature and a few hundred bytes of concatenation instead of a
    full ASN.1 object tree: it is made three times per sealed document.
    """

    def __init__(self, tsa: SealSigner) -> None:
        self._tsa = tsa
        certificate = x509.Certificate.load(tsa.certificate.der)
        self._certificate = certificate
        self._sha256 = algos.DigestAlgorithm({"algorithm": "sha256"}).dump()
        self._ecdsa = algos.SignedDigestAlgorithm({"algorithm": "sha256_ecdsa"}).dump()
        self._sid = cms.IssuerAndSerialNumber(
            {"issuer": certificate.issuer, "serial_number": certificate.serial_number}
        ).dump()
        self._tsa_name = der(
            _CONTEXT_0, x509.GeneralName(name="directory_name", value=certificate.subject).dump()
        )
        self._head = (
            core.Integer(1).dump() + core.ObjectIdentifier(TSA_POLICY).dump()
        )  # TSTInfo: version, policy
        self._content_type = attribute("content_type", "tst_info")
        self._signing_certificate = attribute(
            "signing_certificate_v2", as_signing_certificate_v2(certificate, "sha256")
        )
        self._certificates = der(_CONTEXT_0, tsa.certificate.der)
        self._signed_data_type = cms.ContentType("signed_data").dump()
        self._tst_info_type = cms.ContentType("tst_info").dump()
        self._dummy: cms.ContentInfo | None = None
        self._last_times: tuple[dt.datetime, bytes, bytes] | None = None

    @property
    def certificate(self) -> x509.Certificate:
        return self._certificate

    def token(
        self, message_digest: bytes, md_algorithm: str, *, at: dt.datetime
    ) -> cms.ContentInfo:
        """A time-stamp token (``ContentInfo`` of ``SignedData``, RFC 3161 §2.4.2) binding
        ``message_digest`` to the time ``at``. Only SHA-256 imprints are accepted
        (``IssuanceError`` ``bad_timestamp_request``, also for a time without a zone)."""
        return cms.ContentInfo.load(self.token_der(message_digest, md_algorithm, at=at))

    def token_der(self, message_digest: bytes, md_algorithm: str, *, at: dt.datetime) -> bytes:
        """:meth:`token` as DER bytes, with the same checks."""
        if md_algorithm not in _HASHES or len(message_digest) != 32:
            raise IssuanceError(
                "bad_timestamp_request",
                f"the time-stamping unit only stamps SHA-256 digests, not {md_algorithm}",
            )
        if at.tzinfo is None:
            raise IssuanceError("bad_timestamp_request", "a time stamp needs a time with a zone")
        gen_time, signing_time = self._times(at)
        # 63 bits, the top one set: a fixed 8-byte DER INTEGER (its first bit is clear, so
        # no sign byte), and every token of the unit has the same size (pyHanko sizes the
        # document timestamp on a first one).
        serial = secrets.randbits(63) | (1 << 62)
        tst_info = der(
            _SEQUENCE,
            self._head,
            der(_SEQUENCE, self._sha256, der(_OCTET_STRING, message_digest)),
            b"\x02\x08" + serial.to_bytes(8, "big"),
            gen_time,
            self._tsa_name,
        )
        attributes = sorted(  # DER: a SET OF is sorted by encoding
            (
                self._content_type,
                signing_time,
                self._signing_certificate,
                message_digest_attribute(_HASHES[md_algorithm](tst_info).digest()),
            )
        )
        signature = self._tsa.sign_der(der(_SET, *attributes))
        signer_info = der(
            _SEQUENCE,
            _VERSION_1,
            self._sid,
            self._sha256,
            der(_CONTEXT_0, *attributes),  # signedAttrs [0] IMPLICIT
            self._ecdsa,
            der(_OCTET_STRING, signature),
        )
        signed_data = der(
            _SEQUENCE,
            _VERSION_3,
            der(_SET, self._sha256),
            der(
                _SEQUENCE,
                self._tst_info_type,
                der(_CONTEXT_0, der(_OCTET_STRING, tst_info)),
            ),
            # The unit's certificate only (RFC 3161 certReq): its issuer is the root of the
            # trust list, and the document's DSS carries it anyway.
            self._certificates,
            der(_SET, signer_info),
        )
        return der(_SEQUENCE, self._signed_data_type, der(_CONTEXT_0, signed_data))

    def _times(self, at: dt.datetime) -> tuple[bytes, bytes]:
        """The DER ``genTime`` and signing-time attribute for ``at``, kept for the last
        ``at``: a batch stamps every document with the same issuance time."""
        cached = self._last_times
        if cached is None or cached[0] != at:
            utc = at.astimezone(dt.UTC)
            cached = self._last_times = (
                at,
                core.GeneralizedTime(utc).dump(),
                attribute("signing_time", _cms_time(utc)),
            )
        return cached[1], cached[2]

    def dummy(self, md_algorithm: str, *, at: dt.datetime) -> cms.ContentInfo:
        """A token over an all-zero digest, made once and reused: pyHanko sizes signature
        containers on it and learns the unit's certificate from it."""
        if self._dummy is None:
            self._dummy = self.token(bytes(32), md_algorithm, at=at)
        return self._dummy

    def stamper(self, at: dt.datetime) -> TimeStamper:
        """A pyHanko :class:`TimeStamper` whose every token carries the time ``at``."""
        return _FixedTimeStamper(self, at)


class _FixedTimeStamper(TimeStamper):  # type: ignore[misc]
    """pyHanko's time-stamper interface over :class:`TimeStampingUnit`, at one fixed time.

    pyHanko asks it for a token (signature and document timestamps) and, once, for a dummy
    token to size the signature container and learn the unit's certificates.
    """

    def __init__(self, unit: TimeStampingUnit, at: dt.datetime) -> None:
        super().__init__(include_nonce=False)  # type: ignore[no-untyped-call]
        self._unit = unit
        self._at = at

    async def async_timestamp(self, message_digest: bytes, md_algorithm: str) -> Any:
        return self._unit.token(message_digest, md_algorithm, at=self._at)

    async def async_dummy_response(self, md_algorithm: str) -> Any:
        dummy = self._dummy_response_cache.get(md_algorithm)
        if dummy is None:
            dummy = self._unit.dummy(md_algorithm, at=self._at)
            self._register_dummy(md_algorithm, dummy)  # type: ignore[no-untyped-call]
        return dummy
