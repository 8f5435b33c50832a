"""SHAP explanations: what drives the model overall, and why each family is on the list.

- `shap_values`: exact SHAP values of the fitted estimator in log-odds, additivity checked.
- `grouped_contributions`: related columns summed into one reason group.
- `reasons_for_rows`: plain-language reasons per child, stored with the ranked list.
- `global_importance` / `write_global_artifacts`: the evaluator's importance table and figures.
"""

from ontrack_model.explain.errors import ExplanationError
from ontrack_model.explain.global_view import feature_importance, global_importance, write_global_artifacts
from ontrack_model.explain.grouping import feature_groups, grouped_contributions
from ontrack_model.explain.origin import transformed_origin
from ontrack_model.explain.reasons import Reason, reasons_for_rows
from ontrack_model.explain.shap_values import ShapResult, check_additivity, shap_values

__all__ = [
    "ExplanationError",
    "Reason",
    "ShapResult",
    "check_additivity",
    "feature_groups",
    "feature_importance",
    "global_importance",
    "grouped_contributions",
    "reasons_for_rows",
    "shap_values",
    "transformed_origin",
    "write_global_artifacts",
]
