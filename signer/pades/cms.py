"""The seal's CMS ``SignedData``, assembled as DER from parts encoded once per seal key.

A PAdES signature container (ETSI EN 319 122-1 CAdES-B as profiled by EN 319 142-1) is the
same bytes for every document sealed with one key, except for four things: the document's
SHA-256 (the ``message-digest`` signed attribute), the ECDSA signature over the signed
attributes, the signature timestamp token over that signature, and the lengths around them.
:class:`SealSignedData` encodes everything else once — the certificate set, the signer
identifier, the algorithm identifiers, the ``content-type`` and ``signing-certificate-v2``
attributes — and per document only concatenates. pyHanko building the same container
through asn1crypto re-encodes the embedded certificates thousands of times (≈ 16 ms a
document); this takes a few tens of microseconds plus the signature.

The content is exactly what pyHanko writes for a PAdES signature (``use_pades=True``):
signed attributes ``content-type`` (id-data), ``message-digest``, ``signing-certificate-v2``
(ESSCertIDv2 with SHA-256 and the issuer and serial number) and no ``signing-time``
(PAdES forbids it; the signature dictionary's ``/M`` carries the claimed time); one unsigned
attribute, the ``signature-time-stamp`` token over the signature value. The tests compare
the structure with pyHanko's own output and validate the documents with pyHanko and
``pdfsig``: nothing the verifier checks is produced differently.
"""

from __future__ import annotations

from asn1crypto import algos, cms, core, x509
from pyhanko.sign.general import as_signing_certificate_v2

from keys.private import SealSigner

SEQUENCE, SET, OCTET_STRING, CONTEXT_0, CONTEXT_1 = 0x30, 0x31, 0x04, 0xA0, 0xA1
"""DER tags used here: universal SEQUENCE, SET, OCTET STRING; constructed context [0], [1]."""


def der(tag: int, *parts: bytes) -> bytes:
    """One DER TLV: ``tag``, definite length, the concatenated ``parts``."""
    content = b"".join(parts)
    size = len(content)
    if size < 0x80:
        return bytes((tag, size)) + content
    length = size.to_bytes((size.bit_length() + 7) // 8, "big")
    return bytes((tag, 0x80 | len(length))) + length + content


def attribute(kind: str, value: object) -> bytes:
    """A CMS ``Attribute`` with one value, DER-encoded by asn1crypto (used for the parts
    made once)."""
    encoded: bytes = cms.CMSAttribute(
        {"type": cms.CMSAttributeType(kind), "values": (value,)}
    ).dump()
    return encoded


def message_digest_attribute(digest: bytes) -> bytes:
    """The ``message-digest`` signed attribute for ``digest``, as DER."""
    # Attribute ::= SEQUENCE { attrType id-messageDigest, attrValues SET { OCTET STRING } }
    return der(SEQUENCE, _MESSAGE_DIGEST_OID, der(SET, der(OCTET_STRING, digest)))


_MESSAGE_DIGEST_OID = core.ObjectIdentifier("1.2.840.113549.1.9.4").dump()
_SIGNATURE_TIMESTAMP_OID = core.ObjectIdentifier("1.2.840.113549.1.9.16.2.14").dump()


class SealSignedData:
    """The seal key's CMS ``SignedData`` template (RFC 5652 §5) for PAdES signatures.

    Build once per seal key (a key rotation means a new instance: the certificate set, the
    signer identifier and the signing-certificate-v2 attribute name the key's certificate).
    :meth:`signed_attributes` gives the bytes the seal key signs; :meth:`container` the
    finished ``ContentInfo``. Nothing here signs: the caller signs with the seal key and gets
    the time-stamp token, so this module holds no key material.
    """

    def __init__(self, seal: SealSigner) -> None:
        certificate = x509.Certificate.load(seal.certificate.der)
        self._digest_algorithm = algos.DigestAlgorithm({"algorithm": "sha256"}).dump()
        self._signature_algorithm = algos.SignedDigestAlgorithm(
            {"algorithm": "sha256_ecdsa"}
        ).dump()
        self._sid = cms.IssuerAndSerialNumber(
            {"issuer": certificate.issuer, "serial_number": certificate.serial_number}
        ).dump()
        self._content_type = attribute("content_type", "data")
        self._signing_certificate = attribute(
            "signing_certificate_v2", as_signing_certificate_v2(certificate, "sha256")
        )
        # The seal certificate and its chain up to the root, each once; a SET OF is sorted
        # by encoding in DER.
        ders = {seal.certificate.der, *(c.der for c in seal.chain)}
        self._certificates = der(CONTEXT_0, *sorted(ders))
        self._head = (
            core.Integer(1).dump()  # version 1: issuerAndSerialNumber, id-data content
            + der(SET, self._digest_algorithm)
            + der(SEQUENCE, cms.ContentType("data").dump())  # detached: no eContent
            + self._certificates
        )
        self._signed_data_type = cms.ContentType("signed_data").dump()

    def signed_attributes(self, document_digest: bytes) -> bytes:
        """The DER ``SET OF Attribute`` the seal key signs (RFC 5652 §5.4: the explicit SET
        tag, not the ``[0]`` it carries inside the ``SignerInfo``), for the SHA-256
        ``document_digest`` of the signed byte ranges."""
        if len(document_digest) != 32:
            raise ValueError("the document digest must be a SHA-256 digest")
        parts = sorted(
            (
                self._content_type,
                message_digest_attribute(document_digest),
                self._signing_certificate,
            )
        )
        return der(SET, *parts)

    def container(self, signed_attributes: bytes, signature: bytes, timestamp: bytes) -> bytes:
        """The DER ``ContentInfo`` of the ``SignedData``: ``signed_attributes`` as returned by
        :meth:`signed_attributes`, the seal key's DER ECDSA ``signature`` over them, and the
        DER time-stamp ``timestamp`` token over ``SHA-256(signature)`` as the unsigned
        signature-time-stamp attribute."""
        unsigned = der(
            CONTEXT_1,
            der(SEQUENCE, _SIGNATURE_TIMESTAMP_OID, der(SET, timestamp)),
        )
        signer_info = der(
            SEQUENCE,
            core.Integer(1).dump(),
            self._sid,
            self._digest_algorithm,
            bytes((CONTEXT_0,)) + signed_attributes[1:],  # signedAttrs [0] IMPLICIT
            self._signature_algorithm,
            der(OCTET_STRING, signature),
            unsigned,
        )
        signed_data = der(SEQUENCE, self._head, der(SET, signer_info))
        return der(SEQUENCE, self._signed_data_type, der(CONTEXT_0, signed_data))
