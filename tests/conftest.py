"""Fixtures shared by the neural-estimator tests."""

import pytest
from sklearn.datasets import load_iris
from sklearn.preprocessing import StandardScaler

from skneuro import _engine


@pytest.fixture(scope="session")
def iris():
    """Iris, standard-scaled: a small problem every network learns quickly."""
    X, y = load_iris(return_X_y=True)
    return StandardScaler().fit_transform(X), y


@pytest.fixture
def no_training(monkeypatch):
    """Fail the test if a network starts training."""

    def refuse(*args, **kwargs):
        raise AssertionError("training started although the input was invalid")

    monkeypatch.setattr(_engine.TrainingNet, "partial_fit", refuse)
