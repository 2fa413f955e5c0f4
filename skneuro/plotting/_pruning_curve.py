"""Reconstruction loss against the hidden units left (Hao's Figure 3)."""

import numpy as np
from sklearn.decomposition import PCA
from sklearn.utils.validation import check_is_fitted


class PruningCurveDisplay:
    """Reconstruction loss of a pruned autoencoder against its units left.

    The curve of Hao, "Use Neural Network to Classify and Compress Images"
    (Figure 3), with PCA's loss at the same widths as a reference line. Use
    :meth:`from_estimator` to build it; pass ``ax=display.ax_`` to draw
    several estimators on one axis.

    Parameters
    ----------
    units_left : array-like of int
        Widths of the network.
    losses : array-like of float
        Reconstruction MSE at each width.
    pca_losses : array-like of float or None, default=None
        PCA's reconstruction MSE with as many components, or None.
    threshold : float or None, default=None
        The loss threshold (an MSE), drawn as a horizontal line.
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
        self.units_left = np.asarray(units_left)
        self.losses = np.asarray(losses, dtype=float)
        self.pca_losses = None if pca_losses is None else np.asarray(pca_losses, float)
        self.threshold = threshold
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
        """
        check_is_fitted(estimator)
        widths = sorted(estimator.networks_, reverse=True)
        pca_losses = None
        if X is None:
            history = estimator.pruning_history_
            by_width = {
                widths[0]: history[0]["loss_before"] if history else estimator.loss_
            }
            by_width.update(
                {step["units_left"]: step["loss_after"] for step in history}
            )
            losses = [by_width[k] for k in widths]
        else:
            X = np.asarray(X, dtype=np.float64)
            chosen = estimator.n_components
            try:
                losses = [
                    -estimator.set_params(n_components=k).score(X) for k in widths
                ]
            finally:
                estimator.set_params(n_components=chosen)
            if pca:
                pca_losses = []
                for k in widths:
                    model = PCA(n_components=min(k, *X.shape)).fit(X)
                    restored = model.inverse_transform(model.transform(X))
                    pca_losses.append(float(np.mean((restored - X) ** 2)))
        display = cls(
            widths,
            losses,
            pca_losses=pca_losses,
            threshold=estimator.loss_threshold_,
            estimator_name=name or type(estimator).__name__,
        )
        return display.plot(ax=ax, pca=pca, **kwargs)
