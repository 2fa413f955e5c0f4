"""DistinctivenessPruning: Gedeon & Harris's pruning as a skorch callback."""

import numbers
import signal
from contextlib import contextmanager

import numpy as np
from skorch.callbacks import Callback
from torch import nn

from skneuro._engine.data import predict_in_chunks
from skneuro.neural_network._pruning import HiddenLayer, prune_step

_ACTIVATION_NAMES = {nn.Sigmoid: "sigmoid", nn.Tanh: "tanh", nn.ReLU: "relu"}

#: Most rows of training data run through the module per chunk to record the
#: hidden activations.
_CHUNK_ROWS = 8192


def hidden_layers(module):
    """Every ``Linear, activation, Linear`` run in ``module``'s leaf layers.

    Leaves are taken in the order the module registers them, which for
    skneuro's modules is the order data flow through them. Each hidden layer
    is ``(parent_in, name_in, parent_out, name_out, activation_module)``, so
    that its two Linear layers can be replaced.
    """
    leaves = []

    def walk(parent):
        for name, child in parent.named_children():
            if next(child.children(), None) is None:
                leaves.append((parent, name, child))
            else:
                walk(child)

    walk(module)
    found = []
    for (p_in, n_in, first), (_, _, act), (p_out, n_out, second) in zip(
        leaves, leaves[1:], leaves[2:], strict=False
    ):
        if (
            type(first) is nn.Linear
            and type(act) in _ACTIVATION_NAMES
            and type(second) is nn.Linear
        ):
            found.append((p_in, n_in, p_out, n_out, act))
    return found


class DistinctivenessPruning(Callback):
    """Prune hidden units by angular separation while a network trains.

    Gedeon & Harris's original use ("Network reduction techniques", 1991),
    which Hao, "Use Neural Network to Classify and Compress Images", applies
    to compression: every ``every`` epochs, each hidden layer's units are
    compared by the angles between their centred activation vectors on the
    training data; similar pairs merge, complementary pairs and constant
    units go, their contribution moved into the next layer's bias (see
    ``skneuro.neural_network.PruningAutoencoder`` for the rules). Works on
    any skneuro estimator whose module has ``Linear, activation, Linear``
    runs, through its ``callbacks`` parameter.

    Parameters
    ----------
    every : int, default=100
        Epochs between two pruning passes.
    similar_angle : float, default=15.0
        Pairs closer than this (degrees) merge.
    complementary_angle : float, default=165.0
        Pairs further apart than this (degrees) go together.
    merge : {"add", "lsq"}, default="add"
        How a removed similar unit's outgoing weights are folded in.
    min_hidden_units : int, default=1
        No hidden layer goes below this width.

    Attributes
    ----------
    pruning_history_ : list of dict
        One record per pruning pass that removed units: ``epoch``,
        ``layer`` (its index among the hidden layers), ``units_left`` and
        ``decisions`` (kind, pair, angle).

    Notes
    -----
    A pass belongs to the end of its epoch, so a Ctrl-C keeps the module and
    the record in step: one that comes during a pass is acted on when the
    pass has finished (the engine defers it to the end of the epoch), and
    the model of that epoch is kept, pruned; one in a later epoch goes back
    no further than the pass (see ``TrainingNet.module_changed``). A pass
    that cannot finish (a second Ctrl-C, which stops at once, or an error on
    a later layer) is undone: every layer it replaced is put back and its
    records are dropped, before training goes back to where the call
    started.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from skneuro.neural_network import DistinctivenessPruning, MLPClassifier
    >>> X, y = load_iris(return_X_y=True)
    >>> clf = MLPClassifier(hidden_units=20, max_epochs=300, random_state=0,
    ...                     callbacks=[DistinctivenessPruning(every=100)])
    >>> width = clf.fit(X, y).net_.module_.layers[0].out_features
    >>> width <= 20
    True
    """

    def __init__(
        self,
        every=100,
        similar_angle=15.0,
        complementary_angle=165.0,
        merge="add",
        min_hidden_units=1,
    ):
        self.every = every
        self.similar_angle = similar_angle
        self.complementary_angle = complementary_angle
        self.merge = merge
        self.min_hidden_units = min_hidden_units

    def initialize(self):
        for name in ("every", "min_hidden_units"):
            value = getattr(self, name)
            if (
                isinstance(value, bool)
                or not isinstance(value, numbers.Integral)
                or value < 1
            ):
                raise ValueError(
                    f"DistinctivenessPruning's {name} must be a positive int, "
                    f"got {value!r}."
                )
        if not 0 < self.similar_angle < self.complementary_angle < 180:
            raise ValueError(
                "DistinctivenessPruning needs 0 < similar_angle < "
                f"complementary_angle < 180; got {self.similar_angle} and "
                f"{self.complementary_angle}."
            )
        if self.merge not in ("add", "lsq"):
            raise ValueError(f"merge must be 'add' or 'lsq', got {self.merge!r}.")
        self.pruning_history_ = []
        return self

    def on_epoch_end(self, net, dataset_train=None, **kwargs):
        epoch = len(net.history)
        if dataset_train is None or epoch % self.every:
            return
        # The layers replaced so far, to put back if the pass cannot finish.
        replaced = []
        n_records = len(self.pruning_history_)
        try:
            self._prune_layers(net, dataset_train, epoch, replaced)
        except BaseException:
            with _sigint_held():
                for parent, name, layer in reversed(replaced):
                    setattr(parent, name, layer)
                del self.pruning_history_[n_records:]
            raise
        if replaced:
            # The optimizer, the step and the engine's epoch checkpoint must
            # all take up the new module, or none of them.
            with _sigint_held():
                net.module_changed()

    def _prune_layers(self, net, dataset_train, epoch, replaced):
        """One pass over every hidden layer; each replacement in ``replaced``."""
        for index in range(len(hidden_layers(net.module_))):
            # Found again each time: the previous layer's surgery replaced
            # the Linear layers around this one.
            p_in, n_in, p_out, n_out, act = hidden_layers(net.module_)[index]
            first, second = getattr(p_in, n_in), getattr(p_out, n_out)
            smaller, applied = prune_step(
                HiddenLayer.of_linear(first, second, dtype=np.float64),
                self._activations(net, dataset_train.inputs(), act),
                activation=_ACTIVATION_NAMES[type(act)],
                strategy="threshold",
                similar_angle=self.similar_angle,
                complementary_angle=self.complementary_angle,
                merge=self.merge,
                min_units=self.min_hidden_units,
            )
            if not applied:
                continue
            new_in, new_out = smaller.to_linear(first.weight.device, first.weight.dtype)
            replaced += [(p_in, n_in, first), (p_out, n_out, second)]
            setattr(p_in, n_in, new_in)
            setattr(p_out, n_out, new_out)
            self.pruning_history_.append(
                {
                    "epoch": epoch,
                    "layer": index,
                    "units_left": len(smaller.b_in),
                    "decisions": applied,
                }
            )

    @staticmethod
    def _activations(net, X, act):
        """``act``'s outputs over the training inputs, as float64."""
        module = net.module_
        device = next(module.parameters()).device
        outputs = predict_in_chunks(
            module, X, device, max_rows=_CHUNK_ROWS, output_of=act
        )
        return outputs.astype(np.float64)


@contextmanager
def _sigint_held():
    """Hold SIGINT (Ctrl-C) during the block, then deliver what came.

    For a few steps that must happen together or not at all: even an urgent
    (second) Ctrl-C, which the engine acts on at once, waits for the end of
    the block. Each SIGINT held is raised again after it, for the handler in
    place before (the engine's ``InterruptWatch`` while training runs).
    Outside the main thread, where no SIGINT arrives, nothing is held.
    """
    held = []
    try:
        previous = signal.signal(signal.SIGINT, lambda signum, frame: held.append(1))
    except (ValueError, OSError):  # not the main thread, embedded interpreters
        yield
        return
    try:
        yield
    finally:
        signal.signal(
            signal.SIGINT,
            signal.default_int_handler if previous is None else previous,
        )
        for _ in held:
            signal.raise_signal(signal.SIGINT)
