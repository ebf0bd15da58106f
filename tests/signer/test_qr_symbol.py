"""The QR code's path: the dark modules of a symbol as content-stream rectangles.

``signer.document.qr_code.qr_path`` finds the runs of dark modules without a loop over them;
these tests hold it to the plain run finder (``dark_runs``) for real symbols and for any
matrix. The encoders themselves, ours and the ``qrcode`` library's, are held to one contract
and to each other in ``tests/signer/test_conformance_qr.py``.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from signer.document.qr_code import dark_runs, qr_matrix, qr_path
from signer.document.qr_symbol import qr_rows

BASE45 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"


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
