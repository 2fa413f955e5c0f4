"""The base of skneuro's neural classifiers: labels, weights, early stopping."""

import math
import numbers

import numpy as np
import torch
from scipy.special import log_softmax, softmax
from sklearn.base import ClassifierMixin, _fit_context
from sklearn.model_selection import train_test_split
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.class_weight import compute_class_weight
from sklearn.utils.multiclass import check_classification_targets

from skneuro.neural_network._base import (
    BaseNeuralNet,
    as_float32,
    check_fitted_X,
    checked_loss_weights,
)
from skneuro.utils._validation import validate_input


def _accuracy(logits, y, sample_weight):
    """Weighted accuracy of a batch of logits (the validation score)."""
    correct = (logits.argmax(dim=1) == y).to(logits.dtype)
    if sample_weight is None:
        return correct.mean()
    return (correct * sample_weight).sum() / sample_weight.sum()


def _check_class_weight(class_weight, classes):
    """Refuse class weights that are not finite non-negative numbers, or that
    are zero for every class of the data."""
    for label, weight in class_weight.items():
        if isinstance(weight, bool) or not isinstance(weight, numbers.Real):
            raise ValueError(
                f"class_weight[{label!r}] is {weight!r}; class weights must be "
                "non-negative numbers."
            )
        if not (math.isfinite(weight) and weight >= 0):
            raise ValueError(
                f"class_weight[{label!r}] is {weight!r}; class weights must be "
                "finite and non-negative."
            )
    present = [class_weight.get(c, 1.0) for c in classes.tolist()]
    if not any(w > 0 for w in present):
        raise ValueError(
            f"class_weight gives every class of the data ({classes.tolist()}) a "
            "weight of 0, so there is nothing to learn from."
        )


class BaseNeuralClassifier(ClassifierMixin, BaseNeuralNet):
    """Base class of the neural classifiers (not for direct use).

    Adds to :class:`BaseNeuralNet`: labels of any type (``classes_``),
    ``class_weight`` and ``sample_weight`` folded into one weight per sample,
    early stopping on a stratified validation split, ``partial_fit`` and the
    probability methods.
    """

    _parameter_constraints = {
        **BaseNeuralNet._parameter_constraints,
        "class_weight": [dict, StrOptions({"balanced"}), None],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(numbers.Real, 0, 1, closed="neither")],
        "n_iter_no_change": [Interval(numbers.Integral, 1, None, closed="left")],
        "tol": [Interval(numbers.Real, 0, None, closed="left")],
    }

    _criterion = torch.nn.CrossEntropyLoss
    _validation_score = staticmethod(_accuracy)

    @property
    def _early_stopping(self):
        return self.early_stopping

    # -- training --------------------------------------------------------
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
        """Train the network on ``(X, y)``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data; cast to float32.
        y : array-like of shape (n_samples,)
            Class labels of any type.
        sample_weight : array-like of shape (n_samples,), default=None
            Weight of each sample in the loss, multiplied with
            ``class_weight``. With full-batch training (``batch_size=None``)
            a weight of 0 equals leaving the sample out and a weight of 2
            equals repeating it.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        return self._fit(X, y, sample_weight, incremental=False)

    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y, sample_weight=None, classes=None):
        """Train for one epoch on ``(X, y)``, continuing a fitted network.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data; cast to float32.
        y : array-like of shape (n_samples,)
            Class labels, all among ``classes``.
        sample_weight : array-like of shape (n_samples,), default=None
            Weight of each sample in the loss.
        classes : array-like of shape (n_classes,), default=None
            Every class the network will ever see. Required on the first
            call; on later calls, if given, it must equal ``classes_``.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        return self._fit(X, y, sample_weight, incremental=True, classes=classes)

    def _validate_Xy(self, X, y, reset):
        X, y = validate_input(
            self, X, y, reset=reset, dtype=[np.float32, np.float64], y_numeric=False
        )
        return as_float32(X), y

    def _target_and_loss_scale(self, X, y, *, warm, incremental, classes=None):
        check_classification_targets(y)
        seen = np.unique(y)
        if classes is not None:
            classes = np.unique(np.asarray(classes))
        if warm:
            if classes is not None and not np.array_equal(classes, self.classes_):
                raise ValueError(
                    f"classes={classes.tolist()} differs from the classes of the "
                    f"fitted network, {self.classes_.tolist()}."
                )
            classes = self.classes_
            if not incremental and not np.array_equal(seen, classes):
                raise ValueError(
                    "warm_start=True needs the same classes as the previous fit: "
                    f"got {seen.tolist()}, expected {classes.tolist()}."
                )
        elif incremental and classes is None:
            raise ValueError("classes must be passed on the first call to partial_fit.")
        if classes is None:
            classes = seen
        unknown = np.setdiff1d(seen, classes)
        if len(unknown):
            raise ValueError(
                f"y holds labels {unknown.tolist()} that are not among the "
                f"classes {classes.tolist()}."
            )
        if len(classes) < 2:
            raise ValueError(
                f"{type(self).__name__} needs samples of at least 2 classes in the "
                f"data, but the data contain only one class: {classes[0]!r}."
            )
        self.classes_ = classes
        target = np.searchsorted(classes, y).astype(np.int64)
        return target, len(classes), math.log(len(classes))

    def _loss_weights(self, target, sample_weight):
        if self.class_weight is None:
            return super()._loss_weights(target, sample_weight)
        if isinstance(self.class_weight, dict):
            _check_class_weight(self.class_weight, self.classes_)
        per_class = compute_class_weight(
            self.class_weight, classes=self.classes_, y=self.classes_[target]
        )
        weights = per_class[target].astype(np.float64)
        if sample_weight is None:
            return checked_loss_weights(weights, "class_weight")
        with np.errstate(over="ignore"):  # checked_loss_weights reports it
            product = weights * sample_weight
        return checked_loss_weights(product, "class_weight times sample_weight")

    def _validation_split(self, X, target, weights):
        arrays = [X, target] + ([] if weights is None else [weights])
        try:
            parts = train_test_split(
                *arrays,
                test_size=self.validation_fraction,
                stratify=target,
                random_state=check_random_state(self.random_state),
            )
        except ValueError as exc:
            counts = np.bincount(target, minlength=len(self.classes_))
            raise ValueError(
                f"early_stopping=True holds out validation_fraction="
                f"{self.validation_fraction} of the {len(target)} samples, "
                f"stratified by class, but that cannot give every one of the "
                f"{len(self.classes_)} classes (the rarest has {counts.min()} "
                "samples) a place in both the training and the validation "
                "split: raise validation_fraction, give more samples, or fit "
                f"without early stopping ({exc})"
            ) from exc
        train, valid = parts[0::2], parts[1::2]
        if weights is None:
            train, valid = train + [None], valid + [None]
        return tuple(train), tuple(valid)

    def _set_fitted(self, call):
        super()._set_fitted(call)
        self.validation_scores_ = self.best_validation_score_ = None
        if call.early_stopping:
            rows = list(call.net.history)
            self.validation_scores_ = [
                r["valid_score"] for r in rows if "valid_score" in r
            ]
            stopper = dict(call.net.callbacks_)["early_stopping"]
            best_epoch = stopper.best_epoch_ or len(rows)
            self.best_validation_score_ = rows[best_epoch - 1].get("valid_score")

    # -- inference -------------------------------------------------------
    def _logits(self, X):
        return self._forward(check_fitted_X(self, X))

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
        return softmax(self._logits(X).astype(np.float64), axis=1)

    def predict_log_proba(self, X):
        """Logarithm of the class probabilities.

        Computed from the logits directly (log-softmax), so that it stays
        finite where ``predict_proba`` rounds to 0.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Input data.

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
            Log-probability of each class, columns ordered as ``classes_``.
        """
        return log_softmax(self._logits(X).astype(np.float64), axis=1)

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
        logits = self._logits(X)
        return self.classes_[np.argmax(logits, axis=1)]
