"""Import people and training records from CSV, Excel ``.xlsx`` or JSON Lines files.

Pure parsing and validation: files are read, nothing is written. The formats are documented
in ``docs/formats.md``. Every function raises only :class:`registry.errors.RegistryError`
(or its subclass :class:`registry.errors.ImportRejected`, which lists every bad row).
"""

from registry.importing.columns import ACTIVITY_COLUMNS, PEOPLE_COLUMNS, ColumnSet
from registry.importing.loading import load_activities, load_people
from registry.importing.readers import SUPPORTED_SUFFIXES

__all__ = [
    "ACTIVITY_COLUMNS",
    "PEOPLE_COLUMNS",
    "SUPPORTED_SUFFIXES",
    "ColumnSet",
    "load_activities",
    "load_people",
]
