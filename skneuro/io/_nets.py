"""Training nets in a model file: parameters, tensors, optimizer and history.

A :class:`~skneuro._engine.net.TrainingNet` is stored as what rebuilds it:
its constructor parameters as they were built (a pruned network's widths
included), the module's and the optimizer's state dicts (their tensors go
to the safetensors member) and its history rows. Training-time objects are
left out: the callbacks (the next fit configures them again) and the device
(``load`` decides it).
"""

import torch
from skorch.history import History

from skneuro._engine.device import resolve_device
from skneuro._engine.net import TrainingNet

#: skorch's and TrainingNet's own constructor parameters that are stored.
_PARAMS = (
    "module",
    "criterion",
    "optimizer",
    "lr",
    "max_epochs",
    "batch_size",
    "train_split",
    "predict_nonlinearity",
    "warm_start",
    "verbose",
    "compile",
    "use_caching",
    "torch_load_kwargs",
    "alpha",
    "pack_parameters",
    "loss_scale",
    "validation_score",
    "precision",
    "cudnn_benchmark",
)
#: Prefixes of the ``prefix__name`` arguments that are stored.
_PREFIXES = ("module", "criterion", "optimizer", "iterator_train", "iterator_valid")


def net_params(net):
    """The constructor arguments that rebuild ``net`` (no callbacks, no device)."""
    params = {name: getattr(net, name) for name in _PARAMS if hasattr(net, name)}
    params.update(
        (key, value)
        for key, value in vars(net).items()
        if "__" in key and key.split("__")[0] in _PREFIXES
    )
    return params


def net_fields(net):
    """What rebuilds ``net``, as plain values and tensors (to be encoded)."""
    fields = {"params": net_params(net), "device": str(net.device)}
    fields["history"] = [dict(row) for row in net.history]
    fields["best_losses"] = dict(getattr(net, "best_losses_", {}))
    if getattr(net, "initialized_", False):
        fields["module_state"] = dict(net.module_.state_dict())
        fields["optimizer_state"] = net.optimizer_.state_dict()
        fields["training"] = bool(net.module_.training)
        scaler = getattr(net, "grad_scaler_", None)
        if scaler is not None:
            fields["grad_scaler"] = scaler.state_dict()
    return fields


def _fit_linear_layers(module, state):
    """Give ``module`` Linear layers of the stored shapes where they differ.

    DistinctivenessPruning replaces an MLP's Linear layers by narrower ones
    during training without changing the net's ``module__hidden_units``;
    the stored tensors say how wide each layer ended.
    """
    changed = False
    for name, layer in list(module.named_modules()):
        weight = state.get(f"{name}.weight" if name else "weight")
        if not isinstance(layer, torch.nn.Linear) or weight is None:
            continue
        if tuple(weight.shape) == tuple(layer.weight.shape):
            continue
        parent_name, _, attr = name.rpartition(".")
        parent = module.get_submodule(parent_name)
        new = torch.nn.Linear(
            weight.shape[1], weight.shape[0], bias=layer.bias is not None
        )
        setattr(parent, attr, new.to(layer.weight.device))
        changed = True
    return changed


def build_net(fields, device):
    """The net ``fields`` describe (see :func:`net_fields`), on ``device``."""
    params = dict(fields["params"])
    for name in getattr(params["module"], "file_arguments", ()):
        if f"module__{name}" in params:
            params[f"module__{name}"] = None  # the stored tensors replace it
    net = TrainingNet(**params, device=device)
    if "module_state" in fields:
        # Building draws initial weights: leave the global RNG as it was.
        with torch.random.fork_rng(devices=[]):
            net.initialize()
        state = fields["module_state"]
        if _fit_linear_layers(net.module_, state):
            net.initialize_optimizer()
        net.module_.load_state_dict(state)
        net.optimizer_.load_state_dict(fields["optimizer_state"])
        net.module_.train(fields["training"])
        if "grad_scaler" in fields:
            scaler = torch.amp.GradScaler(torch.device(device).type)
            scaler.load_state_dict(fields["grad_scaler"])
            net.grad_scaler_ = scaler
    net.history = History(fields["history"])
    net.best_losses_ = dict(fields["best_losses"])
    return net


def load_device(stored, device):
    """``device`` (checked), or the stored one when this machine has it, else
    the CPU: a model trained on CUDA loads on a machine without it."""
    if device is not None:
        return resolve_device(device)
    try:
        return resolve_device(stored)
    except ValueError:
        return "cpu"
