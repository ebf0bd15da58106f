"""The QR encoder of our own against the ``qrcode`` library: the same modules, exactly.

``signer.document.qr_symbol`` precomputes per version what ``qrcode`` recomputes per text; these
tests hold it to the library's symbol for the same text, level M and mask, in every version from 1
to 40 and in all three modes, so readers decode our codes exactly as before.
"""

from __future__ import annotations

import pytest
import qrcode
from hypothesis import given, settings
from hypothesis import strategies as st
from qrcode.constants import ERROR_CORRECT_M
from qrcode.exceptions import DataOverflowError

from signer.document.qr_code import MASK_PATTERN, dark_runs, qr_matrix, qr_path
from signer.document.qr_symbol import qr_rows
from signer.errors import IssuanceError

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


def reference(text: str) -> tuple[tuple[bool, ...], ...]:
    """The ``qrcode`` library's symbol: level M, smallest version, the fixed mask."""
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, mask_pattern=MASK_PATTERN)
    code.add_data(text, optimize=0)
    code.make(fit=True)
    return tuple(tuple(row) for row in code.modules)


def ours(text: str) -> tuple[tuple[bool, ...], ...]:
    return tuple(tuple(map(bool, row)) for row in qr_rows(text))


@pytest.mark.parametrize("version", range(1, 41))
def test_every_version_at_its_full_capacity_and_one_more(version: int) -> None:
    capacity = CAPACITY_ALPHANUMERIC[version - 1]
    full = (BASE45 * 100)[:capacity]

    symbol = ours(full)

    assert len(symbol) == 4 * version + 17
    assert symbol == reference(full)
    if version < 40:
        assert len(ours(full + "A")) == 4 * version + 21


@pytest.mark.parametrize("alphabet", [DIGITS, BASE45, OTHER], ids=["numeric", "alnum", "byte"])
@pytest.mark.parametrize("length", [0, 1, 2, 3, 4, 7, 40, 150, 410, 1200, 2300])
def test_modes_and_lengths(alphabet: str, length: int) -> None:
    text = "".join(alphabet[(7 * i + length) % len(alphabet)] for i in range(length))
    assert_same_or_both_refused(text)


@settings(max_examples=150, derandomize=True, deadline=None)
@given(
    st.one_of(
        st.text(alphabet=BASE45, max_size=3391),
        st.text(alphabet=DIGITS, min_size=1, max_size=5000),
        st.text(max_size=400),
    )
)
def test_any_text_gives_the_reference_symbol(text: str) -> None:
    assert_same_or_both_refused(text)


def assert_same_or_both_refused(text: str) -> None:
    try:
        expected = reference(text)
    except (DataOverflowError, ValueError):  # qrcode says "Invalid version (was 41 …)" too
        with pytest.raises(IssuanceError):
            qr_rows(text)
        return
    assert ours(text) == expected


def test_too_long_in_each_mode_is_refused() -> None:
    for text in ("1" * 5597, "A" * 3392, "a" * 2332):
        with pytest.raises(IssuanceError) as caught:
            qr_rows(text)
        assert caught.value.reason == "qr_too_long"
    assert len(qr_rows("1" * 5596)) == len(qr_rows("A" * 3391)) == len(qr_rows("a" * 2331)) == 177


def test_path_paints_exactly_the_dark_runs() -> None:
    rows = qr_rows("CEC1:" + BASE45 * 9)
    path = qr_path(rows).split(b"\n")
    top = len(rows) - 1

    assert path[-1] == b"f"
    rectangles = [tuple(int(v) for v in line.split()[:3]) for line in path[:-1]]
    assert rectangles == [(c, top - r, n) for r, c, n in dark_runs(qr_matrix("CEC1:" + BASE45 * 9))]


@settings(max_examples=100, derandomize=True, deadline=None)
@given(
    st.integers(21, 177).flatmap(
        lambda n: st.lists(st.binary(min_size=n, max_size=n), min_size=n, max_size=n)
    )
)
def test_path_of_any_matrix_is_its_dark_runs(raw_rows: list[bytes]) -> None:
    rows = tuple(bytes(b & 1 for b in row) for row in raw_rows)
    rows = (b"\x01" * len(rows), *rows[1:-1], b"\x00" * len(rows))  # full and empty rows too
    top = len(rows) - 1

    lines = qr_path(rows).split(b"\n")

    assert lines[-1] == b"f"
    assert [tuple(int(v) for v in line.split()[:3]) for line in lines[:-1]] == [
        (c, top - r, n) for r, c, n in dark_runs(rows)
    ]
