"""The training engine: PyTorch and skorch, and nothing of scikit-learn.

The scikit-learn layer (:mod:`skneuro.neural_network`) validates and encodes
arrays, then hands them to this package, which owns everything that happens
on a device: where training runs and how it is seeded (:mod:`.device`), how
data reach the device in batches (:mod:`.data`), the skorch net subclass and
its training loop (:mod:`.net`), the optimizers and their fast paths
(:mod:`.optim`), what a Ctrl-C during training does (:mod:`.interrupt`),
batch-norm statistics after training (:mod:`.batchnorm`), the precision a
network trains in (:mod:`.precision`), the flat parameter buffer (:mod:`.packing`), the
analytic fast step for plain MLP layouts (:mod:`.steps`), how many threads a
fit computes with (:mod:`.threads`), whether a network fits in the device's
memory (:mod:`.memory`) and the callbacks that the estimators add
(:mod:`.callbacks`). The fast paths that lean on torch's or skorch's
internals (the flat buffer, the analytic step, the raw optimizer step,
``torch._foreach_*`` and the history shortcut) switch off together with
``SKNEURO_FAST_PATHS=0`` (:mod:`.fast_paths`), which leaves only public API.

Imports go one way: ``neural_network`` imports ``_engine``, never the other
way round, and nothing here imports scikit-learn (a test reads the imports).
"""

from skneuro._engine.callbacks import EarlyStopping, ProgressBar
from skneuro._engine.data import TrainingData, predict_in_chunks
from skneuro._engine.device import local_seed, resolve_device
from skneuro._engine.memory import (
    NetworkTooLargeError,
    check_network_size,
    out_of_memory_as_error,
    training_memory,
)
from skneuro._engine.net import TrainingNet
from skneuro._engine.optim import OPTIMIZERS, optimizer_kwargs
from skneuro._engine.precision import (
    PRECISIONS,
    SlowPrecisionWarning,
    resolve_precision,
)
from skneuro._engine.threads import decide_threads, torch_threads

__all__ = [
    "OPTIMIZERS",
    "PRECISIONS",
    "EarlyStopping",
    "NetworkTooLargeError",
    "ProgressBar",
    "SlowPrecisionWarning",
    "TrainingData",
    "TrainingNet",
    "check_network_size",
    "decide_threads",
    "local_seed",
    "optimizer_kwargs",
    "out_of_memory_as_error",
    "predict_in_chunks",
    "resolve_device",
    "resolve_precision",
    "torch_threads",
    "training_memory",
]
