"""DistinctivenessPruning: the pruning as a skorch callback on any estimator."""

import pickle
import signal

import numpy as np
import pytest
import torch
from sklearn.base import clone
from sklearn.datasets import load_iris
from sklearn.preprocessing import StandardScaler
from skorch.callbacks import Callback
from test_neural_base import (  # noqa: F401 (fixtures)
    InterruptAt,
    RecordWeights,
    interactive,
    sigint_disposition,
)

from skneuro import _engine
from skneuro._engine import fast_paths
from skneuro.neural_network import DistinctivenessPruning, MLPClassifier
from skneuro.neural_network import _distinctiveness as distinctiveness
from skneuro.neural_network._distinctiveness import hidden_layers


def test_planted_duplicate_and_complement_go_without_changing_predictions(iris):
    X, y = iris
    clf = MLPClassifier(
        hidden_units=2, max_epochs=50, lr=0.05, random_state=0, optimizer="sgd"
    ).fit(X, y)
    layers = clf.net_.module_.layers
    with torch.no_grad():
        w, b, out = layers[0].weight, layers[0].bias, layers[2].weight
        first = torch.nn.Linear(4, 4)
        first.weight.copy_(torch.cat([w, w[:1], -w[1:2]]))  # unit 2 = unit 0
        first.bias.copy_(torch.cat([b, b[:1], -b[1:2]]))  # unit 3 = 1 - unit 1
        second = torch.nn.Linear(4, 3)
        second.weight.copy_(
            torch.cat([out, torch.ones_like(out[:, :1]), out[:, 1:2]], 1)
        )
        second.bias.copy_(layers[2].bias)
    layers[0], layers[2] = first, second
    clf.net_.initialize_optimizer()  # the module was changed by hand
    before = clf.predict_proba(X)
    pruning = DistinctivenessPruning(every=clf.n_epochs_ + 1)
    clf.set_params(warm_start=True, max_epochs=1, lr=1e-12, callbacks=[pruning])
    clf.fit(X, y)
    history = dict(clf.net_.callbacks_)["DistinctivenessPruning"].pruning_history_
    assert len(history) == 1 and history[0]["units_left"] == 1
    assert sorted(kind for kind, _, _ in history[0]["decisions"]) == [
        "complementary",
        "similar",
    ]
    assert clf.net_.module_.layers[0].out_features == 1
    np.testing.assert_allclose(clf.predict_proba(X), before, atol=1e-5)


class RecordSteps(Callback):
    def on_epoch_begin(self, net, **kwargs):
        self.analytic = getattr(self, "analytic", [])
        self.analytic.append(net.analytic_layers_ is not None)


def test_pruning_a_two_layer_mlp_in_mini_batches(iris):
    X, y = iris
    record = RecordSteps()
    clf = MLPClassifier(
        hidden_units=(12, 8),
        max_epochs=200,
        batch_size=32,
        random_state=0,
        callbacks=[DistinctivenessPruning(every=50), record],
    )
    clf.fit(X, y)
    widths = [m.out_features for m in clf.net_.module_.layers[::2]]
    assert widths[0] < 12 and widths[1] < 8 and widths[2] == 3
    assert clf.score(X, y) > 0.9
    # The plain layout survives pruning: the analytic step runs throughout
    # (when the engine's fast paths are on).
    steps = dict(clf.net_.callbacks_)["RecordSteps"].analytic
    assert all(steps) if fast_paths.enabled() else not any(steps)
    restored = pickle.loads(pickle.dumps(clf))
    np.testing.assert_array_equal(restored.predict_proba(X), clf.predict_proba(X))
    clf.set_params(warm_start=True, callbacks=None, max_epochs=5).fit(X, y)
    assert clf.n_epochs_ == 205


def test_hidden_layers_are_found_in_any_module():
    from skneuro.neural_network._modules import AutoencoderModule, MLPModule

    assert len(hidden_layers(MLPModule(4, (5, 3), 2))) == 2
    assert len(hidden_layers(AutoencoderModule(6, 3))) == 1
    assert hidden_layers(torch.nn.Linear(3, 3)) == []


def test_a_pass_measures_activations_in_chunks_of_any_input(iris, monkeypatch):
    """The engine's chunked forward pass, over the training inputs as the
    engine holds them: a tensor on the device, or a host array (streamed)."""
    X, y = iris
    clf = MLPClassifier(hidden_units=(6, 4), max_epochs=5, random_state=0).fit(X, y)
    module = clf.net_.module_
    act = hidden_layers(module)[1][4]
    inputs = torch.as_tensor(X, dtype=torch.float32)
    captured = []
    handle = act.register_forward_hook(lambda m, a, out: captured.append(out))
    with torch.no_grad():
        module(inputs)
    handle.remove()
    monkeypatch.setattr(distinctiveness, "_CHUNK_ROWS", 7)
    module.train()
    for given in (inputs, X.astype(np.float32)):
        got = DistinctivenessPruning._activations(clf.net_, given, act)
        assert got.dtype == np.float64 and got.shape == (len(X), 4)
        np.testing.assert_allclose(got, captured[0].double().numpy(), rtol=1e-6)
    assert module.training and not act._forward_hooks


def test_bad_settings_fail_before_training(iris, no_training):
    X, y = iris
    for kwargs, match in [
        ({"similar_angle": 170}, "similar_angle"),
        ({"merge": "mean"}, "merge"),
        ({"every": 0}, "every"),
    ]:
        clf = MLPClassifier(callbacks=[DistinctivenessPruning(**kwargs)])
        with pytest.raises(ValueError, match=match):
            clf.fit(X, y)


def test_the_callback_survives_clone():
    clf = MLPClassifier(callbacks=[DistinctivenessPruning(every=7, merge="lsq")])
    cloned = clone(clf).callbacks[0]
    assert (cloned.every, cloned.merge) == (7, "lsq")


# -- Ctrl-C: the module and the pruning record stay in step ----------------------
#: Every layer of this network is pruned by the pass at epoch 5 (12 -> 5 and
#: 8 -> 4 units); five batches an epoch, one thread.
CTRL_C = {
    "hidden_units": (12, 8),
    "max_epochs": 8,
    "batch_size": 32,
    "lr": 0.05,
    "n_threads": 1,
    "random_state": 0,
}


def _pruning(clf):
    (found,) = [
        cb for _, cb in clf.net_.callbacks_ if isinstance(cb, DistinctivenessPruning)
    ]
    return found


def _widths(clf):
    return [m.out_features for m in clf.net_.module_.layers[::2]][:-1]


def _recorded_widths(history, start):
    """The hidden widths ``history`` says the module has, from ``start``."""
    widths = list(start)
    for record in history:
        widths[record["layer"]] = record["units_left"]
    return widths


@pytest.mark.usefixtures("interactive")
@pytest.mark.parametrize("epoch", [5, 6], ids=["before-the-pass", "after-the-pass"])
def test_ctrl_c_around_a_pruning_pass_keeps_module_and_record_in_step(iris, epoch):
    """Mid-epoch 5 (the pass never ran) or mid-epoch 6, right after it."""
    X, y = iris
    record = RecordWeights()
    clf = MLPClassifier(
        callbacks=[DistinctivenessPruning(every=5), record, InterruptAt(epoch, 2)],
        **CTRL_C,
    )
    with pytest.raises(KeyboardInterrupt):
        clf.fit(X, y)
    assert clf.n_epochs_ == epoch - 1
    history = _pruning(clf).pruning_history_
    assert [r["epoch"] for r in history] == ([5, 5] if epoch == 6 else [])
    assert _widths(clf) == _recorded_widths(history, (12, 8))
    assert _widths(clf) == ([5, 4] if epoch == 6 else [12, 8])
    # The weights of the last finished epoch (after its pass).
    kept = dict(clf.net_.callbacks_)["RecordWeights"].per_epoch[-1]
    for p, expected in zip(clf.net_.module_.parameters(), kept, strict=True):
        torch.testing.assert_close(p.detach(), expected, rtol=0, atol=0)
    assert clf.predict(X).shape == y.shape
    # And it trains on from there.
    clf.set_params(callbacks=None, warm_start=True, max_epochs=2).fit(X, y)
    assert clf.n_epochs_ == epoch + 1 and _widths(clf) == _recorded_widths(
        history, (12, 8)
    )


class InterruptMidPass(DistinctivenessPruning):
    """Deliver ``signals`` SIGINTs once the pass has pruned the first hidden
    layer and is measuring the second."""

    def __init__(self, every, signals=1):
        super().__init__(every=every)
        self.signals = signals

    def _activations(self, net, X, act):
        if len(self.pruning_history_) == 1 and not getattr(self, "fired_", False):
            self.fired_ = True
            for _ in range(self.signals):
                signal.raise_signal(signal.SIGINT)
        return super()._activations(net, X, act)


@pytest.mark.usefixtures("interactive")
def test_a_ctrl_c_during_a_pass_waits_for_the_pass_to_finish(iris):
    X, y = iris
    clf = MLPClassifier(callbacks=[InterruptMidPass(every=5)], **CTRL_C)
    with pytest.raises(KeyboardInterrupt):
        clf.fit(X, y)
    assert clf.n_epochs_ == 5
    history = _pruning(clf).pruning_history_
    assert [(r["epoch"], r["layer"]) for r in history] == [(5, 0), (5, 1)]
    assert _widths(clf) == _recorded_widths(history, (12, 8)) == [5, 4]
    assert clf.predict(X).shape == y.shape


@pytest.mark.usefixtures("interactive")
def test_a_second_ctrl_c_during_a_pass_undoes_the_half_pass(iris):
    """Two Ctrl-C (stop at once) while the pass is between its two layers:
    the network goes back to where the call started, whole."""
    X, y = iris
    clf = MLPClassifier(warm_start=True, **CTRL_C).fit(X, y)
    before = [p.detach().clone() for p in clf.net_.module_.parameters()]
    clf.set_params(callbacks=[InterruptMidPass(every=10, signals=2)])
    with pytest.raises(KeyboardInterrupt):
        clf.fit(X, y)
    assert clf.n_epochs_ == CTRL_C["max_epochs"]
    assert _pruning(clf).fired_ and _pruning(clf).pruning_history_ == []
    assert _widths(clf) == [12, 8]
    after = list(clf.net_.module_.parameters())
    assert len(after) == len(before)
    for p, expected in zip(after, before, strict=True):
        torch.testing.assert_close(p.detach(), expected, rtol=0, atol=0)
    assert clf.predict(X).shape == y.shape
    clf.set_params(callbacks=None, max_epochs=1).fit(X, y)
    assert clf.n_epochs_ == CTRL_C["max_epochs"] + 1


@pytest.mark.usefixtures("interactive")
def test_a_second_ctrl_c_as_a_pass_ends_keeps_its_pruned_epoch(iris, monkeypatch):
    """Two Ctrl-C while the net takes up the pruned module: it takes it up
    whole (optimizer, step, checkpoint), then stops at that epoch."""
    X, y = iris
    clf = MLPClassifier(warm_start=True, **CTRL_C).fit(X, y)
    changed = _engine.TrainingNet.module_changed

    def interrupted(net):
        signal.raise_signal(signal.SIGINT)
        signal.raise_signal(signal.SIGINT)
        changed(net)

    monkeypatch.setattr(_engine.TrainingNet, "module_changed", interrupted)
    clf.set_params(callbacks=[DistinctivenessPruning(every=10)])
    with pytest.raises(KeyboardInterrupt):
        clf.fit(X, y)
    monkeypatch.setattr(_engine.TrainingNet, "module_changed", changed)
    assert clf.n_epochs_ == 10
    history = _pruning(clf).pruning_history_
    assert history and {r["epoch"] for r in history} == {10}
    assert _widths(clf) == _recorded_widths(history, (12, 8)) != [12, 8]
    assert clf.predict(X).shape == y.shape
    # The optimizer trains the module it holds.
    before = [p.detach().clone() for p in clf.net_.module_.parameters()]
    clf.set_params(callbacks=None, max_epochs=1).fit(X, y)
    assert clf.n_epochs_ == 11
    after = list(clf.net_.module_.parameters())
    assert all(
        not torch.equal(a.detach(), b) for a, b in zip(after, before, strict=True)
    )


def test_early_stopping_with_pruning_keeps_a_best_epoch_that_fits():
    """Early stopping kept a best-epoch copy of the unpruned layers and failed
    to load it into the pruned module ("size mismatch")."""
    X, y = load_iris(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    for seed in (0, 3):
        clf = MLPClassifier(
            hidden_units=30,
            max_epochs=400,
            lr=0.05,
            early_stopping=True,
            n_iter_no_change=10,
            random_state=seed,
            callbacks=[
                DistinctivenessPruning(
                    every=10, similar_angle=30, complementary_angle=150
                )
            ],
        ).fit(X, y)
        pruning = dict(clf.net_.callbacks_)["DistinctivenessPruning"]
        width = clf.net_.module_.layers[0].out_features
        assert pruning.pruning_history_, "the test needs a pruning pass"
        # The kept weights are of an epoch after the last pass before it.
        assert width == pruning.pruning_history_[-1]["units_left"]
        assert clf.predict(X).shape == y.shape
