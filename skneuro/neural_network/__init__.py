"""Neural estimators backed by PyTorch and skorch."""

from skneuro.neural_network._autoencoder import PruningAutoencoder
from skneuro.neural_network._cnn import SmallCNN
from skneuro.neural_network._curves import pruning_curve
from skneuro.neural_network._distinctiveness import DistinctivenessPruning
from skneuro.neural_network._googlenet import GoogLeNetClassifier
from skneuro.neural_network._mlp import MLPClassifier

__all__ = [
    "DistinctivenessPruning",
    "GoogLeNetClassifier",
    "MLPClassifier",
    "PruningAutoencoder",
    "SmallCNN",
    "pruning_curve",
]
