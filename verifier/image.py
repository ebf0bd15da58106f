"""Reading the QR code from a photo or scan (PNG, JPEG…) with zxing-cpp."""

from __future__ import annotations

import warnings
from io import BytesIO

import zxingcpp
from PIL import Image, UnidentifiedImageError

from verifier.report import Check

_QR_ONLY = zxingcpp.BarcodeFormats([zxingcpp.BarcodeFormat.QRCode])
MAX_IMAGE_BYTES = 10 * 1024 * 1024
MAX_PIXELS = 40_000_000
"""Refuse decompression bombs before decoding pixels: a QR photo needs far fewer (a 12
megapixel phone photo is 12 million); 40 million 8-bit pixels cost 40 MB once converted."""
FORMATS = ("PNG", "JPEG", "GIF", "BMP", "WEBP")
"""The formats Pillow may try: the ones an upload is recognised as (verifier.service), so
that no other decoder in Pillow (EPS through Ghostscript, TIFF…) ever sees an upload."""


def _too_large(detail: str) -> tuple[Check, None]:
    return Check.unknown("image.qr", "image_too_large", detail), None


def read_qr(data: bytes) -> tuple[Check, str | None]:
    """Find the QR code in an image; return the check and the QR text (``None`` if none).

    No certificate in the image (not an image, too large, no QR code, several) is a check
    that could not be made (``unknown``: the verdict is "could not verify"), never a failed
    one: a blurred photo is a mistake, not a forgery.

    Bounded: at most :data:`MAX_IMAGE_BYTES` read and :data:`MAX_PIXELS` decoded; the size
    is read from the image header before any pixel is decoded, and Pillow's own
    decompression-bomb guard (``Image.MAX_IMAGE_PIXELS``) is turned into the same verdict.
    """
    if len(data) > MAX_IMAGE_BYTES:
        return _too_large(f"{len(data)} bytes")
    try:
        with warnings.catch_warnings():
            # Pillow warns (and, at twice its limit, raises) on its own decompression-bomb
            # check at open; either is our "too large" verdict, not a log line.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(BytesIO(data), formats=FORMATS) as image:
                width, height = image.size
                if width * height > MAX_PIXELS:
                    return _too_large(f"{width}×{height} pixels")
                image.load()
                results = zxingcpp.read_barcodes(image.convert("L"), formats=_QR_ONLY)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        return _too_large(f"over Pillow's pixel limit: {exc}")
    except (UnidentifiedImageError, OSError, ValueError, EOFError) as exc:
        return Check.unknown("image.qr", "unreadable_image", f"not a readable image: {exc}"), None
    texts = [r.text for r in results if r.text]
    if not texts:
        return Check.unknown("image.qr", "no_qr_in_image", "no QR code found in the image"), None
    if len(set(texts)) > 1:
        return (
            Check.unknown("image.qr", "several_qr_codes", f"{len(texts)} different QR codes"),
            None,
        )
    return Check.passed("image.qr", "QR code read from the image"), texts[0]
