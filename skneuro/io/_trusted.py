"""The allow-list: every class and function a model file may name.

A model file names classes and functions by their qualified names; loading
looks each name up here (never imports it), so a file can build nothing
else. Each entry is written out by hand, to be reviewed like code.

- ``OBJECTS``: the classes a file may build from stored state: the skneuro
  estimators, their callbacks and fitted parts, and the three scikit-learn
  containers when they hold a skneuro object (otherwise they go through
  skops like any other scikit-learn object);
- ``TYPES``: the classes a file may name as values, never build from
  state: the torch modules, losses and optimizers a training net is built
  from. The training net itself is rebuilt through its constructor
  (:mod:`._nets`), never from state: skorch's ``__setstate__`` unpickles;
- ``FUNCTIONS``: plain functions skneuro keeps in fitted state;
- ``SKOPS_TRUSTED``: the types skops does not trust by default that skneuro's
  own scikit-learn objects hold (the feature namers of
  :func:`~skneuro.feature_extraction.make_hao_features`).
  ``functools.partial`` only binds arguments: the function it wraps is
  audited by skops on its own.
"""

import torch
from sklearn.compose import ColumnTransformer
from sklearn.pipeline import FeatureUnion, Pipeline

from skneuro._engine.optim import OPTIMIZERS
from skneuro.feature_extraction._lpq import LocalPhaseQuantization
from skneuro.feature_extraction._phog import PyramidHOG
from skneuro.neural_network._autoencoder import PruningAutoencoder
from skneuro.neural_network._classifier import _accuracy
from skneuro.neural_network._cnn import SmallCNN
from skneuro.neural_network._distinctiveness import DistinctivenessPruning
from skneuro.neural_network._googlenet import GoogLeNetClassifier
from skneuro.neural_network._mlp import MLPClassifier
from skneuro.neural_network._modules.autoencoder import AutoencoderModule
from skneuro.neural_network._modules.cnn import SmallCNNModule
from skneuro.neural_network._modules.googlenet import GoogLeNetModule
from skneuro.neural_network._modules.mlp import MLPModule
from skneuro.neural_network._pruning import HiddenLayer
from skneuro.preprocessing._feature_groups import FeatureGroupSelector
from skneuro.preprocessing._pool_interpolate import PoolInterpolate


def qualified_name(obj):
    """``module.qualname`` of a class or function."""
    return f"{obj.__module__}.{obj.__qualname__}"


#: The scikit-learn containers encoded by skneuro.io when they hold a
#: skneuro object.
CONTAINERS = (Pipeline, FeatureUnion, ColumnTransformer)

_OBJECTS = (
    # The estimators (skneuro.utils.all_estimators()).
    FeatureGroupSelector,
    GoogLeNetClassifier,
    LocalPhaseQuantization,
    MLPClassifier,
    PoolInterpolate,
    PruningAutoencoder,
    PyramidHOG,
    SmallCNN,
    # Their callbacks and fitted parts.
    DistinctivenessPruning,
    HiddenLayer,
    *CONTAINERS,
)
_TYPES = (
    # What a training net is built from.
    AutoencoderModule,
    GoogLeNetModule,
    MLPModule,
    SmallCNNModule,
    torch.nn.CrossEntropyLoss,
    torch.nn.MSELoss,
    *OPTIMIZERS.values(),
)

OBJECTS = {qualified_name(cls): cls for cls in _OBJECTS}
TYPES = {qualified_name(cls): cls for cls in _TYPES}
FUNCTIONS = {qualified_name(f): f for f in (_accuracy,)}
SKOPS_TRUSTED = (
    "functools.partial",
    "sklearn.compose._column_transformer.make_column_selector",
    "skneuro.feature_extraction._hao._numbered",
)

#: Every qualified name a model file may name (classes, then functions).
TRUSTED = tuple(OBJECTS) + tuple(TYPES) + tuple(FUNCTIONS)
