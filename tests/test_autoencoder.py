"""PruningAutoencoder: pruning by angular separation, end to end."""

import signal

import numpy as np
import pytest
import torch
from sklearn.model_selection import cross_val_score
from sklearn.utils._param_validation import InvalidParameterError
from skorch.callbacks import Callback
from test_neural_base import (  # noqa: F401 (fixtures)
    InterruptAt,
    RecordWeights,
    interactive,
    sigint_disposition,
)

from skneuro import PruningAutoencoder, _engine
from skneuro._engine import NetworkTooLargeError
from skneuro.neural_network._pruning import HiddenLayer

FAST = {"max_epochs": 400, "retrain_epochs": 60, "lr": 0.02, "random_state": 0}


@pytest.fixture(scope="module")
def rank2():
    """Six features that are mixtures of two: a 2-unit code suffices."""
    rng = np.random.default_rng(0)
    return rng.normal(size=(200, 2)) @ rng.normal(size=(2, 6))


@pytest.fixture(scope="module")
def pruned(rank2):
    return PruningAutoencoder(
        hidden_units=6, loss_threshold=0.05, threshold_kind="relative", **FAST
    ).fit(rank2)


def test_progressive_pruning_history(pruned, rank2):
    history = pruned.pruning_history_
    units = [6] + [step["units_left"] for step in history]
    assert all(a > b for a, b in zip(units, units[1:], strict=False))
    assert pruned.n_hidden_units_ < 6
    # The kept network is the last one under the threshold.
    kept = [s for s in history if s["units_left"] == pruned.n_hidden_units_][0]
    assert kept["loss_after"] <= pruned.loss_threshold_
    later = [s for s in history if s["units_left"] < pruned.n_hidden_units_]
    assert all(s["loss_after"] > pruned.loss_threshold_ for s in later[:1])
    assert -pruned.score(rank2) == pytest.approx(kept["loss_after"], rel=1e-5)
    assert pruned.loss_threshold_ == pytest.approx(0.05 * rank2.var(axis=0).mean())
    for step in history:
        assert {
            "units_left",
            "action",
            "pair",
            "angle",
            "loss_before",
            "loss_pruned",
            "loss_after",
        } <= set(step)


def test_transform_at_every_width_reached_needs_no_refit(pruned, rank2, monkeypatch):
    monkeypatch.setattr(
        _engine.TrainingNet, "partial_fit", lambda *a, **k: pytest.fail("refit")
    )
    widths = sorted(pruned.networks_)
    assert widths[-1] == 6 and pruned.n_hidden_units_ in widths
    for width in widths:
        pruned.set_params(n_components=width)
        codes = pruned.transform(rank2)
        assert codes.shape == (len(rank2), width)
        assert pruned.inverse_transform(codes).shape == rank2.shape
        assert len(pruned.get_feature_names_out()) == width
    pruned.set_params(n_components=None)
    missing = (
        next(w for w in range(1, 7) if w not in widths) if len(widths) < 6 else None
    )
    if missing is not None:
        with pytest.raises(ValueError, match="was not reached"):
            pruned.set_params(n_components=missing).transform(rank2)
        pruned.set_params(n_components=None)


def test_pruning_stops_at_min_hidden_units(rank2):
    ae = PruningAutoencoder(
        hidden_units=6, loss_threshold=1e6, min_hidden_units=3, **FAST
    ).fit(rank2)
    assert ae.n_hidden_units_ == 3
    assert [s["units_left"] for s in ae.pruning_history_] == [5, 4, 3]


def test_n_components_before_fit_prunes_down_to_it(rank2):
    ae = PruningAutoencoder(
        hidden_units=5, loss_threshold=1e-9, n_components=2, **FAST
    ).fit(rank2)
    assert ae.n_hidden_units_ == 5  # nothing was ever under that threshold
    assert 2 in ae.networks_
    assert ae.transform(rank2).shape == (len(rank2), 2)


def test_an_unreachable_threshold_keeps_the_full_network(rank2):
    ae = PruningAutoencoder(hidden_units=4, loss_threshold=1e-12, **FAST).fit(rank2)
    assert ae.n_hidden_units_ == 4 and ae.pruning_history_ == []


def test_threshold_strategy_removes_planted_duplicates_exactly(rank2):
    """Gedeon & Harris's rules: a duplicate merges, a complement pair goes."""
    ae = PruningAutoencoder(
        hidden_units=2, strategy="threshold", max_epochs=300, lr=0.02, random_state=0
    ).fit(rank2)
    module = ae.net_.module_
    with torch.no_grad():
        w, b = module.encoder.weight, module.encoder.bias
        out = module.decoder.weight
        planted = HiddenLayer(
            torch.cat(
                [w, w[:1], -w[1:2]]
            ).numpy(),  # unit 2 = unit 0, unit 3 = 1 - unit 1
            torch.cat([b, b[:1], -b[1:2]]).numpy(),
            torch.cat([out, torch.ones_like(out[:, :1]), out[:, 1:2]], 1).numpy(),
            module.decoder.bias.numpy().copy(),
        )
    X = rank2.astype(np.float32)
    ae._load(ae.net_, planted)
    before = ae.net_.module_(torch.from_numpy(X)).detach()
    kind, pairs, angles, smaller = ae._next_step(ae.net_.module_, X, ae.device_)
    assert kind == "complementary+similar"
    assert sorted(pairs) == [(0, 2), (1, 3)]
    assert angles[0] == pytest.approx(0, abs=1e-3) or angles[0] == pytest.approx(180)
    ae._load(ae.net_, smaller)
    assert ae.net_.module_.n_codes == 1
    after = ae.net_.module_(torch.from_numpy(X)).detach()
    torch.testing.assert_close(after, before, atol=1e-5, rtol=1e-5)


@pytest.mark.parametrize(
    "params, match",
    [
        ({"similar_angle": 170.0}, "similar_angle"),
        ({"similar_angle": 0.0}, "similar_angle"),
        ({"complementary_angle": 180.0}, "complementary_angle"),
        ({"loss_threshold": 0.0}, "loss_threshold"),
        ({"min_hidden_units": 8}, "min_hidden_units"),
        ({"n_components": 9}, "n_components"),
        ({"merge": "mean"}, "merge"),
        ({"strategy": "greedy"}, "strategy"),
    ],
)
def test_bad_parameters_fail_before_training(rank2, no_training, params, match):
    with pytest.raises((ValueError, InvalidParameterError), match=match):
        PruningAutoencoder(hidden_units=6, **params).fit(rank2)


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_non_finite_input_fails_before_training(rank2, no_training, bad):
    X = rank2.copy()
    X[3, 2] = bad
    with pytest.raises(ValueError, match="NaN|infinity"):
        PruningAutoencoder().fit(X)


def test_score_drives_a_cross_validation(rank2):
    scores = cross_val_score(
        PruningAutoencoder(
            hidden_units=4, max_epochs=100, retrain_epochs=10, random_state=0
        ),
        rank2,
        cv=2,
    )
    assert scores.shape == (2,) and (scores < 0).all()


# -- Ctrl-C keeps the last finished step; any other failure keeps nothing ------
#: Four batches an epoch (so that a Ctrl-C lands mid-epoch), few epochs, one
#: thread (fast on a shared machine).
CTRL_C = {
    "hidden_units": 6,
    "max_epochs": 30,
    "retrain_epochs": 10,
    "batch_size": 50,
    "lr": 0.02,
    "n_threads": 1,
    "random_state": 0,
}
#: The epoch that ends the first training and each pruning step's retraining.
FIRST, RETRAIN = CTRL_C["max_epochs"], CTRL_C["retrain_epochs"]


def _same_layers(a, b):
    for x, y in zip(a, b, strict=True):
        np.testing.assert_array_equal(x, y)


def _module_layer(ae):
    return HiddenLayer.of_linear(ae.net_.module_.encoder, ae.net_.module_.decoder)


def _assert_same_fit(ae, reference, X):
    """``ae`` holds what ``reference`` (an uninterrupted fit) holds."""
    assert ae.n_epochs_ == reference.n_epochs_ == len(ae.history_)
    assert ae.loss_curve_ == reference.loss_curve_
    assert ae.pruning_history_ == reference.pruning_history_
    assert sorted(ae.networks_) == sorted(reference.networks_)
    for width, layer in reference.networks_.items():
        _same_layers(ae.networks_[width], layer)
    assert ae.n_hidden_units_ == reference.n_hidden_units_
    assert ae.loss_threshold_ == reference.loss_threshold_
    np.testing.assert_array_equal(ae.angles_, reference.angles_)
    # The net holds the kept width's weights, and everything works from it.
    _same_layers(_module_layer(ae), ae.networks_[ae.n_hidden_units_])
    assert ae.net_.module__hidden_units == ae.n_hidden_units_
    np.testing.assert_array_equal(ae.transform(X), reference.transform(X))
    assert ae.score(X) == reference.score(X)
    codes = ae.transform(X)
    assert ae.inverse_transform(codes).shape == X.shape
    for width in ae.networks_:
        assert ae.set_params(n_components=width).transform(X).shape[1] == width
    ae.set_params(n_components=None)


@pytest.mark.usefixtures("interactive")
def test_ctrl_c_in_the_first_training_keeps_the_unpruned_network(rank2):
    record = RecordWeights()
    ae = PruningAutoencoder(
        loss_threshold=1e6, callbacks=[record, InterruptAt(epoch=3, batch=2)], **CTRL_C
    )
    with pytest.raises(KeyboardInterrupt):
        ae.fit(rank2)
    assert ae.n_epochs_ == len(ae.history_) == len(ae.loss_curve_) == 2
    kept = dict(ae.net_.callbacks_)["RecordWeights"].per_epoch[-1]
    for p, expected in zip(ae.net_.module_.parameters(), kept, strict=True):
        torch.testing.assert_close(p.detach(), expected, rtol=0, atol=0)
    assert list(ae.networks_) == [6] and ae.n_hidden_units_ == 6
    _same_layers(ae.networks_[6], _module_layer(ae))
    assert ae.pruning_history_ == []
    assert ae.loss_threshold_ == 1e6 and ae.angles_.shape == (6, 6)
    assert ae.transform(rank2).shape == (len(rank2), 6)
    assert -ae.score(rank2) == pytest.approx(
        np.mean((ae.inverse_transform(ae.transform(rank2)) - rank2) ** 2), rel=1e-5
    )


@pytest.mark.usefixtures("interactive")
def test_ctrl_c_in_the_first_epoch_leaves_the_autoencoder_unfitted(rank2):
    ae = PruningAutoencoder(callbacks=[InterruptAt(epoch=1, batch=2)], **CTRL_C)
    with pytest.raises(KeyboardInterrupt):
        ae.fit(rank2)
    assert not hasattr(ae, "net_") and not hasattr(ae, "networks_")
    assert not [k for k in vars(ae) if k.endswith("_") and not k.startswith("_")]


@pytest.mark.usefixtures("interactive")
@pytest.mark.parametrize("threshold", [1e6, 0.05])
def test_ctrl_c_mid_pruning_keeps_the_last_finished_step(rank2, threshold):
    """A Ctrl-C in the second step's retraining: the fit after the first step.

    With ``0.05`` the first step ends over the threshold and ``n_components``
    prunes on regardless: the kept width is then the full one, as an
    uninterrupted fit that ended after the first step keeps.
    """
    params = {**CTRL_C, "loss_threshold": threshold}
    if threshold < 1:
        params["n_components"] = 3
    # Epoch 2 of the second step's retraining, at its second batch.
    stop = InterruptAt(epoch=FIRST + RETRAIN + 2, batch=2)
    ae = PruningAutoencoder(callbacks=[stop], **params)
    with pytest.raises(KeyboardInterrupt):
        ae.fit(rank2)
    forced = {"n_components": 5} if threshold < 1 else {}
    reference = PruningAutoencoder(**{**params, "min_hidden_units": 5, **forced})
    reference.fit(rank2).set_params(n_components=None)
    assert [s["units_left"] for s in reference.pruning_history_] == [5]
    assert reference.n_epochs_ == FIRST + RETRAIN
    if threshold < 1:
        assert reference.pruning_history_[0]["loss_after"] > threshold
        assert reference.n_hidden_units_ == 6
        # The width asked for was not reached: said so, not guessed.
        with pytest.raises(ValueError, match="was not reached"):
            ae.transform(rank2)
        ae.set_params(n_components=None)
    else:
        assert reference.n_hidden_units_ == 5
    _assert_same_fit(ae, reference, rank2)


@pytest.mark.usefixtures("interactive")
def test_ctrl_c_between_pruning_steps_keeps_the_last_finished_step(rank2, monkeypatch):
    """A Ctrl-C while the second step folds its unit away (half a module)."""
    loads = []
    load = PruningAutoencoder._load

    def interrupted_load(self, net, layer):
        loads.append(len(layer.b_in))
        if len(loads) == 2:  # the second step's smaller layer
            net.module_.encoder = torch.nn.Linear(6, 4)  # half swapped in
            signal.raise_signal(signal.SIGINT)
        return load(self, net, layer)

    monkeypatch.setattr(PruningAutoencoder, "_load", interrupted_load)
    ae = PruningAutoencoder(loss_threshold=1e6, **CTRL_C)
    with pytest.raises(KeyboardInterrupt):
        ae.fit(rank2)
    monkeypatch.setattr(PruningAutoencoder, "_load", load)
    reference = PruningAutoencoder(
        **{**CTRL_C, "loss_threshold": 1e6, "min_hidden_units": 5}
    ).fit(rank2)
    _assert_same_fit(ae, reference, rank2)


class FailAt(Callback):
    """Raise ``error`` at the start of epoch ``epoch``."""

    def __init__(self, epoch, error):
        self.epoch, self.error = epoch, error

    def on_epoch_begin(self, net, **kwargs):
        if len(net.history) == self.epoch:
            raise self.error


class PoisonAt(Callback):
    """Make every weight NaN at the start of epoch ``epoch`` (a divergence)."""

    def __init__(self, epoch):
        self.epoch = epoch

    def on_epoch_begin(self, net, **kwargs):
        if len(net.history) == self.epoch:
            with torch.no_grad():
                for p in net.module_.parameters():
                    p.fill_(np.nan)


@pytest.mark.parametrize(
    "failure, error",
    [
        (FailAt(FIRST + RETRAIN + 1, RuntimeError("callback failed")), RuntimeError),
        (PoisonAt(FIRST + RETRAIN + 1), FloatingPointError),
        (FailAt(FIRST + RETRAIN + 1, MemoryError()), NetworkTooLargeError),
    ],
    ids=["callback", "divergence", "allocator"],
)
def test_any_other_failure_mid_pruning_leaves_it_unfitted(rank2, failure, error):
    ae = PruningAutoencoder(loss_threshold=1e6, **CTRL_C).fit(rank2)
    assert ae.pruning_history_
    with pytest.raises(error):
        ae.set_params(callbacks=[failure]).fit(rank2)
    assert not [k for k in vars(ae) if k.endswith("_") and not k.startswith("_")]


class RecordCalls(Callback):
    """The torch threads and the torch seed of every training call."""

    def initialize(self):
        self.calls = []
        return self

    def on_train_begin(self, net, **kwargs):
        self.calls.append((torch.get_num_threads(), torch.initial_seed()))


def test_every_retraining_is_a_training_call_like_the_first(rank2, monkeypatch):
    """The first training and each step's retraining go through ``_train``:
    the same threads, a seed each, the same data on the device."""
    trained = []
    train = PruningAutoencoder._train

    def recorded(self, call, epochs, seed):
        trained.append((epochs, seed, call.train))
        return train(self, call, epochs, seed)

    monkeypatch.setattr(PruningAutoencoder, "_train", recorded)
    before = torch.get_num_threads()
    ae = PruningAutoencoder(loss_threshold=1e6, callbacks=[RecordCalls()], **CTRL_C)
    ae.fit(rank2)
    steps = len(ae.pruning_history_)
    assert steps == CTRL_C["hidden_units"] - 1
    assert [epochs for epochs, _, _ in trained] == [FIRST] + [RETRAIN] * steps
    # One data set on the device, built by the first call, for every call.
    assert trained[0][2] is None
    assert len({id(data) for _, _, data in trained[1:]}) == 1
    calls = dict(ae.net_.callbacks_)["RecordCalls"].calls
    assert calls == [(CTRL_C["n_threads"], seed) for _, seed, _ in trained]
    assert torch.get_num_threads() == before
    assert ae.n_epochs_ == FIRST + RETRAIN * steps


def test_pruning_leaves_the_global_random_state_alone():
    """Seeding stays local: rebuilding pruned layers drew from torch's global
    generator (nn.Linear initialises its weights) before skip_init."""
    X = np.random.default_rng(0).normal(size=(100, 5))
    before = torch.random.get_rng_state()
    ae = PruningAutoencoder(
        hidden_units=4,
        n_components=2,
        max_epochs=20,
        retrain_epochs=5,
        random_state=0,
    ).fit(X)
    ae.set_params(n_components=3).transform(X)  # a width not kept: rebuilt
    assert sorted(ae.networks_) == [2, 3, 4]
    assert torch.equal(torch.random.get_rng_state(), before)
