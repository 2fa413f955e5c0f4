"""The optimizers the estimators offer, and the fast ways to run them.

Fused Adam is public torch API and stays on whatever the fast-path switch
says; the raw step (:func:`optimizer_step`) leans on torch's internals and
is one of the fast paths that ``SKNEURO_FAST_PATHS=0`` switches off
(:mod:`.fast_paths`): the loop then calls ``optimizer.step()``.
"""

import torch

OPTIMIZERS = {"adam": torch.optim.Adam, "sgd": torch.optim.SGD}


def optimizer_kwargs(name, device):
    """Fast-path options for the optimizer ``name`` on ``device``.

    Adam's fused kernel updates every parameter in one call instead of about
    ten small ops per parameter tensor, whose per-op overhead dominates on
    small networks (the figure: ``docs/benchmarks.rst``, "The fast paths").
    CPU support for it arrived in torch 2.4.
    """
    if name != "adam":
        return {}
    kind = torch.device(device).type
    if kind == "cuda" or (
        kind == "cpu" and torch.torch_version.TorchVersion(torch.__version__) >= "2.4"
    ):
        return {"fused": True}
    return {}


_RAW_STEPS = {}


def optimizer_step(optimizer):
    """``optimizer.step()``, skipping torch's per-call wrapper when unused.

    The wrapper (a profiler ``record_function``, step hooks and two dynamo
    graph breaks) is a fixed cost per step, large against fused Adam's own
    step on a small network (``benchmarks/bench_mlp.py`` measures it, and
    ``docs/benchmarks.rst``, "The fast paths", keeps the figures). It is
    skipped only when no step
    hook is registered, the optimizer is not differentiable and nothing (an
    LR scheduler) wrapped the instance's ``step``; the optimizer's own
    ``step`` then runs under ``no_grad``, as the wrapper would have run it.
    It reads torch's private hook registries to know that: the training loop
    calls it only with the fast paths on (:mod:`.fast_paths`).
    """
    from torch.optim import optimizer as optim_module

    kind = type(optimizer)
    raw = _RAW_STEPS.get(kind)
    if raw is None:
        raw = kind.step
        while hasattr(raw, "__wrapped__"):
            raw = raw.__wrapped__
        _RAW_STEPS[kind] = raw
    if (
        "step" in vars(optimizer)
        or optimizer._optimizer_step_pre_hooks
        or optimizer._optimizer_step_post_hooks
        or optim_module._global_optimizer_pre_hooks
        or optim_module._global_optimizer_post_hooks
        or optimizer.defaults.get("differentiable")
    ):
        return optimizer.step()
    with torch.no_grad():
        return raw(optimizer)
