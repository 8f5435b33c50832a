"""The synthetic data world: a realistic extract with exactly the contract's shape, plus truth.

`generate_world` writes the contract tables, SCORE-15 questionnaires, a manifest, a README and
`truth/pupil_truth.csv` (each cohort member's best-possible risk p_bayes and outcome). See
data/SYNTHETIC.md for how the world is built and calibrated.
"""

from ontrack_model.synth.world import GENERATOR_VERSION, WorldSummary, generate_world

__all__ = ["GENERATOR_VERSION", "WorldSummary", "generate_world"]
