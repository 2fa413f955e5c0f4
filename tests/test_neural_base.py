"""The neural base: the engine's seams, the faults fixed in it, scikit-learn parity.

Each fault test below failed on commit 0d83f90 (before the engine split).
"""

import copy
import pickle
import warnings

import numpy as np
import pytest
import torch
from sklearn.base import RegressorMixin, clone
from sklearn.datasets import make_blobs
from sklearn.model_selection import train_test_split
from sklearn.utils.estimator_checks import parametrize_with_checks
from skorch.callbacks import Callback, Checkpoint, LRScheduler
from test_engine import (  # noqa: F401 (fixtures and callbacks other modules import)
    InterruptAt,
    RecordWeights,
    interactive,
    sigint_disposition,
)

from skneuro import MLPClassifier, _engine
from skneuro._engine import data as engine_data
from skneuro.neural_network._base import BaseNeuralNet, check_fitted_X
from skneuro.neural_network._transformer import BaseNeuralTransformer

FAST = {"max_epochs": 30, "lr": 0.05, "random_state": 0}


# -- a new estimator is a module plus a short class (under 40 lines) -------
class TinyRegressor(RegressorMixin, BaseNeuralNet):
    """A linear regressor on the base, to show what a new estimator needs.

    Parameters
    ----------
    max_epochs, lr, batch_size, optimizer, alpha, callbacks, device,
    precision, n_threads, random_state, verbose, warm_start
        As for every skneuro neural estimator.
    """

    def __init__(
        self,
        *,
        max_epochs=200,
        lr=0.05,
        batch_size=None,
        optimizer="adam",
        alpha=0.0,
        callbacks=None,
        device="cpu",
        precision="auto",
        n_threads=None,
        random_state=None,
        verbose=0,
        warm_start=False,
    ):
        self.max_epochs, self.lr, self.batch_size = max_epochs, lr, batch_size
        self.optimizer, self.alpha, self.callbacks = optimizer, alpha, callbacks
        self.device, self.random_state = device, random_state
        self.precision, self.n_threads = precision, n_threads
        self.verbose, self.warm_start = verbose, warm_start

    def _module_spec(self, n_features, n_outputs):
        return torch.nn.Linear, {"in_features": n_features, "out_features": n_outputs}

    def predict(self, X):
        out = self._forward(check_fitted_X(self, X))
        return out[:, 0] if self.net_.module_.out_features == 1 else out


@parametrize_with_checks(
    [TinyRegressor(random_state=0)],
    expected_failed_checks=lambda est: {
        "check_sample_weight_equivalence_on_dense_data": (
            "only the analytic cross-entropy step computes in float64; this "
            "MSE trains through autograd in float32, whose rounding differs "
            "between weighted and repeated rows by about 1e-7"
        ),
        "check_supervised_y_2d": (
            "the base regresses several outputs at once, so a column y is a "
            "valid one-output target, not a mistake to warn about"
        ),
    },
)
def test_tiny_regressor_is_a_scikit_learn_estimator(estimator, check):
    check(estimator)


def test_tiny_regressor_learns():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 3))
    y = X @ [1.0, -2.0, 0.5] + 0.3
    reg = TinyRegressor(max_epochs=400, random_state=0).fit(X, y)
    assert reg.score(X, y) > 0.999


class LinearAutoencoder(torch.nn.Module):
    def __init__(self, n_features, n_codes):
        super().__init__()
        self.n_codes = n_codes
        self.encoder = torch.nn.Linear(n_features, n_codes)
        self.decoder = torch.nn.Linear(n_codes, n_features)

    def encode(self, X):
        return self.encoder(X)

    def decode(self, codes):
        return self.decoder(codes)

    def forward(self, X):
        return self.decode(self.encode(X))


class TinyAutoencoder(BaseNeuralTransformer):
    """A linear autoencoder on the transformer base (``y`` is ``X``).

    Parameters
    ----------
    n_codes : int
        Width of the code.
    max_epochs, lr, batch_size, optimizer, alpha, callbacks, device,
    precision, n_threads, random_state, verbose, warm_start
        As for every skneuro neural estimator.
    """

    def __init__(
        self,
        n_codes=2,
        *,
        max_epochs=100,
        lr=0.05,
        batch_size=None,
        optimizer="adam",
        alpha=0.0,
        callbacks=None,
        device="cpu",
        precision="auto",
        n_threads=None,
        random_state=None,
        verbose=0,
        warm_start=False,
    ):
        self.n_codes = n_codes
        self.max_epochs, self.lr, self.batch_size = max_epochs, lr, batch_size
        self.optimizer, self.alpha, self.callbacks = optimizer, alpha, callbacks
        self.device, self.random_state = device, random_state
        self.precision, self.n_threads = precision, n_threads
        self.verbose, self.warm_start = verbose, warm_start

    def _module_spec(self, n_features, n_outputs):
        return LinearAutoencoder, {"n_features": n_features, "n_codes": self.n_codes}


@parametrize_with_checks(
    [TinyAutoencoder(random_state=0)],
    expected_failed_checks=lambda est: {
        "check_sample_weight_equivalence_on_dense_data": (
            "only the analytic cross-entropy step computes in float64; this "
            "MSE trains through autograd in float32, whose rounding differs "
            "between weighted and repeated rows by about 1e-7"
        ),
    },
)
def test_tiny_autoencoder_is_a_scikit_learn_transformer(estimator, check):
    check(estimator)


def test_transformer_base_encodes_and_decodes():
    rng = np.random.default_rng(0)
    codes = rng.normal(size=(300, 2))
    X = codes @ rng.normal(size=(2, 5))  # rank 2: a 2-unit code suffices
    ae = TinyAutoencoder(max_epochs=1500, random_state=0).fit(X)
    Z = ae.transform(X)
    assert Z.shape == (300, 2) and Z.dtype == np.float32
    restored = ae.inverse_transform(Z)
    assert np.mean((restored - X) ** 2) < 1e-3 * X.var()
    assert list(ae.get_feature_names_out()) == ["tinyautoencoder0", "tinyautoencoder1"]
    with pytest.raises(ValueError, match="encodes into 2"):
        ae.inverse_transform(X)


# -- seams -------------------------------------------------------------------
class TupleOutputModule(torch.nn.Module):
    """In training, returns (main, auxiliary) outputs, like GoogLeNet."""

    def __init__(self, in_features, out_features):
        super().__init__()
        self.main = torch.nn.Linear(in_features, out_features)
        self.aux = torch.nn.Linear(in_features, out_features)

    def forward(self, X):
        if self.training:
            return self.main(X), self.aux(X)
        return self.main(X)

    def training_loss(self, y_pred, y_true, criterion):
        main, aux = y_pred
        return criterion(main, y_true) + 0.3 * criterion(aux, y_true)


class TupleRegressor(TinyRegressor):
    def _module_spec(self, n_features, n_outputs):
        return TupleOutputModule, {"in_features": n_features, "out_features": n_outputs}

    def predict(self, X):
        return self._forward(check_fitted_X(self, X))[:, 0]


def test_loss_hook_trains_a_module_with_tuple_outputs():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(100, 3))
    y = X @ [1.0, 2.0, -1.0]
    reg = TupleRegressor(max_epochs=300, random_state=0).fit(X, y)
    assert reg.score(X, y) > 0.99
    # The auxiliary head was trained too, through the hook's 0.3 term.
    aux = reg.net_.module_.aux.weight.detach().numpy()
    np.testing.assert_allclose(aux[0], [1.0, 2.0, -1.0], atol=0.1)


def test_divergence_guard_ignores_how_small_the_first_loss_was():
    """A tiny-scaled MSE starts near 1e-10 and may grow 1e4-fold: not divergence."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(100, 3))
    y = 1e-5 * (X @ [1.0, 2.0, -1.0])
    reg = TinyRegressor(max_epochs=300, lr=0.01, random_state=0, warm_start=True)
    reg.fit(X, y)
    # Warm-started near zero loss; a perturbation multiplies the loss by far
    # more than 1e4, then training recovers.
    reg.set_params(callbacks=[Perturb(epoch=reg.n_epochs_ + 2, scale=3e-6)])
    reg.fit(X, y)
    history = reg.loss_curve_
    assert max(history[300:]) > 1e4 * history[300]
    assert reg.score(X, y) > 0.9


class Perturb(Callback):
    """At the start of epoch ``epoch``, add ``scale`` to every weight."""

    def __init__(self, epoch, scale):
        self.epoch, self.scale = epoch, scale

    def on_epoch_begin(self, net, **kwargs):
        if len(net.history) == self.epoch:
            with torch.no_grad():
                for p in net.module_.parameters():
                    p.add_(self.scale)


class FlipOutput(Callback):
    """At the start of epoch ``epoch``, turn the output layer upside down."""

    def __init__(self, epoch):
        self.epoch = epoch

    def on_epoch_begin(self, net, **kwargs):
        if len(net.history) == self.epoch:
            with torch.no_grad():
                net.module_.layers[-1].weight.mul_(-3)


def test_recovering_spike_after_warm_start_keeps_the_model():
    X, y = make_blobs(n_samples=200, centers=2, cluster_std=0.5, random_state=0)
    clf = MLPClassifier(
        hidden_units=8, max_epochs=500, lr=0.05, random_state=0, warm_start=True
    ).fit(X, y)
    assert clf.loss_ < 1e-3
    clf.set_params(max_epochs=200, callbacks=[FlipOutput(epoch=502)])
    clf.fit(X, y)
    spike = max(clf.loss_curve_[500:])
    assert spike > 1e4 * clf.loss_curve_[500]  # the old guard stopped here
    assert clf.loss_ < 0.05 and clf.score(X, y) == 1.0


def test_streamed_batches_equal_in_memory_batches():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(50, 3)).astype(np.float32)
    y = rng.integers(0, 2, 50)
    w = rng.random(50).astype(np.float32)
    memory = _engine.TrainingData(X, y, w, stream=False)
    streamed = _engine.TrainingData(X, y, w, stream=True)
    assert streamed.streamed and not memory.streamed
    for size in (None, 7, 50):
        a = list(
            memory.batches(
                size, shuffle=True, generator=torch.Generator().manual_seed(1)
            )
        )
        b = list(
            streamed.batches(
                size, shuffle=True, generator=torch.Generator().manual_seed(1)
            )
        )
        assert len(a) == len(b) == (1 if size in (None, 50) else 8)
        for batch_a, batch_b in zip(a, b, strict=True):
            for t_a, t_b in zip(batch_a, batch_b, strict=True):
                torch.testing.assert_close(t_a, t_b)


def test_a_streamed_fit_equals_an_in_memory_fit(iris, monkeypatch):
    X, y = iris
    in_memory = MLPClassifier(batch_size=32, **FAST).fit(X, y)
    monkeypatch.setattr(engine_data, "_should_stream", lambda arrays, device: True)
    streamed = MLPClassifier(batch_size=32, **FAST).fit(X, y)
    np.testing.assert_array_equal(streamed.predict_proba(X), in_memory.predict_proba(X))


def test_prediction_runs_in_chunks_whatever_the_batch_size(iris, monkeypatch):
    X, y = iris
    clf = MLPClassifier(**FAST).fit(X, y)  # batch_size=None: full batch
    whole = clf.predict_proba(X)
    sizes = []
    clf.net_.module_.register_forward_hook(
        lambda module, args, out: sizes.append(len(args[0]))
    )
    monkeypatch.setattr(engine_data, "PREDICT_CHUNK_BYTES", 16 * 4 * 4)  # 16 rows
    np.testing.assert_allclose(clf.predict_proba(X), whole, rtol=1e-6)
    assert sizes == [16] * 9 + [6]


# -- faults fixed --------------------------------------------------------------


def test_warm_start_refuses_a_changed_architecture(iris):
    X, y = iris
    clf = MLPClassifier(hidden_units=5, warm_start=True, **FAST).fit(X, y)
    for change in ({"hidden_units": 8}, {"activation": "relu"}):
        with pytest.raises(
            ValueError, match=f"architecture changed.*{list(change)[0]}"
        ):
            pickle.loads(pickle.dumps(clf)).set_params(**change).fit(X, y)


def test_warm_start_takes_a_new_optimizer_and_learning_rate(iris):
    X, y = iris
    clf = MLPClassifier(warm_start=True, **FAST).fit(X, y)
    clf.set_params(optimizer="sgd", lr=0.2).fit(X, y)
    optimizer = clf.net_.optimizer_
    assert isinstance(optimizer, torch.optim.SGD)
    assert [g["lr"] for g in optimizer.param_groups] == [0.2]
    clf.set_params(lr=0.01).fit(X, y)
    assert [g["lr"] for g in clf.net_.optimizer_.param_groups] == [0.01]
    assert clf.n_epochs_ == 3 * FAST["max_epochs"]


def test_early_stopping_reports_and_drops_its_copy(iris, capsys):
    X, y = iris
    clf = MLPClassifier(
        hidden_units=8,
        max_epochs=3000,
        lr=0.05,
        early_stopping=True,
        n_iter_no_change=5,
        verbose=1,
        random_state=0,
    ).fit(X, y)
    assert clf.n_epochs_ < 3000
    out = capsys.readouterr().out
    assert f"Early stopping at epoch {clf.n_epochs_}" in out
    for _, callback in clf.net_.callbacks_:
        for value in vars(callback).values():
            assert not torch.is_tensor(value)
            assert not (
                isinstance(value, dict)
                and any(torch.is_tensor(v) for v in value.values())
            )


def test_early_stopping_restores_the_best_epoch(iris):
    X, y = iris
    clf = MLPClassifier(
        hidden_units=8,
        max_epochs=3000,
        lr=0.05,
        early_stopping=True,
        n_iter_no_change=20,
        random_state=0,
    ).fit(X, y)
    valid_losses = [row["valid_loss"] for row in clf.history_]
    stopper = dict(clf.net_.callbacks_)["early_stopping"]
    best = stopper.best_epoch_ - 1
    assert valid_losses[best] <= min(valid_losses) + clf.tol
    assert best < clf.n_epochs_ - 1  # training went on past the best epoch
    # Recompute the validation loss of the kept model on the held-out split.
    _, X_valid, _, y_valid = train_test_split(
        X.astype(np.float32), y, test_size=0.1, stratify=y, random_state=0
    )
    proba = clf.predict_proba(X_valid)
    loss = -np.mean(np.log(proba[np.arange(len(y_valid)), y_valid]))
    assert loss == pytest.approx(valid_losses[best], rel=1e-4)
    assert clf.best_validation_score_ == clf.validation_scores_[best]


def test_values_beyond_float32_are_refused_before_training(iris, no_training):
    X, y = iris
    huge = X.copy()
    huge[0, 0] = 1e39
    with pytest.raises(ValueError, match="beyond float32's range"):
        MLPClassifier().fit(huge, y)


def test_values_beyond_float32_are_refused_at_prediction(iris):
    X, y = iris
    clf = MLPClassifier(**FAST).fit(X, y)
    huge = X.copy()
    huge[0, 0] = -1e39
    with pytest.raises(ValueError, match="beyond float32's range"):
        clf.predict(huge)


@pytest.mark.parametrize("units", [[8, 4], (8, 4), np.array([8, 4])])
def test_hidden_units_takes_any_array_like(iris, units):
    X, y = iris
    clf = MLPClassifier(hidden_units=units, **FAST).fit(X, y)
    widths = [m.out_features for m in clf.net_.module_.layers[::2]]
    assert widths == [8, 4, 3]


def test_read_only_input_raises_no_warning(iris):
    X, y = iris
    X32 = X.astype(np.float32)
    X32.setflags(write=False)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        clf = MLPClassifier(**FAST).fit(X32, y)
        clf.predict_proba(X32)


# -- scikit-learn parity ----------------------------------------------------
def test_sample_weight_zero_drops_and_two_duplicates(iris, monkeypatch):
    # Bit for bit: what the analytic step (a fast path) promises.
    monkeypatch.setenv("SKNEURO_FAST_PATHS", "1")
    X, y = iris
    weights = np.ones(len(y))
    weights[:10] = 0
    weights[10:30] = 2
    weighted = MLPClassifier(**FAST).fit(X, y, sample_weight=weights)
    rows = np.repeat(np.arange(len(y)), weights.astype(int))
    repeated = MLPClassifier(**FAST).fit(X[rows], y[rows])
    np.testing.assert_array_equal(weighted.predict_proba(X), repeated.predict_proba(X))
    plain = MLPClassifier(**FAST).fit(X, y)
    assert not np.array_equal(plain.predict_proba(X), weighted.predict_proba(X))


def test_bad_sample_weights_fail_before_training(iris, no_training):
    X, y = iris
    with pytest.raises(ValueError, match="[Nn]egative"):
        MLPClassifier().fit(X, y, sample_weight=np.full(len(y), -1.0))
    with pytest.raises(ValueError, match="zero"):
        MLPClassifier().fit(X, y, sample_weight=np.zeros(len(y)))
    with pytest.raises(ValueError, match="shape"):
        MLPClassifier().fit(X, y, sample_weight=np.ones(3))


def test_partial_fit_is_fit_one_epoch_at_a_time(iris):
    X, y = iris
    online = MLPClassifier(random_state=0)
    with pytest.raises(ValueError, match="classes must be passed"):
        online.partial_fit(X, y)
    for _ in range(5):
        online.partial_fit(X, y, classes=np.unique(y))
    batch = MLPClassifier(max_epochs=5, random_state=0).fit(X, y)
    assert online.n_iter_ == 5
    np.testing.assert_array_equal(online.predict_proba(X), batch.predict_proba(X))
    # A batch may hold only some of the classes; unknown labels are refused.
    online.partial_fit(X[y == 0], y[y == 0])
    with pytest.raises(ValueError, match="not among the classes"):
        online.partial_fit(X, y + 5)


def test_predict_log_proba_stays_finite(iris):
    X, y = iris
    clf = MLPClassifier(**FAST).fit(X, y)
    np.testing.assert_allclose(
        np.exp(clf.predict_log_proba(X)), clf.predict_proba(X), rtol=1e-10
    )
    clf = MLPClassifier(activation="relu", **FAST).fit(X, y)
    far = X * 1e4
    assert (clf.predict_proba(far) == 0).any()
    assert np.isfinite(clf.predict_log_proba(far)).all()


def test_fitted_attributes_follow_scikit_learn(iris):
    X, y = iris
    clf = MLPClassifier(**FAST).fit(X, y)
    assert clf.n_iter_ == clf.n_epochs_ == FAST["max_epochs"]
    assert clf.loss_ == clf.loss_curve_[-1]
    assert clf.best_loss_ == min(clf.loss_curve_)
    assert clf.validation_scores_ is None and clf.best_validation_score_ is None
    stopped = MLPClassifier(early_stopping=True, **FAST).fit(X, y)
    assert stopped.best_loss_ is None
    assert len(stopped.validation_scores_) == stopped.n_iter_
    assert 0.5 < stopped.best_validation_score_ <= 1


def test_alpha_shrinks_the_weights(iris):
    X, y = iris
    norms = [
        sum(
            m.weight.norm().item()
            for m in MLPClassifier(alpha=alpha, max_epochs=300, random_state=0)
            .fit(X, y)
            .net_.module_.layers[::2]
        )
        for alpha in (0.0, 1.0)
    ]
    assert norms[1] < 0.8 * norms[0]


def test_callbacks_survive_clone_and_are_not_changed_by_fit(iris, tmp_path):
    X, y = iris
    scheduler = LRScheduler(policy="StepLR", step_size=10, gamma=0.1)
    checkpoint = Checkpoint(dirname=str(tmp_path), monitor="train_loss_best")
    clf = MLPClassifier(callbacks=[scheduler, checkpoint], **FAST)
    before = copy.deepcopy(vars(scheduler))
    clf.fit(X, y)
    assert vars(scheduler).keys() == before.keys()
    # Three steps of the schedule: lr 0.05 -> 5e-5.
    lr = clf.net_.optimizer_.param_groups[0]["lr"]
    assert lr == pytest.approx(FAST["lr"] * 1e-3)
    assert (tmp_path / "params.pt").exists()
    cloned = clone(clf)
    assert [type(c) for c in cloned.callbacks] == [LRScheduler, Checkpoint]
    assert cloned.callbacks[0].step_size == 10


def test_tags_and_documentation_link():
    clf = MLPClassifier()
    tags = clf.__sklearn_tags__()
    assert tags.estimator_type == "classifier"
    assert not tags.input_tags.sparse and not tags.input_tags.allow_nan
    assert clf._get_doc_link().endswith(
        "generated/skneuro.neural_network.MLPClassifier.html"
    )
    assert "skneuro.readthedocs.io" in clf._repr_html_()


def test_a_cuda_pickled_model_loads_on_the_cpu(iris, check_cuda_pickle_loads_on_cpu):
    X, y = iris
    check_cuda_pickle_loads_on_cpu(MLPClassifier(**FAST).fit(X, y), X)


@pytest.mark.cuda
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_cuda_fit_matches_cpu_and_streams(iris, monkeypatch):
    X, y = iris
    cpu = MLPClassifier(device="cpu", **FAST).fit(X, y)
    gpu = MLPClassifier(device="cuda", **FAST).fit(X, y)
    assert gpu.device_.startswith("cuda")
    np.testing.assert_allclose(gpu.predict_proba(X), cpu.predict_proba(X), atol=1e-3)
    monkeypatch.setattr(engine_data, "_should_stream", lambda arrays, device: True)
    streamed = MLPClassifier(device="cuda", batch_size=32, **FAST).fit(X, y)
    in_memory = MLPClassifier(device="cuda", batch_size=32, **FAST)
    monkeypatch.undo()
    in_memory.fit(X, y)
    np.testing.assert_allclose(
        streamed.predict_proba(X), in_memory.predict_proba(X), atol=1e-5
    )
    restored = pickle.loads(pickle.dumps(gpu))
    np.testing.assert_allclose(restored.predict_proba(X), gpu.predict_proba(X))


@pytest.mark.parametrize(
    ("class_weight", "sample_weight", "message"),
    [
        ({0: -1.0}, None, r"class_weight\[0\] is -1.0; class weights must be finite"),
        ({0: float("nan")}, None, r"class_weight\[0\] is nan"),
        ({1: float("inf")}, None, r"class_weight\[1\] is inf"),
        ({0: "heavy"}, None, r"class_weight\[0\] is 'heavy'"),
        ({0: 0, 1: 0, 2: 0}, None, "class_weight gives every class of the data"),
        (None, "huge", "sample_weight gives weights that sum to .* beyond float32"),
        ({0: 1e30}, "big", "class_weight times sample_weight gives weights that sum"),
    ],
)
def test_bad_weights_are_refused_naming_the_parameter(
    iris, no_training, class_weight, sample_weight, message
):
    """Issue: they passed validation and failed at epoch 1 as a divergence."""
    X, y = iris
    weights = {"huge": np.full(len(y), 1e39), "big": np.full(len(y), 1e30)}
    with pytest.raises(ValueError, match=message):
        MLPClassifier(class_weight=class_weight, **FAST).fit(
            X, y, sample_weight=weights.get(sample_weight)
        )
