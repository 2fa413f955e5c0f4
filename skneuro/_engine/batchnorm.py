"""Batch-norm statistics computed for the weights training ended with.

During training, batch normalisation keeps running averages of each batch's
mean and variance with momentum 0.1, and evaluation mode normalises with them.
When the weights still move fast (small data sets, a few hundred steps), the
averages trail the weights they are used with, and predictions swing from one
epoch to the next. Recomputing the statistics once training ends, as plain
averages over one pass of the training data with the final weights ("precise
BN", Wu & Johnson, "Rethinking 'Batch' in BatchNorm", 2021), steadies them,
for the cost of one forward pass without gradients (figures:
docs/benchmarks.rst, "Figures behind the code").
"""

import torch
from torch.nn.modules.batchnorm import _BatchNorm


def recompute_batch_norm_statistics(module, batches):
    """Set the running statistics of ``module``'s trained batch norms anew.

    Only batch-norm layers that are in training mode when the module is
    (a frozen trunk's stay as they are) and that track running statistics
    are recomputed, as the exact average over ``batches``; every other layer
    runs in evaluation mode (no dropout). The module is left in training
    mode. Interrupted (Ctrl-C) or failing half-way, the layers keep the
    statistics they had.

    Parameters
    ----------
    module : torch.nn.Module
        The trained module.
    batches : iterable of (X, y, sample_weight)
        The training data, as :meth:`TrainingData.batches` serves it.

    Returns
    -------
    recomputed : int
        The number of batch-norm layers recomputed.

    Examples
    --------
    >>> import torch
    >>> from skneuro._engine.batchnorm import recompute_batch_norm_statistics
    >>> net = torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.BatchNorm1d(3))
    >>> X = torch.randn(50, 2)
    >>> recompute_batch_norm_statistics(net, [(X[:25], None, None),
    ...                                      (X[25:], None, None)])
    1
    >>> torch.allclose(net[1].running_mean, net[0](X).mean(0).detach(), atol=1e-6)
    True
    """
    module.train()
    norms = [
        m
        for m in module.modules()
        if isinstance(m, _BatchNorm) and m.training and m.track_running_stats
    ]
    if not norms:
        return 0
    momenta = [m.momentum for m in norms]
    before = [
        [t.clone() for t in (m.running_mean, m.running_var, m.num_batches_tracked)]
        for m in norms
    ]
    try:
        module.eval()
        for norm in norms:
            norm.reset_running_stats()
            norm.momentum = None  # a cumulative average over the pass
            norm.train()
        with torch.no_grad():
            for X, _, _ in batches:
                module(X)
    except BaseException:
        # A Ctrl-C or an error half-way: the statistics training ended with,
        # not an average over part of the data.
        with torch.no_grad():
            for norm, saved in zip(norms, before, strict=True):
                for t, value in zip(
                    (norm.running_mean, norm.running_var, norm.num_batches_tracked),
                    saved,
                    strict=True,
                ):
                    t.copy_(value)
        raise
    finally:
        for norm, momentum in zip(norms, momenta, strict=True):
            norm.momentum = momentum
        module.train()
    return len(norms)
