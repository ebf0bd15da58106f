"""Revocation data for long-term validation: OCSP responses and CRLs signed by the root.

A PAdES B-LTA certificate carries, next to its seal signature, the proof that the seal
certificate was not revoked when the document was sealed (``docs/long-term-validation.md``):

- an **OCSP response** for the seal certificate (and one for the time-stamping certificate),
  signed by the root CA key itself: the root issued those certificates, so it is an
  authorised responder without a delegated responder certificate (RFC 6960 §4.2.2.2);
- a **CRL** of the root, naming every revoked certificate it issued.

Both are made with times taken from the caller (``at``), never from the clock: ``thisUpdate``
and ``producedAt`` are ``at``. One response serves every document sealed in its window.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence

from asn1crypto import core, ocsp
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

from keys.certificates import CertificateInfo
from keys.errors import KeysError
from keys.private.signing import CertificateAuthority


class _OcspResponseBuilder:
    """A basic OCSP response for one certificate, shaped like a ``cryptography`` builder so
    that :meth:`CertificateAuthority.sign_builder` can sign it without exposing the key.

    ``cryptography``'s own OCSP builder stamps ``producedAt`` with the machine's clock; this
    one takes every time from its caller.
    """

    def __init__(self, tbs: ocsp.ResponseData) -> None:
        self._tbs = tbs

    def sign(self, private_key: ec.EllipticCurvePrivateKey, algorithm: hashes.SHA256) -> bytes:
        signature = private_key.sign(self._tbs.dump(), ec.ECDSA(algorithm))
        basic = ocsp.BasicOCSPResponse(
            {
                "tbs_response_data": self._tbs,
                "signature_algorithm": {"algorithm": "sha256_ecdsa"},
                "signature": signature,
            }
        )
        response = ocsp.OCSPResponse(
            {
                "response_status": "successful",
                "response_bytes": {"response_type": "basic_ocsp_response", "response": basic},
            }
        )
        der: bytes = response.dump()
        return der


def _utc(value: dt.datetime) -> dt.datetime:
    if value.tzinfo is None:
        raise KeysError("bad_validity_window", f"{value!r}: times must carry a zone")
    return value.astimezone(dt.UTC).replace(microsecond=0)


def issue_ocsp_response(
    ca: CertificateAuthority,
    certificate: CertificateInfo,
    *,
    at: dt.datetime,
    next_update: dt.datetime,
    revoked_from: dt.datetime | None = None,
) -> bytes:
    """A DER ``OCSPResponse`` for ``certificate`` (issued by ``ca``), signed by the CA key.

    Status *good*, or *revoked* (reason keyCompromise) from ``revoked_from`` when it is set and
    not after ``at``. ``thisUpdate`` and ``producedAt`` are ``at``; a validator accepts the
    response for signatures made between ``at`` and ``next_update``. Raises ``KeysError``
    ``not_issued_by_ca`` for a certificate of another issuer.
    """
    issuer = asn1_x509.Certificate.load(ca.certificate.der)
    subject = asn1_x509.Certificate.load(certificate.der)
    if subject.issuer != issuer.subject:
        raise KeysError("not_issued_by_ca", f"{certificate.subject} was not issued by this CA")
    if next_update <= at:
        raise KeysError("bad_validity_window", "next_update must lie after at")
    this_update = _utc(at)
    if revoked_from is not None and revoked_from <= at:
        revoked_info = ocsp.RevokedInfo(
            {"revocation_time": _utc(revoked_from), "revocation_reason": "key_compromise"}
        )
        cert_status = ocsp.CertStatus(name="revoked", value=revoked_info)
    else:
        cert_status = ocsp.CertStatus(name="good", value=core.Null())
    # RFC 6960 CertID: SHA-1 of the issuer's DER name and of its subjectPublicKey bits
    # (SHA-1 is what every OCSP client matches on; it identifies, it does not sign).
    key_hash: bytes = issuer.public_key.sha1
    single = ocsp.SingleResponse(
        {
            "cert_id": {
                "hash_algorithm": {"algorithm": "sha1"},
                "issuer_name_hash": hashlib.sha1(
                    issuer.subject.dump(), usedforsecurity=False
                ).digest(),
                "issuer_key_hash": key_hash,
                "serial_number": subject.serial_number,
            },
            "cert_status": cert_status,
            "this_update": this_update,
            "next_update": _utc(next_update),
        }
    )
    tbs = ocsp.ResponseData(
        {
            "responder_id": {"by_key": issuer.public_key.sha1},
            "produced_at": this_update,
            "responses": [single],
        }
    )
    return ca.sign_builder(_OcspResponseBuilder(tbs))


def issue_crl(
    ca: CertificateAuthority,
    *,
    revoked: Sequence[tuple[int, dt.datetime]],
    at: dt.datetime,
    next_update: dt.datetime,
) -> bytes:
    """The CA's DER CRL at ``at``: every ``(serial, revoked_from)`` pair listed (reason
    keyCompromise), CRL number = ``at`` in seconds since the epoch (so later CRLs have larger
    numbers), authority key identifier of the CA."""
    if next_update <= at:
        raise KeysError("bad_validity_window", "next_update must lie after at")
    issuer = x509.load_der_x509_certificate(ca.certificate.der)
    try:
        ski = issuer.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
        aki = x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski)
    except x509.ExtensionNotFound:
        aki = x509.AuthorityKeyIdentifier.from_issuer_public_key(ca.public_key)
    builder = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(issuer.subject)
        .last_update(_utc(at))
        .next_update(_utc(next_update))
        .add_extension(x509.CRLNumber(int(_utc(at).timestamp())), critical=False)
        .add_extension(aki, critical=False)
    )
    for serial, revoked_from in sorted(set(revoked)):
        entry = (
            x509.RevokedCertificateBuilder()
            .serial_number(serial)
            .revocation_date(_utc(revoked_from))
            .add_extension(x509.CRLReason(x509.ReasonFlags.key_compromise), critical=False)
            .build()
        )
        builder = builder.add_revoked_certificate(entry)
    crl = ca.sign_builder(builder)
    return crl.public_bytes(serialization.Encoding.DER)
