"""Unit-by-calendar-year grids: the exposure of a child or family in each year it is present.

Rates of events (contacts, police notifications) are set per year of exposure; drawing a Poisson
count per cell and a uniform day inside the cell's exposed interval keeps it vectorised.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ontrack_model.synth import school_calendar as cal


@dataclass
class YearGrid:
    """Cells (unit, calendar year) with the exposed interval [lo, hi) of days."""

    unit: np.ndarray
    year: np.ndarray
    lo: np.ndarray
    hi: np.ndarray

    @property
    def exposure(self) -> np.ndarray:
        """Exposed years in each cell."""
        return (self.hi - self.lo) / 365.25


def year_grid(start: np.ndarray, stop: np.ndarray) -> YearGrid:
    """Cells covering [start, stop) of each unit, split at 1 January; empty units get no cell."""
    start = np.asarray(start, dtype=np.int64)
    stop = np.asarray(stop, dtype=np.int64)
    live = stop > start
    unit = np.flatnonzero(live)
    y0 = cal.calendar_year(start[live])
    y1 = cal.calendar_year(stop[live] - 1)
    counts = (y1 - y0 + 1).astype(np.int64)
    cell_unit = np.repeat(unit, counts)
    offset = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
    year = np.repeat(y0, counts) + offset
    first, last = int(year.min(initial=2000)), int(year.max(initial=2000))
    jan1 = cal.year_start_days(first, last)
    lo = np.maximum(jan1[year - first], start[cell_unit])
    hi = np.minimum(jan1[year - first + 1], stop[cell_unit])
    return YearGrid(unit=cell_unit, year=year, lo=lo, hi=hi)


def draw_events(
    grid: YearGrid, rate_per_year: np.ndarray, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Poisson events in each cell at the given yearly rate: (cell index, day) of every event."""
    counts = rng.poisson(rate_per_year * grid.exposure)
    cell = np.repeat(np.arange(len(counts)), counts)
    days = grid.lo[cell] + (rng.random(len(cell)) * (grid.hi[cell] - grid.lo[cell])).astype(np.int64)
    return cell, days
