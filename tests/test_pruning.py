"""The distinctiveness-pruning maths, on its own (no estimator; torch only
for the conversion to and from Linear layers)."""

import numpy as np
import pytest
import torch

from skneuro.neural_network._pruning import (
    HiddenLayer,
    angle_matrix,
    apply_decisions,
    centred_activations,
    constant_units,
    least_distinct_pair,
    merge_similar,
    prune_step,
    remove_into_bias,
    threshold_decisions,
)


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def hidden(layer, X):
    return sigmoid(X @ layer.W_in.T + layer.b_in)


def outputs(layer, X):
    return hidden(layer, X) @ layer.W_out.T + layer.b_out


@pytest.fixture
def net():
    rng = np.random.default_rng(0)
    layer = HiddenLayer(
        W_in=rng.normal(size=(4, 6)),
        b_in=rng.normal(size=4),
        W_out=rng.normal(size=(6, 4)),
        b_out=rng.normal(size=6),
    )
    return layer, rng.normal(size=(200, 6))


def with_extra_unit(layer, w_in, b_in, w_out):
    return HiddenLayer(
        np.vstack([layer.W_in, w_in]),
        np.append(layer.b_in, b_in),
        np.hstack([layer.W_out, w_out[:, None]]),
        layer.b_out,
    )


def brute_force_angles(centred):
    n = centred.shape[1]
    angles = np.zeros((n, n))
    for i in range(n):
        for j in range(n):
            a, b = centred[:, i], centred[:, j]
            if i == j:
                continue
            if np.sqrt(np.mean(a**2)) <= 1e-6 or np.sqrt(np.mean(b**2)) <= 1e-6:
                angles[i, j] = 90.0
                continue
            cos = a @ b / (np.linalg.norm(a) * np.linalg.norm(b))
            angles[i, j] = np.degrees(np.arccos(np.clip(cos, -1, 1)))
    return angles


def test_angle_matrix_properties_and_brute_force(net):
    layer, X = net
    H = hidden(layer, X)
    # A near-constant unit (it follows unit 0, but only by 1e-9) and a complement.
    near_constant = 0.5 + 1e-9 * (H[:, :1] - 0.5)
    H = np.hstack([H, near_constant, 1 - H[:, :1]])
    centred = centred_activations(H)
    angles = angle_matrix(centred)
    assert not np.isnan(angles).any()
    np.testing.assert_array_equal(angles, angles.T)
    np.testing.assert_array_equal(np.diag(angles), 0.0)
    assert angles.min() >= 0.0 and angles.max() <= 180.0
    np.testing.assert_allclose(angles, brute_force_angles(centred), atol=1e-6)
    assert angles[0, -1] == pytest.approx(180.0)  # a unit and its complement
    assert constant_units(centred).tolist() == [False] * 4 + [True, False]
    np.testing.assert_array_equal(angles[4, [0, 1, 2, 3, 5]], 90.0)


def test_centring_depends_on_the_activation():
    H = np.array([[0.9, 3.0], [0.7, 1.0]])
    np.testing.assert_allclose(centred_activations(H), H - 0.5)
    np.testing.assert_allclose(centred_activations(H, "relu"), H - H.mean(axis=0))


def test_least_distinct_pair_looks_at_both_ends():
    angles = np.array(
        [[0, 40, 100, 60], [40, 0, 176, 30], [100, 176, 0, 90], [60, 30, 90, 0]],
        dtype=float,
    )
    assert least_distinct_pair(angles) == (1, 2, 176.0)
    assert least_distinct_pair(angles, exclude=[2]) == (1, 3, 30.0)
    with pytest.raises(ValueError, match="two units"):
        least_distinct_pair(angles, exclude=[0, 1, 2])


def test_threshold_decisions_use_each_unit_once():
    angles = np.array(
        [[0, 5, 170, 90], [5, 0, 100, 10], [170, 100, 0, 90], [90, 10, 90, 0]],
        dtype=float,
    )
    constant = np.array([False, False, False, True])
    decisions = threshold_decisions(angles, constant)
    assert decisions == [
        ("constant", 3, None, None),
        ("similar", 0, 1, 5.0),
    ]
    # Without the first pair, the complementary one is taken.
    decisions = threshold_decisions(angles, similar_angle=4.0)
    assert ("complementary", 0, 2, 170.0) in decisions


def test_merging_an_exact_duplicate_preserves_the_function(net):
    layer, X = net
    w_out = np.random.default_rng(1).normal(size=6)
    grown = with_extra_unit(layer, layer.W_in[1], layer.b_in[1], w_out)
    expected = outputs(grown, X)
    merged = merge_similar(grown, hidden(grown, X), keep=1, drop=4, merge="add")
    assert merged.W_in.shape == (4, 6) and merged.W_out.shape == (6, 4)
    np.testing.assert_allclose(outputs(merged, X), expected, atol=1e-5)
    lsq = merge_similar(grown, hidden(grown, X), keep=1, drop=4, merge="lsq")
    np.testing.assert_allclose(outputs(lsq, X), expected, atol=1e-5)


def test_removing_an_exact_complement_pair_preserves_the_function(net):
    layer, X = net
    # h_new = sigmoid(-z_2) = 1 - h_2, with the same outgoing weights as unit 2.
    grown = with_extra_unit(layer, -layer.W_in[2], -layer.b_in[2], layer.W_out[:, 2])
    H = hidden(grown, X)
    assert angle_matrix(centred_activations(H))[2, 4] == pytest.approx(180.0)
    pruned = remove_into_bias(grown, H, [2, 4])
    assert pruned.W_in.shape == (3, 6)
    np.testing.assert_allclose(outputs(pruned, X), outputs(grown, X), atol=1e-5)


def test_removing_a_constant_unit_preserves_the_function(net):
    layer, X = net
    grown = with_extra_unit(layer, np.zeros(6), 0.0, np.arange(6.0))
    H = hidden(grown, X)
    assert constant_units(centred_activations(H))[-1]
    pruned = remove_into_bias(grown, H, [4])
    np.testing.assert_allclose(outputs(pruned, X), outputs(grown, X), atol=1e-5)


def test_lsq_merge_stays_closer_on_near_collinear_units(net):
    layer, X = net
    w_out = np.random.default_rng(2).normal(size=6)
    # A unit driven by 1.3x unit 0's input: nearly collinear, not equal.
    grown = with_extra_unit(layer, 1.3 * layer.W_in[0], 1.3 * layer.b_in[0], w_out)
    H = hidden(grown, X)
    assert angle_matrix(centred_activations(H))[0, 4] < 15.0
    expected = outputs(grown, X)
    errors = {
        merge: np.mean(
            (outputs(merge_similar(grown, H, 0, 4, merge=merge), X) - expected) ** 2
        )
        for merge in ("add", "lsq")
    }
    assert errors["lsq"] < 0.5 * errors["add"]
    with pytest.raises(ValueError, match="merge"):
        merge_similar(grown, H, 0, 4, merge="mean")


def test_apply_decisions_maps_indices_as_units_go(net):
    layer, X = net
    # Unit 4 duplicates unit 0 (after it in the layer); unit 5 is the
    # complement of unit 1, with the same outgoing weights.
    grown = with_extra_unit(layer, layer.W_in[0], layer.b_in[0], np.ones(6))
    grown = with_extra_unit(grown, -layer.W_in[1], -layer.b_in[1], layer.W_out[:, 1])
    H = hidden(grown, X)
    decisions = [("similar", 0, 4, 0.0), ("complementary", 1, 5, 180.0)]
    smaller, applied = apply_decisions(grown, H, decisions)
    assert [kind for kind, _, _ in applied] == ["similar", "complementary"]
    assert smaller.W_in.shape == (3, 6)
    np.testing.assert_allclose(outputs(smaller, X), outputs(grown, X), atol=1e-5)
    # With room for one removal only, the complement pair is folded by
    # least squares instead of being skipped.
    _, applied = apply_decisions(grown, H, decisions[1:], min_units=5)
    assert applied == [("complementary-merge", (1, 5), 180.0)]
    _, applied = apply_decisions(grown, H, decisions[1:], min_units=6)
    assert applied == []


# -- the one pruning step, and the one conversion ---------------------------------
def _planted(net):
    """``net`` grown by a duplicate of unit 0 (unit 4) and the complement of
    unit 1 (unit 5, with the same outgoing weights)."""
    layer, X = net
    grown = with_extra_unit(layer, layer.W_in[0], layer.b_in[0], np.ones(6))
    grown = with_extra_unit(grown, -layer.W_in[1], -layer.b_in[1], layer.W_out[:, 1])
    return grown, hidden(grown, X), X


def test_the_threshold_step_is_the_chain_of_the_rules(net):
    grown, H, X = _planted(net)
    centred = centred_activations(H)
    decisions = threshold_decisions(angle_matrix(centred), constant_units(centred))
    expected, expected_applied = apply_decisions(grown, H, decisions, merge="lsq")
    smaller, applied = prune_step(grown, H, strategy="threshold", merge="lsq")
    assert applied == expected_applied
    assert sorted(pair for _, pair, _ in applied) == [(0, 4), (1, 5)]
    for got, want in zip(smaller, expected, strict=True):
        np.testing.assert_array_equal(got, want)
    np.testing.assert_allclose(outputs(smaller, X), outputs(grown, X), atol=1e-5)


def test_the_progressive_step_removes_one_unit(net):
    grown, H, _ = _planted(net)
    smaller, applied = prune_step(grown, H, strategy="progressive")
    assert len(applied) == 1 and len(smaller.b_in) == len(grown.b_in) - 1
    (kind, (i, j), angle), *_ = applied
    assert (i, j) == least_distinct_pair(angle_matrix(centred_activations(H)))[:2]
    assert kind == ("similar" if angle <= 90 else "complementary-merge")
    # A constant unit goes first, whatever the angles.
    constant = with_extra_unit(grown, np.zeros(6), 0.0, np.ones(6))
    X = net[1]
    _, applied = prune_step(constant, hidden(constant, X), strategy="progressive")
    assert applied == [("constant", (6, None), None)]
    # Nothing below min_units.
    same, applied = prune_step(grown, H, strategy="progressive", min_units=6)
    assert applied == [] and same is grown


@pytest.mark.parametrize("dtype", [None, np.float64])
def test_hidden_layers_convert_to_and_from_linear_layers(dtype):
    first, second = torch.nn.Linear(5, 3), torch.nn.Linear(3, 2)
    layer = HiddenLayer.of_linear(first, second, dtype=dtype)
    assert layer.W_in.shape == (3, 5) and layer.W_out.shape == (2, 3)
    assert layer.b_in.dtype == (np.float32 if dtype is None else dtype)
    # Copies: changing the module leaves the layer alone.
    with torch.no_grad():
        first.weight.add_(1.0)
    np.testing.assert_array_equal(
        layer.W_in.astype(np.float32) + 1, first.weight.detach().numpy()
    )
    copy_in, copy_out = layer.to_linear()
    assert (copy_in.in_features, copy_in.out_features) == (5, 3)
    assert (copy_out.in_features, copy_out.out_features) == (3, 2)
    assert copy_in.weight.dtype == torch.float32
    back = HiddenLayer.of_linear(copy_in, copy_out)
    for got, want in zip(back, layer, strict=True):
        np.testing.assert_array_equal(got, want.astype(np.float32))
