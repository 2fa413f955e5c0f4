"""Where training runs, and seeding that stays local to one fit."""

from contextlib import contextmanager

import torch

#: The values of ``device`` that :func:`resolve_device` accepts, for messages.
SUPPORTED = "'auto', 'cpu', 'cuda', 'cuda:N' or 'mps'"


def resolve_device(device):
    """Turn the ``device`` parameter into a concrete torch device string.

    ``"auto"`` picks CUDA when it is available and the CPU otherwise. An
    explicit device that this machine lacks is an error, raised before any
    training, and so is a device type that skneuro does not train on
    (``"meta"``, ``"xpu"``, ...: torch knows them, but the engine's
    optimizers, seeding and mixed precision are made for CPU, CUDA and MPS).
    Nothing here runs at import: CUDA is first touched in ``fit``.

    Parameters
    ----------
    device : str
        ``"auto"``, ``"cpu"``, ``"cuda"``, ``"cuda:N"`` or ``"mps"``.
        ``"cpu:0"`` is the CPU (there is only one) and resolves to ``"cpu"``.

    Returns
    -------
    device : str
        The device to train on.

    Raises
    ------
    ValueError
        When ``device`` is none of the above, or names a device this machine
        lacks.

    Examples
    --------
    >>> from skneuro._engine import resolve_device
    >>> resolve_device("cpu"), resolve_device("cpu:0")
    ('cpu', 'cpu')
    >>> resolve_device("meta")
    Traceback (most recent call last):
    ...
    ValueError: device='meta' is not supported: skneuro trains on 'auto', ...
    """
    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    try:
        parsed = torch.device(device)
    except (RuntimeError, TypeError) as exc:
        raise ValueError(
            f"device={device!r} is not a device torch knows; use {SUPPORTED}."
        ) from exc
    if parsed.type not in ("cpu", "cuda", "mps"):
        raise ValueError(
            f"device={device!r} is not supported: skneuro trains on {SUPPORTED}."
        )
    if parsed.type == "cpu":
        if parsed.index not in (None, 0):
            raise ValueError(
                f"device={device!r}: there is one CPU device, 'cpu' (or 'cpu:0'); "
                f"use {SUPPORTED}."
            )
        return "cpu"
    if parsed.type == "cuda":
        if not torch.cuda.is_available():
            raise ValueError(
                f"device={device!r} was requested but CUDA is not available on "
                "this machine; use device='auto' to fall back to the CPU."
            )
        if parsed.index is not None and parsed.index >= torch.cuda.device_count():
            raise ValueError(
                f"device={device!r} was requested but this machine has only "
                f"{torch.cuda.device_count()} CUDA device(s)."
            )
    elif parsed.type == "mps" and not torch.backends.mps.is_available():
        raise ValueError(f"device={device!r} was requested but MPS is not available.")
    return str(parsed)


@contextmanager
def local_seed(seed, device):
    """Seed torch for training on ``device``; restore the generators after.

    Only the generators that training on ``device`` draws from are seeded
    and restored: the CPU generator, and on CUDA the generator of that one
    device. ``torch.manual_seed`` would reseed every CUDA generator as well
    (and queue a CUDA call on a machine that has not initialised CUDA),
    which a fit on the CPU has no business doing.

    Parameters
    ----------
    seed : int
        The seed.
    device : str
        A resolved device, as returned by :func:`resolve_device`.

    Examples
    --------
    >>> import torch
    >>> from skneuro._engine import local_seed
    >>> before = torch.random.get_rng_state()
    >>> with local_seed(0, "cpu"):
    ...     a = torch.rand(2)
    >>> with local_seed(0, "cpu"):
    ...     b = torch.rand(2)
    >>> torch.equal(a, b), torch.equal(torch.random.get_rng_state(), before)
    (True, True)
    """
    parsed = torch.device(device)
    cuda = []
    if parsed.type == "cuda":
        cuda = [
            parsed.index if parsed.index is not None else torch.cuda.current_device()
        ]
    with torch.random.fork_rng(devices=cuda, device_type="cuda"):
        torch.default_generator.manual_seed(seed)
        for index in cuda:
            with torch.cuda.device(index):
                torch.cuda.manual_seed(seed)
        yield
