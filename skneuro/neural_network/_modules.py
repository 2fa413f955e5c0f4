"""Plain PyTorch modules used by the estimators (no scikit-learn imports)."""

import torch
from torch import nn
from torch.nn import functional as F

ACTIVATIONS = {
    "sigmoid": nn.Sigmoid,
    "tanh": nn.Tanh,
    "relu": nn.ReLU,
}

# In-place activation, and its derivative expressed through the activation's
# output, as autograd's own formulas (derivatives.yaml) compute them.
_ACTIVATE_INPLACE = {
    "sigmoid": torch.sigmoid_,
    "tanh": torch.tanh_,
    "relu": torch.relu_,
}
_ACTIVATION_BACKWARD = {
    "sigmoid": lambda grad, out: torch.ops.aten.sigmoid_backward(grad, out),
    "tanh": lambda grad, out: torch.ops.aten.tanh_backward(grad, out),
    "relu": lambda grad, out: torch.ops.aten.threshold_backward(grad, out, 0),
}


def _grad_of(param):
    """``param.grad``, allocated when missing (it is overwritten, not added to)."""
    if param.grad is None:
        param.grad = torch.empty_like(param)
    return param.grad


class MLPModule(nn.Module):
    """Fully connected network: ``Linear -> activation`` blocks, then ``Linear``.

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
    """

    def __init__(self, n_features, hidden_units, n_outputs, activation="sigmoid"):
        super().__init__()
        layers = []
        width = n_features
        for units in hidden_units:
            layers += [nn.Linear(width, units), ACTIVATIONS[activation]()]
            width = units
        layers.append(nn.Linear(width, n_outputs))
        self.layers = nn.Sequential(*layers)
        self.activation = activation

    def forward(self, X):
        return self.layers(X)

    @torch.no_grad()
    def cross_entropy_step(self, X, y, weight=None):
        """Cross-entropy of a batch, with its gradients, without autograd.

        Computes what ``CrossEntropyLoss(weight=weight)(self(X), y)`` followed
        by ``backward()`` computes, and writes each parameter's gradient into
        its ``.grad`` (overwriting it, as after ``zero_grad``). On the small
        networks this module is for, autograd's graph bookkeeping costs more
        than the arithmetic: the explicit backward pass here halves an epoch.

        Parameters
        ----------
        X : torch.Tensor of shape (n_samples, n_features)
            Input batch.
        y : torch.Tensor of shape (n_samples,)
            Class indices (int64).
        weight : torch.Tensor of shape (n_outputs,) or None
            Class weights, as ``CrossEntropyLoss``'s ``weight``.

        Returns
        -------
        loss : torch.Tensor
            The (weighted) mean cross-entropy, a 0-d tensor.
        logits : torch.Tensor of shape (n_samples, n_outputs)
            The network's outputs.
        """
        linears = list(self.layers)[::2]
        activate = _ACTIVATE_INPLACE[self.activation]
        inputs = [X]
        for layer in linears[:-1]:
            hidden = torch.addmm(layer.bias, inputs[-1], layer.weight.t())
            inputs.append(activate(hidden))
        last = linears[-1]
        logits = torch.addmm(last.bias, inputs[-1], last.weight.t())
        log_proba = torch.log_softmax(logits, dim=1)
        loss = F.nll_loss(log_proba, y, weight=weight)

        # d loss / d logits = (softmax - one_hot) * sample weight / total weight
        grad = log_proba.exp_()
        target = y.unsqueeze(1)
        grad.scatter_add_(1, target, grad.new_full(target.shape, -1.0))
        if weight is None:
            grad.div_(len(y))
        else:
            sample_weight = weight[y]
            grad.mul_(sample_weight.div_(sample_weight.sum()).unsqueeze(1))

        backward = _ACTIVATION_BACKWARD[self.activation]
        for depth in range(len(linears) - 1, -1, -1):
            layer, inp = linears[depth], inputs[depth]
            torch.mm(grad.t(), inp, out=_grad_of(layer.weight))
            torch.sum(grad, dim=0, out=_grad_of(layer.bias))
            if depth:
                grad = backward(torch.mm(grad, layer.weight), inp)
        return loss, logits
