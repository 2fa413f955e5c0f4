"""PruningAutoencoder: progressive compression by distinctiveness pruning."""

import numbers
from functools import partial
from types import SimpleNamespace
from typing import NamedTuple

import numpy as np
import torch
from sklearn.base import _fit_context
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

from skneuro._engine import TrainingData, local_seed, predict_in_chunks, torch_threads
from skneuro.neural_network import _pruning
from skneuro.neural_network._base import BaseNeuralNet, check_fitted_X
from skneuro.neural_network._modules import ACTIVATIONS, AutoencoderModule
from skneuro.neural_network._transformer import BaseNeuralTransformer
from skneuro.utils._fitted import forget_fit_on_error, forget_fitted_state


class _Finished(NamedTuple):
    """The fit as the last finished pruning step (or the first training) left it."""

    networks: dict
    pruning_history: list
    kept: int
    n_epochs: int


class PruningAutoencoder(BaseNeuralTransformer):
    """Autoencoder that prunes hidden units by their angular separation.

    The method of Hao, "Use Neural Network to Classify and Compress Images",
    after Gedeon & Harris ("Network reduction techniques", 1991;
    "Progressive image compression", IJCNN 1992): train an autoencoder
    ``X -> X``, then repeatedly remove a hidden unit whose behaviour on the
    training patterns duplicates another's, fold its outgoing weights into
    the units that stay, retrain briefly, and stop before the reconstruction
    loss passes ``loss_threshold``. The pruning maths are plain functions in
    ``skneuro.neural_network._pruning``.

    ``strategy="progressive"`` removes one unit per step, from the pair
    closest to 0 or 180 degrees: near 0 it merges as ``merge`` says, near
    180 it is folded into its partner by least squares. ``"threshold"``
    applies Gedeon & Harris's rules as published: every similar pair merges
    and every complementary pair goes together, at once, then the network is
    retrained, as long as some pair passes a threshold.

    A unit's activation vector is its output on every training pattern,
    centred (sigmoid outputs minus 0.5, other activations minus their mean).
    A similar pair merges: one unit goes, its outgoing weights added to the
    other's (``merge="add"``) or scaled by the least-squares factor, the
    constant remainder moved into the output bias (``merge="lsq"``). A
    complementary pair, and a constant unit, go with their mean contribution
    moved into the output bias.

    Parameters
    ----------
    hidden_units : int, default=10
        Width of the code before pruning.
    activation : {"sigmoid", "tanh", "relu"}, default="sigmoid"
        Activation of the hidden units.
    loss_threshold : float, default=1e-3
        Largest reconstruction loss (mean squared error over every feature)
        the kept network may have.
    threshold_kind : {"absolute", "relative"}, default="absolute"
        ``"relative"`` reads ``loss_threshold`` as a fraction of the data's
        mean feature variance, so that it means the same on any scale.
    similar_angle : float, default=15.0
        Pairs of units closer than this (degrees) count as similar.
    complementary_angle : float, default=165.0
        Pairs of units further apart than this (degrees) count as
        complementary.
    strategy : {"progressive", "threshold"}, default="progressive"
        ``"progressive"`` (Hao's loop) removes the least distinct unit at
        each step, whatever its angle; ``"threshold"`` applies Gedeon &
        Harris's rules to every pair beyond the two angles at once, and
        repeats while any applies.
    merge : {"add", "lsq"}, default="add"
        How a removed similar unit's outgoing weights are folded into the
        unit it duplicates.
    retrain_epochs : int, default=100
        Epochs of training after each pruning step.
    min_hidden_units : int, default=1
        Pruning never goes below this width.
    n_components : int or None, default=None
        Width whose network ``transform``, ``inverse_transform`` and
        ``score`` use: ``None`` for the kept one (``n_hidden_units_``).
        Given before ``fit``, pruning goes on at least down to this width,
        whatever the loss. After ``fit``, any width in ``networks_`` can be
        chosen with ``set_params(n_components=k)``, without a refit.
    max_epochs : int, default=1000
        Epochs of training before pruning starts.
    lr : float, default=0.01
        Learning rate.
    batch_size : int or None, default=None
        ``None`` trains full-batch.
    optimizer : {"adam", "sgd"}, default="adam"
        Optimizer.
    alpha : float, default=0.0
        L2 penalty on the weights.
    callbacks : list of skorch callbacks or None, default=None
        Extra skorch callbacks for every training call.
    device : str, default="auto"
        ``"auto"``, ``"cpu"``, ``"cuda"``...; resolved in ``fit`` as
        ``device_``.
    n_threads : int or None, default=None
        Torch threads each ``fit`` computes with on the CPU. ``None`` decides
        in ``fit`` from where it runs: torch's own count (which follows
        ``OMP_NUM_THREADS``, set to ``cpu_count() // n_jobs`` in joblib's
        workers), or in a Dask worker the machine's cores shared among the
        task threads of its workers. The previous count is restored after
        ``fit``; the count used is stored as ``n_threads_``. See
        :ref:`scaling-out`.
    random_state : int, RandomState instance or None, default=None
        Seeds initialisation and shuffling; seeding stays local.
    verbose : int, default=0
        0 silent, 1 progress bar, 2 a table row per epoch.

    Attributes
    ----------
    n_hidden_units_ : int
        Width of the kept network: the last one whose loss stayed under the
        threshold (the full width when even that one did not).
    networks_ : dict of int to HiddenLayer
        The network at every width reached, as NumPy weight arrays.
    pruning_history_ : list of dict
        One record per pruning step: ``units_left``, ``action``
        (``"similar"``, ``"complementary"``, ``"complementary-merge"`` (a
        pair at more than 90 degrees merged into one unit, as the
        progressive strategy does) or ``"constant"``), ``pair``
        (unit indices before the step), ``angle``, ``loss_before`` (before
        the step), ``loss_pruned`` (right after it) and ``loss_after``
        (after retraining). Losses are reconstruction MSEs on the training
        data. A ``"threshold"`` step that carried out several decisions
        lists their pairs and angles, and joins their actions with ``+``.
    angles_ : ndarray of shape (`n_hidden_units_`, `n_hidden_units_`)
        Angles between the kept network's units on the training data.
    loss_threshold_ : float
        The threshold as an MSE (``loss_threshold`` times the mean feature
        variance with ``threshold_kind="relative"``).
    net_, device_, n_threads_, history_, loss_curve_, loss_, best_loss_, n_epochs_, \
n_iter_, n_features_in_, feature_names_in_
        As for every skneuro neural estimator; the history runs over the
        first training and every retraining.

    See Also
    --------
    sklearn.decomposition.PCA : the linear reference at the same widths.

    Notes
    -----
    Ctrl-C during ``fit`` raises ``KeyboardInterrupt`` and keeps the fit as
    its last finished step left it. A pruning step is finished once its
    units are folded away and its retraining has run all ``retrain_epochs``
    epochs; the step under way is dropped wherever the interrupt lands in
    it: in its retraining (the epochs it finished go too) or between two
    retrainings, while the next pair is chosen and folded. The estimator is
    then what an uninterrupted fit that ended after that step would be:
    ``pruning_history_`` lists the finished steps, ``networks_`` holds the
    widths they reached, ``n_hidden_units_`` is the last of those whose loss
    stayed under the threshold (the full width when none did), the net holds
    that width's weights, and ``history_`` ends with the last finished
    step's retraining. Interrupted in the first training, it keeps the
    unpruned network of the last finished epoch (and nothing in the first
    epoch). An ``n_components`` not reached yet makes ``transform`` raise
    ``ValueError``; ``set_params(n_components=None)`` uses the kept width.
    Any other failure leaves the estimator unfitted.

    Examples
    --------
    >>> import numpy as np
    >>> from skneuro.neural_network import PruningAutoencoder
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(200, 2)) @ rng.normal(size=(2, 6))
    >>> ae = PruningAutoencoder(hidden_units=6, loss_threshold=0.05,
    ...                         threshold_kind="relative", max_epochs=500,
    ...                         retrain_epochs=100, random_state=0).fit(X)
    >>> ae.n_hidden_units_ < 6
    True
    >>> ae.transform(X).shape == (200, ae.n_hidden_units_)
    True
    """

    _parameter_constraints = {
        **BaseNeuralNet._parameter_constraints,
        "hidden_units": [Interval(numbers.Integral, 1, None, closed="left")],
        "activation": [StrOptions(set(ACTIVATIONS))],
        "loss_threshold": [Interval(numbers.Real, 0, None, closed="neither")],
        "threshold_kind": [StrOptions({"absolute", "relative"})],
        "similar_angle": [Interval(numbers.Real, 0, 180, closed="neither")],
        "complementary_angle": [Interval(numbers.Real, 0, 180, closed="neither")],
        "strategy": [StrOptions({"progressive", "threshold"})],
        "merge": [StrOptions({"add", "lsq"})],
        "retrain_epochs": [Interval(numbers.Integral, 0, None, closed="left")],
        "min_hidden_units": [Interval(numbers.Integral, 1, None, closed="left")],
        "n_components": [Interval(numbers.Integral, 1, None, closed="left"), None],
    }

    #: Pruning starts from a freshly trained network every time.
    warm_start = False

    def __init__(
        self,
        hidden_units=10,
        activation="sigmoid",
        *,
        loss_threshold=1e-3,
        threshold_kind="absolute",
        similar_angle=15.0,
        complementary_angle=165.0,
        strategy="progressive",
        merge="add",
        retrain_epochs=100,
        min_hidden_units=1,
        n_components=None,
        max_epochs=1000,
        lr=0.01,
        batch_size=None,
        optimizer="adam",
        alpha=0.0,
        callbacks=None,
        device="auto",
        n_threads=None,
        random_state=None,
        verbose=0,
    ):
        self.hidden_units = hidden_units
        self.activation = activation
        self.loss_threshold = loss_threshold
        self.threshold_kind = threshold_kind
        self.similar_angle = similar_angle
        self.complementary_angle = complementary_angle
        self.strategy = strategy
        self.merge = merge
        self.retrain_epochs = retrain_epochs
        self.min_hidden_units = min_hidden_units
        self.n_components = n_components
        self.max_epochs = max_epochs
        self.lr = lr
        self.batch_size = batch_size
        self.optimizer = optimizer
        self.alpha = alpha
        self.callbacks = callbacks
        self.device = device
        self.n_threads = n_threads
        self.random_state = random_state
        self.verbose = verbose

    def _module_spec(self, n_features, n_outputs):
        return AutoencoderModule, {
            "n_features": n_features,
            "hidden_units": self.hidden_units,
            "activation": self.activation,
        }

    # -- fit -------------------------------------------------------------
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Train the autoencoder on ``X``, then prune it.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data; cast to float32.
        y : None
            Ignored.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        if self.similar_angle >= self.complementary_angle:
            raise ValueError(
                f"similar_angle={self.similar_angle} must be smaller than "
                f"complementary_angle={self.complementary_angle}."
            )
        if self.min_hidden_units > self.hidden_units:
            raise ValueError(
                f"min_hidden_units={self.min_hidden_units} is more than "
                f"hidden_units={self.hidden_units}."
            )
        if self.n_components is not None and not (
            self.min_hidden_units <= self.n_components <= self.hidden_units
        ):
            raise ValueError(
                f"n_components={self.n_components} must lie between "
                f"min_hidden_units={self.min_hidden_units} and "
                f"hidden_units={self.hidden_units}."
            )
        # A refit starts from nothing: a fitted state after an interrupt in
        # ``_fit`` is then the one the base kept for this call.
        forget_fitted_state(self)
        # The fit as the last finished pruning step left it; the one place
        # that decides what an error leaves is ``forget_fit_on_error``: a
        # Ctrl-C keeps this (``_keep_interrupted``), anything else nothing.
        progress = SimpleNamespace(finished=None)
        keep = partial(self._keep_interrupted, X, progress)
        with forget_fit_on_error(self, keep_on_interrupt=keep):
            self._fit(X, None, None, incremental=False)
            with torch_threads(self.n_threads_):
                self._prune(self._validate_X(X, reset=False), progress)
        return self

    def _keep_interrupted(self, X, progress):
        """After a Ctrl-C: keep the fit of the last finished step, if any.

        The base's ``_fit`` keeps the network of the first training's last
        finished epoch, or nothing when no epoch finished; once pruning has
        started, ``progress.finished`` holds the state after each finished
        step. Returns whether there was a fit to keep.
        """
        if not hasattr(self, "net_"):
            return False
        finished = progress.finished or self._unpruned(self.net_)
        with torch_threads(self.n_threads_):
            self._finish(self._validate_X(X, reset=False), finished)
        return True

    def _unpruned(self, net):
        """The first training's network, as the start of pruning."""
        layer = self._layer_of(net.module_)
        width = len(layer.b_in)
        return _Finished({width: layer}, [], width, len(net.history))

    def _loss_threshold(self, X):
        variance = float(X.var(axis=0).mean())
        relative = self.threshold_kind == "relative"
        return self.loss_threshold * (variance if relative else 1.0)

    def _prune(self, X, progress):
        net = self.net_
        threshold = self._loss_threshold(X)
        rng = check_random_state(self.random_state)
        data = TrainingData(X, X, device=self.device_)
        finished = progress.finished = self._unpruned(net)
        layer = finished.networks[finished.kept]
        loss = self._mse(net.module_, X)
        target = self.n_components or len(layer.b_in)
        while len(layer.b_in) > self.min_hidden_units and (
            loss <= threshold or len(layer.b_in) > target
        ):
            activations = self._activations(net.module_, X)
            step = self._next_step(activations)
            if step is None:
                break
            action, pair, angle, new_layer = step
            width = len(new_layer.b_in)
            self._load(net, new_layer)
            loss_pruned = self._mse(net.module_, X)
            if self.retrain_epochs:
                seed = int(rng.randint(np.iinfo(np.int32).max))
                with local_seed(seed, self.device_):
                    net.partial_fit(
                        data,
                        epochs=self.retrain_epochs,
                        generator=torch.Generator().manual_seed(seed),
                    )
            layer = self._layer_of(net.module_)
            loss_after = self._mse(net.module_, X)
            record = {
                "units_left": width,
                "action": action,
                "pair": pair,
                "angle": angle,
                "loss_before": loss,
                "loss_pruned": loss_pruned,
                "loss_after": loss_after,
            }
            loss = loss_after
            finished = _Finished(
                {**finished.networks, width: layer},
                [*finished.pruning_history, record],
                width if loss <= threshold else finished.kept,
                len(net.history),
            )
            # One assignment: a Ctrl-C finds this step finished, or not begun.
            progress.finished = finished
        self._finish(X, finished)

    def _finish(self, X, finished):
        """Set the fitted state from ``finished``, its kept width in the net.

        Whatever the net holds (a step half done when a Ctrl-C came), it is
        given the kept width's weights again, and forgets the epochs of any
        retraining that did not finish.
        """
        net = self.net_
        del net.history[finished.n_epochs :]
        self._load(net, finished.networks[finished.kept])
        self._set_fitted(net, self.device_, False, self.n_threads_)
        self.networks_ = finished.networks
        self.n_hidden_units_ = finished.kept
        self.pruning_history_ = finished.pruning_history
        self.loss_threshold_ = self._loss_threshold(X)
        centred = _pruning.centred_activations(
            self._activations(net.module_, X), self.activation
        )
        self.angles_ = _pruning.angle_matrix(centred)

    def _next_step(self, activations):
        """The next pruning step: ``(action, pair, angle, smaller layer)``."""
        layer = self._layer_of(self.net_.module_)
        centred = _pruning.centred_activations(activations, self.activation)
        constant = _pruning.constant_units(centred)
        angles = _pruning.angle_matrix(centred)
        if self.strategy == "threshold":
            decisions = _pruning.threshold_decisions(
                angles, constant, self.similar_angle, self.complementary_angle
            )
        elif constant.any():
            decisions = [("constant", int(np.flatnonzero(constant)[0]), None, None)]
        else:
            # One unit goes per step. Near 180 degrees it is folded into its
            # partner by least squares (a factor near -1, the rest into the
            # output bias), which adding weights cannot do.
            i, j, angle = _pruning.least_distinct_pair(angles)
            kind = "similar" if angle <= 90.0 else "complementary-merge"
            decisions = [(kind, i, j, angle)]
        layer, applied = _pruning.apply_decisions(
            layer,
            activations,
            decisions,
            merge=self.merge,
            activation=self.activation,
            min_units=self.min_hidden_units,
        )
        if not applied:
            return None
        kinds = "+".join(sorted({kind for kind, _, _ in applied}))
        pairs = [pair for _, pair, _ in applied]
        angles_taken = [angle for _, _, angle in applied]
        if len(applied) == 1:
            return kinds, pairs[0], angles_taken[0], layer
        return kinds, pairs, angles_taken, layer

    # -- weights in and out of the module ----------------------------------
    @staticmethod
    def _layer_of(module):
        def array(t):
            return t.detach().cpu().numpy().copy()

        return _pruning.HiddenLayer(
            array(module.encoder.weight),
            array(module.encoder.bias),
            array(module.decoder.weight),
            array(module.decoder.bias),
        )

    def _module_of(self, layer):
        width, n_features = layer.W_in.shape
        module = AutoencoderModule(n_features, width, self.activation)
        with torch.no_grad():
            module.encoder.weight.copy_(torch.from_numpy(layer.W_in))
            module.encoder.bias.copy_(torch.from_numpy(layer.b_in))
            module.decoder.weight.copy_(torch.from_numpy(layer.W_out))
            module.decoder.bias.copy_(torch.from_numpy(layer.b_out))
        return module.to(self.device_)

    def _load(self, net, layer):
        """Give ``net`` the weights of ``layer`` (and a new optimizer)."""
        module = self._module_of(layer)
        net.module_.encoder = module.encoder
        net.module_.decoder = module.decoder
        net.module__hidden_units = len(layer.b_in)
        net.initialize_optimizer()

    def _activations(self, module, X):
        return predict_in_chunks(module, X, self.device_, method="encode").astype(
            np.float64
        )

    def _mse(self, module, X):
        restored = predict_in_chunks(module, X, self.device_)
        return float(np.mean((restored.astype(np.float64) - X) ** 2))

    # -- inference at any width reached ------------------------------------
    def _code_module(self):
        check_is_fitted(self)
        width = self.n_hidden_units_ if self.n_components is None else self.n_components
        if width not in self.networks_:
            raise ValueError(
                f"n_components={self.n_components} was not reached by pruning; "
                f"the widths reached are {sorted(self.networks_)}."
            )
        if width == self.n_hidden_units_:
            return self.net_.module_
        return self._module_of(self.networks_[width])

    def score(self, X, y=None):
        """Negative mean squared reconstruction error (higher is better).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Data to reconstruct.
        y : None
            Ignored.

        Returns
        -------
        score : float
        """
        X = check_fitted_X(self, X)
        restored = predict_in_chunks(self._code_module(), X, self.device_)
        return -float(np.mean((restored.astype(np.float64) - X) ** 2))
