"""The conventions every layer shares: China's time zone and the canonical JSON form.

Keys needs both (a trust list is signed over canonical JSON; a QR key's window is judged in
China dates), so they live here, at the lowest layer; the registry, the issuer and the
verifier import them from :mod:`keys`.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from typing import Any

CHINA_TZ = dt.timezone(dt.timedelta(hours=8), "CST")
"""Chinese standard time (no daylight saving since 1991): the zone of QR payload dates."""


def canonical_json(value: Mapping[str, Any]) -> bytes:
    """The signed form: sorted keys, no white space, UTF-8. For the value types a trust list
    holds (strings, integers, arrays, objects) this equals RFC 8785 canonical JSON."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode(
        "utf-8"
    )
