"""An extract in memory: the manifest and the typed event tables, as `validation.load_extract`
returns them and as the cohort and feature builders consume them.

Typing convention for every table after loading:
- `date` columns are `datetime64[ns]` (NaT where empty);
- `int` columns are `int64` (nullable `Int64` where the contract allows empty);
- `str`, `code` and `month` columns are strings (missing values are NA).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pandas as pd


@dataclass(frozen=True)
class Manifest:
    """What an extract says about itself (file `manifest.json`)."""

    extract_date: dt.date  # the day the records were taken: nothing after it is known
    synthetic: bool = False
    description: str = ""
    boroughs: tuple[str, ...] = ()
    file_format: str = "csv"
    extra: dict = field(default_factory=dict)  # anything else the manifest holds (seed, scale, ...)


@dataclass
class Extract:
    """A validated extract: manifest, typed tables and a fingerprint (sha256) of each file."""

    manifest: Manifest
    tables: dict[str, pd.DataFrame]
    fingerprints: dict[str, str] = field(default_factory=dict)

    def table(self, name: str) -> pd.DataFrame:
        """The table called `name` (KeyError naming the missing table otherwise)."""
        if name not in self.tables:
            raise KeyError(f"the extract has no table {name!r}")
        return self.tables[name]
