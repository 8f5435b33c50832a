"""As-of features of a Year 6 cohort, built only from events dated before its as-of date.

Split by source: `school` (census, attendance, exclusions), `social_care` (the child's episodes),
`family` (siblings and police); `dictionary` describes every column; `matrix` assembles a cohort.
"""

from ontrack_model.features.config import PROTECTED_ATTRIBUTES, FeatureConfig
from ontrack_model.features.dictionary import (
    FEATURE_DICTIONARY_VERSION,
    FEATURES,
    feature_dictionary,
    feature_specs,
)
from ontrack_model.features.matrix import (
    ID_COLUMNS,
    CohortMatrix,
    FeatureBuilder,
    build_features,
    build_matrices,
    build_matrix,
)

__all__ = [
    "FEATURES",
    "FEATURE_DICTIONARY_VERSION",
    "ID_COLUMNS",
    "PROTECTED_ATTRIBUTES",
    "CohortMatrix",
    "FeatureBuilder",
    "FeatureConfig",
    "build_features",
    "build_matrices",
    "build_matrix",
    "feature_dictionary",
    "feature_specs",
]
