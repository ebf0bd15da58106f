"""Exact, faster replacements for two pure-Python routines that dominate PDF verification.

A PAdES B-LTA certificate's verification spends a fifth of its time in two library routines
that do simple work one character at a time (``docs/performance.md``, PDF verification):

- pyHanko's ``read_hex_string_from_stream`` reads a hex string (a signature's ``/Contents``:
  thousands of digits, read several times per file) one byte per generator step;
- asn1crypto's RFC 4518 string preparation of every name attribute (``stringprep`` tables
  per character) runs again for every freshly parsed certificate, CRL and OCSP response each
  time two names are compared while pyHanko matches signers and builds paths.

:func:`install` replaces them, process-wide, with routines that give the same result or the
same exception for every input:

- :func:`read_hex_string` takes the bytes up to the first ``>``; when they are hex digits and
  PDF white space only, it decodes them at once (an odd count gets the trailing ``0`` as
  the PDF rule and pyHanko do) and leaves the stream just after ``>`` as pyHanko does.
  Anything else (a comment, a stray character, no ``>``) is handed to pyHanko's own routine
  from the same position, so its errors and its comment handling stay exactly as they are.
- the string preparation is pyHanko's own function behind a bounded cache keyed by the
  string (the preparation depends on the string alone; an exception is never cached).

Neither changes what is checked: they only produce the same values sooner. :func:`install`
does nothing unless the libraries are the versions these replacements were written and
tested against (``tests/verifier/test_fastparse.py`` compares them with the originals), so an
upgrade falls back to the original routines instead of trusting an untested equivalence.
"""

from __future__ import annotations

import binascii
import functools
from importlib.metadata import version
from typing import Any, BinaryIO

from asn1crypto import x509
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.misc import PDF_WHITESPACE

TESTED_VERSIONS = {"pyhanko": "0.38.0", "asn1crypto": "1.5.1"}
"""The library versions the replacements are known equivalent for."""
_HEX_DIGITS = b"0123456789abcdefABCDEF"
_CHUNK = 8192
_PREP_CACHE_SIZE = 4096

original_read_hex_string = generic.read_hex_string_from_stream
"""pyHanko's own hex string reader (the fallback, and the reference of the tests)."""
original_ldap_string_prep = x509.NameTypeAndValue._ldap_string_prep
"""asn1crypto's own RFC 4518 string preparation (the reference of the tests)."""


def read_hex_string(stream: BinaryIO) -> Any:
    """pyHanko's ``read_hex_string_from_stream``, decoding the digits in one step.

    ``stream`` is positioned at the opening ``<``; on return it is just after the closing
    ``>``. The value is pyHanko's ``pdf_string`` of the decoded bytes."""
    start = stream.tell()
    stream.read(1)  # the opening "<", as pyHanko skips it
    chunks: list[bytes] = []
    end = -1
    while end < 0:
        chunk = stream.read(_CHUNK)
        if not chunk:
            break
        end = chunk.find(b">")
        chunks.append(chunk if end < 0 else chunk[:end])
    body = b"".join(chunks)
    if end < 0 or body.translate(None, _HEX_DIGITS + PDF_WHITESPACE):
        stream.seek(start)  # no ">", or not only digits and white space: pyHanko's way
        return original_read_hex_string(stream)
    digits = body.translate(None, PDF_WHITESPACE)
    if len(digits) % 2:
        digits += b"0"
    stream.seek(start + 1 + len(body) + 1)
    return generic.pdf_string(binascii.unhexlify(digits))


@functools.lru_cache(maxsize=_PREP_CACHE_SIZE)
def _cached_prep(string: str) -> str:
    prepared: str = original_ldap_string_prep(None, string)
    return prepared


def ldap_string_prep(self: Any, string: str) -> str:
    """asn1crypto's ``NameTypeAndValue._ldap_string_prep``, remembered per string."""
    del self  # the preparation reads only the string
    return _cached_prep(string)


def versions_match() -> bool:
    """Are the installed libraries those the replacements were tested against?"""
    return all(version(name) == wanted for name, wanted in TESTED_VERSIONS.items())


_installed: bool | None = None


def install() -> bool:
    """Put the replacements in place (decided once per process; later calls cost a global
    look-up); ``False`` when the library versions differ from :data:`TESTED_VERSIONS` and
    the original routines stay."""
    global _installed
    if _installed is None:
        _installed = versions_match()
        if _installed:
            generic.read_hex_string_from_stream = read_hex_string
            x509.NameTypeAndValue._ldap_string_prep = ldap_string_prep
    return _installed
