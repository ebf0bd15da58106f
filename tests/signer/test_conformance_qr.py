"""The QR encoders, held to one contract: ours (``qr_symbol.qr_rows``) and its reference, the
``qrcode`` library (``qrcode_symbol.qrcode_rows``), over the same texts.

Each encoder on its own: every version 1–40 at its full alphanumeric capacity, and one
character more takes the next version; too long is ``qr_too_long`` in every mode; zxing-cpp,
an independent reader, decodes the text with level M, the version and mask 4. Then the two
side by side: the same modules, exactly, in all three modes (with hypothesis), so readers
decode our codes exactly as they decoded the library's.
"""

from __future__ import annotations

from functools import cache

import pytest
import zxingcpp
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from signer.document.qr_code import QUIET_ZONE, QrEncoder
from signer.document.qr_symbol import MASK_PATTERN, qr_rows
from signer.document.qrcode_symbol import qrcode_rows
from signer.errors import IssuanceError

ENCODERS: dict[str, QrEncoder] = {"qr_symbol": qr_rows, "qrcode": qrcode_rows}
"""Production first, then the reference."""

BASE45 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"
DIGITS = "0123456789"
OTHER = "abcxyz{}é中文李𠈌䶮"

# Level M capacities (characters) of versions 1–40 in numeric, alphanumeric and byte mode
# (ISO/IEC 18004, table 7): a text of exactly that length needs exactly that version.
CAPACITY_ALPHANUMERIC = (
    20, 38, 61, 90, 122, 154, 178, 221, 262, 311, 366, 419, 483, 528, 600, 656, 734, 816, 909,
    970, 1035, 1134, 1248, 1326, 1451, 1542, 1637, 1732, 1839, 1994, 2113, 2238, 2369, 2506,
    2632, 2780, 2894, 3054, 3220, 3391,
)  # fmt: skip
LONGEST = {"numeric": "1" * 5596, "alphanumeric": "A" * 3391, "byte": "a" * 2331}
"""The longest text of each mode that fits version 40 at level M."""


@cache
def symbol(encoder: str, text: str) -> tuple[bytes, ...] | str:
    """``ENCODERS[encoder](text)``, or the reason it refuses the text with; kept, so that the
    side-by-side tests reuse what the single ones made."""
    try:
        return ENCODERS[encoder](text)
    except IssuanceError as exc:
        return exc.reason


def full(version: int) -> str:
    return (BASE45 * 100)[: CAPACITY_ALPHANUMERIC[version - 1]]


def read_back(rows: tuple[bytes, ...]) -> zxingcpp.Barcode:
    """zxing-cpp's reading of ``rows`` drawn with the quiet zone, 4 pixels a module."""
    side = len(rows) + 2 * QUIET_ZONE
    light = b"\xff" * side
    pixels = [light] * QUIET_ZONE
    margin = light[:QUIET_ZONE]
    pixels += [margin + row.translate(_INK) + margin for row in rows]
    pixels += [light] * QUIET_ZONE
    image = Image.frombytes("L", (side, side), b"".join(pixels))
    found = zxingcpp.read_barcode(
        image.resize((4 * side, 4 * side), Image.Resampling.NEAREST),
        formats=zxingcpp.BarcodeFormat.QRCode,
    )
    assert found is not None
    return found


_INK = bytes.maketrans(b"\x00\x01", b"\xff\x00")


# --- each encoder ---------------------------------------------------------------------------


@pytest.mark.parametrize("encoder", ENCODERS)
@pytest.mark.parametrize("version", range(1, 41))
def test_every_version_at_its_full_capacity_and_one_more(encoder: str, version: int) -> None:
    rows = symbol(encoder, full(version))

    assert isinstance(rows, tuple)
    assert len(rows) == 4 * version + 17
    assert all(len(row) == len(rows) and set(row) <= {0, 1} for row in rows)
    if version < 40:
        bigger = symbol(encoder, full(version) + "A")
        assert isinstance(bigger, tuple)
        assert len(bigger) == 4 * version + 21


@pytest.mark.parametrize("encoder", ENCODERS)
@pytest.mark.parametrize("mode", LONGEST)
def test_too_long_is_refused_in_each_mode(encoder: str, mode: str) -> None:
    longest = LONGEST[mode]
    rows = symbol(encoder, longest)
    assert isinstance(rows, tuple)
    assert len(rows) == 177

    with pytest.raises(IssuanceError) as caught:
        ENCODERS[encoder](longest + longest[0])
    assert caught.value.reason == "qr_too_long"


@pytest.mark.parametrize("encoder", ENCODERS)
@pytest.mark.parametrize(
    "text",
    [
        "HC1:" + (BASE45 * 10)[:406],  # a certificate's payload: version 13
        "0123456789" * 30,
        "A",
        f"李{OTHER}",
        (BASE45 * 100)[:3391],
    ],
    ids=["payload", "numeric", "one", "byte", "version-40"],
)
def test_an_independent_reader_decodes_the_text(encoder: str, text: str) -> None:
    rows = symbol(encoder, text)
    assert isinstance(rows, tuple)

    found = read_back(rows)

    assert found.bytes == text.encode("utf-8")
    assert found.ec_level == "M"
    assert found.extra["DataMask"] == MASK_PATTERN
    assert found.extra["Version"] == str((len(rows) - 17) // 4)


# --- the two side by side ------------------------------------------------------------------


def assert_same_modules(text: str) -> None:
    """Both encoders give the same rows for ``text``, or both refuse it for the same reason."""
    ours, reference = (symbol(encoder, text) for encoder in ENCODERS)
    assert ours == reference
    assert isinstance(ours, tuple) or ours == "qr_too_long"


@pytest.mark.parametrize("version", range(1, 41))
def test_the_same_modules_in_every_version(version: int) -> None:
    assert_same_modules(full(version))


@pytest.mark.parametrize("alphabet", [DIGITS, BASE45, OTHER], ids=["numeric", "alnum", "byte"])
@pytest.mark.parametrize("length", [0, 1, 2, 3, 4, 7, 40, 150, 410, 1200, 2300, 6000])
def test_the_same_modules_in_every_mode_and_length(alphabet: str, length: int) -> None:
    assert_same_modules("".join(alphabet[(7 * i + length) % len(alphabet)] for i in range(length)))


@settings(max_examples=150, derandomize=True, deadline=None)
@given(
    st.one_of(
        st.text(alphabet=BASE45, max_size=3391),
        st.text(alphabet=DIGITS, min_size=1, max_size=5000),
        st.text(max_size=400),
    )
)
def test_any_text_gives_the_same_modules(text: str) -> None:
    assert_same_modules(text)
