"""scikit-learn compatible neural estimators and image transformers.

skneuro wraps PyTorch models (trained through skorch) and a few image
transformers as ordinary scikit-learn estimators, so that they compose in
:class:`~sklearn.pipeline.Pipeline`, :class:`~sklearn.model_selection.GridSearchCV`
and :func:`~sklearn.model_selection.cross_val_score`.
"""

__version__ = "0.1.0.dev0"

from skneuro.datasets import (
    load_digits_images,
    load_feature_table,
    load_image_folder,
    load_lfw_faces,
    load_mnist,
    make_feature_table,
)
from skneuro.feature_extraction import (
    LocalPhaseQuantization,
    PyramidHOG,
    make_hao_features,
)
from skneuro.neural_network import (
    DistinctivenessPruning,
    GoogLeNetClassifier,
    MLPClassifier,
    PruningAutoencoder,
    SmallCNN,
    pruning_curve,
)
from skneuro.plotting import (
    ImageComparisonDisplay,
    PruningCurveDisplay,
    SearchResultsDisplay,
    TrainingHistoryDisplay,
)
from skneuro.preprocessing import FeatureGroupSelector, PoolInterpolate

__all__ = [
    "DistinctivenessPruning",
    "FeatureGroupSelector",
    "GoogLeNetClassifier",
    "ImageComparisonDisplay",
    "LocalPhaseQuantization",
    "MLPClassifier",
    "PoolInterpolate",
    "PruningAutoencoder",
    "PruningCurveDisplay",
    "PyramidHOG",
    "SearchResultsDisplay",
    "SmallCNN",
    "TrainingHistoryDisplay",
    "__version__",
    "load_digits_images",
    "load_feature_table",
    "load_image_folder",
    "load_lfw_faces",
    "load_mnist",
    "make_feature_table",
    "make_hao_features",
    "pruning_curve",
]
