"""The fixed world the fuzz targets verify in: one trust list, one verification time.

``fuzz/trust-list.json`` is the signed trust list of a home made once by
``fuzz/make_corpus.py``, which also sealed the genuine PDFs of ``fuzz/corpus/pdf/``. Keeping
the list (public data only: no private key leaves that home) rather than making a new home at
every start means the genuine seeds stay trusted, so the fuzzer starts from inputs that reach
every check, not only the parser.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import replace
from pathlib import Path

from keys import PublicKey, QrKey, TrustList, kid_from_text, parse_trust_list

HERE = Path(__file__).resolve().parent
TRUST_LIST_PATH = HERE / "trust-list.json"
GENUINE_PDF = HERE / "corpus" / "pdf" / "genuine-0.pdf"
"""A genuine certificate sealed under the trust list: the base of the PDF target's update
mode."""
VECTORS_PATH = HERE.parent / "tests" / "vectors" / "payload-vectors.json"
AT = dt.datetime(2026, 4, 1, 9, 30, tzinfo=dt.UTC)
"""Verification time: 30 days after the corpus home issued its certificates (the tests'
``LATER``), inside the payload vectors' key window."""


def _utc(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))


def home_trust() -> TrustList:
    """The corpus home's trust list, checked as any verifier checks one."""
    return parse_trust_list(TRUST_LIST_PATH.read_bytes())


def payload_trust() -> TrustList:
    """The home's trust list plus the payload vectors' test key, so that the genuine payloads
    of both (corpus seeds) pass the signature check and reach the checks after it."""
    key = json.loads(VECTORS_PATH.read_text("utf-8"))["trust_key"]
    vector_key = QrKey(
        kid=kid_from_text(key["kid"]),
        alg=key["alg"],
        public_key=PublicKey(key["public_key_pem"]),
        not_before=_utc(key["not_before"]),
        not_after=_utc(key["not_after"]),
    )
    trust = home_trust()
    return replace(trust, qr_keys=(*trust.qr_keys, vector_key))
