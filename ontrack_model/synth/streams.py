"""Independent random streams, one per generation step, all derived from the world's seed.

Each step draws from its own stream, so adding a surveillance bias (which only adds records in
its own stream) leaves every other table of the world byte-identical.
"""

from __future__ import annotations

import zlib

import numpy as np


def stream(seed: int, name: str) -> np.random.Generator:
    """A generator for step `name` of the world with this seed (stable across runs and machines)."""
    return np.random.default_rng(np.random.SeedSequence([seed, zlib.crc32(name.encode())]))
