"""Mixed precision and cuDNN autotuning for convolutional training on CUDA.

Convolutions on a GPU run several times faster in 16-bit floats on tensor
cores. Under :func:`torch.autocast` the forward pass computes convolutions
and matrix products in bfloat16 (or float16 where the GPU lacks bfloat16)
while the weights, the optimizer state and reductions such as the loss stay
float32. float16's narrow range needs a :class:`torch.amp.GradScaler` so that
small gradients do not underflow; bfloat16 has float32's range and needs
none. On the CPU nothing changes: float32 is what the oneDNN kernels are
fastest at on the processors these estimators meet.
"""

from contextlib import contextmanager

import torch


def autocast_dtype(device):
    """The reduced precision to train in on ``device``, or ``None``.

    Parameters
    ----------
    device : str
        A resolved device.

    Returns
    -------
    dtype : torch.dtype or None
        ``torch.bfloat16`` on CUDA devices that support it, ``torch.float16``
        on older ones, ``None`` (train in float32) elsewhere.

    Examples
    --------
    >>> from skneuro._engine.precision import autocast_dtype
    >>> autocast_dtype("cpu") is None
    True
    """
    device = torch.device(device)
    if device.type != "cuda":
        return None
    with torch.cuda.device(device):
        return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16


def needs_grad_scaler(dtype):
    """Whether training in ``dtype`` needs loss scaling (float16 only)."""
    return dtype == torch.float16


@contextmanager
def cudnn_autotuning(device):
    """Let cuDNN time its convolution algorithms on ``device``, then restore.

    With fixed batch shapes, cuDNN's benchmark mode picks the fastest
    algorithm for each convolution once and reuses it. The global flag is set
    for the duration of one training call only.

    Examples
    --------
    >>> import torch
    >>> from skneuro._engine.precision import cudnn_autotuning
    >>> before = torch.backends.cudnn.benchmark
    >>> with cudnn_autotuning("cpu"):
    ...     pass
    >>> torch.backends.cudnn.benchmark == before
    True
    """
    if torch.device(device).type != "cuda":
        yield
        return
    before = torch.backends.cudnn.benchmark
    torch.backends.cudnn.benchmark = True
    try:
        yield
    finally:
        torch.backends.cudnn.benchmark = before
