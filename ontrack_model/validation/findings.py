"""Collect the problems of one file while it is read in batches, then turn them into `Problem`s.

A rule broken in many batches must still give one problem with the first few rows and the total
count, so hits are merged by (column, rule, detail) before messages are written.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np

from ontrack_model.validation.report import SHOWN_ROWS, Problem, Severity, make_problem

MAX_VALUE_CHARS = 20  # a quoted cell is cut to this length: enough to see a typo, not a record
SHOWN_VALUES = 5


def show_value(value: object) -> str:
    """A cell value quoted for a message, cut short so no long text is ever echoed."""
    text = str(value)
    if len(text) > MAX_VALUE_CHARS:
        text = text[: MAX_VALUE_CHARS - 1] + "…"
    return repr(text)


def show_values(values: Mapping[str, int]) -> str:
    """The most frequent values, e.g. "'X' (3 rows), 'Q' (1 row) and 2 other values"."""
    ranked = sorted(values.items(), key=lambda kv: (-kv[1], str(kv[0])))
    shown = [f"{show_value(v)} ({n} row{'s' if n != 1 else ''})" for v, n in ranked[:SHOWN_VALUES]]
    text = ", ".join(shown)
    if len(ranked) > SHOWN_VALUES:
        text += f" and {len(ranked) - SHOWN_VALUES} other value(s)"
    return text


@dataclass
class _Hit:
    column: str | None
    rule: str
    severity: Severity
    detail: str  # may hold "{values}", filled with the offending values when the file is done
    first: list[int] = field(default_factory=list)  # smallest 0-based positions seen
    count: int = 0
    values: Counter = field(default_factory=Counter)


class Findings:
    """The problems of one file (or the manifest), merged across the batches it is read in."""

    def __init__(self, file: str, table: str | None) -> None:
        self.file = file
        self.table = table
        self._hits: dict[tuple[str | None, str, str], _Hit] = {}

    def at_rows(
        self,
        column: str | None,
        rule: str,
        positions: np.ndarray | Iterable[int],
        detail: str,
        *,
        severity: Severity = "error",
        values: Mapping[str, int] | None = None,
    ) -> None:
        """Record that the rows at 0-based `positions` break `rule` (nothing if there are none)."""
        pos = np.asarray(positions, dtype=np.int64)
        if pos.size == 0:
            return
        hit = self._hits.setdefault((column, rule, detail), _Hit(column, rule, severity, detail))
        smallest = np.sort(pos)[:SHOWN_ROWS] if pos.size > SHOWN_ROWS else np.sort(pos)
        hit.first = sorted(set(hit.first) | {int(p) for p in smallest})[:SHOWN_ROWS]
        hit.count += int(pos.size)
        if values:
            hit.values.update(values)

    def whole(self, column: str | None, rule: str, detail: str, *, severity: Severity = "error") -> None:
        """Record a problem of the whole file or column, not of particular rows."""
        self._hits.setdefault((column, rule, detail), _Hit(column, rule, severity, detail))

    @property
    def has_errors(self) -> bool:
        """True when any recorded problem is an error."""
        return any(h.severity == "error" for h in self._hits.values())

    def broken_columns(self) -> set[str]:
        """Columns with an error: checks that need their values are skipped."""
        return {h.column for h in self._hits.values() if h.severity == "error" and h.column}

    def problems(self) -> list[Problem]:
        """The recorded problems, one per (column, rule, detail), in the order first seen."""
        out = []
        for hit in self._hits.values():
            detail = hit.detail.replace("{values}", show_values(hit.values)) if hit.values else hit.detail
            rows = tuple(p + 1 for p in hit.first)
            out.append(
                make_problem(
                    self.file,
                    self.table,
                    hit.column,
                    hit.rule,
                    detail,
                    severity=hit.severity,
                    rows=rows,
                    n_rows=hit.count,
                )
            )
        return out
