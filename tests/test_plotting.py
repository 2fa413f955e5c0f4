"""Displays: what they draw, on the Agg backend."""

import matplotlib
import numpy as np
import pytest

from skneuro import PruningAutoencoder, PruningCurveDisplay

matplotlib.use("Agg")


@pytest.fixture(scope="module")
def fitted():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(150, 2)) @ rng.normal(size=(2, 5))
    ae = PruningAutoencoder(
        4, loss_threshold=1e9, max_epochs=150, retrain_epochs=20, random_state=0
    ).fit(X)
    return ae, X


def test_pruning_curve_on_data_with_pca(fitted):
    import matplotlib.pyplot as plt

    ae, X = fitted
    display = PruningCurveDisplay.from_estimator(ae, X)
    assert display.units_left.tolist() == [4, 3, 2, 1]
    ae_losses = [-ae.set_params(n_components=k).score(X) for k in (4, 3, 2, 1)]
    ae.set_params(n_components=None)
    np.testing.assert_allclose(display.losses, ae_losses)
    np.testing.assert_allclose(display.line_.get_ydata(), ae_losses)
    # PCA's loss: nearly zero from 2 components on, for rank-2 data.
    assert display.pca_losses[1] < 1e-10 and display.pca_losses[3] > 1e-3
    assert display.threshold_line_ is not None
    assert display.ax_.get_xlabel() == "hidden units left"
    assert ae.n_components is None  # the estimator is left as it was
    # A second estimator on the same axes.
    other = PruningCurveDisplay.from_estimator(
        ae, X, ax=display.ax_, name="again", pca=False
    )
    assert other.ax_ is display.ax_ and other.pca_line_ is None
    assert len(display.ax_.get_lines()) >= 3
    plt.close("all")


def test_pruning_curve_without_data_uses_the_training_history(fitted):
    import matplotlib.pyplot as plt

    ae, _ = fitted
    display = PruningCurveDisplay.from_estimator(ae)
    expected = [ae.pruning_history_[0]["loss_before"]] + [
        step["loss_after"] for step in ae.pruning_history_
    ]
    np.testing.assert_allclose(display.losses, expected)
    assert display.pca_line_ is None
    plt.close("all")
