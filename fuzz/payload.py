"""Fuzz target: the QR payload decoder and the payload checks of the verifier.

Contract under test: for any input, ``registry.payload.decode_payload`` returns a
``SignedPayload`` or raises ``RegistryError``, and ``Verifier.verify_text`` (which runs
``verifier.payload.authenticate``) returns a report; a report that carries claims has no
failed payload check. Any other exception is a crash: on the web service it would be a 500
instead of an ``invalid`` verdict, on the command line a traceback.

Each input is tried twice: as the scanned text (UTF-8, or Latin-1 when it is not UTF-8), and
as a raw COSE message wrapped in ``CEC1:`` + Base45, so that mutations reach the CBOR and
COSE parsers without first having to be valid Base45.
"""

from __future__ import annotations

import contextlib
from functools import cache

from fuzz.fixture import AT, payload_trust
from registry.errors import RegistryError
from registry.payload import PREFIX, decode_payload
from registry.payload.base45 import b45encode
from registry.payload.cose import MAX_MESSAGE
from verifier import Verdict, VerificationReport, Verifier


@cache
def _verifier() -> Verifier:
    """The verifier, built once per process."""
    return Verifier(payload_trust())


def as_text(data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def verify(text: str) -> VerificationReport:
    """Decode and verify one QR text; raise only if the code under test broke its contract."""
    with contextlib.suppress(RegistryError):
        decode_payload(text)
    report = _verifier().verify_text(text, at=AT)
    verdict = report.verdict
    if report.claims is not None:
        failed = [c for c in report.checks if c.name.startswith("payload.") and c.reason]
        assert not failed, f"claims handed on despite failed checks {failed}"
    elif report.reasons[:1] == ("bad_prefix",):
        # Not a cecert code at all: "could not verify", never valid.
        assert verdict is Verdict.INDETERMINATE, f"no code, yet verdict {verdict}"
    else:
        assert verdict is Verdict.INVALID, f"no claims, yet verdict {verdict}"
    return report


def check(data: bytes) -> list[VerificationReport]:
    """The target: every way one input is read, with the reports."""
    reports = [verify(as_text(data))]
    if len(data) <= MAX_MESSAGE:
        reports.append(verify(PREFIX + b45encode(data)))
    return reports
