"""The error raised when the model cannot be explained exactly."""

from __future__ import annotations

from ontrack_model.errors import OnTrackError


class ExplanationError(OnTrackError):
    """SHAP values cannot be trusted for this model or input (unsupported model, additivity broken)."""
