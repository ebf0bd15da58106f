"""Base45 against RFC 9285: both decoders (the whole-string fast path and the plain loop
that names what is wrong) and the encoder, over the RFC's own examples and its error cases."""

from __future__ import annotations

import pytest

from registry.errors import RegistryError
from registry.payload.base45 import _decode_groups, _decode_whole, b45decode, b45encode

RFC_9285 = [  # section 4.3 and 4.4: (bytes, Base45)
    (b"AB", "BB8"),
    (b"Hello!!", "%69 VD92EX0"),
    (b"base-45", "UJCLQE7W581"),
    (b"ietf!", "QED8WEX0"),
    (b"", ""),
]
DECODERS = {"fast": _decode_whole, "plain": _decode_groups}


@pytest.mark.parametrize(("data", "text"), RFC_9285)
def test_the_rfc_examples_encode(data: bytes, text: str) -> None:
    assert b45encode(data) == text


@pytest.mark.parametrize(("data", "text"), RFC_9285)
@pytest.mark.parametrize("decoder", DECODERS)
def test_the_rfc_examples_decode_both_ways(data: bytes, text: str, decoder: str) -> None:
    assert DECODERS[decoder](text) == data
    assert b45decode(text) == data


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("GGW", "out of range"),  # RFC 9285 §6: 65535 < 16·45² + 16·45 + 32
        ("ZZZ", "out of range"),
        ("BB8B", "impossible length"),
        ("aB8", "'a' at position 0"),  # lower case is not in the alphabet
        ("BB8:%_", "'_' at position 5"),
        ("ZZ", "out of range"),  # a final pair above one byte
    ],
)
def test_what_the_rfc_refuses_both_refuse(text: str, found: str) -> None:
    assert _decode_whole(text) is None
    with pytest.raises(RegistryError, match=found) as caught:
        _decode_groups(text)
    assert caught.value.reason == "bad_base45"
    with pytest.raises(RegistryError, match=found):
        b45decode(text)


def test_every_two_byte_value_round_trips_through_both() -> None:
    data = bytes(range(256)) + bytes(reversed(range(256)))
    text = b45encode(data)
    assert _decode_whole(text) == _decode_groups(text) == data
