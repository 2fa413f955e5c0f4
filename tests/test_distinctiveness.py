"""DistinctivenessPruning: the pruning as a skorch callback on any estimator."""

import pickle

import numpy as np
import pytest
import torch
from sklearn.base import clone
from skorch.callbacks import Callback

from skneuro.neural_network import DistinctivenessPruning, MLPClassifier
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
    # The plain layout survives pruning: the analytic step runs throughout.
    assert all(dict(clf.net_.callbacks_)["RecordSteps"].analytic)
    restored = pickle.loads(pickle.dumps(clf))
    np.testing.assert_array_equal(restored.predict_proba(X), clf.predict_proba(X))
    clf.set_params(warm_start=True, callbacks=None, max_epochs=5).fit(X, y)
    assert clf.n_epochs_ == 205


def test_hidden_layers_are_found_in_any_module():
    from skneuro.neural_network._modules import AutoencoderModule, MLPModule

    assert len(hidden_layers(MLPModule(4, (5, 3), 2))) == 2
    assert len(hidden_layers(AutoencoderModule(6, 3))) == 1
    assert hidden_layers(torch.nn.Linear(3, 3)) == []


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
