"""One flat buffer for the parameters (and one for the gradients) of a group.

The optimizer then updates one tensor per parameter group instead of one per
layer: fused Adam makes one kernel call and its per-tensor bookkeeping happens
once, a saving that grows with the number of layers (the layout of DDP's
``gradient_as_bucket_view``; ``benchmarks/bench_mlp.py`` measures it, and
``docs/benchmarks.rst``, "The fast paths", keeps the figure). Packing is per
optimizer parameter group, so groups with their own learning rate (skorch's
``optimizer__param_groups``) keep it; parameters frozen when the optimizer is
built stay out of the buffer.

Outside training, parameters own their storage again (:func:`detach`), so a
pickle of one layer does not drag the whole buffer along.

Packing is one of the engine's fast paths (:mod:`.fast_paths`): it relies on
autograd accumulating into a ``.grad`` that is a view of another tensor.
With ``SKNEURO_FAST_PATHS=0`` nothing is packed, and an optimizer packed
earlier is built anew with its state split back over the parameters
(:func:`unpack_state`).
"""

import torch


def pack_groups(named_groups):
    """Pack each optimizer group's trainable parameters into one flat Parameter.

    Parameters
    ----------
    named_groups : list of (dict, list of str)
        Optimizer parameter groups (``{"params": [...], ...}``) with the names
        of their parameters, in the same order. Changed in place: a packed
        group's ``params`` become ``[flat] + frozen``.

    Returns
    -------
    layout : list of (list of str) or None
        Per group, the names of the packed parameters (``None`` where the
        group was left alone: fewer than two trainable parameters, or mixed
        dtypes or devices, or a parameter laid out other than contiguous or
        channels-last). :func:`attach` uses it to find them again, even
        after a pickle round trip broke the identity of the objects.
    """
    layout = []
    for group, names in named_groups:
        params = group["params"]
        packed = [(n, p) for n, p in zip(names, params, strict=True) if p.requires_grad]
        if (
            len(packed) < 2
            or len({(p.dtype, p.device) for _, p in packed}) != 1
            or not all(_dense(p) for _, p in packed)
        ):
            layout.append(None)
            continue
        flat = torch.nn.Parameter(
            torch.empty(
                sum(p.numel() for _, p in packed),
                dtype=packed[0][1].dtype,
                device=packed[0][1].device,
            )
        )
        attach([p for _, p in packed], flat)
        group["params"] = [flat] + [p for p in params if not p.requires_grad]
        layout.append([n for n, _ in packed])
    return layout


def attach(params, flat):
    """Make ``params`` and their gradients views of ``flat`` and its grad.

    Current parameter values are copied into ``flat``. Each view keeps its
    parameter's strides, so channels-last convolution weights stay
    channels-last. Idempotent.
    """
    size = sum(p.numel() for p in params)
    if flat.numel() != size:
        flat.data = flat.data.new_empty(size)
    if flat.grad is None:
        flat.grad = torch.zeros_like(flat)
    offset = 0
    with torch.no_grad():
        for p in params:
            size = p.numel()
            data = _view_like(flat.data[offset : offset + size], p)
            if p.data_ptr() != data.data_ptr():
                data.copy_(p.data)
                p.data = data
            grad = _view_like(flat.grad[offset : offset + size], p)
            if p.grad is None or p.grad.data_ptr() != grad.data_ptr():
                p.grad = grad
            offset += size


def detach(params, flat):
    """Give every parameter its own storage again; empty the flat buffer.

    The optimizer keeps the (empty) flat Parameter and its state; the next
    training call packs the current values back into it with :func:`attach`.
    """
    with torch.no_grad():
        for p in params:
            p.data = p.data.clone()
            p.grad = None
    flat.data = flat.data.new_empty(0)
    flat.grad = None


def unpack_state(old, layout, named, new):
    """Carry the state of a packed optimizer over to its unpacked twin.

    Parameters
    ----------
    old : torch.optim.Optimizer
        The optimizer built over flat buffers (:func:`pack_groups`), with the
        parameters detached from them (:func:`detach`).
    layout : list of (list of str) or None
        What :func:`pack_groups` returned for ``old``.
    named : dict of str to Parameter
        The module's parameters by name.
    new : torch.optim.Optimizer
        The same optimizer over the same groups, one tensor per parameter.
        Changed in place: each group takes ``old``'s options (its learning
        rate, which a scheduler or a warm start may have changed), each
        parameter its slice of the flat buffer's state (Adam's moments) and
        a copy of the rest (the step count).
    """
    for names, old_group, new_group in zip(
        layout, old.param_groups, new.param_groups, strict=True
    ):
        new_group.update({k: v for k, v in old_group.items() if k != "params"})
        if names is None:
            for p in old_group["params"]:
                if p in old.state:
                    new.state[p] = old.state[p]
            continue
        flat, *frozen = old_group["params"]
        params = [named[name] for name in names]
        total = sum(p.numel() for p in params)
        values = old.state.get(flat) or {}
        offset = 0
        for p in params:
            size = p.numel()
            entry = {}
            for key, value in values.items():
                if torch.is_tensor(value) and value.dim() == 1 and len(value) == total:
                    value = _view_like(value[offset : offset + size], p).clone()
                elif torch.is_tensor(value):
                    value = value.clone()
                entry[key] = value
            if entry:
                new.state[p] = entry
            offset += size
        for p in frozen:
            if p in old.state:
                new.state[p] = old.state[p]


def _dense(p):
    """Whether ``p`` fills its storage in one of the layouts we can view."""
    return p.is_contiguous() or (
        p.dim() == 4 and p.is_contiguous(memory_format=torch.channels_last)
    )


def _view_like(segment, p):
    """``segment`` of a flat buffer seen with ``p``'s shape and strides."""
    return segment.as_strided(p.shape, p.stride())
