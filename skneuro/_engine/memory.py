"""How much memory training a network takes, and a refusal when it will not fit.

Before a network is built, :func:`check_network_size` builds it once more on
torch's meta device (shapes and dtypes only, nothing allocated), counts its
tensors, estimates what training holds for them (:func:`training_memory`)
and compares that with what the device has free (:func:`available_memory`).
A network that cannot fit is refused with :class:`NetworkTooLargeError`
before anything is allocated, instead of swapping the machine for a minute
and then dying. Should the allocator fail all the same, while building or
training, :func:`out_of_memory_as_error` reports that as the same error.

What training holds, per element of a trainable parameter, in units of the
parameter's own size (checked against the peak resident memory of fits with
Adam and SGD, one and several batches per epoch: the rest of the peak is
activations and small temporaries; figures: docs/benchmarks.rst, "Figures
behind the code"):

- the parameter and its gradient: 2. The engine's flat packing buffer
  (:mod:`.packing`) adds no copy: the parameters become views of it, and the
  storage they had is freed;
- the optimizer state, ``k``: Adam's two moments (three with ``amsgrad``),
  SGD's momentum buffer (none without momentum);
- the epoch checkpoint (:class:`.interrupt.EpochCheckpoint`): the state
  the call started from (a new network has no optimizer state yet) and the
  state after the last finished epoch, which is saved, optimizer state
  included, only when an epoch has several batches: ``1 + (1 + k)``, or
  ``1 + 1`` with one batch per epoch;
- the largest transient on top: a step's workspace (the analytic
  cross-entropy step computes in float64: a copy of the weights at twice
  their size, plus one layer's float64 gradient; a step through autograd
  holds one parameter's gradient before adding it in), or, with several
  batches, the previous checkpoint copy while the first one with optimizer
  state is made (1).

Frozen parameters and buffers are held, and copied twice by the checkpoint:
3. Activations are not counted: they scale with ``batch_size`` and the
input, not with the network, and small batches keep them small.
"""

import functools
import os
import re
from contextlib import contextmanager
from dataclasses import dataclass
from typing import NamedTuple

import torch

#: Keyword arguments of a module that name a file to load weights from. The
#: estimate builds the module without them: loading a state dict changes
#: values, never shapes, and the estimate must read nothing.
FILE_ARGUMENTS = ("weights",)

#: Messages of allocator failures that torch raises as a plain RuntimeError
#: (``torch.OutOfMemoryError`` is recognised by its type).
_ALLOCATOR_FAILURE = re.compile(
    r"can't allocate memory|not enough memory|out of memory|failed to allocate",
    re.IGNORECASE,
)

_GB = 1e9
#: cgroup v1 writes "no limit" as about 2**63 (rounded down to a page).
_UNLIMITED = 2**62


class NetworkTooLargeError(ValueError, MemoryError):
    """The network, with what training holds for it, does not fit in memory.

    A :class:`ValueError` (a parameter asked for too large a network) and a
    :class:`MemoryError` (what it would have become), so that code catching
    either catches it.

    Examples
    --------
    >>> from skneuro._engine.memory import NetworkTooLargeError
    >>> issubclass(NetworkTooLargeError, ValueError), issubclass(
    ...     NetworkTooLargeError, MemoryError)
    (True, True)
    """


@dataclass(frozen=True)
class TrainingMemory:
    """What training a network holds, in bytes (see the module's doc).

    Attributes
    ----------
    trainable : int
        Bytes of the parameters that require a gradient.
    frozen : int
        Bytes of the parameters that do not.
    buffers : int
        Bytes of the module's buffers (batch-norm statistics, ...).
    state_copies : int
        Copies of each trainable parameter in the optimizer's state.
    workspace : int
        Bytes a training step allocates for a while on top of that.
    n_parameters : int
        Number of parameter elements, trainable and frozen.
    several_batches : bool
        Whether epochs have several batches (the checkpoint then copies the
        optimizer state after every epoch).
    """

    trainable: int
    frozen: int
    buffers: int
    state_copies: int
    workspace: int
    n_parameters: int
    several_batches: bool = True

    @property
    def held(self):
        """The module's tensors, the gradients and the optimizer state."""
        return self.trainable * (2 + self.state_copies) + self.frozen + self.buffers

    @property
    def checkpoint(self):
        """The epoch checkpoint: the starting state and the last epoch's."""
        state = self.state_copies if self.several_batches else 0
        return self.trainable * (2 + state) + 2 * (self.frozen + self.buffers)

    @property
    def transient(self):
        """The larger of a step's workspace and a checkpoint copy being renewed."""
        if not self.several_batches:
            return self.workspace
        return max(self.workspace, self.trainable + self.frozen + self.buffers)

    @property
    def total(self):
        """The estimate: bytes that training needs at its peak."""
        return self.held + self.checkpoint + self.transient


def optimizer_state_copies(optimizer, optimizer_kwargs=None):
    """How many copies of each trainable parameter ``optimizer`` keeps.

    Parameters
    ----------
    optimizer : type
        A ``torch.optim.Optimizer`` subclass.
    optimizer_kwargs : dict, default=None
        The keyword arguments it is built with.

    Returns
    -------
    copies : int
        Adam and AdamW: 2 (the moments), 3 with ``amsgrad``; SGD: 1 with
        momentum, 0 without; any other optimizer: 2.

    Examples
    --------
    >>> import torch
    >>> from skneuro._engine.memory import optimizer_state_copies
    >>> optimizer_state_copies(torch.optim.Adam, {"fused": True})
    2
    >>> optimizer_state_copies(torch.optim.SGD), optimizer_state_copies(
    ...     torch.optim.SGD, {"momentum": 0.9})
    (0, 1)
    """
    kwargs = optimizer_kwargs or {}
    if issubclass(optimizer, (torch.optim.Adam, torch.optim.AdamW)):
        return 3 if kwargs.get("amsgrad") else 2
    if issubclass(optimizer, torch.optim.SGD):
        return 1 if kwargs.get("momentum", 0) else 0
    return 2


class _Counts(NamedTuple):
    """Bytes of a module's tensors (the number of parameters in elements)."""

    trainable: int
    frozen: int
    buffers: int
    n_parameters: int
    #: The largest trainable parameter.
    largest: int
    #: For a plain MLP (:func:`.steps.plain_mlp_layers`) whose parameters all
    #: train: its weights and biases in float64, and its largest weight in
    #: float64; 0 otherwise.
    mlp_double: int
    mlp_largest: int


def _counts(module, module_kwargs):
    """Count the tensors of ``module(**module_kwargs)``, built on meta."""
    from skneuro._engine import steps

    built = _build_on_meta(module, module_kwargs)
    trainable = frozen = n_parameters = largest = 0
    for p in built.parameters():
        size = p.numel() * p.element_size()
        n_parameters += p.numel()
        if p.requires_grad:
            trainable += size
            largest = max(largest, size)
        else:
            frozen += size
    buffers = sum(b.numel() * b.element_size() for b in built.buffers())
    mlp_double = mlp_largest = 0
    layers = None
    if not frozen and not hasattr(built, "training_loss"):
        layers = steps.plain_mlp_layers(built)
    if layers is not None:
        double = torch.float64.itemsize
        linears = layers[::2]
        mlp_double = sum(
            p.numel() * double for lin in linears for p in lin.parameters()
        )
        mlp_largest = max(lin.weight.numel() * double for lin in linears)
    return _Counts(
        trainable, frozen, buffers, n_parameters, largest, mlp_double, mlp_largest
    )


@functools.lru_cache(maxsize=256)
def _cached_counts(module, key, default_dtype):
    return _counts(module, dict(key))


def _module_counts(module, module_kwargs):
    """:func:`_counts`, remembered for the same module, arguments and dtype.

    Fits of the same architecture (a grid search, cross-validation,
    scikit-learn's estimator checks) then build it on meta once: building
    takes longer there than on the CPU (torch's meta kernels run in Python),
    many times a look-up (figures: docs/benchmarks.rst, "Figures behind the
    code").
    """
    key = tuple(sorted(module_kwargs.items()))
    try:
        hash(key)
    except TypeError:  # an unhashable argument (a list): count anew
        return _counts(module, module_kwargs)
    return _cached_counts(module, key, torch.get_default_dtype())


def _build_on_meta(module, module_kwargs):
    """``module(**module_kwargs)`` on the meta device, reading no file."""
    kwargs = {k: (None if k in FILE_ARGUMENTS else v) for k, v in module_kwargs.items()}
    with torch.device("meta"):
        return module(**kwargs)


def training_memory(
    module,
    module_kwargs,
    optimizer,
    optimizer_kwargs=None,
    criterion=None,
    alpha=0,
    several_batches=True,
):
    """Estimate the memory that training ``module(**module_kwargs)`` takes.

    The module is built on the meta device, which allocates nothing; a
    keyword argument that names a weights file (:data:`FILE_ARGUMENTS`) is
    left out, so that no file is read. See the module's doc for what is
    counted, and why.

    Parameters
    ----------
    module : type
        The ``torch.nn.Module`` class.
    module_kwargs : dict
        Its keyword arguments.
    optimizer : type
        The ``torch.optim.Optimizer`` class.
    optimizer_kwargs : dict, default=None
        The optimizer's keyword arguments (``momentum``, ``amsgrad``, ...).
    criterion : type, default=None
        The loss class: with ``torch.nn.CrossEntropyLoss`` a plain MLP
        trains through the engine's analytic step (:mod:`.steps`), whose
        float64 workspace is counted.
    alpha : float, default=0
        The L2 penalty, which costs the analytic step one more float64 layer.
    several_batches : bool, default=True
        Whether an epoch has several batches.

    Returns
    -------
    memory : TrainingMemory
        The counts; ``memory.total`` is the estimate in bytes.

    Examples
    --------
    Two Linear layers, 4 -> 8 -> 3, of 40 + 27 float32 parameters (268
    bytes), trained with Adam through autograd: 9 copies of them (the
    parameters, their gradients and Adam's two moments: 4; the checkpoint's
    starting copy and its copy of the last epoch, moments included: 1 + 3;
    the largest transient, a checkpoint copy being renewed: 1):

    >>> import torch
    >>> from skneuro._engine.memory import training_memory
    >>> class TwoLayers(torch.nn.Sequential):
    ...     def __init__(self, n_in, n_hidden, n_out):
    ...         super().__init__(torch.nn.Linear(n_in, n_hidden), torch.nn.Tanh(),
    ...                          torch.nn.Linear(n_hidden, n_out))
    >>> memory = training_memory(TwoLayers, {"n_in": 4, "n_hidden": 8, "n_out": 3},
    ...                          torch.optim.Adam)
    >>> memory.n_parameters, memory.trainable, memory.total == 268 * 9
    (67, 268, True)
    """
    counts = _module_counts(module, module_kwargs)
    if counts.mlp_double and criterion is torch.nn.CrossEntropyLoss:
        # Float64 copies of every weight and bias, and the float64 gradient
        # of one layer at a time (two with the penalty's term).
        workspace = counts.mlp_double + (2 if alpha else 1) * counts.mlp_largest
    else:
        # Autograd computes a parameter's gradient, then adds it into .grad.
        workspace = counts.largest
    return TrainingMemory(
        trainable=counts.trainable,
        frozen=counts.frozen,
        buffers=counts.buffers,
        state_copies=optimizer_state_copies(optimizer, optimizer_kwargs),
        workspace=workspace,
        n_parameters=counts.n_parameters,
        several_batches=bool(several_batches),
    )


def _read(path):
    """The text of the small file ``path``, or None (os calls: /proc and cgroup
    files are read on every fit, and ``open`` costs four times as much)."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return None
    try:
        chunks = []
        while chunk := os.read(fd, 65536):
            chunks.append(chunk)
    except OSError:
        return None
    finally:
        os.close(fd)
    return b"".join(chunks).decode("ascii", "replace")


def _read_int(path):
    """The integer in the file ``path``; None for ``max``, a missing file, ..."""
    text = _read(path)
    try:
        return int(text)
    except (TypeError, ValueError):
        return None  # "max": no limit


def _stat(path, key):
    """The value of ``key`` in a cgroup ``memory.stat`` file, or 0."""
    for line in (_read(path) or "").splitlines():
        name, _, value = line.partition(" ")
        if name == key:
            try:
                return int(value)
            except ValueError:
                return 0
    return 0


def _cgroup_dirs(root, relative):
    """``root/relative`` and its parents up to ``root``, deepest first."""
    parts = [p for p in relative.strip("/").split("/") if p]
    if ".." in parts:  # a cgroup outside this namespace's view: the root's
        parts = []
    return [os.path.join(root, *parts[:i]) for i in range(len(parts), -1, -1)]


def _cgroup_available(proc_cgroup="/proc/self/cgroup", root="/sys/fs/cgroup"):
    """Memory this process's cgroup may still take, in bytes; None if unlimited.

    The least, over the cgroup and its parents, of the limit minus the usage
    (cgroup v2 ``memory.max - memory.current``, v1 ``memory.limit_in_bytes
    - memory.usage_in_bytes``), where the usage does not count inactive file
    cache, which the kernel reclaims before it fails an allocation.
    """
    free = []
    for line in (_read(proc_cgroup) or "").splitlines():
        _, controllers, path = (line.split(":", 2) + ["", ""])[:3]
        if controllers == "":  # cgroup v2
            files = ("memory.max", "memory.current", "inactive_file")
            dirs = _cgroup_dirs(root, path)
        elif "memory" in controllers.split(","):  # cgroup v1
            files = (
                "memory.limit_in_bytes",
                "memory.usage_in_bytes",
                "total_inactive_file",
            )
            dirs = _cgroup_dirs(os.path.join(root, "memory"), path)
        else:
            continue
        limit_file, usage_file, inactive = files
        for folder in dirs:
            limit = _read_int(os.path.join(folder, limit_file))
            if limit is None or limit >= _UNLIMITED:
                continue
            usage = _read_int(os.path.join(folder, usage_file))
            if usage is None:
                continue
            reclaimable = _stat(os.path.join(folder, "memory.stat"), inactive)
            free.append(max(limit - (usage - min(reclaimable, usage)), 0))
    return min(free) if free else None


def _host_available(meminfo="/proc/meminfo"):
    """Linux's MemAvailable, else the physical memory, in bytes; or None."""
    for line in (_read(meminfo) or "").splitlines():
        if line.startswith("MemAvailable:"):
            try:
                return int(line.split()[1]) * 1024
            except (ValueError, IndexError):
                break
    try:
        return os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (AttributeError, OSError, ValueError):
        return None


def available_memory(device):
    """Memory free for training on ``device``, in bytes, or None if unknown.

    On the CPU (and on MPS, whose memory is the host's): Linux's
    ``MemAvailable``, bounded by this process's cgroup limit when there is
    one; elsewhere the physical memory (``os.sysconf``). On CUDA: the
    device's free memory (``torch.cuda.mem_get_info``) plus what torch's
    caching allocator holds there unused.

    Parameters
    ----------
    device : str
        A resolved device (``"cpu"``, ``"cuda:1"``, ...).

    Returns
    -------
    available : int or None
        Bytes, or None when nothing is known (the check is then skipped).

    Examples
    --------
    >>> from skneuro._engine.memory import available_memory
    >>> free = available_memory("cpu")
    >>> free is None or free > 0
    True
    """
    parsed = torch.device(device)
    if parsed.type == "cuda":
        free, _ = torch.cuda.mem_get_info(parsed)
        cached = torch.cuda.memory_reserved(parsed) - torch.cuda.memory_allocated(
            parsed
        )
        return int(free) + max(int(cached), 0)
    if parsed.type not in ("cpu", "mps"):
        return None
    known = [m for m in (_host_available(), _cgroup_available()) if m is not None]
    return min(known) if known else None


def _gb(n_bytes):
    value = n_bytes / _GB
    if value >= 100:
        return f"{value:,.0f} GB"
    if value >= 0.1:
        return f"{value:.1f} GB"
    return f"{value:.2g} GB"


def _describe(module, module_kwargs):
    """``Name(size=...)``: the module with its size arguments (ints, int tuples)."""

    def is_size(value):
        if isinstance(value, bool):
            return False
        if isinstance(value, int):
            return True
        return (
            isinstance(value, (tuple, list))
            and len(value) > 0
            and all(isinstance(v, int) and not isinstance(v, bool) for v in value)
        )

    sizes = ", ".join(f"{k}={v!r}" for k, v in module_kwargs.items() if is_size(v))
    return f"{module.__name__}({sizes})"


def check_network_size(
    module,
    module_kwargs,
    optimizer,
    optimizer_kwargs=None,
    *,
    device="cpu",
    owner=None,
    **estimate,
):
    """Refuse, before anything is built, a network too large for ``device``.

    Parameters
    ----------
    module, module_kwargs, optimizer, optimizer_kwargs
        As for :func:`training_memory`.
    device : str, default="cpu"
        The resolved device training runs on.
    owner : str, default=None
        Who asks (the estimator's name), for the message.
    **estimate
        ``criterion``, ``alpha`` and ``several_batches``, as for
        :func:`training_memory`.

    Returns
    -------
    memory : TrainingMemory or None
        The estimate; None when it could not be made (a module that cannot
        be built on the meta device: building it for real then reports its
        own errors).

    Raises
    ------
    NetworkTooLargeError
        When the estimate exceeds the memory available on ``device``.

    Examples
    --------
    >>> import torch
    >>> from skneuro._engine.memory import check_network_size
    >>> check_network_size(torch.nn.Linear, {"in_features": 4, "out_features": 8},
    ...                    torch.optim.Adam).n_parameters
    40
    >>> check_network_size(
    ...     torch.nn.Linear, {"in_features": 4, "out_features": 10**12},
    ...     torch.optim.Adam, owner="MyEstimator")
    Traceback (most recent call last):
    ...
    skneuro._engine.memory.NetworkTooLargeError: MyEstimator's network, Linear(...
    """
    try:
        memory = training_memory(
            module, module_kwargs, optimizer, optimizer_kwargs, **estimate
        )
    except Exception:  # noqa: BLE001 - not buildable on meta: no estimate
        return None
    available = available_memory(device)
    if available is not None and memory.total > available:
        name = f"{owner}'s network" if owner else "The network"
        raise NetworkTooLargeError(
            f"{name}, {_describe(module, module_kwargs)}, is too large to train "
            f"on {device!r}: its {memory.n_parameters:,} parameters need about "
            f"{_gb(memory.total)} for training with {optimizer.__name__} "
            "(weights, gradients, optimizer state and checkpoint), but only "
            f"{_gb(available)} are available. Use smaller layers."
        )
    return memory


def is_allocator_failure(exc):
    """Whether ``exc`` says that an allocator could not allocate memory.

    Examples
    --------
    >>> from skneuro._engine.memory import is_allocator_failure
    >>> is_allocator_failure(RuntimeError(
    ...     "[enforce fail at alloc_cpu.cpp:118] DefaultCPUAllocator: can't "
    ...     "allocate memory: you tried to allocate 4000000000000 bytes."))
    True
    >>> is_allocator_failure(RuntimeError("mat1 and mat2 shapes cannot be "
    ...     "multiplied")), is_allocator_failure(MemoryError())
    (False, True)
    """
    if isinstance(exc, (MemoryError, torch.OutOfMemoryError)):
        return not isinstance(exc, NetworkTooLargeError)
    return isinstance(exc, RuntimeError) and bool(_ALLOCATOR_FAILURE.search(str(exc)))


@contextmanager
def out_of_memory_as_error(module, module_kwargs, device, owner=None, memory=None):
    """Turn an allocator failure in the block into :class:`NetworkTooLargeError`.

    The error is chained to the allocator's (``raise ... from exc``); any
    other exception passes unchanged.

    Parameters
    ----------
    module, module_kwargs
        The network being built or trained, for the message.
    device : str
        The device it is on.
    owner : str, default=None
        Who trains it (the estimator's name).
    memory : TrainingMemory, default=None
        The estimate made before, quoted in the message when given.

    Examples
    --------
    >>> from skneuro._engine.memory import out_of_memory_as_error
    >>> with out_of_memory_as_error(dict, {}, "cpu"):
    ...     raise MemoryError
    Traceback (most recent call last):
    ...
    skneuro._engine.memory.NetworkTooLargeError: Ran out of memory on 'cpu' ...
    """
    try:
        yield
    except (MemoryError, RuntimeError) as exc:
        if not is_allocator_failure(exc):
            raise
        whose = f"{owner}'s network" if owner else "the network"
        detail = str(exc) or type(exc).__name__
        estimate = (
            f" (estimated at {_gb(memory.total)} for the weights, gradients, "
            "optimizer state and checkpoint)"
            if memory is not None
            else ""
        )
        raise NetworkTooLargeError(
            f"Ran out of memory on {device!r} while building or training "
            f"{whose}, {_describe(module, module_kwargs)}{estimate}: {detail}. Use "
            "smaller layers, or a smaller batch_size."
        ) from exc


__all__ = [
    "FILE_ARGUMENTS",
    "NetworkTooLargeError",
    "TrainingMemory",
    "available_memory",
    "check_network_size",
    "is_allocator_failure",
    "optimizer_state_copies",
    "out_of_memory_as_error",
    "training_memory",
]
