"""The scikit-learn layer that every neural estimator in skneuro stands on.

:class:`BaseNeuralNet` declares the shared parameters, validates and encodes
the input, turns it into float32 arrays, and hands them to the training
engine (:mod:`skneuro._engine`), which owns devices, seeding, batching and the
skorch loop. After training it sets the fitted attributes. Subclasses say
what their torch module is (``_module_spec``) and, where they differ from
regression on float targets, how the target is encoded
(``_target_and_loss_scale``); see ``_classifier.py`` and ``_transformer.py``.

Every fit takes one way through here, ``_fit``: the first fit, ``partial_fit``,
warm starts, and the autoencoder's pruning, whose retraining steps are
training calls like the first (``_train``). One error layer
(``forget_fit_on_error``) decides what a failure leaves.
"""

import copy
import numbers
from abc import ABCMeta, abstractmethod
from dataclasses import dataclass
from functools import partial

import numpy as np
import torch
from sklearn.base import BaseEstimator, _fit_context
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import (
    Interval,
    InvalidParameterError,
    StrOptions,
)
from sklearn.utils.validation import check_is_fitted
from skorch.callbacks import Callback

from skneuro._engine import (
    OPTIMIZERS,
    PRECISIONS,
    EarlyStopping,
    ProgressBar,
    TrainingData,
    TrainingNet,
    check_network_size,
    decide_threads,
    local_seed,
    optimizer_kwargs,
    out_of_memory_as_error,
    predict_in_chunks,
    resolve_device,
    resolve_precision,
    torch_threads,
)
from skneuro.utils._fitted import forget_fit_on_error
from skneuro.utils._html import DocLinkMixin
from skneuro.utils._validation import check_sample_weight, validate_input

_FLOAT32_MAX = float(np.finfo(np.float32).max)


def as_float32(X, name="X"):
    """``X`` as float32, refusing values that float32 cannot hold.

    Casting would turn them into infinities, which training reports much
    later as a divergence, and prediction silently uses.
    """
    if X.dtype != np.float32 and X.size:
        largest = max(abs(float(X.max())), abs(float(X.min())))
        if largest > _FLOAT32_MAX:
            raise ValueError(
                f"{name} holds values up to {largest:.3g} in magnitude, beyond "
                f"float32's range ({_FLOAT32_MAX:.3g}); skneuro's networks "
                "compute in float32. Rescale the data first, for example "
                "with sklearn.preprocessing.StandardScaler."
            )
    return np.asarray(X, dtype=np.float32)


def checked_loss_weights(weights, name):
    """float64 per-sample ``weights`` as float32, or a clear error.

    Weights that float32 cannot hold (or whose sum it cannot), and weights
    that are zero for every sample, would only surface at the first epoch as
    a non-finite loss, reported as a divergence; ``name`` says which
    parameter they came from.
    """
    with np.errstate(over="ignore"):  # an overflow is reported below
        total = float(np.sum(weights, dtype=np.float64))
    if total == 0:
        raise ValueError(
            f"{name} gives every sample a weight of 0, so there is nothing to "
            "learn from; give some samples a positive weight."
        )
    # Finite weights (validated) give an infinite sum only by overflowing.
    if not total <= _FLOAT32_MAX:
        raise ValueError(
            f"{name} gives weights that sum to {total:.3g}, beyond float32's range "
            f"({_FLOAT32_MAX:.3g}), in which the loss is computed; rescale them "
            "(only their ratios matter)."
        )
    return weights.astype(np.float32)


class BaseNeuralNet(DocLinkMixin, BaseEstimator, metaclass=ABCMeta):
    """Base class of every skneuro neural estimator (not for direct use).

    Subclasses implement ``_module_spec(n_features, n_outputs)``, returning a
    ``torch.nn.Module`` class and its keyword arguments, and set
    ``_criterion`` (a loss class, MSE by default). A regressor needs nothing
    more than an ``__init__`` and ``predict``; classifiers and transformers
    override ``_target_and_loss_scale``, and estimators that train in
    several phases ``_train_phases`` and ``_set_fitted``.
    """

    _parameter_constraints = {
        "max_epochs": [Interval(numbers.Integral, 1, None, closed="left")],
        "lr": [Interval(numbers.Real, 0, None, closed="neither")],
        "batch_size": [Interval(numbers.Integral, 1, None, closed="left"), None],
        "optimizer": [StrOptions(set(OPTIMIZERS))],
        "alpha": [Interval(numbers.Real, 0, None, closed="left")],
        "callbacks": [list, None],
        "device": [str],
        "precision": [StrOptions(set(PRECISIONS))],
        "n_threads": [Interval(numbers.Integral, 1, None, closed="left"), None],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
        "warm_start": ["boolean"],
    }

    _criterion = torch.nn.MSELoss

    #: Whether this estimator holds out a validation split (classifiers with
    #: ``early_stopping=True``).
    _early_stopping = False

    @abstractmethod
    def _module_spec(self, n_features, n_outputs):
        """Return ``(module_class, kwargs)`` of the network to train."""

    def _validate_params(self):
        """scikit-learn's parameter checks, then what they let through: a
        bool where a number is meant (``max_epochs=True`` is an int to
        Python), and callbacks that are not skorch callbacks."""
        super()._validate_params()
        name_of = type(self).__name__
        for name, constraints in self._parameter_constraints.items():
            value = getattr(self, name, None)
            numeric = any(isinstance(c, Interval) for c in constraints)
            if numeric and "boolean" not in constraints and isinstance(value, bool):
                raise InvalidParameterError(
                    f"The {name!r} parameter of {name_of} must be a number, not "
                    f"the bool {value!r}."
                )
        for callback in self.callbacks or []:
            named = isinstance(callback, tuple) and len(callback) == 2
            if named and not isinstance(callback[0], str):
                named = False
            target = callback[1] if named else callback
            if not (
                isinstance(target, Callback)
                or (isinstance(target, type) and issubclass(target, Callback))
            ):
                raise InvalidParameterError(
                    f"The 'callbacks' parameter of {name_of} must hold skorch "
                    "callbacks (skorch.callbacks.Callback instances, or (name, "
                    f"callback) pairs); got {callback!r}."
                )

    # -- input -----------------------------------------------------------
    def _validate_X(self, X, reset):
        """Validate ``X`` like scikit-learn does and cast it to float32."""
        X = validate_input(self, X, reset=reset, dtype=[np.float32, np.float64])
        return as_float32(X)

    def _validate_Xy(self, X, y, reset):
        X, y = validate_input(
            self,
            X,
            y,
            reset=reset,
            dtype=[np.float32, np.float64],
            y_numeric=True,
            multi_output=True,
        )
        return as_float32(X), y

    def _target_and_loss_scale(self, X, y, *, warm, incremental, classes=None):
        """Encode ``y`` for the loss, and say what loss a trivial model has.

        Returns ``(target, n_outputs, loss_scale)``: the encoded target, the
        width of the module's output, and the loss of a trivial prediction
        (for the divergence guard). The base encodes regression targets:
        float32 columns, the MSE of predicting their mean as the scale.
        """
        y = as_float32(np.asarray(y, dtype=np.float64), name="y")
        target = y.reshape(len(y), -1)
        variance = float(target.var(axis=0).mean())
        return target, target.shape[1], (variance if variance > 0 else None)

    def _loss_weights(self, target, sample_weight):
        """Per-sample float32 weights of the loss (None when all weigh alike).

        ``sample_weight`` comes validated as float64 (finite, non-negative).
        """
        if sample_weight is None:
            return None
        return checked_loss_weights(sample_weight, "sample_weight")

    # -- training --------------------------------------------------------
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None, sample_weight=None):
        """Train the network on ``(X, y)``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data; cast to float32.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Targets.
        sample_weight : array-like of shape (n_samples,), default=None
            Weight of each sample in the loss.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        return self._fit(X, y, sample_weight, incremental=False)

    def _fit(self, X, y, sample_weight, *, incremental, classes=None):
        """The one way through a fit: validate, train in phases, set the state.

        With ``incremental=True`` (``partial_fit``) one epoch is trained and
        a fitted network always continues. The one error layer,
        ``forget_fit_on_error``, decides what a failure leaves: a warm fit
        or ``partial_fit`` refused before it touches the network (bad input,
        other classes, a changed architecture) leaves the fitted model as it
        was, since refusing input is no reason to lose a trained network; an
        interrupted one (Ctrl-C) keeps the fitted state of the last finished
        epoch, when there is one (``_keep_interrupted``); any other failure
        leaves no fitted state behind.
        """
        call = _FitCall(
            warm=hasattr(self, "net_") and (incremental or self.warm_start),
            incremental=incremental,
        )
        with forget_fit_on_error(
            self,
            keep_on_interrupt=partial(self._keep_interrupted, call),
            unchanged=lambda: call.warm and not call.touched,
        ):
            self._start(call, X, y, sample_weight, classes)
            with torch_threads(call.n_threads):
                self._train_phases(call)
                self._set_fitted(call)
        return self

    def _start(self, call, X, y, sample_weight, classes):
        """Validate and encode the input, and give ``call`` its network."""
        if call.warm and resolve_device(self.device) != self.device_:
            raise ValueError(
                f"warm_start=True continues the network on {self.device_!r}, "
                f"but device={self.device!r} resolves to another device; fit "
                "with warm_start=False to train anew there."
            )
        X, y = self._validate_Xy(X, y, reset=not call.warm)
        if sample_weight is not None:
            sample_weight = check_sample_weight(
                sample_weight, X, dtype=np.float64, ensure_non_negative=True
            )
        target, n_outputs, loss_scale = self._target_and_loss_scale(
            X, y, warm=call.warm, incremental=call.incremental, classes=classes
        )
        weights = self._loss_weights(target, sample_weight)
        call.X, call.arrays = X, (X, target, weights)
        call.early_stopping = self._early_stopping and not call.incremental
        if call.early_stopping:
            call.arrays, call.valid_arrays = self._validation_split(X, target, weights)
        call.device = resolve_device(self.device)
        call.precision = resolve_precision(
            self.precision,
            call.device,
            reduce_by_default=self._reduced_precision_by_default,
            owner=type(self).__name__,
        )
        random_state = check_random_state(self.random_state)
        call.seed = int(random_state.randint(np.iinfo(np.int32).max))
        call.n_threads = decide_threads(self.n_threads)
        self._start_net(call, X.shape[1], n_outputs, loss_scale)

    def _start_net(self, call, n_features, n_outputs, loss_scale):
        """The network of ``call``: the fitted one continued, or a new one
        that the memory check lets through; configured for this call."""
        device, warm = call.device, call.warm
        shape = (n_features, n_outputs)
        # _warm_net refuses a changed architecture before it changes
        # anything; from here on the network is being changed.
        net = self._warm_net(*shape) if warm else self._new_net(device, *shape)
        call.net = net
        owner = type(self).__name__
        module, module_kwargs = net.module, net.get_params_for("module")
        memory = None
        if not warm:
            # Before the module is built: refuse one that cannot fit.
            n_train = len(call.arrays[0])
            memory = check_network_size(
                module,
                module_kwargs,
                net.optimizer,
                net.get_params_for("optimizer"),
                criterion=net.criterion,
                alpha=self.alpha,
                several_batches=n_train > (self.batch_size or n_train),
                device=device,
                owner=owner,
            )
        net.precision = call.precision
        self._configure(net, loss_scale, call.early_stopping)
        # An allocator failure while building or training: the same error.
        call.out_of_memory = partial(
            out_of_memory_as_error, module, module_kwargs, device, owner, memory
        )

    def _train_phases(self, call):
        """Train ``call``'s network: ``max_epochs`` epochs (one for
        ``partial_fit``). Estimators that train in several phases override
        this (the autoencoder prunes and retrains), each phase a ``_train``."""
        self._train(call, 1 if call.incremental else self.max_epochs, call.seed)

    def _train(self, call, epochs, seed):
        """One training call: ``epochs`` epochs of ``call.net`` on its data.

        The only way an estimator trains: the first fit, ``partial_fit``,
        warm starts and every retraining step of pruning. It runs under the
        call's torch threads (which ``_fit`` holds for the whole call too,
        for what phases compute between trainings), with torch seeded by
        ``seed`` (restored after), an allocator failure
        reported as ``NetworkTooLargeError``, and the engine's divergence
        guard at the loss scale the call was configured with. The first
        call builds the module and moves the data to the device. A Ctrl-C
        leaves the net at its last finished epoch (the engine rolls it back)
        and propagates to ``_fit``'s error layer.
        """
        net = call.net
        generator = torch.Generator().manual_seed(seed)
        with torch_threads(call.n_threads), local_seed(seed, call.device):
            with call.out_of_memory():
                if not net.initialized_:
                    net.initialize()
                if call.train is None:
                    call.train = TrainingData(*call.arrays, device=call.device)
                    if call.valid_arrays is not None:
                        call.valid = TrainingData(
                            *call.valid_arrays, device=call.device
                        )
                net.partial_fit(
                    call.train, valid=call.valid, epochs=epochs, generator=generator
                )

    def _keep_interrupted(self, call):
        """The interrupt rule: after a Ctrl-C, keep the last finished epoch.

        Once training has started, the engine leaves the net at its last
        finished epoch; when there is one, it is set as the fitted state
        (for the autoencoder, of its last finished pruning step: see its
        ``_set_fitted``). Returns whether there was one to keep.
        """
        if call.train is None or not len(call.net.history):
            return False
        with torch_threads(call.n_threads):
            self._set_fitted(call)
        return True

    #: Whether ``precision="auto"`` trains in a reduced precision where the
    #: hardware computes in it natively, and whether cuDNN autotunes the
    #: training on CUDA (``skneuro._engine.precision``): the convolutional
    #: networks. The dense ones are tiny and their fast step is float64
    #: (``skneuro._engine.steps``), so they stay float32.
    _reduced_precision_by_default = False
    _cudnn_autotuning = False

    def _validation_split(self, X, target, weights):
        """Hold out ``validation_fraction`` of the data (classifiers)."""
        raise NotImplementedError

    def _new_net(self, device, n_features, n_outputs):
        module, module_kwargs = self._module_spec(n_features, n_outputs)
        return TrainingNet(
            module,
            **{f"module__{k}": v for k, v in module_kwargs.items()},
            criterion=self._criterion,
            optimizer=OPTIMIZERS[self.optimizer],
            **{
                f"optimizer__{k}": v
                for k, v in optimizer_kwargs(self.optimizer, device).items()
            },
            lr=self.lr,
            device=device,
            cudnn_benchmark=self._cudnn_autotuning,
            predict_nonlinearity=None,
            train_split=None,
            # For skorch's own forward/predict on arrays; training batches
            # come from the engine.
            iterator_valid__batch_size=1024,
            **self._net_kwargs(),
        )

    def _net_kwargs(self):
        """Further ``TrainingNet`` arguments (optimizer parameter groups)."""
        return {}

    def _warm_net(self, n_features, n_outputs):
        """The fitted net, ready to continue under the current parameters.

        A changed architecture is an error; a changed optimizer gets a new
        optimizer (its state starts afresh); a changed ``lr`` applies to
        every parameter group that ran at the previous ``lr``.
        """
        net = self.net_
        module, module_kwargs = self._module_spec(n_features, n_outputs)
        built = net.get_params_for("module")
        changed = sorted(
            k
            for k in set(module_kwargs) | set(built)
            if not _same(module_kwargs.get(k), built.get(k))
        )
        if module is not net.module or changed:
            details = ", ".join(
                f"{k}: {built.get(k)!r} -> {module_kwargs.get(k)!r}" for k in changed
            )
            raise ValueError(
                "warm_start=True continues the fitted network, but its "
                f"architecture changed ({details or 'module'}); fit with "
                "warm_start=False to train a new network."
            )
        if net.optimizer is not OPTIMIZERS[self.optimizer]:
            for key in [k for k in vars(net) if k.startswith("optimizer__")]:
                delattr(net, key)
            for key, value in optimizer_kwargs(self.optimizer, net.device).items():
                setattr(net, f"optimizer__{key}", value)
            net.optimizer = OPTIMIZERS[self.optimizer]
            net.lr = self.lr
            net.initialize_optimizer()
        elif net.lr != self.lr:
            for group in net.optimizer_.param_groups:
                if group["lr"] == net.lr:
                    group["lr"] = self.lr
            net.lr = self.lr
        return net

    def _configure(self, net, loss_scale, early_stopping):
        """Set what each training call reads from the estimator's parameters."""
        net.max_epochs = self.max_epochs
        net.batch_size = self.batch_size
        net.alpha = self.alpha
        net.loss_scale = loss_scale
        net.validation_score = self._validation_score if early_stopping else None
        # PrintLog prints only when the net is verbose.
        net.verbose = int(self.verbose >= 2)
        net.callbacks = self._callbacks(early_stopping)
        if net.initialized_:
            net.initialize_callbacks()

    #: ``score(y_pred, y_true, sample_weight)`` recorded each epoch on the
    #: validation split; a plain function, since the net pickles it.
    _validation_score = None

    def _callbacks(self, early_stopping):
        """The user's callbacks (copied: fitting must not change parameters),
        then early stopping and progress reporting."""
        callbacks = copy.deepcopy(list(self.callbacks or []))
        bar = None
        if self.verbose == 1:
            bar = ProgressBar(self.max_epochs, type(self).__name__)
        if early_stopping:
            sink = None
            if self.verbose:
                sink = bar.write if bar is not None else print
            callbacks.append(
                (
                    "early_stopping",
                    EarlyStopping(self.n_iter_no_change, self.tol, sink=sink),
                )
            )
        if bar is not None:
            callbacks.append(("progress_bar", bar))
        elif self.verbose and self.verbose >= 2:
            from skorch.callbacks import EpochTimer, PrintLog

            callbacks += [
                ("epoch_timer", EpochTimer()),
                (
                    "print_log",
                    PrintLog(keys_ignored=["train_loss_best", "valid_loss_best"]),
                ),
            ]
        return callbacks

    def _set_fitted(self, call):
        """Set the fitted attributes from ``call``'s trained network.

        Called once per fit: when it has trained, or after a Ctrl-C by the
        interrupt rule (``_keep_interrupted``).
        """
        net = call.net
        rows = list(net.history)
        self.net_ = net
        self.device_ = call.device
        self.precision_ = call.precision
        self.n_threads_ = call.n_threads
        self.history_ = net.history
        self.loss_curve_ = [row["train_loss"] for row in rows]
        self.n_epochs_ = self.n_iter_ = len(rows)
        self.loss_ = self.loss_curve_[-1]
        self.best_loss_ = None if call.early_stopping else min(self.loss_curve_)

    # -- inference -------------------------------------------------------
    def _forward(self, X):
        """Raw module outputs for validated ``X``, as a float32 numpy array."""
        return predict_in_chunks(
            self.net_.module_,
            X,
            self.device_,
            max_rows=self._predict_chunk_rows(self.device_),
        )

    def _predict_chunk_rows(self, device):
        """Most rows per prediction chunk on ``device`` (``None``: by bytes)."""
        return None

    def __sklearn_is_fitted__(self):
        return hasattr(self, "net_")

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        # Networks compute in float32 and take dense numeric input only.
        tags.input_tags.sparse = False
        tags.input_tags.allow_nan = False
        return tags

    def __setstate__(self, state):
        super().__setstate__(state)
        # skorch maps CUDA tensors to the CPU when unpickled on a machine
        # without CUDA; keep our record of the device in step with it.
        net = self.__dict__.get("net_")
        if net is not None:
            self.device_ = str(net.device)


@dataclass(eq=False)
class _FitCall:
    """What one call of ``fit`` or ``partial_fit`` works with.

    ``_fit`` makes it, ``_start`` fills it in from the input, ``_train``
    trains its network, ``_set_fitted`` reads it.
    """

    #: Whether the call continues the fitted network.
    warm: bool
    #: Whether it is ``partial_fit`` (one epoch, no early stopping).
    incremental: bool
    #: The validated input.
    X: np.ndarray = None
    #: ``(X, target, weights)`` to train on, and to validate on (or None).
    arrays: tuple = None
    valid_arrays: tuple = None
    early_stopping: bool = False
    device: str = None
    #: The resolved precision (``resolve_precision``).
    precision: str = None
    seed: int = None
    n_threads: int = None
    #: The network, once the call holds it (and may have changed it).
    net: TrainingNet = None
    #: ``out_of_memory_as_error`` for this network, to enter per training.
    out_of_memory: object = None
    #: ``arrays`` and ``valid_arrays`` on the device, from the first training.
    train: TrainingData = None
    valid: TrainingData = None
    #: What the last finished phase left, for estimators that train in
    #: phases (the autoencoder's pruning steps).
    finished: object = None

    @property
    def touched(self):
        """Whether the network is being changed (so an error loses it)."""
        return self.net is not None


def _same(a, b):
    try:
        return bool(np.all(a == b)) and np.shape(a) == np.shape(b)
    except (TypeError, ValueError):
        return a is b


def check_fitted_X(estimator, X):
    """``check_is_fitted``, then ``X`` validated against the fit, as float32."""
    check_is_fitted(estimator)
    return estimator._validate_X(X, reset=False)
