"""Reconstruction loss against the hidden units left (Hao's Figure 3)."""

import math
from numbers import Real

import numpy as np


def _as_units(values):
    """``units_left`` as a 1-D int64 array of positive widths."""
    message = (
        "units_left must be a 1-D array of integers (the widths of the "
        "network, positive numbers of hidden units)"
    )
    try:
        array = np.asarray(values)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{message}; got {values!r}.") from exc
    if array.ndim != 1:
        raise ValueError(
            f"units_left must be 1-D (one width per point); got an array of "
            f"shape {array.shape}."
        )
    if array.size == 0:
        raise ValueError("units_left is empty: pass at least one width.")
    if array.dtype.kind == "O":  # Python numbers kept as objects
        try:
            array = array.astype(float)
        except (TypeError, ValueError):
            raise ValueError(f"{message}; got {values!r}.") from None
    if array.dtype.kind not in "iuf":  # text, bools, complex
        raise ValueError(f"{message}; got {values!r} (dtype {array.dtype}).")
    if array.dtype.kind == "f":
        whole = np.isfinite(array) & (array == np.round(array))
        if not whole.all():
            raise ValueError(f"{message}; got {array[~whole][0]!r} in {values!r}.")
    if (array < 1).any():
        raise ValueError(
            f"{message}; got {array[array < 1][0].item()!r} in {values!r}."
        )
    return array.astype(np.int64)


def _as_losses(values, name, n_units):
    """``losses`` or ``pca_losses`` as 1-D floats, one per width."""
    try:
        array = np.asarray(values, dtype=float)
    except (TypeError, ValueError) as exc:
        raise ValueError(
            f"{name} must be a 1-D array of numbers (reconstruction MSEs, one "
            f"per width); got {values!r}."
        ) from exc
    if array.ndim != 1:
        raise ValueError(
            f"{name} must be 1-D (one loss per width); got an array of shape "
            f"{array.shape}."
        )
    if array.size != n_units:
        raise ValueError(
            f"{name} has {array.size} values, but units_left has {n_units}: "
            "pass one loss per width."
        )
    return array


def _as_threshold(value):
    """``threshold`` as a float, or None."""
    if value is None:
        return None
    if isinstance(value, np.ndarray) and value.ndim == 0:
        value = value[()]
    if (
        not isinstance(value, Real)
        or isinstance(value, bool | np.bool_)
        or not math.isfinite(value)
    ):
        raise ValueError(
            "threshold must be None or a finite number (the loss threshold, an "
            f"MSE, drawn as a horizontal line); got {value!r}."
        )
    return float(value)


class PruningCurveDisplay:
    """Reconstruction loss of a pruned autoencoder against its units left.

    The curve of Hao, "Use Neural Network to Classify and Compress Images"
    (Figure 3), with PCA's loss at the same widths as a reference line. Use
    :meth:`from_estimator` to build it; pass ``ax=display.ax_`` to draw
    several estimators on one axis.

    Parameters
    ----------
    units_left : array-like of int
        Widths of the network, positive integers (integral floats such as
        ``3.0`` are read as ints).
    losses : array-like of float
        Reconstruction MSE at each width, as many as ``units_left``.
    pca_losses : array-like of float or None, default=None
        PCA's reconstruction MSE with as many components, or None; as many
        as ``units_left``.
    threshold : float or None, default=None
        The loss threshold (an MSE, a finite number), drawn as a horizontal
        line.
    estimator_name : str or None, default=None
        Label of the curve.

    Attributes
    ----------
    line_ : matplotlib Line2D
        The estimator's curve.
    pca_line_ : matplotlib Line2D or None
        PCA's curve.
    threshold_line_ : matplotlib Line2D or None
        The threshold.
    ax_ : matplotlib Axes
        Axes with the curves.
    figure_ : matplotlib Figure
        Figure holding the axes.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import numpy as np
    >>> from skneuro.neural_network import PruningAutoencoder
    >>> from skneuro.plotting import PruningCurveDisplay
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(100, 2)) @ rng.normal(size=(2, 5))
    >>> ae = PruningAutoencoder(4, loss_threshold=1e9, max_epochs=100,
    ...                         retrain_epochs=10, random_state=0).fit(X)
    >>> display = PruningCurveDisplay.from_estimator(ae, X)
    >>> display.units_left.tolist()
    [4, 3, 2, 1]
    """

    def __init__(
        self,
        units_left,
        losses,
        *,
        pca_losses=None,
        threshold=None,
        estimator_name=None,
    ):
        self.units_left = _as_units(units_left)
        n_units = self.units_left.size
        self.losses = _as_losses(losses, "losses", n_units)
        self.pca_losses = (
            None
            if pca_losses is None
            else _as_losses(pca_losses, "pca_losses", n_units)
        )
        self.threshold = _as_threshold(threshold)
        self.estimator_name = estimator_name

    def plot(self, ax=None, *, name=None, pca=True, **kwargs):
        """Draw the curve (and the PCA and threshold lines) on ``ax``.

        Parameters
        ----------
        ax : matplotlib Axes, default=None
            Axes to draw on; a new figure when None.
        name : str, default=None
            Label of the curve; ``estimator_name`` when None.
        pca : bool, default=True
            Draw PCA's curve when ``pca_losses`` is known.
        **kwargs
            Passed to ``ax.plot`` for the estimator's curve.

        Returns
        -------
        display : PruningCurveDisplay
            ``self``, with the plotting attributes set.
        """
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots()
        name = self.estimator_name if name is None else name
        self.line_ = ax.plot(
            self.units_left, self.losses, marker="o", label=name, **kwargs
        )[0]
        self.pca_line_ = self.threshold_line_ = None
        if pca and self.pca_losses is not None:
            self.pca_line_ = ax.plot(
                self.units_left,
                self.pca_losses,
                linestyle="--",
                color="grey",
                label="PCA, same width",
            )[0]
        if self.threshold is not None:
            self.threshold_line_ = ax.axhline(
                self.threshold, linestyle=":", color="black", label="threshold"
            )
        ax.set_xlabel("hidden units left")
        ax.set_ylabel("reconstruction MSE")
        ax.invert_xaxis()
        ax.legend()
        self.ax_, self.figure_ = ax, ax.figure
        return self

    @classmethod
    def from_estimator(
        cls, estimator, X=None, *, ax=None, name=None, pca=True, **kwargs
    ):
        """Plot a fitted ``PruningAutoencoder``'s loss at every width reached.

        Parameters
        ----------
        estimator : PruningAutoencoder
            A fitted estimator.
        X : array-like of shape (n_samples, n_features), default=None
            Data to measure the reconstruction on (held-out data, say), and
            to fit PCA on. When None, the training losses recorded in
            ``pruning_history_`` are plotted, without PCA.
        ax : matplotlib Axes, default=None
            Axes to draw on; a new figure when None.
        name : str, default=None
            Label of the curve; the estimator's class name when None.
        pca : bool, default=True
            Draw PCA's curve (fitted on ``X``).
        **kwargs
            Passed to ``ax.plot`` for the estimator's curve.

        Returns
        -------
        display : PruningCurveDisplay

        Raises
        ------
        TypeError
            If ``estimator`` is not a
            :class:`~skneuro.neural_network.PruningAutoencoder`.
        sklearn.exceptions.NotFittedError
            If it is not fitted.
        """
        from skneuro.neural_network import pruning_curve

        curve = pruning_curve(estimator, X, pca=pca)
        display = cls(
            curve.units_left,
            curve.losses,
            pca_losses=curve.pca_losses,
            threshold=curve.threshold,
            estimator_name=name or type(estimator).__name__,
        )
        return display.plot(ax=ax, pca=pca, **kwargs)
