"""Fixtures shared by the neural-estimator tests."""

import pickle

import numpy as np
import pytest
import torch
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


@pytest.fixture
def check_cuda_pickle_loads_on_cpu():
    """Check that a fitted estimator pickled as if trained on CUDA loads on
    this CPU-only machine and predicts as before.

    The pickle of a CUDA-trained model is faked by marking the net's device
    as CUDA; skorch then remaps the module's tensors to the CPU on load and
    warns. Skips where CUDA is available (the remapping does not happen).
    """

    def check(estimator, X):
        expected = estimator.predict_proba(X)
        estimator.net_.device = "cuda"
        estimator.device_ = "cuda"
        payload = pickle.dumps(estimator)
        if torch.cuda.is_available():
            pytest.skip("needs a machine without CUDA")
        # skorch says it moved the net: the user learns the model runs on CPU.
        with pytest.warns(Warning, match="(?i)cuda"):
            restored = pickle.loads(payload)
        assert restored.device_ == "cpu"
        np.testing.assert_allclose(restored.predict_proba(X), expected, rtol=1e-6)

    return check
