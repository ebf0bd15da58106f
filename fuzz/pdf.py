"""Fuzz target: the PDF verification entry point, ``Verifier.verify_pdf``.

Contract under test: for any bytes, ``Verifier.verify_pdf`` (which runs
``verifier.pdf.check_pdf``: pyHanko's parser, the signature-field checks, the AdES long-term
validation) returns a report, and a file that fails any PDF check is ``invalid``. Any
exception escaping it is a crash: the verifier must turn every damaged file into an
``invalid`` report with a reason, never a 500 or a traceback. A report with claims is only
possible for an input that still carries the genuine seal over its signed revision; the
verifier has no status source here, so such a report is at best ``indeterminate``.

An input that starts with ``%PDF-`` is verified as a whole file. Any other input is appended
to a genuine certificate (``fuzz/corpus/pdf/genuine-0.pdf``) and the result verified: that is
how an incremental-saving attack looks (an update after the sealed and timestamped
revisions), and it lets mutations reach pyHanko's difference analysis and the checks after
the signature without first breaking the seal's digest.
"""

from __future__ import annotations

from functools import cache

from fuzz.fixture import AT, GENUINE_PDF, home_trust
from verifier import Verdict, VerificationReport, Verifier


@cache
def _world() -> tuple[Verifier, bytes]:
    """The verifier and the genuine base file, loaded once per process."""
    return Verifier(home_trust()), GENUINE_PDF.read_bytes()


def check(data: bytes) -> VerificationReport:
    """The target: verify ``data`` as an uploaded certificate PDF, or as an update appended
    to a genuine one (see above)."""
    verifier, genuine = _world()
    whole = data if data.startswith(b"%PDF-") else genuine + data
    report = verifier.verify_pdf(whole, at=AT)
    verdict = report.verdict
    failed = [c.reason for c in report.checks if c.name.startswith("pdf.") and c.reason]
    if failed:
        assert verdict is Verdict.INVALID, f"PDF checks failed {failed}, yet verdict {verdict}"
        assert report.claims is None, "claims handed on from a PDF that failed its checks"
    assert verdict is not Verdict.VALID, "valid without a status source"
    return report
