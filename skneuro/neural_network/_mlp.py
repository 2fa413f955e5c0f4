"""Multi-layer perceptron classifier."""

import numbers

import numpy as np
from sklearn.utils._param_validation import Interval, StrOptions

from skneuro.neural_network._classifier import BaseNeuralClassifier
from skneuro.neural_network._modules import ACTIVATIONS, MLPModule
from skneuro.utils._docstring import shared_docstring


@shared_docstring
class MLPClassifier(BaseNeuralClassifier):
    """Multi-layer perceptron classifier trained with PyTorch.

    A fully connected network with one or more hidden layers, trained on the
    cross-entropy loss. The defaults are the classifier of Hao, "Use Neural
    Network to Classify and Compress Images": one hidden layer of 5 sigmoid
    units, trained full-batch with Adam for 1000 epochs. Training runs
    through skorch on in-memory tensors, with none of skorch's per-epoch
    default machinery and with an explicit backward pass instead of autograd
    where the network is a plain MLP, so small problems train faster than a
    hand-written PyTorch loop and about as fast as scikit-learn's
    MLPClassifier, which it can replace (see the user guide's parity table).

    Parameters
    ----------
    hidden_units : int or array-like of int, default=5
        Width of the hidden layer, or of each hidden layer in order
        (scikit-learn's ``hidden_layer_sizes``).
    activation : {"sigmoid", "tanh", "relu"}, default="sigmoid"
        Activation of the hidden layers.
    {parameters: max_epochs, lr, batch_size, optimizer}
    alpha : float, default=0.0
        Strength of the L2 penalty on the weights (not the biases), as in
        scikit-learn: ``0.5 * alpha * sum(W**2) / n`` is added to the loss of
        a batch of total sample weight ``n``. scikit-learn's default is
        1e-4; Hao's classifier has none.
    {parameters: class_weight, early_stopping, validation_fraction,
    n_iter_no_change, tol, device, precision, n_threads, random_state, verbose}
    warm_start : bool, default=False
        When True, a further ``fit`` continues training the fitted network
        (same features and classes) instead of starting anew. A changed
        architecture (``hidden_units``, ``activation``) is an error; a
        changed ``optimizer`` or ``lr`` takes effect.
    {parameters: callbacks}

    Attributes
    ----------
    {attributes: classes_, n_features_in_, feature_names_in_, net_, device_,
    precision_, n_threads_, history_, loss_curve_, loss_, best_loss_,
    n_epochs_, n_iter_, validation_scores_, best_validation_score_}

    See Also
    --------
    sklearn.neural_network.MLPClassifier : scikit-learn's NumPy implementation.
    skneuro.preprocessing.FeatureGroupSelector : choose feature groups to
        search over in front of this classifier.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.preprocessing import StandardScaler
    >>> from sklearn.pipeline import make_pipeline
    >>> from skneuro.neural_network import MLPClassifier
    >>> X, y = load_iris(return_X_y=True)
    >>> clf = make_pipeline(StandardScaler(),
    ...                     MLPClassifier(hidden_units=8, max_epochs=300,
    ...                                   random_state=0))
    >>> clf.fit(X, y).score(X, y) > 0.9
    True
    >>> clf[-1].n_epochs_
    300

    Continue training one epoch at a time, as with scikit-learn:

    >>> online = MLPClassifier(hidden_units=[8], random_state=0)
    >>> for epoch in range(50):
    ...     online = online.partial_fit(X, y, classes=[0, 1, 2])
    >>> online.n_iter_
    50
    """

    _parameter_constraints = {
        **BaseNeuralClassifier._parameter_constraints,
        "hidden_units": [
            Interval(numbers.Integral, 1, None, closed="left"),
            "array-like",
        ],
        "activation": [StrOptions(set(ACTIVATIONS))],
    }

    def __init__(
        self,
        hidden_units=5,
        activation="sigmoid",
        *,
        max_epochs=1000,
        lr=0.01,
        batch_size=None,
        optimizer="adam",
        alpha=0.0,
        class_weight=None,
        early_stopping=False,
        validation_fraction=0.1,
        n_iter_no_change=10,
        tol=1e-4,
        device="auto",
        precision="auto",
        n_threads=None,
        random_state=None,
        verbose=0,
        warm_start=False,
        callbacks=None,
    ):
        self.hidden_units = hidden_units
        self.activation = activation
        self.max_epochs = max_epochs
        self.lr = lr
        self.batch_size = batch_size
        self.optimizer = optimizer
        self.alpha = alpha
        self.class_weight = class_weight
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.tol = tol
        self.device = device
        self.precision = precision
        self.n_threads = n_threads
        self.random_state = random_state
        self.verbose = verbose
        self.warm_start = warm_start
        self.callbacks = callbacks

    def _hidden_layers(self):
        units = self.hidden_units
        if isinstance(units, np.ndarray) and units.ndim > 1:
            units = [units]  # refused below: layer widths are a flat sequence
        layers = (
            (units,)
            if isinstance(units, numbers.Integral)
            else tuple(
                np.ravel(units).tolist() if isinstance(units, np.ndarray) else units
            )
        )
        if not layers or not all(
            isinstance(u, numbers.Integral) and not isinstance(u, bool) and u >= 1
            for u in layers
        ):
            raise ValueError(
                "hidden_units must be a positive int or a non-empty sequence of "
                f"positive ints; got {self.hidden_units!r}."
            )
        return tuple(int(u) for u in layers)

    def _module_spec(self, n_features, n_outputs):
        return MLPModule, {
            "n_features": n_features,
            "hidden_units": self._hidden_layers(),
            "n_outputs": n_outputs,
            "activation": self.activation,
        }
