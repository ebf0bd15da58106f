"""The registry: the values (people, records, documents), the bureau's home, the hours rules,
the QR payload and snapshot codecs, the transparency log and the SQLite store.

The top level names only what its light modules hold (the error root, the values, ID and
document numbers, the home); the subpackages name their own. It imports no subpackage, so that
importing any part of the registry stays cheap and cannot make a cycle: the store and the
intake (:mod:`registry.file_imports`, which uses the store) are imported from where they live.
"""

from registry.errors import ImportRejected, RegistryError
from registry.home import CHINA_TZ, BureauConfig, Home
from registry.idnumber import mask_id_number, parse_id_number
from registry.model import (
    Activity,
    DocumentKind,
    RevocationReason,
    SupersessionReason,
    TitleLevel,
    parse_region,
)
from registry.numbering import SERIAL_DIGITS

__all__ = [
    "CHINA_TZ",
    "SERIAL_DIGITS",
    "Activity",
    "BureauConfig",
    "DocumentKind",
    "Home",
    "ImportRejected",
    "RegistryError",
    "RevocationReason",
    "SupersessionReason",
    "TitleLevel",
    "mask_id_number",
    "parse_id_number",
    "parse_region",
]
