"""Reading the QR code from a photo or scan (PNG, JPEG…) with zxing-cpp."""

from __future__ import annotations

from io import BytesIO

import zxingcpp
from PIL import Image, UnidentifiedImageError

from verifier.report import Check

_QR_ONLY = zxingcpp.BarcodeFormats([zxingcpp.BarcodeFormat.QRCode])
MAX_IMAGE_BYTES = 10 * 1024 * 1024
MAX_PIXELS = 40_000_000
"""Refuse decompression bombs before decoding pixels."""


def read_qr(data: bytes) -> tuple[Check, str | None]:
    """Find the QR code in an image; return the check and the QR text (``None`` if none)."""
    if len(data) > MAX_IMAGE_BYTES:
        return Check.failed("image.qr", "image_too_large", f"{len(data)} bytes"), None
    try:
        with Image.open(BytesIO(data)) as image:
            width, height = image.size
            if width * height > MAX_PIXELS:
                return (
                    Check.failed("image.qr", "image_too_large", f"{width}×{height} pixels"),
                    None,
                )
            image.load()
            results = zxingcpp.read_barcodes(image.convert("L"), formats=_QR_ONLY)
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError) as exc:
        return Check.failed("image.qr", "unreadable_image", f"not a readable image: {exc}"), None
    texts = [r.text for r in results if r.text]
    if not texts:
        return Check.failed("image.qr", "no_qr_in_image", "no QR code found in the image"), None
    if len(set(texts)) > 1:
        return (
            Check.failed("image.qr", "several_qr_codes", f"{len(texts)} different QR codes"),
            None,
        )
    return Check.passed("image.qr", "QR code read from the image"), texts[0]
