"""The one-hidden-layer autoencoder behind PruningAutoencoder."""

from torch import nn

from skneuro.neural_network._modules.mlp import ACTIVATIONS


class AutoencoderModule(nn.Module):
    """``Linear -> activation`` encoder, ``Linear`` decoder, same width out as in.

    Parameters
    ----------
    n_features : int
        Width of the input (and of the reconstruction).
    hidden_units : int
        Width of the code.
    activation : {"sigmoid", "tanh", "relu"}
        Activation of the hidden units.

    Examples
    --------
    >>> import torch
    >>> from skneuro.neural_network._modules import AutoencoderModule
    >>> ae = AutoencoderModule(6, 3)
    >>> ae.encode(torch.zeros(2, 6)).shape, ae(torch.zeros(2, 6)).shape
    (torch.Size([2, 3]), torch.Size([2, 6]))
    """

    def __init__(self, n_features, hidden_units, activation="sigmoid"):
        super().__init__()
        self.encoder = nn.Linear(n_features, hidden_units)
        self.activation = ACTIVATIONS[activation]()
        self.decoder = nn.Linear(hidden_units, n_features)

    @property
    def n_codes(self):
        """Width of the code."""
        return self.encoder.out_features

    def encode(self, X):
        return self.activation(self.encoder(X))

    def decode(self, codes):
        return self.decoder(codes)

    def forward(self, X):
        return self.decode(self.encode(X))
