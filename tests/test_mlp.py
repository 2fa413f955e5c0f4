"""Behaviour of MLPClassifier and of the shared neural-network base."""

import io
import pickle
import threading

import joblib
import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.base import clone
from sklearn.datasets import make_classification
from sklearn.exceptions import NotFittedError
from sklearn.utils._param_validation import InvalidParameterError
from skorch.callbacks import Callback

from skneuro._engine import callbacks as engine_callbacks
from skneuro.neural_network import MLPClassifier

FAST = {"max_epochs": 40, "lr": 0.05, "random_state": 0}


class StepCounter(Callback):
    """Counts optimizer steps (training batches)."""

    def __init__(self):
        self.steps = 0

    def on_batch_end(self, net, batch=None, training=False, **kwargs):
        self.steps += int(training)


def test_learns_iris(iris):
    X, y = iris
    clf = MLPClassifier(hidden_units=8, max_epochs=300, random_state=0).fit(X, y)
    assert clf.score(X, y) > 0.95
    assert clf.n_epochs_ == 300 == len(clf.loss_curve_) == len(clf.history_)
    # Full-batch Adam on a smooth loss: the loss curve goes down overall.
    assert clf.loss_curve_[-1] < 0.5 * clf.loss_curve_[0]
    assert clf.device_ == "cpu"
    assert clf.n_features_in_ == 4
    np.testing.assert_array_equal(clf.classes_, [0, 1, 2])


@pytest.mark.parametrize(
    "labels", [np.array(["cat", "dog", "emu"]), np.array([3, 7, 11]), [-2, 0, 40]]
)
def test_labels_round_trip(iris, labels):
    X, y = iris
    y_labels = np.asarray(labels)[y]
    clf = MLPClassifier(hidden_units=8, max_epochs=200, random_state=0).fit(X, y_labels)
    np.testing.assert_array_equal(clf.classes_, np.sort(np.asarray(labels)))
    pred = clf.predict(X)
    assert pred.dtype == clf.classes_.dtype
    assert set(pred) <= set(np.asarray(labels))
    assert np.mean(pred == y_labels) > 0.9
    proba = clf.predict_proba(X)
    assert proba.shape == (len(X), 3)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-12)
    np.testing.assert_array_equal(clf.classes_[proba.argmax(axis=1)], pred)


def test_hidden_units_tuple_and_activations(iris):
    X, y = iris
    clf = MLPClassifier(hidden_units=(6, 4), activation="relu", **FAST).fit(X, y)
    linears = [m for m in clf.net_.module_.modules() if isinstance(m, torch.nn.Linear)]
    assert [(m.in_features, m.out_features) for m in linears] == [
        (4, 6),
        (6, 4),
        (4, 3),
    ]
    assert any(isinstance(m, torch.nn.ReLU) for m in clf.net_.module_.modules())
    for activation, layer in [("tanh", torch.nn.Tanh), ("sigmoid", torch.nn.Sigmoid)]:
        clf = MLPClassifier(activation=activation, **FAST).fit(X, y)
        assert any(isinstance(m, layer) for m in clf.net_.module_.modules())


def test_same_random_state_same_model_and_global_state_untouched(iris):
    X, y = iris
    torch.manual_seed(123)
    np.random.seed(123)  # noqa: NPY002 - the global state is what is tested
    torch_state = torch.random.get_rng_state()
    numpy_state = np.random.get_state()  # noqa: NPY002

    first = MLPClassifier(batch_size=32, **FAST).fit(X, y).predict_proba(X)
    second = MLPClassifier(batch_size=32, **FAST).fit(X, y).predict_proba(X)
    np.testing.assert_array_equal(first, second)

    assert torch.equal(torch.random.get_rng_state(), torch_state)
    after = np.random.get_state()  # noqa: NPY002
    assert after[0] == numpy_state[0]
    np.testing.assert_array_equal(after[1], numpy_state[1])
    assert after[2:] == numpy_state[2:]

    other = MLPClassifier(batch_size=32, **{**FAST, "random_state": 1}).fit(X, y)
    assert not np.array_equal(other.predict_proba(X), first)


def test_class_weight_balanced_changes_what_is_learnt():
    X, y = make_classification(
        n_samples=300, n_features=6, weights=[0.9, 0.1], flip_y=0, random_state=0
    )
    plain = MLPClassifier(max_epochs=100, lr=0.05, random_state=0).fit(X, y)
    balanced = MLPClassifier(
        max_epochs=100, lr=0.05, random_state=0, class_weight="balanced"
    ).fit(X, y)
    w_plain = plain.net_.module_.layers[-1].weight.detach().numpy()
    w_balanced = balanced.net_.module_.layers[-1].weight.detach().numpy()
    assert not np.allclose(w_plain, w_balanced)
    # The minority class gets predicted more often once it weighs more.
    assert (balanced.predict(X) == 1).sum() > (plain.predict(X) == 1).sum()
    # A dict keyed by label weighs the samples of each class: the same fit as
    # sample weights of 1 and 9.
    by_class = MLPClassifier(class_weight={0: 1.0, 1: 9.0}, **FAST).fit(X, y)
    by_sample = MLPClassifier(**FAST).fit(X, y, sample_weight=np.where(y == 1, 9, 1))
    np.testing.assert_array_equal(by_class.predict_proba(X), by_sample.predict_proba(X))


@pytest.mark.parametrize("dump", ["pickle", "joblib"])
def test_pickle_round_trip(iris, dump):
    X, y = iris
    clf = MLPClassifier(**FAST).fit(X, y)
    if dump == "pickle":
        restored = pickle.loads(pickle.dumps(clf))
    else:
        buffer = io.BytesIO()
        joblib.dump(clf, buffer)
        buffer.seek(0)
        restored = joblib.load(buffer)
    np.testing.assert_array_equal(restored.predict_proba(X), clf.predict_proba(X))
    assert restored.device_ == "cpu"
    assert restored.n_epochs_ == clf.n_epochs_


def test_clone_is_unfitted_with_same_params(iris):
    X, y = iris
    clf = MLPClassifier(hidden_units=(3, 2), **FAST).fit(X, y)
    cloned = clone(clf)
    assert cloned.get_params() == clf.get_params()
    with pytest.raises(NotFittedError):
        cloned.predict(X)


def test_non_finite_loss_names_the_epoch(iris):
    X, y = iris
    X = X * 1e36  # still float32, but the logits overflow
    clf = MLPClassifier(
        lr=1e6, activation="relu", hidden_units=50, max_epochs=200, random_state=0
    )
    with pytest.raises(FloatingPointError, match=r"loss became (nan|inf) at epoch \d+"):
        clf.fit(X, y)
    assert not hasattr(clf, "net_"), "a diverged fit must not leave a fitted model"


def test_exploding_finite_loss_is_stopped(iris):
    """Saturated sigmoids keep the loss finite while it explodes."""
    X, y = iris
    clf = MLPClassifier(lr=1e6, max_epochs=200, random_state=0)
    with pytest.raises(
        FloatingPointError, match=r"above 1000 times the loss of a trivial prediction"
    ):
        clf.fit(X, y)
    assert not hasattr(clf, "net_")


@pytest.mark.parametrize(
    "params, error, match",
    [
        ({"hidden_units": 0}, InvalidParameterError, "hidden_units"),
        ({"hidden_units": (4, 0)}, ValueError, "hidden_units"),
        ({"max_epochs": -1}, InvalidParameterError, "max_epochs"),
        ({"activation": "softsign"}, InvalidParameterError, "activation"),
        ({"optimizer": "lbfgs"}, InvalidParameterError, "optimizer"),
        ({"lr": 0}, InvalidParameterError, "lr"),
        ({"batch_size": 0}, InvalidParameterError, "batch_size"),
        ({"device": "toaster"}, ValueError, "device"),
        ({"class_weight": "often"}, InvalidParameterError, "class_weight"),
        ({"validation_fraction": 1.5}, InvalidParameterError, "validation_fraction"),
    ],
)
def test_bad_parameters_fail_before_training(iris, no_training, params, error, match):
    X, y = iris
    with pytest.raises(error, match=match):
        MLPClassifier(**params).fit(X, y)


@pytest.mark.skipif(torch.cuda.is_available(), reason="needs a machine without CUDA")
def test_cuda_without_cuda_fails_before_training(iris, no_training):
    X, y = iris
    with pytest.raises(ValueError, match="CUDA is not available"):
        MLPClassifier(device="cuda").fit(X, y)


def test_bad_data_fails_before_training(iris, no_training):
    X, y = iris
    X_nan = X.copy()
    X_nan[3, 1] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        MLPClassifier().fit(X_nan, y)
    with pytest.raises(ValueError, match="at least 2 classes"):
        MLPClassifier().fit(X, np.zeros(len(X)))
    with pytest.raises(ValueError, match="2D array"):
        MLPClassifier().fit(X[:, 0], y)
    with pytest.raises(ValueError, match="Unknown label type"):
        MLPClassifier().fit(X, y + 0.5 * np.arange(len(y)))


def test_feature_count_must_match_fit(iris):
    X, y = iris
    clf = MLPClassifier(**FAST).fit(X, y)
    with pytest.raises(ValueError, match="4 features"):
        clf.predict(X[:, :3])
    with pytest.raises(ValueError, match="4 features"):
        clf.predict_proba(np.hstack([X, X]))


def test_dtypes_and_dataframes_are_accepted(iris):
    X, y = iris
    columns = ["sepal_l", "sepal_w", "petal_l", "petal_w"]
    frame = pd.DataFrame(X, columns=columns)
    clf = MLPClassifier(**FAST).fit(frame, y)
    np.testing.assert_array_equal(clf.feature_names_in_, columns)
    assert clf.net_.module_.layers[0].weight.dtype == torch.float32
    ints = (X * 10).round().astype(np.int64)
    assert MLPClassifier(**FAST).fit(ints, y).predict(ints).shape == y.shape


def test_minibatches(iris):
    X, y = iris
    clf = MLPClassifier(batch_size=16, max_epochs=30, random_state=0).fit(X, y)
    assert clf.score(X, y) > 0.9
    # One optimizer step per batch: 150 samples in batches of 16 is 10 steps.
    counter = StepCounter()
    clf = MLPClassifier(batch_size=16, callbacks=[counter], **FAST).fit(X, y)
    assert clf.net_.callbacks_[0][1].steps == 10 * FAST["max_epochs"]
    clf = MLPClassifier(callbacks=[counter], **FAST).fit(X, y)
    assert clf.net_.callbacks_[0][1].steps == FAST["max_epochs"]
    assert counter.steps == 0, "fit trains with a copy of the callbacks"


def test_early_stopping_uses_a_validation_split(iris):
    X, y = iris
    clf = MLPClassifier(
        hidden_units=8,
        max_epochs=5000,
        lr=0.05,
        early_stopping=True,
        n_iter_no_change=5,
        random_state=0,
    ).fit(X, y)
    assert clf.n_epochs_ < 5000
    valid = [row["valid_loss"] for row in clf.history_]
    assert len(valid) == clf.n_epochs_ and np.isfinite(valid).all()
    # Without early stopping no validation loss is computed at all.
    plain = MLPClassifier(**FAST).fit(X, y)
    assert "valid_loss" not in plain.history_[-1]


def test_warm_start_continues_training(iris):
    X, y = iris
    clf = MLPClassifier(warm_start=True, **FAST).fit(X, y)
    first_weights = clf.net_.module_.layers[0].weight.detach().clone()
    net = clf.net_
    clf.fit(X, y)
    assert clf.net_ is net
    assert clf.n_epochs_ == 2 * FAST["max_epochs"]
    assert not torch.equal(first_weights, clf.net_.module_.layers[0].weight)
    assert clf.loss_curve_[-1] < clf.loss_curve_[FAST["max_epochs"] - 1]
    with pytest.raises(ValueError, match="same classes"):
        clf.fit(X[y < 2], y[y < 2])
    # Refused before it touched the network: the warm model is kept as it was.
    assert clf.net_ is net and clf.n_epochs_ == 2 * FAST["max_epochs"]
    # A fit that fails once training started leaves no model behind.
    with pytest.raises(FloatingPointError):
        clf.set_params(lr=1e30).fit(X, y)
    assert not hasattr(clf, "net_")
    # Without warm start, a second fit starts anew.
    cold = MLPClassifier(**FAST).fit(X, y)
    cold.fit(X, y)
    assert cold.n_epochs_ == FAST["max_epochs"]


def test_verbose_levels(iris, capsys):
    X, y = iris
    MLPClassifier(verbose=0, **FAST).fit(X, y)
    assert capsys.readouterr() == ("", "")
    MLPClassifier(verbose=2, **{**FAST, "max_epochs": 3}).fit(X, y)
    out = capsys.readouterr().out
    assert "train_loss" in out and "epoch" in out
    assert len([line for line in out.splitlines() if line.strip()[:1].isdigit()]) == 3


class FakeTerminal(io.StringIO):
    def isatty(self):
        return True


def test_progress_bar_draws_in_a_terminal_only(iris, monkeypatch, capsys):
    X, y = iris
    terminal = FakeTerminal()
    monkeypatch.setattr(engine_callbacks.sys, "stderr", terminal)
    MLPClassifier(verbose=1, **FAST).fit(X, y)
    drawn = terminal.getvalue()
    assert (
        "MLPClassifier" in drawn
        and f"{FAST['max_epochs']}/{FAST['max_epochs']}" in drawn
    )
    assert "loss=" in drawn
    # Not a terminal (a log file, pytest's capture): nothing is drawn.
    monkeypatch.setattr(engine_callbacks.sys, "stderr", io.StringIO())
    MLPClassifier(verbose=1, **FAST).fit(X, y)
    assert engine_callbacks.sys.stderr.getvalue() == ""
    # Nor in a worker thread, even with a terminal.
    monkeypatch.setattr(engine_callbacks.sys, "stderr", terminal)
    result = []
    worker = threading.Thread(
        target=lambda: result.append(engine_callbacks.quiet_environment())
    )
    worker.start()
    worker.join()
    assert result == [True]


def test_auto_device_resolves_in_fit(iris):
    X, y = iris
    clf = MLPClassifier(**FAST)
    assert not hasattr(clf, "device_")
    clf.fit(X, y)
    expected = "cuda" if torch.cuda.is_available() else "cpu"
    assert clf.device_ == expected
    assert next(clf.net_.module_.parameters()).device.type == expected


def test_failed_refit_leaves_no_half_model(iris):
    X, y = iris
    clf = MLPClassifier(**FAST).fit(X[y < 2], y[y < 2])
    clf.set_params(lr=1e6)
    with pytest.raises(FloatingPointError):
        clf.fit(X, y)
    # Not the old network with the new classes: no model at all.
    with pytest.raises(NotFittedError):
        clf.predict(X)
    assert not hasattr(clf, "classes_")


def test_warm_start_survives_pickling(iris):
    """Optimizer state and the packed parameter layout survive a round trip."""
    X, y = iris
    direct = MLPClassifier(warm_start=True, **FAST).fit(X, y)
    restored = pickle.loads(
        pickle.dumps(MLPClassifier(warm_start=True, **FAST).fit(X, y))
    )
    direct.fit(X, y)
    restored.fit(X, y)
    assert restored.n_epochs_ == direct.n_epochs_ == 2 * FAST["max_epochs"]
    np.testing.assert_allclose(
        restored.predict_proba(X), direct.predict_proba(X), rtol=1e-5, atol=1e-7
    )


def test_net_forward_on_arrays_still_works(iris):
    X, y = iris
    clf = MLPClassifier(**FAST).fit(X, y)
    logits = clf.net_.forward(X.astype(np.float32))
    np.testing.assert_allclose(
        torch.softmax(logits, 1).numpy(), clf.predict_proba(X), rtol=1e-5, atol=1e-6
    )


def test_failed_refit_before_training_forgets_the_old_model(iris):
    X, y = iris
    clf = MLPClassifier(**FAST).fit(X, y)
    with pytest.raises(ValueError, match="at least 2 classes"):
        clf.fit(np.hstack([X, X]), np.zeros(len(X)))
    with pytest.raises(NotFittedError):
        clf.predict(X)


def test_warm_start_uses_the_new_class_weights():
    X, y = make_classification(
        n_samples=200, n_features=5, weights=[0.8, 0.2], flip_y=0, random_state=0
    )
    first = MLPClassifier(class_weight="balanced", warm_start=True, **FAST).fit(X, y)
    second = pickle.loads(pickle.dumps(first))
    # The minority class is now the other one: its weight must follow.
    first.fit(X, 1 - y)
    n0, n1 = np.bincount(1 - y)
    balanced = np.where(1 - y == 0, len(y) / (2 * n0), len(y) / (2 * n1))
    second.set_params(class_weight=None).fit(X, 1 - y, sample_weight=balanced)
    np.testing.assert_allclose(
        first.predict_proba(X), second.predict_proba(X), rtol=1e-6
    )


def test_sgd_trains(iris):
    X, y = iris
    clf = MLPClassifier(optimizer="sgd", lr=0.5, max_epochs=300, random_state=0)
    clf.fit(X, y)
    assert isinstance(clf.net_.optimizer_, torch.optim.SGD)
    assert clf.loss_curve_[-1] < 0.3 * clf.loss_curve_[0]
    assert clf.score(X, y) > 0.9
