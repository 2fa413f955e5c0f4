"""Plain PyTorch modules the estimators train (no scikit-learn imports)."""

from skneuro.neural_network._modules.autoencoder import AutoencoderModule
from skneuro.neural_network._modules.cnn import SmallCNNModule
from skneuro.neural_network._modules.googlenet import GoogLeNetModule
from skneuro.neural_network._modules.mlp import ACTIVATIONS, MLPModule

__all__ = [
    "ACTIVATIONS",
    "AutoencoderModule",
    "GoogLeNetModule",
    "MLPModule",
    "SmallCNNModule",
]
