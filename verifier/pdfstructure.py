"""The signature structure of a certificate PDF, checked before the long-term validation.

Each check reads only what the file's signature dictionaries and bytes say, so that a forged
or relocated container, a malleable padding, missing long-term-validation material or bytes
after the last document timestamp are reported with their own reason rather than as some
later failure of pyHanko's validation (``docs/verification.md``, the PDF attack suite).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

from pyhanko.sign.general import extract_certificate_info
from pyhanko.sign.validation.generic_cms import extract_tst_data_iter, validate_sig_integrity
from pyhanko.sign.validation.status import SignatureCoverageLevel

from keys import LOW_S_REQUIRED_FROM, TrustList, der_is_low_s, fingerprint
from verifier.report import Check

_TIMESTAMP_COVERAGE = (
    SignatureCoverageLevel.ENTIRE_FILE,
    SignatureCoverageLevel.ENTIRE_REVISION,
)


def ltv_structure(reader: Any, embedded: Any, timestamps: list[Any], trust: TrustList) -> Check:
    """Is the long-term validation material there, and is every timestamp from a trusted
    time-stamping unit? (Structure only: the validation proper comes after.)"""
    signature_timestamps = list(extract_tst_data_iter(embedded.signer_info, signed=False))
    missing = []
    if not signature_timestamps:
        missing.append("signature timestamp")
    if "/DSS" not in reader.root:
        missing.append("validation data (DSS)")
    if not any(ts.signed_revision > embedded.signed_revision for ts in timestamps):
        missing.append("document timestamp")
    if missing:
        return Check.failed(
            "pdf.ltv",
            "pdf_not_ltv",
            "not a long-term-validation (PAdES B-LTA) certificate: no " + ", no ".join(missing),
        )
    trusted = {c.sha256 for c in trust.timestamping}
    tsa_certificates = [extract_certificate_info(sd).signer_cert for sd in signature_timestamps]
    tsa_certificates += [ts.signer_cert for ts in timestamps]
    for certificate in tsa_certificates:
        if fingerprint(certificate.dump()) not in trusted:
            return Check.failed(
                "pdf.ltv",
                "pdf_untrusted_timestamp",
                f"a timestamp was made by {certificate.subject.human_friendly}, not by a "
                "time-stamping unit of the trust list",
            )
    return Check.passed(
        "pdf.ltv",
        f"signature timestamp, validation data and {len(timestamps)} document timestamp(s), "
        "all by trusted time-stamping units",
    )


def padding_is_canonical(embedded: Any) -> bool:
    """Is everything in ``/Contents`` after the DER signature zero (the placeholder's fill)?

    The padding is outside every byte range and outside the DER structure, so a changed
    padding byte alters neither the digest nor the signature: without this rule two
    different files would carry the same valid seal, and a file could carry a hidden
    message under the bureau's seal."""
    raw: bytes = embedded.pkcs7_content
    if len(raw) < 4 or raw[0] != 0x30:
        return False
    if raw[1] < 0x80:
        used = 2 + raw[1]
    else:
        size = raw[1] & 0x7F
        used = 2 + size + int.from_bytes(raw[2 : 2 + size], "big")
    return used <= len(raw) and not any(raw[used:])


_HEX_AS_WRITTEN = b"0123456789ABCDEF"


def hex_as_written(embedded: Any) -> bool:
    """Is the ``/Contents`` string between the byte ranges written as cecert and pyHanko
    write it: ``<``, upper-case hex digits only, ``>``?

    A reader decodes the same token from other spellings too, each one more way to make a
    second file with the same valid signature: a literal string ``( … )`` of the same bytes
    fitted into the same space, lower-case digits (``a`` and ``A`` alike), white space among
    the digits (an odd count is completed with a ``0``). Needed for document timestamps
    only: the seal's ``/Contents`` is covered by them. A malformed ``/ByteRange`` is left to
    the checks that judge it."""
    stream = embedded.reader.stream
    try:
        _, first, start, _ = (int(x) for x in embedded.byte_range)
    except (TypeError, ValueError):
        return True
    position = stream.tell()
    try:
        stream.seek(first)
        written: bytes = stream.read(max(0, start - first))
    finally:
        stream.seek(position)
    return (
        written[:1] == b"<"
        and written[-1:] == b">"
        and not written[1:-1].translate(None, _HEX_AS_WRITTEN)
    )


def low_s_as_required(timestamp: Any, tst_info: Any) -> bool:
    """Is a document timestamp's ECDSA signature low-S, if it was made from
    :data:`keys.LOW_S_REQUIRED_FROM` on?

    Judged by the token's own ``genTime``, which its signature covers: a forger cannot move
    it. Earlier tokens keep verifying in either form (about half of them are high-S)."""
    made: dt.datetime = tst_info["gen_time"].native
    return made < LOW_S_REQUIRED_FROM or der_is_low_s(timestamp.signer_info["signature"].native)


def token_is_canonical(timestamp: Any) -> bool:
    """Are the parts of a document timestamp's token that its signature does not cover
    exactly as a time-stamping unit writes them?

    The signature of an RFC 3161 token covers the ``TSTInfo`` and the signed attributes
    only. The last document timestamp of a file is covered by nothing else, so without
    this rule its ``SignedData`` and ``SignerInfo`` versions, its digest algorithm
    identifiers and its certificate set could be edited (or a certificate added in the
    padding) and the file would still verify: two different files with the same valid
    seal, as with non-zero padding. Required: ``SignedData`` v3 with one ``SignerInfo``
    v1 (issuer and serial number), no CRLs, no unsigned attributes, the only certificate
    the signer's, the signer's algorithm identifiers in DER (re-encoded, they give the
    bytes received) and ``digestAlgorithms`` listing exactly the signer's."""
    try:
        signed_data = timestamp.signed_data
        (signer_info,) = signed_data["signer_infos"]
        if (
            signed_data["version"].native != "v3"
            or signer_info["version"].native != "v1"
            or signer_info["sid"].name != "issuer_and_serial_number"
            or signed_data["crls"].native is not None
            or signer_info["unsigned_attrs"].native is not None
        ):
            return False
        for part in (signer_info["digest_algorithm"], signer_info["signature_algorithm"]):
            original = part.dump()
            if part.dump(force=True) != original:
                return False
        # digestAlgorithms lists the algorithms of the signers (RFC 5652 §5.1): the one's.
        listed = [a.dump() for a in signed_data["digest_algorithms"]]
        if listed != [signer_info["digest_algorithm"].dump()]:
            return False
        signer = timestamp.signer_cert.dump()
        return all(c.chosen.dump() == signer for c in signed_data["certificates"])
    except (ValueError, TypeError, KeyError):
        return False


def containers_intact(embedded: Any, timestamps: list[Any]) -> Check | None:
    """The signature containers themselves, checked before any long-term validation.

    - The seal's and every document timestamp's ``/Contents`` hold the DER structure followed
      by zeros only (:func:`padding_is_canonical`).
    - The seal's signed message digest is the digest of the bytes its ``/ByteRange`` names
      (the signature over it is checked by the validation).
    - Every document timestamp's ``/Contents`` is upper-case hex (:func:`hex_as_written`)
      and its token's unsigned parts are as a unit writes them (:func:`token_is_canonical`).
    - Every document timestamp covers its whole revision, its token's SHA-256 message
      imprint is the digest of the bytes its ``/ByteRange`` names, and the token's own
      signature verifies with the certificate it carries (trust in that certificate is
      ``pdf.ltv``'s and the validation's business).
    - The last document timestamp's signature is low-S if it was made from
      :data:`keys.LOW_S_REQUIRED_FROM` on (:func:`low_s_as_required`): nothing else covers
      it, so its high-S twin would be a second valid form of the file
      (``signature_not_low_s``).

    A document timestamp covers the seal's dictionary and ``/Contents``: an edit there
    breaks the timestamp, which pyHanko's long-term validation would only report as an
    untrusted seal. Here it is reported as what it is. ``None`` when all is well."""
    if not padding_is_canonical(embedded):
        return Check.failed(
            "pdf.signature",
            "pdf_signature_invalid",
            "the seal's /Contents holds bytes besides its signature (non-zero padding)",
        )
    attributes = embedded.signer_info["signed_attrs"]
    signed_digest = next(
        (a["values"][0].native for a in attributes if a["type"].native == "message_digest"),
        None,
    )
    if signed_digest is None or embedded.compute_digest() != signed_digest:
        return Check.failed(
            "pdf.signature",
            "pdf_signature_invalid",
            "the bytes the seal's /ByteRange names are not the bytes it signed",
        )
    last = max(timestamps, key=lambda t: t.signed_revision, default=None)
    for timestamp in timestamps:
        name = timestamp.field_name
        if not padding_is_canonical(timestamp):
            return Check.failed(
                "pdf.timestamps",
                "pdf_timestamp_invalid",
                f"document timestamp {name!r}: /Contents holds bytes besides its token",
            )
        if not hex_as_written(timestamp):
            return Check.failed(
                "pdf.timestamps",
                "pdf_timestamp_invalid",
                f"document timestamp {name!r}: /Contents is not written as upper-case hex "
                "digits only (a literal string, lower case or white space)",
            )
        if not token_is_canonical(timestamp):
            return Check.failed(
                "pdf.timestamps",
                "pdf_timestamp_invalid",
                f"document timestamp {name!r}: its token's unsigned parts are not as a "
                "time-stamping unit writes them",
            )
        tst_info = timestamp.signed_data["encap_content_info"]["content"].parsed
        imprint = tst_info["message_imprint"]
        algorithm = imprint["hash_algorithm"]["algorithm"].native
        if (
            algorithm != "sha256"
            or timestamp.evaluate_signature_coverage() not in _TIMESTAMP_COVERAGE
        ):
            return Check.failed(
                "pdf.timestamps",
                "pdf_timestamp_invalid",
                f"document timestamp {name!r} does not cover its whole revision with SHA-256",
            )
        if timestamp.compute_digest() != imprint["hashed_message"].native:
            return Check.failed(
                "pdf.timestamps",
                "pdf_timestamp_invalid",
                f"document timestamp {name!r}: the bytes it covers were altered",
            )
        signer_info = timestamp.signer_info
        content = bytes(timestamp.signed_data["encap_content_info"]["content"])
        intact, valid = False, False
        if signer_info["digest_algorithm"]["algorithm"].native == "sha256":
            intact, valid = validate_sig_integrity(
                signer_info, timestamp.signer_cert, "tst_info", hashlib.sha256(content).digest()
            )
        if not (intact and valid):
            return Check.failed(
                "pdf.timestamps",
                "pdf_timestamp_invalid",
                f"document timestamp {name!r}: its token's signature does not verify",
            )
        if timestamp is last and not low_s_as_required(timestamp, tst_info):
            return Check.failed(
                "pdf.timestamps",
                "signature_not_low_s",
                f"document timestamp {name!r}, the last, made at "
                f"{tst_info['gen_time'].native.isoformat()}: its signature verifies, but in "
                "its high-S form, which the issuer has not written since "
                f"{LOW_S_REQUIRED_FROM.isoformat()}: the file was changed after it was issued",
            )
    return None


def final_revision(data: bytes, timestamps: list[Any]) -> Check:
    """Nothing may follow the last document timestamp: it must cover the entire file.

    Whatever a file carries after its last document timestamp is signed by nobody: pyHanko
    accepts an update of the document information dictionary or the XMP metadata there
    (title, author: shown by every viewer), and bytes appended after ``%%EOF`` are no
    revision at all. cecert's signer ends every certificate with the document timestamp;
    validation data added later for archiving must be followed by a new document timestamp
    of a trusted unit (an LTA extension), which then covers it."""
    last = max(timestamps, key=lambda t: t.signed_revision)
    start1, length1, start2, length2 = last.byte_range
    contiguous = start1 == 0 and start2 == length1 + 2 * len(last.pkcs7_content) + 2
    if (
        contiguous
        and start2 + length2 == len(data)
        and last.evaluate_signature_coverage() == SignatureCoverageLevel.ENTIRE_FILE
    ):
        return Check.passed("pdf.final_revision", "the last document timestamp covers the file")
    extra = len(data) - (start2 + length2)
    return Check.failed(
        "pdf.final_revision",
        "pdf_modified_after_timestamp",
        f"{extra} byte(s) follow the last document timestamp ({last.field_name!r}): an "
        "update or data that no signature or timestamp covers",
    )
