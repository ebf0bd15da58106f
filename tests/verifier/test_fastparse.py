"""The faster parsing routines of ``verifier.fastparse`` give exactly what the library
routines they replace give: the same value or the same exception, the stream left at the
same place; and a genuine certificate reads to the same objects with them as without."""

from __future__ import annotations

import random
from io import BytesIO
from typing import Any

import pytest
from asn1crypto import x509
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.reader import PdfFileReader

from tests.conftest import IssuedHome
from verifier import fastparse

HEX_CASES = [
    b"<>",
    b"<41>",
    b"<4>",
    b"<4 1\n2\r3\t4\x005\x0c6>",
    b"<41%a comment > with a bracket\n42>",
    b"<41 % comment\r>",
    b"<4G>",
    b"<41",
    b"<",
    b"<41>>rest",
    b"<aBcDeF0123456789>trailing <00>",
    b"<" + b"ab" * 10_000 + b">after",
    b"<" + b"0" * 8191 + b">",
    b"<" + b"0" * 8192 + b">x",
    b"<" + b"1" * 8193 + b" >",
    b"<" + b"1" * 20_000,
    b"<e6b58be8af95>",
    b"<feff4e2d6587>",
    b"<41>>",
    b"<4 >",
    b"< >",
    b"<%>",
    b"<41\xff>",
]


def _outcome(reader: Any, data: bytes, skip: int = 0) -> tuple[Any, ...]:
    stream = BytesIO(data)
    stream.seek(skip)
    try:
        value = reader(stream)
    except Exception as exc:
        return ("raised", type(exc), str(exc), stream.tell())
    return ("value", type(value), bytes(value.original_bytes), str(value), stream.tell())


@pytest.mark.parametrize("data", HEX_CASES)
def test_hex_strings_read_as_pyhanko_reads_them(data: bytes) -> None:
    expected = _outcome(fastparse.original_read_hex_string, data)
    assert _outcome(fastparse.read_hex_string, data) == expected


def test_random_hex_strings_read_as_pyhanko_reads_them() -> None:
    rng = random.Random(20261122)
    alphabet = b"0123456789abcdefABCDEF" * 4 + b" \n\r\t\x00\x0c%>>xG<"
    for _ in range(3000):
        body = bytes(rng.choice(alphabet) for _ in range(rng.randrange(0, 40)))
        data = b"junk<" + body + rng.choice([b">", b"", b">tail"])
        expected = _outcome(fastparse.original_read_hex_string, data, skip=4)
        assert _outcome(fastparse.read_hex_string, data, skip=4) == expected, data


PREP_CASES = [
    "专业技术人员继续教育专用章",
    "广州市人力资源和社会保障局",
    "  Several   Spaces  ",
    "CN",
    "440100",
    "Ａｂｃ",  # full-width: NFKC
    "e\u0301",  # combining acute
    "soft\u00adhyphen",
    "",
    "\u0000bad",
    "\ufffd",
    "\u0627\u0031",  # right-to-left then a digit: bidi rule
]


@pytest.mark.parametrize("text", PREP_CASES)
def test_name_preparation_is_asn1cryptos(text: str) -> None:
    def outcome(prep: Any) -> tuple[Any, ...]:
        try:
            return ("value", prep(x509.NameTypeAndValue(), text))
        except Exception as exc:
            return ("raised", type(exc), str(exc))

    expected = outcome(fastparse.original_ldap_string_prep)
    assert outcome(fastparse.ldap_string_prep) == expected
    assert outcome(fastparse.ldap_string_prep) == expected  # from the cache


def test_installed_for_the_pinned_libraries() -> None:
    assert fastparse.versions_match()
    assert fastparse.install()
    assert generic.read_hex_string_from_stream is fastparse.read_hex_string
    assert x509.NameTypeAndValue._ldap_string_prep is fastparse.ldap_string_prep


def _every_object(data: bytes) -> list[tuple[Any, str]]:
    """Every object of every revision of ``data``, as pyHanko reads it."""
    reader = PdfFileReader(BytesIO(data), strict=False)
    objects = []
    for revision in range(reader.total_revisions):
        for ref in reader.xrefs.explicit_refs_in_revision(revision):
            value = reader.get_object(ref, revision=revision)
            objects.append((ref.idnum, repr(value)))
    signatures = [(s.field_name, s.pkcs7_content) for s in reader.embedded_signatures]
    objects.append((-1, repr(signatures)))
    return objects


def test_a_certificate_reads_the_same_with_and_without(
    issued_home: IssuedHome, monkeypatch: pytest.MonkeyPatch
) -> None:
    fastparse.install()
    data = issued_home.pdf(issued_home.documents[0]).read_bytes()
    fast = _every_object(data)
    monkeypatch.setattr(generic, "read_hex_string_from_stream", fastparse.original_read_hex_string)
    assert _every_object(data) == fast
    assert data.count(b"/Contents <") >= 2  # the seal's and the timestamp's hex strings
