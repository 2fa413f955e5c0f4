"""The skorch net that trains every skneuro estimator.

:class:`TrainingNet` changes skorch's loop through its own hooks, never by
copying it:

- no default callbacks: skorch's timer, scorers and print log cost about as
  much per epoch as a whole small full-batch epoch; the estimator adds what
  it needs;
- batches come from :class:`~skneuro._engine.data.TrainingData` (in memory or
  streamed), each ``(X, y, sample_weight)``;
- the loss of a batch is the criterion, weighted by the samples' weights,
  through the module's ``training_loss`` hook when it has one (a module whose
  training output is a tuple, such as GoogLeNet's auxiliary logits), plus
  an L2 penalty ``alpha`` on the weights;
- losses are summed on the device and read once per epoch, recorded as
  ``train_loss`` / ``valid_loss`` (and ``valid_score``); only epoch rows
  are kept in the history;
- the divergence guard compares the loss with a scale the estimator gives
  (the loss of predicting the mean, or a uniform guess), never with the
  first loss, which a warm-started or tiny-scaled model makes arbitrarily
  small;
- parameters are packed per optimizer group (:mod:`.packing`), and the
  analytic cross-entropy step (:mod:`.steps`) is used where it is exact;
  these and the loop's other fast paths, which lean on torch's or skorch's
  internals, switch off together with ``SKNEURO_FAST_PATHS=0``
  (:mod:`.fast_paths`);
- batch-norm statistics are recomputed for the final weights when training
  ends (:mod:`.batchnorm`);
- a net given ``precision="bfloat16"`` or ``"float16"`` trains its forward
  passes under autocast, and one given ``cudnn_benchmark=True`` with cuDNN
  autotuning on CUDA (:mod:`.precision`);
- Ctrl-C is told apart from a callback's request to stop (skorch's
  callbacks raise ``KeyboardInterrupt`` for that): a user's interrupt rolls
  the net back to the end of its last finished epoch and propagates.

What one training call decides at its start (the fast paths, the step, the
packed buffers, the Ctrl-C watch and checkpoint, the divergence count) lives
in a :class:`TrainingCall`, made by ``fit_loop`` and dropped when it ends;
what lasts from one call to the next (the packing layout, the best losses,
the gradient scaler) lives on the net.
"""

import math
from dataclasses import dataclass, field
from functools import partial

import torch
from skorch import NeuralNet
from skorch.callbacks import Callback
from skorch.utils import TeeGenerator

from skneuro._engine import fast_paths, packing, steps
from skneuro._engine.batchnorm import recompute_batch_norm_statistics
from skneuro._engine.interrupt import EpochCheckpoint, InterruptWatch
from skneuro._engine.optim import optimizer_step
from skneuro._engine.precision import (
    autocast_dtype,
    cudnn_autotuning,
    needs_grad_scaler,
)

#: The loss counts as diverged above this multiple of the larger of the net's
#: loss scale and this call's first epoch loss (cross-entropy with saturated
#: logits stays finite while it explodes) ...
DIVERGENCE_FACTOR = 1e3
#: ... once it has stayed there this many epochs in a row, or when training
#: ends there. A spike that recovers sooner is left alone.
DIVERGENCE_PATIENCE = 10


def weighted_loss(criterion, y_pred, y_true, sample_weight):
    """``criterion`` per sample, averaged with ``sample_weight``.

    Each sample's loss is the criterion's mean over its own elements, so that
    with equal weights this is the criterion's own ``"mean"``; a weight of 0
    drops a sample and a weight of 2 counts it twice.
    """
    reduction = criterion.reduction
    criterion.reduction = "none"
    try:
        per_sample = criterion(y_pred, y_true)
    finally:
        criterion.reduction = reduction
    per_sample = per_sample.reshape(len(sample_weight), -1).mean(dim=1)
    return (per_sample * sample_weight).sum() / sample_weight.sum()


def _diverged_hint(net):
    return (
        "The optimisation diverged; try a lower learning rate than "
        f"lr={net.lr!r}, or scale the input features."
    )


def _weighted_mean(values, weights):
    """Mean of per-batch means ``values`` (0-d tensors), weighted by batch weight."""
    if len(values) == 1:
        return values[0]
    values = torch.stack(values)
    if torch.is_tensor(weights[0]):
        weights = torch.stack(weights)
    else:
        weights = torch.tensor(weights, dtype=values.dtype, device=values.device)
    return (values * weights).sum() / weights.sum()


@dataclass(eq=False)
class TrainingCall:
    """The scratch of one training call, decided at its start.

    ``fit_loop`` makes it and holds it as ``net.training_call_`` while the
    call runs, for skorch's hooks and the callbacks, which the loop cannot
    hand it to; it is dropped when the call ends (and from a pickle).

    Attributes
    ----------
    fast : bool
        Whether the fast paths are on (:func:`.fast_paths.enabled`, read
        once, at the start of the call).
    packs : list of (list of Parameter, Parameter)
        The packed parameters and the flat buffer of each packed optimizer
        group (:mod:`.packing`); empty when nothing is packed.
    analytic_layers : list of Module or None
        The layers the analytic cross-entropy step trains (:mod:`.steps`);
        ``None`` trains through autograd.
    penalized : list of Parameter
        The weights the L2 penalty ``alpha`` applies to (empty without one).
    grad_listeners : bool
        Whether a callback listens to ``on_grad_computed``.
    interrupt : InterruptWatch or None
        The Ctrl-C watch of the epochs under way.
    checkpoint : EpochCheckpoint or None
        The state to go back to on Ctrl-C.
    epochs_over_limit : int
        Epochs in a row whose loss was above ``divergence_limit``.
    divergence_limit : float or None
        The divergence guard's limit, set by the call's first epoch.
    """

    fast: bool
    packs: list = field(default_factory=list)
    analytic_layers: list | None = None
    penalized: list = field(default_factory=list)
    grad_listeners: bool = False
    interrupt: InterruptWatch | None = None
    checkpoint: EpochCheckpoint | None = None
    epochs_over_limit: int = 0
    divergence_limit: float | None = None

    @property
    def set_to_none(self):
        """Whether ``zero_grad`` drops the gradients: yes, unless they are
        views of a packed buffer, which are zeroed in place."""
        return not self.packs


class TrainingNet(NeuralNet):
    """skorch's ``NeuralNet`` with skneuro's training loop (see the module doc).

    Parameters
    ----------
    module, criterion, **kwargs
        As for :class:`skorch.NeuralNet`.
    alpha : float, default=0.0
        L2 penalty ``0.5 * alpha * sum(W**2)`` over the weights of dimension
        2 or more (not biases or normalisation scales), divided by the
        batch's total sample weight, as scikit-learn's MLPs do.
    pack_parameters : bool, default=True
        Pack each optimizer group's trainable parameters into one buffer.
    loss_scale : float or None, default=None
        The loss of a trivial prediction; the divergence guard stops training
        when the loss stays above ``DIVERGENCE_FACTOR`` times it. ``None``
        stops only on non-finite losses.
    validation_score : callable or None, default=None
        ``score(y_pred, y_true, sample_weight) -> 0-d tensor``, the weighted
        mean score of a validation batch (accuracy for classifiers), recorded
        as ``valid_score``.
    precision : {"float32", "bfloat16", "float16"}, default="float32"
        A resolved precision (:func:`.precision.resolve_precision`): the
        forward passes of training run under autocast in the reduced ones;
        weights, optimizer state and the loss stay float32. The analytic
        step (:mod:`.steps`) is float32-only.
    cudnn_benchmark : bool, default=False
        Let cuDNN autotune its convolutions during training on CUDA.

    Attributes
    ----------
    training_call_ : TrainingCall or None
        The training call under way; ``None`` outside one.
    pack_layout_ : list or None
        Per optimizer group, the names of the parameters packed into its
        flat buffer (:func:`.packing.pack_groups`), decided when the
        optimizer is built; ``None`` when nothing is packed.
    best_losses_ : dict
        The lowest ``train`` and ``valid`` losses over the whole history,
        for skorch's ``*_loss_best`` flags.
    autocast_dtype_ : torch.dtype or None
        The reduced precision the latest training call ran its forward
        passes in (:mod:`.precision`); ``None`` for float32.
    grad_scaler_ : torch.amp.GradScaler or None
        The loss scaler of float16 training, kept across calls.

    Examples
    --------
    >>> import numpy as np, torch
    >>> from skneuro._engine import TrainingData, TrainingNet
    >>> X = np.random.default_rng(0).normal(size=(64, 3)).astype(np.float32)
    >>> y = X @ np.float32([1, -2, 0.5])
    >>> net = TrainingNet(torch.nn.Linear, module__in_features=3,
    ...                   module__out_features=1, criterion=torch.nn.MSELoss,
    ...                   optimizer=torch.optim.Adam, lr=0.1, max_epochs=200)
    >>> net = net.partial_fit(TrainingData(X, y[:, None]))
    >>> net.history[-1]["train_loss"] < 1e-3
    True
    """

    def __init__(
        self,
        module,
        *args,
        alpha=0.0,
        pack_parameters=True,
        loss_scale=None,
        validation_score=None,
        precision="float32",
        cudnn_benchmark=False,
        **kwargs,
    ):
        super().__init__(module, *args, **kwargs)
        self.alpha = alpha
        self.pack_parameters = pack_parameters
        self.loss_scale = loss_scale
        self.validation_score = validation_score
        self.precision = precision
        self.cudnn_benchmark = cudnn_benchmark

    #: The training call under way (a class default: no call yet).
    training_call_ = None

    def get_default_callbacks(self):
        return []

    def __getstate__(self):
        state = super().__getstate__()
        # A call's scratch does not outlive it, not even in a pickle taken
        # while it runs (a checkpoint callback's).
        state.pop("training_call_", None)
        return state

    @property
    def analytic_layers_(self):
        """The layers the analytic step trains in the call under way.

        ``None`` when the call trains through autograd, or outside a call;
        for callbacks that check which step runs (a view of
        ``training_call_.analytic_layers``).
        """
        call = self.training_call_
        return None if call is None else call.analytic_layers

    def _fast(self):
        """Whether the fast paths are on: the call's decision while one runs."""
        call = self.training_call_
        return fast_paths.enabled() if call is None else call.fast

    # -- optimizer and packing ------------------------------------------
    def initialize_optimizer(self, triggered_directly=None):
        named = list(self.get_all_learnable_params())
        args, kwargs = self.get_params_for_optimizer("optimizer", named)
        self.pack_layout_ = None
        if self.pack_parameters and self._fast():
            name_of = {id(p): name for name, p in named}
            groups = args[0]
            self.pack_layout_ = packing.pack_groups(
                [(g, [name_of[id(p)] for p in g["params"]]) for g in groups]
            )
        self.optimizer_ = self.optimizer(*args, **kwargs)
        return self

    def _packs(self):
        """``(params, flat)`` of each packed optimizer group."""
        layout = getattr(self, "pack_layout_", None)
        if not layout:
            return []
        named = dict(self.get_all_learnable_params())
        if any(name not in named for names in layout if names for name in names):
            # The module changed since the optimizer was built (a layer was
            # inserted, say): build it anew for the module as it is.
            self.initialize_optimizer()
            return self._packs()
        return [
            ([named[name] for name in names], group["params"][0])
            for names, group in zip(layout, self.optimizer_.param_groups, strict=True)
            if names
        ]

    def _unpack_optimizer(self):
        """Build the optimizer anew without flat buffers, keeping its state.

        For a call with the fast paths off on a net whose optimizer packed
        its parameters (built while they were on): the moments and step
        counts of each packed group are split back over its parameters.
        """
        old, layout = self.optimizer_, self.pack_layout_
        self.initialize_optimizer()
        named = dict(self.get_all_learnable_params())
        packing.unpack_state(old, layout, named, self.optimizer_)

    # -- the loop -------------------------------------------------------
    def partial_fit(
        self, X, y=None, classes=None, *, valid=None, epochs=None, generator=None
    ):
        """Train on ``X`` (a ``TrainingData``) for ``epochs`` more epochs.

        ``valid`` is an optional ``TrainingData`` scored after every epoch,
        ``generator`` the CPU ``torch.Generator`` that shuffles batches.
        Unlike skorch, a Ctrl-C propagates (after the net was rolled back to
        its last finished epoch); a callback's ``KeyboardInterrupt`` ends
        training normally.
        """
        if not self.initialized_:
            self.initialize()
        self.notify("on_train_begin", X=X, y=None)
        try:
            self.fit_loop(X, valid=valid, epochs=epochs, generator=generator)
        finally:
            self.notify("on_train_end", X=X, y=None)
        return self

    def fit(self, X, y=None, **fit_params):
        if not self.warm_start or not self.initialized_:
            self.initialize()
        return self.partial_fit(X, y, **fit_params)

    def fit_loop(
        self, X, y=None, epochs=None, *, valid=None, generator=None, **fit_params
    ):
        epochs = self.max_epochs if epochs is None else epochs
        call = TrainingCall(fast=fast_paths.enabled())
        self.training_call_ = call
        try:
            if not call.fast and self._packs():
                # Built with the fast paths on (a warm start, a pickle).
                self._unpack_optimizer()
            call.packs = self._packs()
            for params, flat in call.packs:
                packing.attach(params, flat)
            self._prepare_steps(call)
            if not hasattr(self, "best_losses_"):
                self.best_losses_ = {}
            device = self.device if self.cudnn_benchmark else "cpu"
            try:
                with cudnn_autotuning(device):
                    self._train_epochs(call, X, valid, epochs, generator)
            except KeyboardInterrupt:
                # The model of the last finished epoch is kept: with the
                # statistics an uninterrupted fit would end with, unless a
                # second Ctrl-C asked to stop at once.
                watch = call.interrupt
                if len(self.history) and watch is not None and not watch.urgent:
                    recompute_batch_norm_statistics(
                        self.module_, X.batches(self.batch_size)
                    )
                raise
            self._check_end_of_training(call)
            recompute_batch_norm_statistics(self.module_, X.batches(self.batch_size))
        finally:
            try:
                # The packs as they are now: a callback may have changed the
                # module.
                for params, flat in self._packs():
                    packing.detach(params, flat)
            finally:
                self.training_call_ = None
        return self

    def module_changed(self):
        """Take up a module whose layers were replaced while training runs.

        A callback that prunes or grows layers (``DistinctivenessPruning``)
        calls this after changing ``module_``: the optimizer is built anew
        for the parameters as they are (its state starts afresh), the step is
        decided again (the analytic one still applies to a plain MLP), and
        the epoch checkpoint restarts from here, so that a Ctrl-C goes back
        no further than the change. Callbacks with an ``on_module_changed(net)``
        method are told.
        """
        self.initialize_optimizer()
        call = self.training_call_
        if call is not None:
            call.packs = self._packs()
            self._prepare_steps(call)
            if call.checkpoint is not None:
                call.checkpoint = EpochCheckpoint(self, fast=call.fast)
        # Callbacks that hold copies of the module's tensors (early stopping's
        # best epoch) drop them: they no longer fit the module.
        for _, callback in self.callbacks_:
            hook = getattr(callback, "on_module_changed", None)
            if hook is not None:
                hook(self)

    def _train_epochs(self, call, X, valid, epochs, generator):
        """Run ``epochs`` epochs; a Ctrl-C stops them at a consistent state.

        A first Ctrl-C is acted on after the current batch: at the end of an
        epoch nothing needs undoing; in the middle of one, the net goes back
        to the copy taken when the last epoch finished (kept only when an
        epoch has several batches). Either way ``KeyboardInterrupt``
        propagates. A second Ctrl-C stops at once, back to the state the call
        started from. A callback's ``KeyboardInterrupt`` from
        ``on_epoch_end`` (skorch's way to stop) just ends training.
        """
        several_batches = X.n_batches(self.batch_size) > 1
        call.checkpoint = EpochCheckpoint(self, fast=call.fast)
        on_epoch = {"dataset_train": X, "dataset_valid": valid}
        epoch_ending = False
        with InterruptWatch() as watch:
            # One-batch epochs finish before stopping; longer ones stop after
            # the current batch and go back to the last finished epoch.
            watch.stop_mid_epoch = several_batches
            call.interrupt = watch
            try:
                for _ in range(epochs):
                    self.notify("on_epoch_begin", **on_epoch)
                    batches = X.batches(
                        self.batch_size, shuffle=True, generator=generator
                    )
                    self.run_single_epoch(
                        batches, training=True, prefix="train", step_fn=self.train_step
                    )
                    if valid is not None:
                        self.run_single_epoch(
                            valid.batches(self.batch_size),
                            training=False,
                            prefix="valid",
                            step_fn=self.validation_step,
                        )
                    epoch_ending = True
                    self.notify("on_epoch_end", **on_epoch)
                    epoch_ending = False
                    if watch.signalled:
                        break
                    if several_batches:
                        call.checkpoint.save()
            except KeyboardInterrupt:
                if epoch_ending and not watch.signalled:
                    return  # a callback stopped training; the epoch finished
                if watch.urgent:
                    call.checkpoint.restore_start()
                elif not epoch_ending:
                    call.checkpoint.restore()
                raise
        if watch.signalled:
            raise KeyboardInterrupt

    def _prepare_steps(self, call):
        """Decide, once per training call, what each step needs."""
        criterion = self.criterion_
        call.analytic_layers = None
        if (
            call.fast
            and type(criterion) is torch.nn.CrossEntropyLoss
            and criterion.weight is None
            and criterion.reduction == "mean"
            and criterion.label_smoothing == 0.0
            and criterion.ignore_index < 0
            and all(p.requires_grad for p in self.module_.parameters())
            and not hasattr(self.module_, "training_loss")
            and self.precision == "float32"
        ):
            call.analytic_layers = steps.plain_mlp_layers(self.module_)
        call.penalized = self._penalized()
        self.autocast_dtype_ = autocast_dtype(self.precision)
        if needs_grad_scaler(self.autocast_dtype_):
            if getattr(self, "grad_scaler_", None) is None:
                device_type = torch.device(self.device).type
                self.grad_scaler_ = torch.amp.GradScaler(device_type)
        else:
            self.grad_scaler_ = None
        base = Callback.on_grad_computed
        call.grad_listeners = any(
            type(cb).on_grad_computed is not base for _, cb in self.callbacks_
        )

    def _penalized(self):
        """The weights the L2 penalty applies to: dimension 2 or more."""
        if not self.alpha:
            return []
        params = self.module_.parameters()
        return [p for p in params if p.requires_grad and p.dim() >= 2]

    # -- the history ------------------------------------------------------
    # The fast way appends and reads epoch rows with list's own methods:
    # skorch's History indexing copies the whole history on every read, a
    # cost that grows with the epochs. The plain way goes through History's
    # public API (what switching both off costs: docs/benchmarks.rst, "The
    # fast paths").
    def on_epoch_begin(self, net, dataset_train=None, dataset_valid=None, **kwargs):
        # No per-batch rows are kept, but skorch's callbacks read "batches"
        # (LRScheduler counts them, Checkpoint formats the last one): one
        # empty row stands for the epoch's batches.
        history = self.history
        if self._fast():
            list.append(history, {"batches": [{}], "epoch": len(history) + 1})
        else:
            history.new_epoch()
            history.new_batch()
            history.record("epoch", len(history))

    def _last_row(self, call):
        """The history's last row (the epoch under way)."""
        if call.fast:
            return list.__getitem__(self.history, -1)
        return self.history[-1]

    def _record(self, call, values):
        """Record ``values`` (a dict) in the epoch's row, in their order."""
        if call.fast:
            list.__getitem__(self.history, -1).update(values)
            return
        for key, value in values.items():
            self.history.record(key, value)

    def on_batch_begin(self, net, batch=None, training=False, **kwargs):
        # skorch opens a per-batch history row here; epoch rows are enough.
        pass

    def run_single_epoch(self, iterator, training, prefix, step_fn, **fit_params):
        call = self.training_call_
        if self.module_.training != training:
            self._set_training(training)
        score = None if training else self.validation_score
        losses, weights, scores = [], [], []
        for batch in iterator:
            self.notify("on_batch_begin", batch=batch, training=training)
            step = step_fn(batch, **fit_params)
            _, yi, wi = batch
            losses.append(step["loss"].detach())
            weights.append(len(yi) if wi is None else wi.sum())
            if score is not None:
                scores.append(score(step["y_pred"], yi, wi))
            self.notify("on_batch_end", batch=batch, training=training, **step)
            if training and call.interrupt.stop_mid_epoch and call.interrupt.signalled:
                raise KeyboardInterrupt  # _train_epochs rolls the epoch back
        loss = _weighted_mean(losses, weights).item()
        values = {prefix + "_loss": loss}
        if scores:
            values[prefix + "_score"] = _weighted_mean(scores, weights).item()
        # skorch's convention, which its Checkpoint callback monitors.
        best = self.best_losses_
        values[prefix + "_loss_best"] = loss < best.get(prefix, math.inf)
        if values[prefix + "_loss_best"]:
            best[prefix] = loss
        self._record(call, values)
        if training:
            self._check_divergence(call, loss, len(self.history))

    def _check_divergence(self, call, loss, epoch):
        if not math.isfinite(loss):
            raise FloatingPointError(
                f"Training stopped: the train loss became {loss} at epoch "
                f"{epoch}. {_diverged_hint(self)}"
            )
        if self.loss_scale is None:
            return
        if call.divergence_limit is None:
            # A fresh model may start far above the trivial loss (targets of
            # scale 1e-5, say); a warm one near zero, which must not make
            # the limit tiny.
            call.divergence_limit = DIVERGENCE_FACTOR * max(self.loss_scale, loss)
        if loss > call.divergence_limit:
            call.epochs_over_limit += 1
        elif call.epochs_over_limit:
            call.epochs_over_limit = 0
        if call.epochs_over_limit >= DIVERGENCE_PATIENCE:
            raise FloatingPointError(self._exploded_message(call, loss, epoch))

    def _exploded_message(self, call, loss, epoch):
        return (
            f"Training stopped: the train loss was {loss:.4g} at epoch {epoch}, "
            f"above {DIVERGENCE_FACTOR:g} times the loss of a trivial "
            f"prediction ({self.loss_scale:.4g}) or of this call's first epoch, "
            f"for the last {call.epochs_over_limit} epoch(s). "
            f"{_diverged_hint(self)}"
        )

    def _check_end_of_training(self, call):
        if call.epochs_over_limit:
            loss = self._last_row(call)["train_loss"]
            raise FloatingPointError(
                self._exploded_message(call, loss, len(self.history))
            )
        if not all(torch.isfinite(p).all() for p in self.module_.parameters()):
            raise FloatingPointError(
                "Training stopped: the network weights became non-finite by "
                f"epoch {len(self.history)}. {_diverged_hint(self)}"
            )

    # -- steps ------------------------------------------------------------
    def training_loss(self, y_pred, y_true, sample_weight=None):
        """The loss that training minimises for one batch.

        The criterion (weighted by ``sample_weight`` when given), through the
        module's ``training_loss(y_pred, y_true, criterion)`` hook when it
        defines one, plus the L2 penalty ``alpha``.
        """
        criterion = self.criterion_
        if sample_weight is not None:
            criterion = partial(weighted_loss, criterion, sample_weight=sample_weight)
        hook = getattr(self.module_, "training_loss", None)
        loss = (
            criterion(y_pred, y_true)
            if hook is None
            else hook(y_pred, y_true, criterion)
        )
        call = self.training_call_
        penalized = self._penalized() if call is None else call.penalized
        if penalized:
            total = len(y_true) if sample_weight is None else sample_weight.sum()
            squares = torch.stack([p.square().sum() for p in penalized]).sum()
            loss = loss + 0.5 * self.alpha * squares / total
        return loss

    def get_loss(self, y_pred, y_true, X=None, training=False):
        if training and self.training_call_ is not None:
            return self.training_loss(y_pred, y_true)
        return super().get_loss(y_pred, y_true, X=X, training=training)

    def train_step(self, batch, **fit_params):
        Xi, yi, wi = batch
        call = self.training_call_
        if call is None:  # called by hand, outside a training call
            call = TrainingCall(fast=False)
        if call.analytic_layers is not None:
            loss, y_pred = steps.cross_entropy_step(
                call.analytic_layers, Xi, yi, wi, self.alpha
            )
        elif getattr(self, "autocast_dtype_", None) is not None:
            return self._mixed_precision_step(call, batch)
        else:
            # In place when packed: the gradients are views of the buffer.
            self.optimizer_.zero_grad(set_to_none=call.set_to_none)
            y_pred = self.module_(Xi)
            loss = self.training_loss(y_pred, yi, wi)
            loss.backward()
        self._notify_grad(call, batch)
        self._optimizer_step(call)
        return {"loss": loss, "y_pred": y_pred}

    def _optimizer_step(self, call):
        """The optimizer's step: the raw one (:func:`.optim.optimizer_step`)
        on the fast path, ``optimizer.step()`` on the plain one."""
        if call.fast:
            optimizer_step(self.optimizer_)
        else:
            self.optimizer_.step()

    def _mixed_precision_step(self, call, batch):
        """A step with the forward pass under autocast (CUDA or CPU).

        The loss is computed in float32 (autocast does so for its
        reductions); with float16 it is scaled before the backward pass, the
        gradients unscaled before callbacks see them, and a step whose
        gradients overflowed is skipped by the scaler.
        """
        Xi, yi, wi = batch
        self.optimizer_.zero_grad(set_to_none=call.set_to_none)
        device_type = torch.device(self.device).type
        with torch.autocast(device_type, dtype=self.autocast_dtype_):
            y_pred = self.module_(Xi)
            loss = self.training_loss(y_pred, yi, wi)
        scaler = self.grad_scaler_
        if scaler is None:
            loss.backward()
            self._notify_grad(call, batch)
            self._optimizer_step(call)
        else:
            scaler.scale(loss).backward()
            scaler.unscale_(self.optimizer_)
            self._notify_grad(call, batch)
            scaler.step(self.optimizer_)
            scaler.update()
        return {"loss": loss.float(), "y_pred": y_pred}

    def _notify_grad(self, call, batch):
        if call.grad_listeners:
            self.notify(
                "on_grad_computed",
                named_parameters=TeeGenerator(self.get_all_learnable_params()),
                batch=batch,
            )

    def validation_step(self, batch, **fit_params):
        Xi, yi, wi = batch
        with torch.no_grad():
            y_pred = self.module_(Xi)
            if wi is None:
                loss = self.criterion_(y_pred, yi)
            else:
                loss = weighted_loss(self.criterion_, y_pred, yi, wi)
        return {"loss": loss, "y_pred": y_pred}
