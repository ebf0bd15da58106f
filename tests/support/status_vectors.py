"""The status vectors (``tests/vectors/status-vectors.json``): the published cases, and the
root-signed trust list and signed snapshot every verifier checks them against."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from keys import TrustList, parse_trust_list
from tests.support.paths import VECTORS_DIR
from verifier.snapshot import SnapshotStatus, load_snapshot

VECTORS: dict[str, Any] = json.loads((VECTORS_DIR / "status-vectors.json").read_text("utf-8"))


def utc(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))


def vector_trust() -> TrustList:
    data = (VECTORS_DIR / VECTORS["trust_list"]).read_bytes()
    return parse_trust_list(data, pin=VECTORS["root_sha256"])


def vector_snapshot(trust: TrustList) -> SnapshotStatus:
    data = (VECTORS_DIR / VECTORS["snapshot"]).read_bytes()
    return load_snapshot(data, trust, max_age=dt.timedelta(days=VECTORS["max_age_days"]))
