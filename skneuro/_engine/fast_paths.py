"""One switch for the engine's fast paths that lean on torch's or skorch's internals.

The training loop has a plain way through, made of public torch and skorch
API only, and five faster ways around parts of it that rely on internals
which a new torch or skorch release may change:

- **the flat parameter buffer** (:mod:`.packing`): each optimizer group's
  parameters, and their gradients, are views of one flat tensor, so that
  the optimizer updates one tensor per group instead of one per layer. It
  relies on autograd accumulating into a ``.grad`` that is a view of another
  tensor, and on the optimizer never replacing it. Plain way: one tensor
  per parameter, gradients set to ``None`` between steps;
- **the analytic cross-entropy step** (:mod:`.steps`): for a plain MLP
  under cross-entropy, the loss and every gradient are computed by hand,
  without building an autograd graph, whose bookkeeping costs as much as
  the arithmetic on a small network. It recognises a plain MLP by reading
  ``torch.nn.Module``'s private hook dictionaries and calls ``aten``
  backward operators. Plain way: the forward pass and ``backward()``;
- **the raw optimizer step** (:func:`.optim.optimizer_step`): the
  optimizer's undecorated ``step``, skipping the profiler and hook wrapper
  that ``torch.optim`` puts around it, after checking torch's private hook
  registries. Plain way: ``optimizer.step()``;
- **``torch._foreach_copy_``** in the epoch checkpoint
  (:class:`.interrupt.EpochCheckpoint`): one call copies every tensor of
  the state. Plain way: one ``copy_`` per tensor;
- **the history shortcut** (:mod:`.net`, :mod:`.callbacks`): epoch rows are
  appended and read with ``list``'s own methods, past skorch's ``History``,
  whose indexing copies the whole history on every read. Plain way:
  ``History.new_epoch``, ``new_batch``, ``record`` and ``history[-1]``.

Each beats its plain way on the small networks the estimators meet (the
reasons are in each module's doc); ``benchmarks/bench_mlp.py`` measures what
switching all of them off costs a whole fit, and each of four alone, and
``docs/benchmarks.rst`` ("The fast paths", in bench_mlp's section) keeps the
figures.

``SKNEURO_FAST_PATHS=0`` in the environment switches all five off at once,
so that a torch or skorch upgrade that breaks one internal can be answered
by switching it off, not by a broken loop; unset, empty or ``1`` leaves them
on. The results agree with the plain way to float tolerance (the analytic
step computes in float64). The variable is read at the start of each
training call (:func:`enabled`), never at import, so setting it between two
fits takes effect on the second.
"""

import os

#: The environment variable that switches the fast paths off.
VARIABLE = "SKNEURO_FAST_PATHS"


def enabled():
    """Whether the fast paths are on: ``SKNEURO_FAST_PATHS`` unset, empty or 1.

    Returns
    -------
    on : bool
        ``False`` when the variable is ``0``.

    Raises
    ------
    ValueError
        For any other value, naming the variable.

    """
    value = os.environ.get(VARIABLE, "").strip()
    if value in ("", "1"):
        return True
    if value == "0":
        return False
    raise ValueError(
        f"{VARIABLE}={os.environ[VARIABLE]!r} in the environment: set it to 0 to "
        "switch the engine's fast paths off, or to 1 (or unset it) to keep them on."
    )
