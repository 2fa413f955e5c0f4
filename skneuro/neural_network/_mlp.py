"""Multi-layer perceptron classifier."""

import numbers

import numpy as np
from sklearn.utils._param_validation import Interval, StrOptions

from skneuro.neural_network._classifier import BaseNeuralClassifier
from skneuro.neural_network._modules import ACTIVATIONS, MLPModule


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
    max_epochs : int, default=1000
        Number of passes over the training data.
    lr : float, default=0.01
        Learning rate of the optimizer.
    batch_size : int or None, default=None
        Samples per gradient step; ``None`` trains full-batch. Mini-batches
        are reshuffled every epoch.
    optimizer : {"adam", "sgd"}, default="adam"
        Optimizer (``torch.optim.Adam`` or ``torch.optim.SGD``).
    alpha : float, default=0.0
        Strength of the L2 penalty on the weights (not the biases), as in
        scikit-learn: ``0.5 * alpha * sum(W**2) / n`` is added to the loss of
        a batch of total sample weight ``n``. scikit-learn's default is
        1e-4; Hao's classifier has none.
    class_weight : dict, "balanced" or None, default=None
        Weights of the classes in the loss, as in scikit-learn: a mapping
        label -> weight, ``"balanced"`` for weights inversely proportional to
        class frequencies, or ``None`` for equal weights.
    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the training data (stratified) and
        stop when the validation loss has not improved by ``tol`` for
        ``n_iter_no_change`` epochs; the best weights are kept. Off by
        default, so that cross-validation sees all of its training folds.
    validation_fraction : float, default=0.1
        Share of the training data held out when ``early_stopping=True``.
    n_iter_no_change : int, default=10
        Patience of early stopping, in epochs.
    tol : float, default=1e-4
        Smallest decrease of the validation loss that counts as improvement.
    device : str, default="auto"
        ``"auto"`` trains on CUDA when available and on the CPU otherwise;
        ``"cpu"``, ``"cuda"`` or ``"cuda:N"`` choose explicitly. Resolved in
        ``fit`` and stored as ``device_``.
    n_threads : int or None, default=None
        Torch threads each ``fit`` computes with on the CPU. ``None`` decides
        in ``fit`` from where it runs: torch's own count (which follows
        ``OMP_NUM_THREADS``, set to ``cpu_count() // n_jobs`` in joblib's
        workers), or in a Dask worker the machine's cores shared among the
        task threads of its workers. The previous count is restored after
        ``fit``; the count used is stored as ``n_threads_``. See
        :ref:`scaling-out`.
    random_state : int, RandomState instance or None, default=None
        Seeds weight initialisation, shuffling and the validation split. With
        an int, the global torch and numpy random states are left as they
        were; with ``None`` a seed is drawn from numpy's global generator, as
        scikit-learn does.
    verbose : int, default=0
        0 is silent, 1 shows a progress bar over epochs (only in an
        interactive terminal, never inside joblib workers), 2 prints a table
        row per epoch.
    warm_start : bool, default=False
        When True, a further ``fit`` continues training the fitted network
        (same features and classes) instead of starting anew. A changed
        architecture (``hidden_units``, ``activation``) is an error; a
        changed ``optimizer`` or ``lr`` takes effect.
    callbacks : list of skorch callbacks or None, default=None
        Extra skorch callbacks (``Callback`` instances or ``(name,
        callback)`` pairs), such as learning-rate schedulers
        (``skorch.callbacks.LRScheduler``), checkpoints or gradient clipping
        (``GradientNormClipping``). Each ``fit`` trains with a copy, so the
        parameter itself never changes; the trained ones are in
        ``net_.callbacks_``.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Class labels seen in ``fit``.
    n_features_in_ : int
        Number of features seen in ``fit``.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of the features seen in ``fit``, when ``X`` had string column
        names.
    net_ : skorch.NeuralNet
        The trained skorch net; ``net_.module_`` is the torch module.
    device_ : str
        Device the network was trained on.
    n_threads_ : int
        Torch threads the last ``fit`` computed with.
    history_ : skorch.History
        One record per epoch: ``epoch``, ``train_loss``, and ``valid_loss``
        with early stopping (``dur`` with ``verbose=2``). Per-batch records
        are not kept.
    loss_curve_ : list of float
        Training loss of each epoch (mean over its batches, penalty
        included).
    loss_ : float
        Training loss of the last epoch.
    best_loss_ : float or None
        Lowest training loss reached; ``None`` with early stopping, as in
        scikit-learn.
    n_epochs_ : int
        Number of epochs trained (fewer than ``max_epochs`` after early
        stopping; summed over calls with ``warm_start=True`` and over
        ``partial_fit`` calls).
    n_iter_ : int
        Same as ``n_epochs_`` (scikit-learn's name).
    validation_scores_ : list of float or None
        Accuracy on the validation split after each epoch, with early
        stopping; ``None`` without.
    best_validation_score_ : float or None
        Validation accuracy of the epoch whose weights were kept, with early
        stopping; ``None`` without.

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
