"""The simulated world in memory, before it becomes files."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from ontrack_model.synth.config import SynthConfig
from ontrack_model.synth.outcome import Outcomes
from ontrack_model.synth.population import Population
from ontrack_model.synth.school import Schooling


@dataclass
class World:
    """Every simulated table in internal form (integer indices, day numbers)."""

    config: SynthConfig
    extract_day: int
    population: Population
    schooling: Schooling
    census: pd.DataFrame
    attendance: pd.DataFrame
    exclusions: pd.DataFrame
    history: pd.DataFrame  # recorded social-care episodes
    police: pd.DataFrame
    outcomes: Outcomes
    score15: pd.DataFrame
