"""How arrays reach the device: batches for training, chunks for prediction.

Two ways to serve training batches, with the same batches in the same order
for the same generator:

- in memory: the arrays become tensors on the training device once, and a
  batch is a slice of them (or one fancy index when shuffling). For data that
  fit on the device this beats skorch's default ``DataLoader``, whose
  per-sample indexing and collation cost more than a small model;
- streamed: the arrays stay in host memory, and each batch is gathered there,
  pinned and copied with ``non_blocking=True`` while the previous batch
  trains. Used on CUDA when the data would take more than a quarter of the
  device's free memory.
"""

import math

import numpy as np
import torch

#: Stream from host memory when the training arrays would take more than this
#: fraction of the CUDA device's free memory.
STREAM_ABOVE_FREE_FRACTION = 0.25

#: Prediction runs on chunks of at most this many bytes of input, whatever
#: the estimator's ``batch_size``.
PREDICT_CHUNK_BYTES = 64 * 2**20


def as_tensor(array):
    """A tensor sharing ``array``'s memory, or a copy when it is read-only.

    torch warns on non-writable arrays (joblib hands read-only memory maps to
    the workers of a search); they are copied instead of shared.
    """
    array = np.asarray(array)
    if not array.flags.writeable:
        array = array.copy()
    return torch.from_numpy(np.ascontiguousarray(array))


def _should_stream(arrays, device):
    if torch.device(device).type != "cuda":
        return False
    free, _ = torch.cuda.mem_get_info(torch.device(device))
    return sum(a.nbytes for a in arrays) > STREAM_ABOVE_FREE_FRACTION * free


class TrainingData:
    """Training arrays, served in (shuffled) batches on the training device.

    Parameters
    ----------
    X : ndarray of shape (n_samples, ...)
        Inputs, already of the dtype the module expects.
    y : ndarray of shape (n_samples, ...)
        Targets.
    sample_weight : ndarray of shape (n_samples,) or None
        Weight of each sample in the loss; ``None`` weighs all alike.
    device : str
        The training device.
    stream : bool or None
        Keep the arrays in host memory and copy each batch to the device;
        ``None`` decides from the data's size and the device's free memory.

    Examples
    --------
    >>> import numpy as np
    >>> from skneuro._engine import TrainingData
    >>> data = TrainingData(np.zeros((5, 2), np.float32), np.arange(5))
    >>> [len(X) for X, y, w in data.batches(2)]
    [2, 2, 1]
    """

    def __init__(self, X, y, sample_weight=None, *, device="cpu", stream=None):
        arrays = [a for a in (X, y, sample_weight) if a is not None]
        self.device = torch.device(device)
        self.streamed = _should_stream(arrays, device) if stream is None else stream
        self.n_samples = len(X)
        if self.streamed:
            self._arrays = (X, y, sample_weight)
        else:
            self._arrays = tuple(
                None if a is None else as_tensor(a).to(self.device)
                for a in (X, y, sample_weight)
            )

    def __len__(self):
        return self.n_samples

    def inputs(self):
        """The inputs ``X``: a tensor on the device, or the host array when
        streamed."""
        return self._arrays[0]

    def n_batches(self, batch_size):
        """Number of batches per epoch."""
        return math.ceil(self.n_samples / (batch_size or self.n_samples))

    def batches(self, batch_size=None, *, shuffle=False, generator=None):
        """Iterate over ``(X, y, sample_weight)`` batches on the device.

        ``batch_size=None`` (or one at least as large as the data) yields the
        whole data set as a single batch, without a copy when in memory.
        Shuffling draws one permutation per call from ``generator`` (a CPU
        ``torch.Generator``).
        """
        n = self.n_samples
        size = n if batch_size is None else min(batch_size, n)
        order = torch.randperm(n, generator=generator) if shuffle and size < n else None
        if self.streamed:
            return self._streamed(order, size)
        return self._in_memory(order, size)

    def _in_memory(self, order, size):
        arrays = self._arrays
        if size >= self.n_samples:
            yield arrays
            return
        if order is None:
            for start in range(0, self.n_samples, size):
                yield tuple(
                    None if a is None else a[start : start + size] for a in arrays
                )
            return
        order = order.to(self.device)
        for start in range(0, self.n_samples, size):
            index = order[start : start + size]
            yield tuple(None if a is None else a[index] for a in arrays)

    def _streamed(self, order, size):
        pin = self.device.type == "cuda"
        index = None if order is None else order.numpy()
        pending = None
        for start in range(0, self.n_samples, size):
            rows = (
                slice(start, start + size)
                if index is None
                else index[start : start + size]
            )
            batch = []
            for a in self._arrays:
                if a is None:
                    batch.append(None)
                    continue
                host = torch.from_numpy(np.ascontiguousarray(a[rows]))
                if pin:
                    host = host.pin_memory()
                batch.append(host.to(self.device, non_blocking=pin))
            # The next batch's copy is queued before this one is trained on.
            if pending is not None:
                yield pending
            pending = tuple(batch)
        if pending is not None:
            yield pending


def predict_in_chunks(
    module, X, device, chunk_bytes=None, method=None, max_rows=None, output_of=None
):
    """Run ``module`` (or its ``method``) in eval mode over ``X`` chunk by chunk.

    The one chunked forward pass: prediction and transforms, the hidden
    activations that pruning measures, the scores a callback records after
    an epoch. Chunks hold at most ``chunk_bytes`` of input
    (``PREDICT_CHUNK_BYTES`` by default), so that no forward pass puts a
    whole large array on the device, whatever batch size training used.

    Parameters
    ----------
    module : torch.nn.Module
        The trained module.
    X : ndarray or tensor of shape (n_samples, ...)
        Inputs of the module's dtype: a host array (pinned and copied chunk
        by chunk on CUDA), or a tensor, on ``device`` already or not.
    device : str or torch.device
        Device the module lives on.
    chunk_bytes : int or None
        Largest chunk of input, in bytes.
    method : str or None
        Name of the module's method to run (``"encode"``, say) instead of
        its forward pass.
    max_rows : int or None
        Largest chunk in rows, for modules whose activations are far larger
        than their input (convolutional networks).
    output_of : torch.nn.Module or None
        A submodule of ``module`` whose outputs are returned instead of the
        module's (a hidden layer's activation, say).

    Returns
    -------
    outputs : ndarray of shape (n_samples, ...)
        The outputs, on the host.

    Examples
    --------
    >>> import numpy as np, torch
    >>> from skneuro._engine import predict_in_chunks
    >>> X = np.arange(6, dtype=np.float32).reshape(3, 2)
    >>> predict_in_chunks(torch.nn.Identity(), X, "cpu", chunk_bytes=8).shape
    (3, 2)
    >>> net = torch.nn.Sequential(torch.nn.Linear(2, 4), torch.nn.ReLU())
    >>> predict_in_chunks(net, torch.from_numpy(X), "cpu", output_of=net[0]).shape
    (3, 4)
    """
    chunk_bytes = PREDICT_CHUNK_BYTES if chunk_bytes is None else chunk_bytes
    row_bytes = max(1, X[:1].nbytes)
    rows = max(1, chunk_bytes // row_bytes)
    if max_rows is not None:
        rows = min(rows, max_rows)
    run = module if method is None else getattr(module, method)
    outputs = []
    hook = None
    if output_of is not None:
        hook = output_of.register_forward_hook(
            lambda layer, inputs, output: outputs.append(output.cpu())
        )
    was_training = module.training
    module.eval()
    try:
        with torch.inference_mode():
            for start in range(0, len(X), rows):
                output = run(_chunk_on(X[start : start + rows], device))
                if hook is None:
                    outputs.append(output.cpu())
    finally:
        if hook is not None:
            hook.remove()
        module.train(was_training)
    return torch.cat(outputs).numpy()


def _chunk_on(chunk, device):
    """A chunk of input on ``device``: host arrays pinned on the way to CUDA."""
    if torch.is_tensor(chunk):
        return chunk.to(device)
    chunk = as_tensor(chunk)
    pin = torch.device(device).type == "cuda"
    if pin:
        chunk = chunk.pin_memory()
    return chunk.to(device, non_blocking=pin)
