"""Check an extract against the data contract (`ontrack_model.schema`) and load it typed.

    validate_extract(dir) -> ValidationReport   every problem at once; never raises for bad data
    load_extract(dir)     -> Extract            typed tables, or DataContractError listing problems
    load_manifest(dir)    -> Manifest

Modules, one job each: `reading` (files, encodings, formats), `cells` (types, codes, ranges,
dates), `tablechecks` (keys, row rules), `relations` (foreign keys, social-care rules),
`engine` (one pass over an extract), `loading` (typed pandas frames), `report` and `findings`
(problems and their messages), `manifest`, `docs` (the contract as Markdown), `sample` (a tiny
valid extract).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from ontrack_model.validation.engine import ProgressFn, run
from ontrack_model.validation.loading import load_extract
from ontrack_model.validation.manifest import load_manifest
from ontrack_model.validation.report import Problem, ValidationReport


def validate_extract(
    data_dir: str | Path, *, tables: Iterable[str] | None = None, progress: ProgressFn | None = None
) -> ValidationReport:
    """Every way the extract in `data_dir` breaks the data contract (warnings included)."""
    return run(data_dir, tables, progress).report


__all__ = ["Problem", "ValidationReport", "load_extract", "load_manifest", "validate_extract"]
