"""Docstring text that several estimators share, written once.

In the manner of imbalanced-learn's ``Substitution``: an estimator's
docstring holds a placeholder line such as::

    {parameters: max_epochs, lr, batch_size}

and the class decorator :func:`shared_docstring` replaces it with the entries
written here, indented as the placeholder is, each parameter's default read
from the class's own signature. The rendered documentation, ``help()`` and
the doctests all see every entry in full.
"""

import inspect
import re
import textwrap

#: Parameters shared by the neural estimators (and the image transformer),
#: by name; ``{default}`` is filled from the class's signature.
PARAMETERS = {
    "image_shape": """\
image_shape : tuple of (int, int) or None, default={default}
    Height and width of flat input (one may be -1, inferred); ``None``
    infers square images. Image-shaped input must agree with it.""",
    "data_format": """\
data_format : {"auto", "channels_first", "channels_last"}, default={default}
    Layout of 4-D input: ``"channels_first"`` is ``(n, channels, height,
    width)``, skneuro's convention and PyTorch's; ``"channels_last"`` is
    ``(n, height, width, channels)``, as matplotlib, scikit-image and Keras
    hold colour images. ``"auto"`` reads it from the shape when only one of
    axes 1 and 3 has at most 4 entries, and refuses a shape that could be
    either (``(n, 3, 4, 3)``, ``(n, 16, 28, 28)``) with an error saying to
    pass the layout. Flat and ``(n, height, width)`` input are grey images
    whatever this says. See :ref:`image-layouts`.""",
    "max_epochs": """\
max_epochs : int, default={default}
    Number of passes over the training data.""",
    "lr": """\
lr : float, default={default}
    Learning rate of the optimizer.""",
    "batch_size": """\
batch_size : int or None, default={default}
    Samples per gradient step; ``None`` trains full-batch. Mini-batches are
    reshuffled every epoch.""",
    "optimizer": """\
optimizer : {"adam", "sgd"}, default={default}
    Optimizer (``torch.optim.Adam`` or ``torch.optim.SGD``).""",
    "alpha": """\
alpha : float, default={default}
    Strength of the L2 penalty on the weights (not the biases), as in
    scikit-learn: ``0.5 * alpha * sum(W**2) / n`` is added to the loss of a
    batch of total sample weight ``n``.""",
    "class_weight": """\
class_weight : dict, "balanced" or None, default={default}
    Weights of the classes in the loss, as in scikit-learn: a mapping
    label -> weight (finite, non-negative, not all zero), ``"balanced"`` for
    weights inversely proportional to class frequencies, or ``None`` for
    equal weights.""",
    "early_stopping": """\
early_stopping : bool, default={default}
    Hold out ``validation_fraction`` of the training data (stratified) and
    stop when the validation loss has not improved by ``tol`` for
    ``n_iter_no_change`` epochs; the best weights are kept. Off by default,
    so that cross-validation sees all of its training folds.""",
    "validation_fraction": """\
validation_fraction : float, default={default}
    Share of the training data held out when ``early_stopping=True``.""",
    "n_iter_no_change": """\
n_iter_no_change : int, default={default}
    Patience of early stopping, in epochs.""",
    "tol": """\
tol : float, default={default}
    Smallest decrease of the validation loss that counts as improvement.""",
    "device": """\
device : str, default={default}
    ``"auto"`` trains on CUDA when available and on the CPU otherwise;
    ``"cpu"``, ``"cuda"``, ``"cuda:N"`` or ``"mps"`` choose explicitly.
    Resolved in ``fit`` and stored as ``device_``.""",
    "precision": """\
precision : {"auto", "float32", "bfloat16", "float16"}, default={default}
    The precision training computes in. In ``"bfloat16"`` and ``"float16"``
    the forward passes of training run under :func:`torch.autocast`
    (convolutions and matrix products in 16 bits; weights, optimizer state
    and the loss in float32; float16 with loss scaling); prediction always
    computes in float32. ``"auto"`` trains the convolutional estimators in
    bfloat16 where the hardware computes in it natively (CUDA GPUs, which
    get float16 when they lack bfloat16, and CPUs with AMX or AVX512-BF16)
    and everything else in float32. ``"bfloat16"`` on a CPU without native
    support trains correctly but slowly, with a ``SlowPrecisionWarning``;
    ``"float16"`` is for CUDA only. Resolved in ``fit`` and stored as
    ``precision_``. See :ref:`precision`.""",
    "n_threads": """\
n_threads : int or None, default={default}
    Torch threads each ``fit`` computes with on the CPU. ``None`` decides in
    ``fit`` from where it runs: torch's own count (which follows
    ``OMP_NUM_THREADS``, set to ``cpu_count() // n_jobs`` in joblib's
    workers), or in a Dask worker the machine's cores shared among the task
    threads of its workers. The previous count is restored after ``fit``;
    the count used is stored as ``n_threads_``. See :ref:`scaling-out`.""",
    "random_state": """\
random_state : int, RandomState instance or None, default={default}
    Seeds weight initialisation, shuffling and the validation split. With an
    int, the global torch and numpy random states are left as they were;
    with ``None`` a seed is drawn from numpy's global generator, as
    scikit-learn does.""",
    "verbose": """\
verbose : int, default={default}
    0 is silent, 1 shows a progress bar over epochs (only in an interactive
    terminal, never inside joblib workers), 2 prints a table row per epoch.""",
    "warm_start": """\
warm_start : bool, default={default}
    When True, a further ``fit`` continues training the fitted network (same
    features and classes) instead of starting anew. A changed architecture
    is an error; a changed ``optimizer`` or ``lr`` takes effect.""",
    "callbacks": """\
callbacks : list of skorch callbacks or None, default={default}
    Extra skorch callbacks (``Callback`` instances or ``(name, callback)``
    pairs), such as learning-rate schedulers
    (``skorch.callbacks.LRScheduler``), checkpoints or gradient clipping
    (``GradientNormClipping``). Each ``fit`` trains with a copy, so the
    parameter itself never changes; the trained ones are in
    ``net_.callbacks_``.""",
}

#: Fitted attributes shared by the neural estimators, by name.
ATTRIBUTES = {
    "classes_": """\
classes_ : ndarray of shape (n_classes,)
    Class labels seen in ``fit``.""",
    "image_shape_": """\
image_shape_ : tuple of (int, int)
    Height and width of the training images.""",
    "n_channels_": """\
n_channels_ : int
    Channels of the training images.""",
    "data_format_": """\
data_format_ : {"channels_first", "channels_last"} or None
    Layout of the 4-D training images (``None`` when ``fit`` saw flat or
    ``(n, height, width)`` images); later 4-D input is read the same way.""",
    "n_features_in_": """\
n_features_in_ : int
    Number of features seen in ``fit``, as scikit-learn counts them
    (``X.shape[1]``: for images, the pixels of flat input, the height or
    the channels otherwise).""",
    "feature_names_in_": """\
feature_names_in_ : ndarray of shape (`n_features_in_`,)
    Names of the features seen in ``fit``, when ``X`` had string column
    names.""",
    "net_": """\
net_ : skorch.NeuralNet
    The trained skorch net; ``net_.module_`` is the torch module.""",
    "device_": """\
device_ : str
    Device the network was trained on.""",
    "precision_": """\
precision_ : {"float32", "bfloat16", "float16"}
    Precision the last ``fit`` trained in (``precision`` resolved).""",
    "n_threads_": """\
n_threads_ : int
    Torch threads the last ``fit`` computed with.""",
    "history_": """\
history_ : skorch.History
    One record per epoch: ``epoch``, ``train_loss``, and ``valid_loss`` with
    early stopping (``dur`` with ``verbose=2``). Per-batch records are not
    kept.""",
    "loss_curve_": """\
loss_curve_ : list of float
    Training loss of each epoch (mean over its batches, penalty included).""",
    "loss_": """\
loss_ : float
    Training loss of the last epoch.""",
    "best_loss_": """\
best_loss_ : float or None
    Lowest training loss reached; ``None`` with early stopping, as in
    scikit-learn.""",
    "n_epochs_": """\
n_epochs_ : int
    Number of epochs trained (fewer than ``max_epochs`` after early
    stopping; summed over calls with ``warm_start=True`` and over
    ``partial_fit`` calls).""",
    "n_iter_": """\
n_iter_ : int
    Same as ``n_epochs_`` (scikit-learn's name).""",
    "validation_scores_": """\
validation_scores_ : list of float or None
    Accuracy on the validation split after each epoch, with early stopping;
    ``None`` without.""",
    "best_validation_score_": """\
best_validation_score_ : float or None
    Validation accuracy of the epoch whose weights were kept, with early
    stopping; ``None`` without.""",
}

#: ``{parameters: a, b}`` on a line of its own (the names may wrap).
_PLACEHOLDER = re.compile(r"^( *)\{(parameters|attributes):([\w,\s]+)\}$", re.MULTILINE)


def _default(value):
    """A default as numpydoc writes it: strings in double quotes."""
    if isinstance(value, str):
        return f'"{value}"'
    return repr(value)


def shared_docstring(cls):
    """Expand ``{parameters: ...}`` and ``{attributes: ...}`` lines of ``cls``'s
    docstring into the shared entries (see the module's doc).

    Raises
    ------
    KeyError
        When a placeholder names an entry that is not written here, or a
        parameter that the class's ``__init__`` does not take.

    Examples
    --------
    >>> from skneuro.utils._docstring import shared_docstring
    >>> @shared_docstring
    ... class Estimator:
    ...     '''An estimator.
    ...
    ...     Parameters
    ...     ----------
    ...     {parameters: lr}
    ...     '''
    ...     def __init__(self, lr=0.5):
    ...         self.lr = lr
    >>> print(Estimator.__doc__.splitlines()[4])
        lr : float, default=0.5
    """
    signature = inspect.signature(cls.__init__).parameters

    def expand(match):
        indent, kind, names = match.groups()
        entries = []
        for name in (n.strip() for n in names.split(",")):
            if kind == "parameters":
                text = PARAMETERS[name].replace(
                    "{default}", _default(signature[name].default)
                )
            else:
                text = ATTRIBUTES[name]
            entries.append(textwrap.indent(text, indent))
        return "\n".join(entries)

    cls.__doc__ = _PLACEHOLDER.sub(expand, cls.__doc__)
    return cls
