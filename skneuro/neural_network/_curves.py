"""Curves computed from fitted estimators, for the Displays to draw.

scikit-learn's split between computing and drawing (``learning_curve``
behind ``LearningCurveDisplay``): these functions return arrays and import
no plotting library, so that a study's worker, or a user's script, can keep
the numbers without making a figure.
"""

import numpy as np
from sklearn.decomposition import PCA
from sklearn.utils import Bunch
from sklearn.utils.validation import check_is_fitted

from skneuro.neural_network._autoencoder import PruningAutoencoder


def pruning_curve(estimator, X=None, *, pca=True):
    """Reconstruction loss of a pruned autoencoder at every width it reached.

    Parameters
    ----------
    estimator : PruningAutoencoder
        A fitted estimator.
    X : array-like of shape (n_samples, n_features), default=None
        Data to measure the reconstruction on (held-out data, say), and to
        fit PCA on. When None, the training losses recorded in
        ``pruning_history_`` are returned, and no PCA.
    pca : bool, default=True
        With ``X``, also PCA's loss with as many components as units.

    Returns
    -------
    curve : :class:`~sklearn.utils.Bunch`
        ``units_left`` (the widths, widest first), ``losses`` (the mean
        squared reconstruction error at each), ``pca_losses`` (PCA's, or
        None) and ``threshold`` (``loss_threshold_``).

    Raises
    ------
    TypeError
        If ``estimator`` is not a ``PruningAutoencoder``.
    sklearn.exceptions.NotFittedError
        If it is not fitted.

    See Also
    --------
    skneuro.plotting.PruningCurveDisplay : draws this curve.

    Examples
    --------
    >>> import numpy as np
    >>> from skneuro.neural_network import PruningAutoencoder, pruning_curve
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(200, 2)) @ rng.normal(size=(2, 6))
    >>> ae = PruningAutoencoder(hidden_units=4, loss_threshold=0.05,
    ...                         threshold_kind="relative", max_epochs=300,
    ...                         retrain_epochs=50, random_state=0).fit(X)
    >>> curve = pruning_curve(ae, X)
    >>> list(curve.units_left) == sorted(ae.networks_, reverse=True)
    True
    >>> len(curve.losses) == len(curve.pca_losses) == len(curve.units_left)
    True
    """
    if not isinstance(estimator, PruningAutoencoder):
        hint = (
            " For the loss by epoch of a network, use "
            "TrainingHistoryDisplay.from_estimator."
            if hasattr(estimator, "history_")
            else ""
        )
        raise TypeError(
            "A pruning curve needs a fitted PruningAutoencoder (the loss at "
            f"each width in its networks_); got {type(estimator).__name__}.{hint}"
        )
    check_is_fitted(estimator)
    needed = ("networks_", "pruning_history_", "loss_threshold_", "loss_")
    missing = [name for name in needed if not hasattr(estimator, name)]
    if missing or not estimator.networks_:
        lacks = ", ".join(missing) if missing else "networks (networks_ is empty)"
        raise ValueError(
            f"This {type(estimator).__name__} lacks {lacks}, which a pruning "
            "curve needs; fit it again with this version of skneuro."
        )
    widths = sorted(estimator.networks_, reverse=True)
    pca_losses = None
    if X is None:
        history = estimator.pruning_history_
        first = history[0]["loss_before"] if history else estimator.loss_
        by_width = {widths[0]: first}
        by_width.update({step["units_left"]: step["loss_after"] for step in history})
        losses = [float(by_width[k]) for k in widths]
    else:
        X = np.asarray(X, dtype=np.float64)
        chosen = estimator.n_components
        try:
            losses = [-estimator.set_params(n_components=k).score(X) for k in widths]
        finally:
            estimator.set_params(n_components=chosen)
        if pca:
            pca_losses = []
            for k in widths:
                model = PCA(n_components=min(k, *X.shape)).fit(X)
                restored = model.inverse_transform(model.transform(X))
                pca_losses.append(float(np.mean((restored - X) ** 2)))
    return Bunch(
        units_left=np.asarray(widths),
        losses=np.asarray(losses, dtype=np.float64),
        pca_losses=None if pca_losses is None else np.asarray(pca_losses),
        threshold=float(estimator.loss_threshold_),
    )
