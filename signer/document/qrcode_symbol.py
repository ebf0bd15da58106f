"""The QR symbol through the ``qrcode`` library: the reference for the QR encoder.

:func:`signer.document.qr_symbol.qr_rows` precomputes per version what a general encoder
recomputes per text, at about a thirteenth of its cost (``docs/performance.md``).
:func:`qrcode_rows` makes the same symbol the way certificates made it before, with the
``qrcode`` library: level M, the smallest version that fits, the fixed mask
:data:`~signer.document.qr_symbol.MASK_PATTERN`, one segment in the mode the text allows. Both
are a :class:`~signer.document.qr_code.QrEncoder`; ``tests/signer/test_conformance_qr.py`` runs
them over the same texts and finds the same modules.

Not used for certificates: a caller chooses it by calling it. ``qrcode`` comes with the
``issuer`` extra only, so nothing imports this module but the tests and the benchmarks.
"""

from __future__ import annotations

import qrcode
from qrcode.constants import ERROR_CORRECT_M
from qrcode.exceptions import DataOverflowError

from signer.document.qr_symbol import MASK_PATTERN
from signer.errors import IssuanceError


def qrcode_rows(text: str) -> tuple[bytes, ...]:
    """The ``qrcode`` library's symbol of ``text``, in the rows of
    :class:`~signer.document.qr_code.QrEncoder`. Raises :class:`IssuanceError` (reason
    ``qr_too_long``) if ``text`` does not fit even version 40."""
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, mask_pattern=MASK_PATTERN)
    code.add_data(text, optimize=0)
    try:
        code.make(fit=True)
    except (DataOverflowError, ValueError) as exc:  # past version 40: "Invalid version (41)"
        raise IssuanceError(
            "qr_too_long", f"QR text of {len(text)} characters does not fit a QR code at level M"
        ) from exc
    return tuple(bytes(map(bool, row)) for row in code.modules)


__all__ = ["qrcode_rows"]
