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
- batch-norm statistics are recomputed for the final weights when training
  ends (:mod:`.batchnorm`);
- on CUDA, convolutional estimators train under autocast with cuDNN
  autotuning (:mod:`.precision`);
- Ctrl-C is told apart from a callback's request to stop (skorch's
  callbacks raise ``KeyboardInterrupt`` for that): a user's interrupt rolls
  the net back to the end of its last finished epoch and propagates.
"""

import math
from functools import partial

import torch
from skorch import NeuralNet
from skorch.callbacks import Callback
from skorch.utils import TeeGenerator

from skneuro._engine import packing, steps
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
        mixed_precision=False,
        cudnn_benchmark=False,
        **kwargs,
    ):
        super().__init__(module, *args, **kwargs)
        self.alpha = alpha
        self.pack_parameters = pack_parameters
        self.loss_scale = loss_scale
        self.validation_score = validation_score
        self.mixed_precision = mixed_precision
        self.cudnn_benchmark = cudnn_benchmark

    def get_default_callbacks(self):
        return []

    # -- optimizer and packing ------------------------------------------
    def initialize_optimizer(self, triggered_directly=None):
        named = list(self.get_all_learnable_params())
        args, kwargs = self.get_params_for_optimizer("optimizer", named)
        self.pack_layout_ = None
        if self.pack_parameters:
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
        packs = self._packs()
        for params, flat in packs:
            packing.attach(params, flat)
        self._prepare_steps(bool(packs))
        self.epochs_over_limit_ = 0
        self.divergence_limit_ = None
        if not hasattr(self, "best_losses_"):
            self.best_losses_ = {}
        autotuning = cudnn_autotuning(self.device if self.cudnn_benchmark else "cpu")
        try:
            try:
                with autotuning:
                    self._train_epochs(X, valid, epochs, generator)
            except KeyboardInterrupt:
                # The model of the last finished epoch is kept: with the
                # statistics an uninterrupted fit would end with, unless a
                # second Ctrl-C asked to stop at once.
                watch = self.interrupt_
                if len(self.history) and watch is not None and not watch.urgent:
                    recompute_batch_norm_statistics(
                        self.module_, X.batches(self.batch_size)
                    )
                raise
            self._check_end_of_training()
            recompute_batch_norm_statistics(self.module_, X.batches(self.batch_size))
        finally:
            self.analytic_layers_ = self.penalized_ = self.grad_listeners_ = None
            self.interrupt_ = self.checkpoint_ = None
            # The packs as they are now: a callback may have changed the module.
            for params, flat in self._packs():
                packing.detach(params, flat)
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
        self._prepare_steps(bool(self._packs()))
        if getattr(self, "checkpoint_", None) is not None:
            self.checkpoint_ = EpochCheckpoint(self)
        # Callbacks that hold copies of the module's tensors (early stopping's
        # best epoch) drop them: they no longer fit the module.
        for _, callback in self.callbacks_:
            hook = getattr(callback, "on_module_changed", None)
            if hook is not None:
                hook(self)

    def _train_epochs(self, X, valid, epochs, generator):
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
        self.checkpoint_ = EpochCheckpoint(self)
        on_epoch = {"dataset_train": X, "dataset_valid": valid}
        epoch_ending = False
        with InterruptWatch() as watch:
            # One-batch epochs finish before stopping; longer ones stop after
            # the current batch and go back to the last finished epoch.
            watch.stop_mid_epoch = several_batches
            self.interrupt_ = watch
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
                        self.checkpoint_.save()
            except KeyboardInterrupt:
                if epoch_ending and not watch.signalled:
                    return  # a callback stopped training; the epoch finished
                if watch.urgent:
                    self.checkpoint_.restore_start()
                elif not epoch_ending:
                    self.checkpoint_.restore()
                raise
        if watch.signalled:
            raise KeyboardInterrupt

    def _prepare_steps(self, packed):
        """Decide, once per training call, what each step needs."""
        criterion = self.criterion_
        self.set_to_none_ = not packed
        self.analytic_layers_ = None
        if (
            type(criterion) is torch.nn.CrossEntropyLoss
            and criterion.weight is None
            and criterion.reduction == "mean"
            and criterion.label_smoothing == 0.0
            and criterion.ignore_index < 0
            and all(p.requires_grad for p in self.module_.parameters())
            and not hasattr(self.module_, "training_loss")
        ):
            self.analytic_layers_ = steps.plain_mlp_layers(self.module_)
        self.penalized_ = (
            [p for p in self.module_.parameters() if p.requires_grad and p.dim() >= 2]
            if self.alpha
            else []
        )
        self.autocast_dtype_ = (
            autocast_dtype(self.device) if self.mixed_precision else None
        )
        if needs_grad_scaler(self.autocast_dtype_):
            if getattr(self, "grad_scaler_", None) is None:
                device_type = torch.device(self.device).type
                self.grad_scaler_ = torch.amp.GradScaler(device_type)
        else:
            self.grad_scaler_ = None
        base = Callback.on_grad_computed
        self.grad_listeners_ = any(
            type(cb).on_grad_computed is not base for _, cb in self.callbacks_
        )

    def on_epoch_begin(self, net, dataset_train=None, dataset_valid=None, **kwargs):
        # What skorch's History.new_epoch and record("epoch") do, without
        # History's fancy indexing.
        rows = self.history
        # No per-batch rows are kept, but skorch's callbacks read "batches"
        # (LRScheduler counts them, Checkpoint formats the last one): one
        # empty row stands for the epoch's batches.
        list.append(rows, {"batches": [{}], "epoch": len(rows) + 1})

    def on_batch_begin(self, net, batch=None, training=False, **kwargs):
        # skorch opens a per-batch history row here; epoch rows are enough.
        pass

    def run_single_epoch(self, iterator, training, prefix, step_fn, **fit_params):
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
            if (
                training
                and self.interrupt_.stop_mid_epoch
                and self.interrupt_.signalled
            ):
                raise KeyboardInterrupt  # _train_epochs rolls the epoch back
        row = list.__getitem__(self.history, -1)
        loss = _weighted_mean(losses, weights).item()
        row[prefix + "_loss"] = loss
        if scores:
            row[prefix + "_score"] = _weighted_mean(scores, weights).item()
        # skorch's convention, which its Checkpoint callback monitors.
        best = self.best_losses_
        row[prefix + "_loss_best"] = loss < best.get(prefix, math.inf)
        if row[prefix + "_loss_best"]:
            best[prefix] = loss
        if training:
            self._check_divergence(loss, len(self.history))

    def _check_divergence(self, loss, epoch):
        if not math.isfinite(loss):
            raise FloatingPointError(
                f"Training stopped: the train loss became {loss} at epoch "
                f"{epoch}. {_diverged_hint(self)}"
            )
        if self.loss_scale is None:
            return
        if self.divergence_limit_ is None:
            # A fresh model may start far above the trivial loss (targets of
            # scale 1e-5, say); a warm one near zero, which must not make
            # the limit tiny.
            self.divergence_limit_ = DIVERGENCE_FACTOR * max(self.loss_scale, loss)
        if loss > self.divergence_limit_:
            self.epochs_over_limit_ += 1
        elif self.epochs_over_limit_:
            self.epochs_over_limit_ = 0
        if self.epochs_over_limit_ >= DIVERGENCE_PATIENCE:
            raise FloatingPointError(self._exploded_message(loss, epoch))

    def _exploded_message(self, loss, epoch):
        return (
            f"Training stopped: the train loss was {loss:.4g} at epoch {epoch}, "
            f"above {DIVERGENCE_FACTOR:g} times the loss of a trivial "
            f"prediction ({self.loss_scale:.4g}) or of this call's first epoch, "
            f"for the last {self.epochs_over_limit_} epoch(s). "
            f"{_diverged_hint(self)}"
        )

    def _check_end_of_training(self):
        if self.epochs_over_limit_:
            loss = list.__getitem__(self.history, -1)["train_loss"]
            raise FloatingPointError(self._exploded_message(loss, len(self.history)))
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
        if self.penalized_:
            total = len(y_true) if sample_weight is None else sample_weight.sum()
            squares = torch.stack([p.square().sum() for p in self.penalized_]).sum()
            loss = loss + 0.5 * self.alpha * squares / total
        return loss

    def get_loss(self, y_pred, y_true, X=None, training=False):
        if training and getattr(self, "penalized_", None) is not None:
            return self.training_loss(y_pred, y_true)
        return super().get_loss(y_pred, y_true, X=X, training=training)

    def train_step(self, batch, **fit_params):
        Xi, yi, wi = batch
        if self.analytic_layers_ is not None:
            loss, y_pred = steps.cross_entropy_step(
                self.analytic_layers_, Xi, yi, wi, self.alpha
            )
        elif self.autocast_dtype_ is not None:
            return self._mixed_precision_step(batch)
        else:
            # In place when packed: the gradients are views of the buffer.
            self.optimizer_.zero_grad(set_to_none=self.set_to_none_)
            y_pred = self.module_(Xi)
            loss = self.training_loss(y_pred, yi, wi)
            loss.backward()
        self._notify_grad(batch)
        optimizer_step(self.optimizer_)
        return {"loss": loss, "y_pred": y_pred}

    def _mixed_precision_step(self, batch):
        """A step with the forward pass under autocast (CUDA).

        The loss is computed in float32 (autocast does so for its
        reductions); with float16 it is scaled before the backward pass, the
        gradients unscaled before callbacks see them, and a step whose
        gradients overflowed is skipped by the scaler.
        """
        Xi, yi, wi = batch
        self.optimizer_.zero_grad(set_to_none=self.set_to_none_)
        device_type = torch.device(self.device).type
        with torch.autocast(device_type, dtype=self.autocast_dtype_):
            y_pred = self.module_(Xi)
            loss = self.training_loss(y_pred, yi, wi)
        scaler = self.grad_scaler_
        if scaler is None:
            loss.backward()
            self._notify_grad(batch)
            optimizer_step(self.optimizer_)
        else:
            scaler.scale(loss).backward()
            scaler.unscale_(self.optimizer_)
            self._notify_grad(batch)
            scaler.step(self.optimizer_)
            scaler.update()
        return {"loss": loss.float(), "y_pred": y_pred}

    def _notify_grad(self, batch):
        if self.grad_listeners_:
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
