"""The one skorch-backed base that every neural estimator in skneuro uses.

It owns what all of them share: parameter validation, input validation and
float32 casting, label encoding (classifiers), device resolution, local
seeding, in-memory batching, the training loop through skorch, the training
history, the non-finite-loss guard and device-safe pickling. Subclasses
describe only their torch module (``_module_spec``) and, when needed, how
their input is shaped.
"""

import math
import multiprocessing
import numbers
import sys
import threading
from abc import ABCMeta, abstractmethod
from contextlib import contextmanager

import numpy as np
import torch
from scipy.special import softmax
from sklearn.base import BaseEstimator, ClassifierMixin, _fit_context
from sklearn.model_selection import train_test_split
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.class_weight import compute_class_weight
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data
from skorch import NeuralNet
from skorch.callbacks import Callback, EarlyStopping, EpochTimer, PrintLog

from skneuro.utils._fitted import forget_fit_on_error

OPTIMIZERS = {"adam": torch.optim.Adam, "sgd": torch.optim.SGD}


def _optimizer_kwargs(name, device):
    """Fast-path options for the optimizer on ``device``.

    Adam's fused kernel updates every parameter in one call instead of about
    ten small ops per parameter tensor; on small networks that is a third of
    an epoch. CPU support for it arrived in torch 2.4.
    """
    if name != "adam":
        return {}
    if torch.device(device).type == "cuda" or (
        torch.torch_version.TorchVersion(torch.__version__) >= "2.4"
        and torch.device(device).type == "cpu"
    ):
        return {"optimizer__fused": True}
    return {}


def resolve_device(device):
    """Turn the ``device`` parameter into a concrete torch device string.

    ``"auto"`` picks CUDA when it is available and the CPU otherwise. An
    explicit device that this machine lacks is an error, raised before any
    training.

    Parameters
    ----------
    device : str
        ``"auto"``, or anything :class:`torch.device` accepts (``"cpu"``,
        ``"cuda"``, ``"cuda:1"``, ...).

    Returns
    -------
    device : str
        The device to train on.

    Examples
    --------
    >>> from skneuro.neural_network._base import resolve_device
    >>> resolve_device("cpu")
    'cpu'
    """
    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    try:
        parsed = torch.device(device)
    except (RuntimeError, TypeError) as exc:
        raise ValueError(
            f"device={device!r} is not a device torch knows; use 'auto', 'cpu' "
            "or 'cuda'."
        ) from exc
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
def _local_torch_seed(seed, device):
    """Seed torch inside the block and restore the global RNG state after it."""
    if torch.device(device).type == "cuda":
        # torch.manual_seed seeds every CUDA device: restore them all.
        devices = list(range(torch.cuda.device_count()))
        fork = torch.random.fork_rng(devices=devices, device_type="cuda")
    else:
        fork = torch.random.fork_rng(devices=[])
    with fork:
        torch.manual_seed(seed)
        yield


class _TensorDataset(torch.utils.data.Dataset):
    """Arrays held as tensors, moved to the training device once."""

    def __init__(self, X, y=None):
        self.X = torch.as_tensor(X)
        self.y = None if y is None else torch.as_tensor(y)

    def __len__(self):
        return len(self.X)

    def __getitem__(self, i):
        return self.X[i], (self.y[i] if self.y is not None else torch.empty(0))


class _TensorBatches:
    """Batches sliced straight from in-memory tensors.

    This replaces skorch's default ``DataLoader``: for data that already sits in
    memory, per-sample indexing and collation cost more than the model itself.
    A batch is a slice (or, when shuffling, one fancy-index per batch); a batch
    as large as the data is the data itself, with no copy.
    """

    def __init__(self, dataset, batch_size, shuffle=False, generator=None):
        self.dataset = dataset
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.generator = generator

    def __len__(self):
        return math.ceil(len(self.dataset) / self.batch_size)

    def __iter__(self):
        X, y = self.dataset.X, self.dataset.y
        n, size = len(X), self.batch_size
        if size >= n:
            yield X, y
            return
        if self.shuffle:
            order = torch.randperm(n, generator=self.generator).to(X.device)
            for start in range(0, n, size):
                index = order[start : start + size]
                yield X[index], (None if y is None else y[index])
        else:
            for start in range(0, n, size):
                stop = start + size
                yield X[start:stop], (None if y is None else y[start:stop])


def _silent(*args, **kwargs):
    """A sink that prints nothing (picklable, unlike a lambda)."""


#: Training stops when the epoch loss exceeds this multiple of the first
#: epoch's loss: such growth means the optimisation diverged, even while the
#: loss is still finite (cross-entropy with saturated logits stays finite).
_DIVERGENCE_FACTOR = 1e4


def _diverged(net):
    return (
        "The optimisation diverged; try a lower learning rate than "
        f"lr={net.lr!r}, or scale the input features."
    )


def _pack_parameters(params):
    """Lay ``params`` and their gradients out in one flat buffer each.

    Returns a flat ``Parameter`` whose storage holds every parameter (each one
    becomes a view of it) and whose ``.grad`` holds every gradient (autograd
    accumulates into the views in place). The optimizer then updates one
    tensor instead of one per layer: fused Adam makes one kernel call and its
    per-tensor bookkeeping happens once, which on small networks is about a
    sixth of an epoch. This is the layout of DDP's ``gradient_as_bucket_view``.
    Returns None (leave the parameters alone) when there is only one, or when
    they do not share one dtype and device.
    """
    params = list(params)
    if len(params) < 2 or len({(p.dtype, p.device) for p in params}) != 1:
        return None
    flat = torch.nn.Parameter(
        torch.empty(
            sum(p.numel() for p in params),
            dtype=params[0].dtype,
            device=params[0].device,
        )
    )
    _attach_to_flat(params, flat)
    return flat


def _detach_from_flat(params, flat):
    """Give every parameter its own storage again; empty the packed buffer.

    Outside training, a parameter that is a view of the packed buffer would
    drag the whole buffer into every pickle of it (plain pickle does not share
    storages between tensors), and the buffer itself would be one more copy of
    the weights. The optimizer keeps the (empty) flat Parameter and its state;
    the next training call packs the current values back into it.
    """
    with torch.no_grad():
        for p in params:
            p.data = p.data.clone()
            p.grad = None
    flat.data = flat.data.new_empty(0)
    flat.grad = None


def _attach_to_flat(params, flat):
    """Make ``params`` (and their gradients) views of ``flat`` (and its grad).

    Current parameter values are copied into ``flat``. Idempotent.
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
            data = flat.data[offset : offset + size].view_as(p)
            if p.data_ptr() != data.data_ptr():
                data.copy_(p.data)
                p.data = data
            grad = flat.grad[offset : offset + size].view_as(p)
            if p.grad is None or p.grad.data_ptr() != grad.data_ptr():
                p.grad = grad
            offset += size


class _Net(NeuralNet):
    """skorch's NeuralNet trimmed for in-memory data, through its own hooks.

    - ``get_default_callbacks``: none. The estimator adds exactly the
      callbacks it needs; skorch's defaults (timer, two scorers, print log)
      cost about as much per epoch as a whole small full-batch epoch.
    - ``run_single_epoch``: the loss is summed on the device and read once per
      epoch (one host sync, not one per batch), recorded as ``train_loss`` /
      ``valid_loss``, and a non-finite value stops training with an error
      that names the epoch. No per-batch history rows are kept.
    - ``train_step``: one plain optimizer step (Adam and SGD need no
      closure). When the module computes its own cross-entropy gradients
      (``MLPModule.cross_entropy_step``), autograd is bypassed: on small
      networks its bookkeeping costs as much as the arithmetic.
    """

    def get_default_callbacks(self):
        return []

    def _packed(self):
        """The module's parameters and the flat Parameter the optimizer holds."""
        params = [p for _, p in NeuralNet.get_all_learnable_params(self)]
        groups = self.optimizer_.param_groups
        # initialize_optimizer packs exactly when there are several parameters.
        if len(params) < 2 or len(groups) != 1 or len(groups[0]["params"]) != 1:
            return params, None
        return params, groups[0]["params"][0]

    def initialize_optimizer(self, triggered_directly=None):
        named = list(NeuralNet.get_all_learnable_params(self))
        flat = _pack_parameters(p for _, p in named)
        if flat is not None:
            named = [("packed_parameters", flat)]
        args, kwargs = self.get_params_for_optimizer("optimizer", named)
        self.optimizer_ = self.optimizer(*args, **kwargs)
        return self

    #: Device of the training tensors, set when training starts.
    _train_device = None
    #: Index in the history of this training call's first epoch.
    _first_epoch = 0

    def fit_loop(self, X, y=None, epochs=None, **fit_params):
        params, flat = self._packed()
        if flat is not None:
            _attach_to_flat(params, flat)
        self._train_device = X.device if isinstance(X, torch.Tensor) else None
        self._first_epoch = len(self.history)
        self._analytic_step = self._has_analytic_step()
        try:
            return super().fit_loop(X, y, epochs=epochs, **fit_params)
        finally:
            if flat is not None:
                _detach_from_flat(params, flat)

    def on_epoch_begin(self, net, dataset_train=None, dataset_valid=None, **kwargs):
        # What skorch's History.new_epoch and record("epoch") do, without
        # History's fancy indexing.
        rows = self.history
        list.append(rows, {"batches": [], "epoch": len(rows) + 1})

    def infer(self, x, **fit_params):
        # Training batches are tensors already on the device (_TensorBatches):
        # skip skorch's conversions. Anything else (a user calling
        # net_.forward on arrays) takes skorch's general path.
        if isinstance(x, torch.Tensor) and x.device == self._train_device:
            return self.module_(x, **fit_params)
        return super().infer(x, **fit_params)

    def get_loss(self, y_pred, y_true, X=None, training=False):
        if isinstance(y_true, torch.Tensor) and y_true.device == self._train_device:
            return self.criterion_(y_pred, y_true)
        return super().get_loss(y_pred, y_true, X=X, training=training)

    def on_batch_begin(self, net, batch=None, training=False, **kwargs):
        # skorch opens a per-batch history row here; epoch rows are enough.
        pass

    #: Whether train_step uses the module's explicit backward pass.
    _analytic_step = False

    def _has_analytic_step(self):
        """True when the module computes plain cross-entropy gradients itself.

        Modules may offer ``cross_entropy_step(X, y, weight)`` (see
        ``MLPModule``): the loss and every parameter's gradient, computed
        without autograd. It is used only for the criterion it reproduces
        exactly, and only when every parameter is trained.
        """
        criterion = self.criterion_
        return (
            callable(getattr(self.module_, "cross_entropy_step", None))
            and type(criterion) is torch.nn.CrossEntropyLoss
            and criterion.reduction == "mean"
            and criterion.label_smoothing == 0.0
            and all(p.requires_grad for p in self.module_.parameters())
        )

    def train_step(self, batch, **fit_params):
        Xi, yi = batch
        if (
            self._analytic_step
            and not fit_params
            and isinstance(Xi, torch.Tensor)
            and Xi.device == self._train_device
        ):
            loss, y_pred = self.module_.cross_entropy_step(
                Xi, yi, weight=self.criterion_.weight
            )
            self.optimizer_.step()
            return {"loss": loss, "y_pred": y_pred}
        # In place: the gradients are views of the packed buffer.
        self.optimizer_.zero_grad(set_to_none=False)
        y_pred = self.infer(Xi, **fit_params)
        loss = self.get_loss(y_pred, yi, X=Xi, training=True)
        loss.backward()
        self.optimizer_.step()
        return {"loss": loss, "y_pred": y_pred}

    def run_single_epoch(self, iterator, training, prefix, step_fn, **fit_params):
        if iterator is None:
            return
        if self.module_.training != training:
            self._set_training(training)
        losses, sizes = [], []
        for batch in iterator:
            self.notify("on_batch_begin", batch=batch, training=training)
            step = step_fn(batch, **fit_params)
            losses.append(step["loss"].detach())
            sizes.append(len(batch[0]))
            self.notify("on_batch_end", batch=batch, training=training, **step)
        if len(losses) == 1:
            loss = losses[0].item()
        else:
            weights = torch.tensor(
                sizes, dtype=losses[0].dtype, device=losses[0].device
            )
            loss = (torch.stack(losses) * weights).sum().item() / sum(sizes)
        # skorch's History is a list of dicts; its fancy indexing costs more
        # per epoch than a small model's forward pass, so index it as a list.
        rows = self.history
        list.__getitem__(rows, -1)[prefix + "_loss"] = loss
        if not math.isfinite(loss):
            raise FloatingPointError(
                f"Training stopped: the {prefix} loss became {loss} at epoch "
                f"{len(rows)}. {_diverged(self)}"
            )
        first = list.__getitem__(rows, self._first_epoch).get(prefix + "_loss")
        if first is not None and loss > _DIVERGENCE_FACTOR * max(first, 1e-12):
            raise FloatingPointError(
                f"Training stopped: the {prefix} loss grew from {first:.4g} at "
                f"epoch {self._first_epoch + 1} to {loss:.4g} at epoch "
                f"{len(rows)}, more than "
                f"{_DIVERGENCE_FACTOR:g} times. {_diverged(self)}"
            )


def _quiet_environment():
    """True inside joblib/multiprocessing workers, threads or without a terminal."""
    if multiprocessing.parent_process() is not None:
        return True
    if threading.current_thread() is not threading.main_thread():
        return True
    stream = sys.stderr
    return not (hasattr(stream, "isatty") and stream.isatty())


class _ProgressBar(Callback):
    """A tqdm bar over epochs, silent where nobody could watch it."""

    def __init__(self, total, desc):
        self.total = total
        self.desc = desc
        self.bar_ = None

    def on_train_begin(self, net, **kwargs):
        from tqdm.auto import tqdm

        self.bar_ = tqdm(
            total=self.total, desc=self.desc, unit="epoch", disable=_quiet_environment()
        )

    def on_epoch_end(self, net, **kwargs):
        self.bar_.set_postfix(
            loss=f"{net.history[-1].get('train_loss', math.nan):.4g}", refresh=False
        )
        self.bar_.update(1)

    def on_train_end(self, net, **kwargs):
        self.close()

    def close(self):
        if self.bar_ is not None:
            self.bar_.close()
            self.bar_ = None


class BaseNeuralNet(BaseEstimator, metaclass=ABCMeta):
    """Base class of every skneuro neural estimator (not for direct use).

    Subclasses implement ``_module_spec(n_features, n_outputs)``, returning a
    ``torch.nn.Module`` class and its keyword arguments (skorch builds it, in
    the estimator's seeded context), and set ``_criterion`` (a loss class).
    They may override ``_validate_X`` to accept other input layouts.
    """

    _parameter_constraints = {
        "max_epochs": [Interval(numbers.Integral, 1, None, closed="left")],
        "lr": [Interval(numbers.Real, 0, None, closed="neither")],
        "batch_size": [Interval(numbers.Integral, 1, None, closed="left"), None],
        "optimizer": [StrOptions(set(OPTIMIZERS))],
        "device": [str],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
        "warm_start": ["boolean"],
    }

    _criterion = torch.nn.MSELoss

    @abstractmethod
    def _module_spec(self, n_features, n_outputs):
        """Return ``(module_class, kwargs)`` of the network to train."""

    # -- input -----------------------------------------------------------
    def _validate_X(self, X, reset):
        """Validate ``X`` like scikit-learn does and cast it to float32."""
        X = validate_data(self, X, reset=reset, dtype=[np.float32, np.float64])
        return np.asarray(X, dtype=np.float32)

    # -- training --------------------------------------------------------
    def _callbacks(self, early_stopping=False):
        name = type(self).__name__
        callbacks = []
        if early_stopping:
            callbacks.append(
                (
                    "early_stopping",
                    EarlyStopping(
                        monitor="valid_loss",
                        patience=self.n_iter_no_change,
                        threshold=self.tol,
                        threshold_mode="abs",
                        load_best=True,
                        sink=print if self.verbose else _silent,
                    ),
                )
            )
        if self.verbose == 1:
            callbacks.append(("progress_bar", _ProgressBar(self.max_epochs, name)))
        elif self.verbose and self.verbose >= 2:
            callbacks += [
                ("epoch_timer", EpochTimer()),
                ("print_log", PrintLog(keys_ignored=["batches"])),
            ]
        return callbacks

    def _fit_net(
        self, X, y, *, n_outputs, criterion_kwargs=None, valid=None, warm=False
    ):
        """Train the torch module on ``(X, y)`` through a skorch net.

        ``X`` is a float32 array, ``y`` the encoded target, ``valid`` an
        optional ``(X_valid, y_valid)`` pair. With ``warm=True`` the existing
        ``net_`` keeps training. The fitted attributes are set only once
        training has finished without error.
        """
        device = resolve_device(self.device)
        seed = int(
            check_random_state(self.random_state).randint(np.iinfo(np.int32).max)
        )
        generator = torch.Generator().manual_seed(seed)
        X_t = torch.as_tensor(X).to(device)
        y_t = torch.as_tensor(y).to(device)
        batch_size = len(X) if self.batch_size is None else self.batch_size
        callbacks = self._callbacks(early_stopping=valid is not None)
        train_split = None
        if valid is not None:
            valid_set = _TensorDataset(*(torch.as_tensor(v).to(device) for v in valid))
            train_split = _PartialSplit(valid_set)

        with _local_torch_seed(seed, device):
            if warm:
                net = self.net_
                # Plain attributes: skorch's set_params would re-initialise.
                net.lr = self.lr
                for group in net.optimizer_.param_groups:
                    group["lr"] = self.lr
                net.max_epochs = self.max_epochs
                net.batch_size = batch_size
                net.iterator_train__generator = generator
                net.verbose = int(self.verbose >= 2)
                net.train_split = train_split
                net.callbacks = callbacks
                net.initialize_callbacks()
                if hasattr(net.criterion_, "weight"):
                    weight = (criterion_kwargs or {}).get("weight")
                    net.criterion_.weight = (
                        None if weight is None else torch.as_tensor(weight).to(device)
                    )
            else:
                criterion_kwargs = {
                    key: (
                        torch.as_tensor(value).to(device)
                        if isinstance(value, np.ndarray)
                        else value
                    )
                    for key, value in (criterion_kwargs or {}).items()
                }
                module, module_kwargs = self._module_spec(X.shape[1], n_outputs)
                net = _Net(
                    module=module,
                    **{f"module__{k}": v for k, v in module_kwargs.items()},
                    criterion=self._criterion(**criterion_kwargs),
                    optimizer=OPTIMIZERS[self.optimizer],
                    **_optimizer_kwargs(self.optimizer, device),
                    lr=self.lr,
                    max_epochs=self.max_epochs,
                    batch_size=batch_size,
                    iterator_train=_TensorBatches,
                    iterator_valid=_TensorBatches,
                    iterator_train__shuffle=True,
                    iterator_train__generator=generator,
                    dataset=_TensorDataset,
                    train_split=train_split,
                    callbacks=callbacks,
                    predict_nonlinearity=None,
                    device=device,
                    verbose=int(self.verbose >= 2),
                )
                net.initialize()
            try:
                net.partial_fit(X_t, y_t)
            finally:
                for _, callback in callbacks:
                    if isinstance(callback, _ProgressBar):
                        callback.close()
                # Do not keep the validation data (or its device memory) alive.
                net.train_split = None
        if not all(torch.isfinite(p).all() for p in net.module_.parameters()):
            raise FloatingPointError(
                "Training stopped: the network weights became non-finite by "
                f"epoch {len(net.history)}. {_diverged(net)}"
            )

        self.net_ = net
        self.device_ = device
        self.history_ = net.history
        self.loss_curve_ = [row["train_loss"] for row in net.history]
        self.n_epochs_ = len(net.history)
        return self

    # -- inference -------------------------------------------------------
    def _forward(self, X):
        """Raw module outputs for validated ``X``, as a float32 numpy array."""
        X = torch.as_tensor(X)
        module = self.net_.module_
        was_training = module.training
        module.eval()
        batch = len(X) if self.batch_size is None else max(self.batch_size, 1024)
        outputs = []
        with torch.inference_mode():
            for start in range(0, len(X), max(batch, 1)):
                chunk = X[start : start + batch].to(self.device_)
                outputs.append(module(chunk).cpu())
        module.train(was_training)
        return torch.cat(outputs).numpy()

    def __sklearn_is_fitted__(self):
        return hasattr(self, "net_")

    def __setstate__(self, state):
        super().__setstate__(state)
        # skorch maps CUDA tensors to the CPU when unpickled on a machine
        # without CUDA; keep our record of the device in step with it.
        net = self.__dict__.get("net_")
        if net is not None:
            self.device_ = str(net.device)


class _PartialSplit:
    """Picklable ``train_split`` returning a fixed validation set."""

    def __init__(self, valid):
        self.valid = valid

    def __call__(self, dataset, y=None, **kwargs):
        return dataset, self.valid


class BaseNeuralClassifier(ClassifierMixin, BaseNeuralNet):
    """Base class of the neural classifiers: labels, class weights, early stopping."""

    _parameter_constraints = {
        **BaseNeuralNet._parameter_constraints,
        "class_weight": [dict, StrOptions({"balanced"}), None],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(numbers.Real, 0, 1, closed="neither")],
        "n_iter_no_change": [Interval(numbers.Integral, 1, None, closed="left")],
        "tol": [Interval(numbers.Real, 0, None, closed="left")],
    }

    _criterion = torch.nn.CrossEntropyLoss

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y):
        """Train the network on ``(X, y)``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data; cast to float32.
        y : array-like of shape (n_samples,)
            Class labels of any type.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        warm = self.warm_start and hasattr(self, "net_")
        if warm and resolve_device(self.device) != self.device_:
            raise ValueError(
                f"warm_start=True continues the network on {self.device_!r}, but "
                f"device={self.device!r} resolves to another device; fit with "
                "warm_start=False to train anew there."
            )
        # Whatever failed, no half-updated model is left behind.
        with forget_fit_on_error(self):
            self._fit_classifier(X, y, warm)
        return self

    def _fit_classifier(self, X, y, warm):
        previous_classes = self.classes_ if warm else None
        X, y = self._validate_Xy(X, y, reset=not warm)
        check_classification_targets(y)
        classes, y_encoded = np.unique(y, return_inverse=True)
        if len(classes) < 2:
            raise ValueError(
                f"{type(self).__name__} needs samples of at least 2 classes in the "
                f"data, but the data contain only one class: {classes[0]!r}."
            )
        if warm and not np.array_equal(previous_classes, classes):
            raise ValueError(
                "warm_start=True needs the same classes as the previous fit: "
                f"got {classes.tolist()}, expected {previous_classes.tolist()}."
            )
        criterion_kwargs = {}
        if self.class_weight is not None:
            weights = compute_class_weight(self.class_weight, classes=classes, y=y)
            criterion_kwargs["weight"] = weights.astype(np.float32)
        y_encoded = y_encoded.astype(np.int64)
        valid = None
        if self.early_stopping:
            X, X_valid, y_encoded, y_valid = train_test_split(
                X,
                y_encoded,
                test_size=self.validation_fraction,
                stratify=y_encoded,
                random_state=check_random_state(self.random_state),
            )
            valid = (X_valid, y_valid)
        self._fit_net(
            X,
            y_encoded,
            n_outputs=len(classes),
            criterion_kwargs=criterion_kwargs,
            valid=valid,
            warm=warm,
        )
        self.classes_ = classes

    def _validate_Xy(self, X, y, reset):
        X, y = validate_data(
            self, X, y, reset=reset, dtype=[np.float32, np.float64], y_numeric=False
        )
        return np.asarray(X, dtype=np.float32), y

    def predict_proba(self, X):
        """Class probabilities (softmax of the network's outputs).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Input data.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Probability of each class, columns ordered as ``classes_``.
        """
        check_is_fitted(self)
        logits = self._forward(self._validate_X(X, reset=False))
        return softmax(logits.astype(np.float64), axis=1)

    def predict(self, X):
        """Predict class labels.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Input data.

        Returns
        -------
        y : ndarray of shape (n_samples,)
            Predicted labels, taken from ``classes_``.
        """
        check_is_fitted(self)
        logits = self._forward(self._validate_X(X, reset=False))
        return self.classes_[np.argmax(logits, axis=1)]
