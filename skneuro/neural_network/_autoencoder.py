"""PruningAutoencoder: progressive compression by distinctiveness pruning."""

import copy
import numbers
from typing import NamedTuple

import numpy as np
from sklearn.base import _fit_context
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

from skneuro._engine import predict_in_chunks
from skneuro.neural_network import _pruning
from skneuro.neural_network._base import BaseNeuralNet, check_fitted_X
from skneuro.neural_network._modules import ACTIVATIONS, AutoencoderModule
from skneuro.neural_network._pruning import HiddenLayer
from skneuro.neural_network._transformer import BaseNeuralTransformer
from skneuro.utils._docstring import shared_docstring


class _Finished(NamedTuple):
    """The fit as the last finished pruning step (or the first training) left it."""

    networks: dict
    pruning_history: list
    #: The width kept (``n_hidden_units_``): the last under the threshold.
    width: int
    n_epochs: int


@shared_docstring
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
    {parameters: max_epochs, lr, batch_size, optimizer, alpha}
    callbacks : list of skorch callbacks or None, default=None
        Extra skorch callbacks for every training call.
    {parameters: device, precision, n_threads}
    random_state : int, RandomState instance or None, default=None
        Seeds initialisation and shuffling; seeding stays local.
    {parameters: verbose}

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
    {attributes: net_, device_, precision_, n_threads_}
    history_ : skorch.History
        One record per epoch, over the first training and every retraining:
        ``epoch`` and ``train_loss``.
    {attributes: loss_curve_, loss_, best_loss_, n_epochs_, n_iter_,
    n_features_in_, feature_names_in_}

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
        precision="auto",
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
        self.precision = precision
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
        return self._fit(X, None, None, incremental=False)

    def _train_phases(self, call):
        """The first training, then pruning (the base's ``_fit`` runs both,
        and its error layer keeps the last finished step after a Ctrl-C)."""
        super()._train_phases(call)
        self._prune(call)

    def _unpruned(self, net):
        """The first training's network, as the start of pruning."""
        layer = _layer(net.module_)
        width = len(layer.b_in)
        return _Finished({width: layer}, [], width, len(net.history))

    def _loss_threshold(self, X):
        variance = float(X.var(axis=0).mean())
        relative = self.threshold_kind == "relative"
        return self.loss_threshold * (variance if relative else 1.0)

    def _prune(self, call):
        """Prune step by step while the loss allows, into ``call.finished``.

        Each step's retraining is a training call like the first
        (``_train``): the same threads, seeding, divergence guard and
        allocator-failure handling.
        """
        net, X, device = call.net, call.X, call.device
        threshold = self._loss_threshold(X)
        rng = check_random_state(self.random_state)
        finished = call.finished = self._unpruned(net)
        width = finished.width
        loss = _mse(net.module_, X, device)
        target = self.n_components or width
        while width > self.min_hidden_units and (loss <= threshold or width > target):
            step = self._next_step(net.module_, X, device)
            if step is None:
                break
            action, pair, angle, layer = step
            width = len(layer.b_in)
            self._load(net, layer)
            loss_pruned = _mse(net.module_, X, device)
            if self.retrain_epochs:
                seed = int(rng.randint(np.iinfo(np.int32).max))
                self._train(call, self.retrain_epochs, seed)
            record = {
                "units_left": width,
                "action": action,
                "pair": pair,
                "angle": angle,
                "loss_before": loss,
                "loss_pruned": loss_pruned,
                "loss_after": _mse(net.module_, X, device),
            }
            loss = record["loss_after"]
            finished = _Finished(
                {**finished.networks, width: _layer(net.module_)},
                [*finished.pruning_history, record],
                width if loss <= threshold else finished.width,
                len(net.history),
            )
            # One assignment: a Ctrl-C finds this step finished, or not begun.
            call.finished = finished

    def _set_fitted(self, call):
        """The fit as its last finished pruning step left it.

        ``call.finished``, or before pruning started the first training's
        network. Whatever the net holds (a step half done when a Ctrl-C
        came), it is given the kept width's weights again, and forgets the
        epochs of any retraining that did not finish.
        """
        net, X = call.net, call.X
        finished = call.finished or self._unpruned(net)
        del net.history[finished.n_epochs :]
        self._load(net, finished.networks[finished.width])
        super()._set_fitted(call)
        self.networks_ = finished.networks
        self.n_hidden_units_ = finished.width
        self.pruning_history_ = finished.pruning_history
        self.loss_threshold_ = self._loss_threshold(X)
        centred = _pruning.centred_activations(
            _codes(net.module_, X, call.device), self.activation
        )
        self.angles_ = _pruning.angle_matrix(centred)

    def _next_step(self, module, X, device):
        """The next pruning step: ``(action, pair, angle, smaller layer)``."""
        layer, applied = _pruning.prune_step(
            _layer(module),
            _codes(module, X, device),
            activation=self.activation,
            strategy=self.strategy,
            similar_angle=self.similar_angle,
            complementary_angle=self.complementary_angle,
            merge=self.merge,
            min_units=self.min_hidden_units,
        )
        if not applied:
            return None
        kinds = "+".join(sorted({kind for kind, _, _ in applied}))
        pairs = [pair for _, pair, _ in applied]
        angles = [angle for _, _, angle in applied]
        if len(applied) == 1:
            return kinds, pairs[0], angles[0], layer
        return kinds, pairs, angles, layer

    def _load(self, net, layer):
        """Give ``net`` the weights of ``layer`` (and a new optimizer)."""
        net.module_.encoder, net.module_.decoder = layer.to_linear(net.device)
        net.module__hidden_units = len(layer.b_in)
        net.initialize_optimizer()

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
        # The kept module, given the weights of that width.
        module = copy.deepcopy(self.net_.module_)
        module.encoder, module.decoder = self.networks_[width].to_linear(self.device_)
        return module

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
        return -_mse(self._code_module(), X, self.device_)


def _layer(module):
    """The autoencoder module's hidden layer, as NumPy copies of its weights."""
    return HiddenLayer.of_linear(module.encoder, module.decoder)


def _codes(module, X, device):
    """The hidden units' activations on ``X``, as float64."""
    return predict_in_chunks(module, X, device, method="encode").astype(np.float64)


def _mse(module, X, device):
    """The mean squared reconstruction error of ``module`` on ``X``."""
    restored = predict_in_chunks(module, X, device)
    return float(np.mean((restored.astype(np.float64) - X) ** 2))
