"""The precision a network trains in, and cuDNN autotuning.

Convolutions run about twice as fast in 16-bit floats on hardware that
computes in them natively: tensor cores on CUDA GPUs, and on CPUs the
AVX512-BF16 instructions and AMX tile units of recent Intel Xeons, which
oneDNN uses for bfloat16 convolutions and matrix products. Under
:func:`torch.autocast` the forward pass computes those in bfloat16 (or
float16) while the weights, the optimizer state and reductions such as the
loss stay float32. float16's narrow range needs a
:class:`torch.amp.GradScaler` so that small gradients do not underflow;
bfloat16 has float32's range and needs none.

:func:`resolve_precision` turns an estimator's ``precision`` parameter into
the precision a training call uses. ``"auto"`` reduces it only for the
estimators that gain from it (the convolutional ones) and only where the
hardware computes in it natively: on a CPU without native bfloat16, oneDNN
converts every operand to float32 and back, which is slower than float32
alone (measured figures: docs/benchmarks.rst, "bench_cnn.py").
"""

import functools
import sys
import warnings
from contextlib import contextmanager

import torch

#: The precisions an estimator's ``precision`` parameter takes.
PRECISIONS = ("auto", "float32", "bfloat16", "float16")

#: The autocast dtype of each reduced precision.
AUTOCAST_DTYPES = {"bfloat16": torch.bfloat16, "float16": torch.float16}

#: The CPU flags (as Linux's ``/proc/cpuinfo`` names them) of native
#: bfloat16 arithmetic: AMX's bfloat16 tiles, or AVX512-BF16.
_BFLOAT16_FLAGS = ("amx_bf16", "avx512_bf16")


class SlowPrecisionWarning(UserWarning):
    """A reduced precision was asked for where the hardware emulates it.

    Training then computes correctly but more slowly than in float32.
    """


def _cpuinfo_flags():
    """The CPU's flags from ``/proc/cpuinfo``, or ``None`` where unreadable."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        with open("/proc/cpuinfo", encoding="ascii", errors="replace") as f:
            for line in f:
                if line.startswith("flags"):
                    return set(line.partition(":")[2].split())
    except OSError:
        return None
    return None


def _torch_reports_bfloat16():
    """What torch's CPU probe says of native bfloat16: True, False, or
    ``None`` where this torch has no such probe."""
    probes = [
        getattr(torch.cpu, name, None)
        for name in ("_is_amx_tile_supported", "_is_avx512_bf16_supported")
    ]
    probes = [probe for probe in probes if probe is not None]
    if not probes:
        return None
    try:
        return any(bool(probe()) for probe in probes)
    except (RuntimeError, AttributeError):  # a probe this build lacks
        return None


@functools.cache
def cpu_has_native_bfloat16():
    """Whether this CPU computes bfloat16 natively (AMX or AVX512-BF16).

    Decided once per process from what both torch and the CPU report:
    torch's own CPU probe (which reads CPUID) must find AMX tiles or
    AVX512-BF16, torch must be built with oneDNN, and where Linux lists the
    CPU's flags (only those the kernel knows and enables, AMX's tile
    state included) one of ``amx_bf16`` and ``avx512_bf16`` must be
    among them. Where neither source is available the answer is False:
    reducing precision on a CPU that emulates it would slow training.

    Returns
    -------
    native : bool

    Examples
    --------
    >>> from skneuro._engine.precision import cpu_has_native_bfloat16
    >>> isinstance(cpu_has_native_bfloat16(), bool)
    True
    """
    if not torch.backends.mkldnn.is_available():
        return False
    by_torch = _torch_reports_bfloat16()
    flags = _cpuinfo_flags()
    by_flags = None if flags is None else any(f in flags for f in _BFLOAT16_FLAGS)
    reports = [r for r in (by_torch, by_flags) if r is not None]
    return bool(reports) and all(reports)


def _cuda_has_bfloat16(device):
    with torch.cuda.device(device):
        return torch.cuda.is_bf16_supported()


def resolve_precision(precision, device, *, reduce_by_default, owner):
    """The precision a training call on ``device`` computes in.

    Parameters
    ----------
    precision : {"auto", "float32", "bfloat16", "float16"}
        The estimator's ``precision`` parameter.
    device : str
        A resolved device.
    reduce_by_default : bool
        Whether ``"auto"`` reduces precision for this estimator (the
        convolutional ones) where the hardware computes in it natively.
    owner : str
        The estimator's name, for messages.

    Returns
    -------
    precision : {"float32", "bfloat16", "float16"}
        ``"auto"`` gives bfloat16 on CUDA devices that support it (float16
        on older ones) and on CPUs with native bfloat16
        (:func:`cpu_has_native_bfloat16`), float32 elsewhere and for
        estimators that do not reduce by default. An explicit choice is
        kept; ``"bfloat16"`` where the hardware emulates it warns with a
        :class:`SlowPrecisionWarning`.

    Raises
    ------
    ValueError
        ``"float16"`` on the CPU, or a reduced precision on a device other
        than the CPU and CUDA.

    Examples
    --------
    >>> from skneuro._engine.precision import resolve_precision
    >>> resolve_precision("float32", "cpu", reduce_by_default=True, owner="SmallCNN")
    'float32'
    >>> resolve_precision("auto", "cpu", reduce_by_default=False, owner="MLPClassifier")
    'float32'
    """
    kind = torch.device(device).type
    if precision == "float32":
        return "float32"
    if kind not in ("cpu", "cuda"):
        if precision == "auto":
            return "float32"
        raise ValueError(
            f"{owner}(precision={precision!r}) trains on the CPU or CUDA; on "
            f"{device!r} pass precision='float32' (or 'auto')."
        )
    if kind == "cuda":
        native = _cuda_has_bfloat16(device)
        if precision == "auto":
            if not reduce_by_default:
                return "float32"
            return "bfloat16" if native else "float16"
        if precision == "bfloat16" and not native:
            _warn_slow(owner, f"{device!r} has no native bfloat16; 'float16'")
        return precision
    if precision == "float16":
        raise ValueError(
            f"{owner}(precision='float16') is for CUDA devices; on the CPU pass "
            "precision='bfloat16' (native on CPUs with AMX or AVX512-BF16) or "
            "'float32'."
        )
    native = cpu_has_native_bfloat16()
    if precision == "auto":
        return "bfloat16" if reduce_by_default and native else "float32"
    if not native:
        _warn_slow(
            owner, "this CPU has no native bfloat16 (AMX or AVX512-BF16); 'float32'"
        )
    return "bfloat16"


def _warn_slow(owner, why_and_instead):
    warnings.warn(
        f"{owner}(precision='bfloat16'): {why_and_instead} trains faster here. "
        "bfloat16 is emulated, so training computes correctly but slowly.",
        SlowPrecisionWarning,
        stacklevel=2,
    )


def autocast_dtype(precision):
    """The autocast dtype of a resolved ``precision``, or ``None`` (float32).

    Examples
    --------
    >>> from skneuro._engine.precision import autocast_dtype
    >>> autocast_dtype("float32") is None
    True
    >>> autocast_dtype("bfloat16")
    torch.bfloat16
    """
    return AUTOCAST_DTYPES.get(precision)


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
