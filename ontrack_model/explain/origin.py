"""Which feature-matrix column each column of the encoded (transformed) matrix came from."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ontrack_model.explain.errors import ExplanationError

# Prefixes scikit-learn puts on derived column names (SimpleImputer's add_indicator=True).
_DERIVED_PREFIXES = ("missingindicator_",)


def _origin_of_name(name: str, features: set[str]) -> str | None:
    if name in features:
        return name
    for prefix in _DERIVED_PREFIXES:
        if name.startswith(prefix) and name[len(prefix) :] in features:
            return name[len(prefix) :]
    if "__" in name:  # ColumnTransformer prefixes output names with "<transformer>__"
        return _origin_of_name(name.split("__", 1)[1], features)
    return None


def transformed_origin(encoder: Any, feature_names: Sequence[str]) -> list[str]:
    """The source feature of each output column of a fitted sklearn `encoder` (indicators -> feature)."""
    if encoder is None or encoder == "passthrough":
        return list(feature_names)
    try:
        out_names = list(encoder.get_feature_names_out(list(feature_names)))
    except (AttributeError, ValueError) as exc:
        raise ExplanationError(
            f"cannot tell which feature each encoded column comes from: {type(encoder).__name__} "
            f"does not name its output columns ({exc})"
        ) from exc
    features = set(feature_names)
    origin: list[str] = []
    for name in out_names:
        source = _origin_of_name(str(name), features)
        if source is None:
            raise ExplanationError(f"encoded column {name!r} does not map to any feature of the matrix")
        origin.append(source)
    return origin
