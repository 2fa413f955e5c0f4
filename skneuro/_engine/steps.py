"""Analytic training steps, used only where they compute exactly what autograd would.

On networks of a few hundred weights, autograd's graph bookkeeping costs as
much as the arithmetic: an explicit backward pass for cross-entropy over a
plain MLP does without it (``benchmarks/bench_mlp.py`` measures what that
saves, and ``docs/benchmarks.rst``, "The fast paths", keeps the figure). It
is taken only when
:func:`plain_mlp_layers` recognises the module's forward pass exactly;
anything else (a Dropout, a hook, another layer) trains through autograd.

It is one of the engine's fast paths (:mod:`.fast_paths`): recognising a
plain MLP reads ``torch.nn.Module``'s private hook dictionaries, and the
backward pass calls ``aten`` operators. With ``SKNEURO_FAST_PATHS=0`` every
network trains through autograd.
"""

import torch
from torch import nn

# In-place activation, and its derivative expressed through the activation's
# output, as autograd's own formulas (derivatives.yaml) compute them.
_ACTIVATE_INPLACE = {
    nn.Sigmoid: torch.sigmoid_,
    nn.Tanh: torch.tanh_,
    nn.ReLU: torch.relu_,
}
_ACTIVATION_BACKWARD = {
    nn.Sigmoid: lambda grad, out: torch.ops.aten.sigmoid_backward(grad, out),
    nn.Tanh: lambda grad, out: torch.ops.aten.tanh_backward(grad, out),
    nn.ReLU: lambda grad, out: torch.ops.aten.threshold_backward(grad, out, 0),
}


def _has_hooks(module):
    return bool(
        module._forward_hooks
        or module._forward_pre_hooks
        or module._backward_hooks
        or getattr(module, "_backward_pre_hooks", None)
    )


def plain_mlp_layers(module):
    """The layers of ``module`` when its forward pass is a plain MLP, else None.

    A plain MLP is ``Linear, activation, Linear, activation, ..., Linear``
    with activations among sigmoid, tanh and ReLU, no hooks and nothing else.
    ``module`` qualifies when it is such an ``nn.Sequential``, or when the
    class that defines its ``forward`` declares ``sequential_forward = NAME``,
    promising that ``forward(X)`` is ``getattr(self, NAME)(X)``.

    Examples
    --------
    >>> from torch import nn
    >>> from skneuro._engine.steps import plain_mlp_layers
    >>> net = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2))
    >>> len(plain_mlp_layers(net))
    3
    >>> net.insert(2, nn.Dropout(0.5)) is net and plain_mlp_layers(net) is None
    True
    """
    if type(module) is nn.Sequential:
        sequential = module
    else:
        owner = next(k for k in type(module).__mro__ if "forward" in vars(k))
        name = vars(owner).get("sequential_forward")
        sequential = getattr(module, name, None) if name else None
        if type(sequential) is not nn.Sequential or _has_hooks(module):
            return None
    layers = list(sequential)
    if not layers or len(layers) % 2 == 0 or _has_hooks(sequential):
        return None
    for i, layer in enumerate(layers):
        expected = (nn.Linear,) if i % 2 == 0 else tuple(_ACTIVATE_INPLACE)
        if type(layer) not in expected or _has_hooks(layer):
            return None
        if i % 2 == 0 and layer.bias is None:
            return None
    if any(
        (
            nn.modules.module._global_forward_hooks,
            nn.modules.module._global_forward_pre_hooks,
        )
    ):
        return None
    return layers


def _grad_of(param):
    """``param.grad``, allocated when missing (it is overwritten, not added to)."""
    if param.grad is None:
        param.grad = torch.empty_like(param)
    return param.grad


@torch.no_grad()
def cross_entropy_step(layers, X, y, sample_weight=None, alpha=0.0):
    """Cross-entropy of a batch and its gradients, without autograd.

    Computes what ``F.cross_entropy`` of the layers' output (weighted by
    ``sample_weight``, normalised by their sum) plus the L2 penalty
    ``0.5 * alpha * sum(W**2) / sum(sample_weight)`` over the Linear weights,
    followed by ``backward()``, computes; each parameter's gradient is
    written into its ``.grad`` (overwriting it, as after ``zero_grad``).

    The step computes in float64 and rounds the gradients to the
    parameters' dtype at the end. In float32, an element's last bit depends
    on where it falls in a vectorised loop and on how many rows a sum runs
    over; in float64 those differences vanish when rounding back. So a
    sample of integer weight ``k`` gives the same gradient, to the last
    float32 bit but for rare rounding ties, as ``k`` copies of it:
    ``sample_weight`` means what repeating rows means, which scikit-learn's
    checks demand.

    Parameters
    ----------
    layers : list of torch.nn.Module
        As returned by :func:`plain_mlp_layers`.
    X : torch.Tensor of shape (n_samples, n_features)
        Input batch.
    y : torch.Tensor of shape (n_samples,)
        Class indices (int64).
    sample_weight : torch.Tensor of shape (n_samples,) or None
        Weight of each sample; ``None`` weighs all alike.
    alpha : float
        L2 penalty on the weights (not the biases), as scikit-learn's.

    Returns
    -------
    loss : torch.Tensor
        The (weighted) mean cross-entropy plus the penalty, a 0-d float64
        tensor.
    logits : torch.Tensor of shape (n_samples, n_outputs)
        The network's outputs, float64.
    """
    # Samples run along the columns: log_softmax and the sums over samples
    # then reduce long contiguous rows, which vectorises where the short rows
    # of an (n_samples, n_classes) array do not (the figure is in
    # docs/benchmarks.rst, "The fast paths").
    linears = layers[::2]
    activations = [type(layer) for layer in layers[1::2]]
    dtype = torch.promote_types(X.dtype, torch.float64)
    weights = [layer.weight.to(dtype) for layer in linears]
    inputs = [X.to(dtype).t()]
    hidden_layers = zip(linears[:-1], weights[:-1], activations, strict=True)
    for layer, weight, activation in hidden_layers:
        hidden = torch.addmm(layer.bias.to(dtype).unsqueeze(1), weight, inputs[-1])
        inputs.append(_ACTIVATE_INPLACE[activation](hidden))
    logits = torch.addmm(
        linears[-1].bias.to(dtype).unsqueeze(1), weights[-1], inputs[-1]
    )
    log_proba = torch.log_softmax(logits, dim=0)

    # Per sample, d loss_i / d logits_i = softmax - one_hot; scaled by the
    # sample's share of the total weight, the sums below are the gradients.
    delta = log_proba.exp()
    target = y.unsqueeze(0)
    delta.scatter_add_(0, target, delta.new_full(target.shape, -1.0))
    picked = log_proba.gather(0, target)
    if sample_weight is None:
        total = float(len(y))
        share = 1.0 / total
        loss = picked.sum() * -share
    else:
        sample_weight = sample_weight.to(dtype)
        total = sample_weight.sum()
        share = sample_weight / total
        loss = -(picked @ share)
    delta.mul_(share)
    if alpha:
        squares = sum(weight.square().sum() for weight in weights)
        loss = loss + 0.5 * alpha * squares / total

    for depth in range(len(linears) - 1, -1, -1):
        layer, weight, inp = linears[depth], weights[depth], inputs[depth]
        weight_grad = torch.mm(delta, inp.t())
        if alpha:
            weight_grad.add_(weight * (alpha / total))
        _grad_of(layer.weight).copy_(weight_grad)
        _grad_of(layer.bias).copy_(delta.sum(dim=1))
        if depth:
            backward = _ACTIVATION_BACKWARD[activations[depth - 1]]
            delta = backward(torch.mm(weight.t(), delta), inp)
    # float64, like the computation; the history stores Python floats anyway.
    return loss.squeeze(), logits.t()
