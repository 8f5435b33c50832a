"""Calibration: a monotone map from the model's margin (log-odds) to a probability that means
what it says. Fitted on out-of-time predictions (cohorts the model was not trained on).

Monotone, so it never changes a ranking and the SHAP reasons (on the margin) stay true.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np
from sklearn.isotonic import IsotonicRegression
from sklearn.linear_model import LogisticRegression

CalibrationMethod = Literal["platt", "isotonic"]


@dataclass
class Calibrator:
    """Platt scaling (logistic on the margin) or isotonic regression, fitted on held-out cohorts."""

    method: CalibrationMethod = "platt"
    _model: object = field(default=None, repr=False)

    def fit(self, margin: np.ndarray, y: np.ndarray) -> Calibrator:
        """Fit the map on held-out margins and outcomes."""
        margin = np.asarray(margin, dtype=float).reshape(-1)
        y = np.asarray(y, dtype=int).reshape(-1)
        if len(np.unique(y)) < 2:
            raise ValueError("calibration needs held-out cohorts with both outcomes (no positives found)")
        if self.method == "platt":
            # Unpenalised: with thousands of held-out children the fit needs no shrinkage.
            model = LogisticRegression(C=np.inf, max_iter=1000)
            model.fit(margin.reshape(-1, 1), y)
        elif self.method == "isotonic":
            model = IsotonicRegression(out_of_bounds="clip", y_min=0.0, y_max=1.0)
            model.fit(margin, y)
        else:
            raise ValueError(f"unknown calibration method {self.method!r} (use 'platt' or 'isotonic')")
        self._model = model
        return self

    def transform(self, margin: np.ndarray) -> np.ndarray:
        """Calibrated probabilities for margins."""
        if self._model is None:
            raise RuntimeError("calibrator is not fitted")
        margin = np.asarray(margin, dtype=float).reshape(-1)
        if self.method == "platt":
            return self._model.predict_proba(margin.reshape(-1, 1))[:, 1]
        return self._model.predict(margin)
