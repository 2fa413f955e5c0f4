"""PruningAutoencoder: pruning by angular separation, end to end."""

import numpy as np
import pytest
import torch
from sklearn.model_selection import cross_val_score
from sklearn.utils._param_validation import InvalidParameterError

from skneuro import PruningAutoencoder, _engine
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
    kind, pairs, angles, smaller = ae._next_step(ae._activations(ae.net_.module_, X))
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
