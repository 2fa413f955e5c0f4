"""The fully connected network behind MLPClassifier."""

from torch import nn

ACTIVATIONS = {
    "sigmoid": nn.Sigmoid,
    "tanh": nn.Tanh,
    "relu": nn.ReLU,
}


class MLPModule(nn.Module):
    """Fully connected network: ``Linear -> activation`` blocks, then ``Linear``.

    Its forward pass is exactly ``self.layers``, which it declares with
    ``sequential_forward``: the training engine then computes cross-entropy
    gradients analytically instead of through autograd, for as long as
    ``layers`` holds nothing but Linear layers and activations.

    Parameters
    ----------
    n_features : int
        Width of the input.
    hidden_units : tuple of int
        Width of each hidden layer, in order.
    n_outputs : int
        Width of the output layer (logits; no output activation).
    activation : {"sigmoid", "tanh", "relu"}
        Activation after every hidden layer.

    Examples
    --------
    >>> import torch
    >>> from skneuro.neural_network._modules import MLPModule
    >>> MLPModule(4, (8, 3), 2, "tanh")(torch.zeros(5, 4)).shape
    torch.Size([5, 2])
    """

    sequential_forward = "layers"

    def __init__(self, n_features, hidden_units, n_outputs, activation="sigmoid"):
        super().__init__()
        layers = []
        width = n_features
        for units in hidden_units:
            layers += [nn.Linear(width, units), ACTIVATIONS[activation]()]
            width = units
        layers.append(nn.Linear(width, n_outputs))
        self.layers = nn.Sequential(*layers)

    def forward(self, X):
        return self.layers(X)
