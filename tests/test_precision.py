"""The precision a network trains in: the rule of ``precision="auto"``, the
detection of native bfloat16, what a reduced precision changes and what it
leaves alone (the weights, prediction, pickles)."""

import pickle
import warnings

import numpy as np
import pytest
import torch
from scipy import ndimage
from sklearn.model_selection import StratifiedKFold
from sklearn.utils._param_validation import InvalidParameterError

from skneuro._engine import precision
from skneuro._engine.precision import SlowPrecisionWarning, resolve_precision
from skneuro.datasets import load_digits_images, load_lfw_faces
from skneuro.neural_network import (
    GoogLeNetClassifier,
    MLPClassifier,
    PruningAutoencoder,
    SmallCNN,
)

NATIVE = precision.cpu_has_native_bfloat16()
needs_native_bfloat16 = pytest.mark.skipif(
    not NATIVE,
    reason="this CPU has no native bfloat16 (no AMX or AVX512-BF16 flag), so "
    "precision='auto' trains in float32 here and a bfloat16 fit is emulated",
)

#: A narrow SmallCNN that trains in a fraction of a second.
SMALL = {"n_filters": 4, "dense_units": (8,), "max_epochs": 2, "random_state": 0}


@pytest.fixture
def cpu_bfloat16(monkeypatch):
    """Simulate the detection: ``cpu_bfloat16(True)`` makes this CPU one
    with native bfloat16, ``cpu_bfloat16(False)`` one without."""

    def simulate(native):
        monkeypatch.setattr(precision, "cpu_has_native_bfloat16", lambda: native)

    return simulate


@pytest.fixture(scope="module")
def small_digits():
    """120 of the shipped 8x8 digits as 16x16 images in [0, 1]."""
    bunch = load_digits_images()
    images = ndimage.zoom(bunch.images[:120] / 16.0, (1, 2, 2), order=1)
    return images.astype(np.float32), bunch.target[:120]


# -- the rule -------------------------------------------------------------
@pytest.mark.parametrize(
    ("native", "reduce", "expected"),
    [
        (True, True, "bfloat16"),
        (False, True, "float32"),
        (True, False, "float32"),
        (False, False, "float32"),
    ],
)
def test_auto_on_the_cpu(cpu_bfloat16, native, reduce, expected):
    cpu_bfloat16(native)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        got = resolve_precision("auto", "cpu", reduce_by_default=reduce, owner="E")
    assert got == expected


def test_explicit_choices_on_the_cpu(cpu_bfloat16):
    cpu_bfloat16(True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for reduce in (True, False):
            assert (
                resolve_precision(
                    "bfloat16", "cpu", reduce_by_default=reduce, owner="E"
                )
                == "bfloat16"
            )
            assert (
                resolve_precision("float32", "cpu", reduce_by_default=reduce, owner="E")
                == "float32"
            )
    cpu_bfloat16(False)
    with pytest.warns(SlowPrecisionWarning, match="SmallCNN.*no native bfloat16"):
        got = resolve_precision(
            "bfloat16", "cpu", reduce_by_default=True, owner="SmallCNN"
        )
    assert got == "bfloat16"
    with pytest.raises(ValueError, match=r"precision='float16'.*CUDA.*'bfloat16'"):
        resolve_precision("float16", "cpu", reduce_by_default=True, owner="SmallCNN")


@pytest.mark.parametrize(
    ("bf16", "precision_in", "expected"),
    [
        (True, "auto", "bfloat16"),
        (False, "auto", "float16"),
        (True, "float16", "float16"),
        (True, "float32", "float32"),
    ],
)
def test_the_rule_on_cuda(monkeypatch, bf16, precision_in, expected):
    # Only the resolution: no CUDA device is touched.
    monkeypatch.setattr(precision, "_cuda_has_bfloat16", lambda device: bf16)
    got = resolve_precision(precision_in, "cuda:0", reduce_by_default=True, owner="E")
    assert got == expected
    assert (
        resolve_precision("auto", "cuda:0", reduce_by_default=False, owner="E")
        == "float32"
    )


def test_reduced_precision_elsewhere_is_refused():
    assert (
        resolve_precision("auto", "mps", reduce_by_default=True, owner="E") == "float32"
    )
    with pytest.raises(ValueError, match=r"E\(precision='bfloat16'\).*'mps'"):
        resolve_precision("bfloat16", "mps", reduce_by_default=True, owner="E")


# -- the detection ----------------------------------------------------------
@pytest.mark.parametrize(
    ("by_torch", "flags", "expected"),
    [
        (True, {"avx512f", "avx512_bf16"}, True),
        (True, {"avx512f", "amx_tile", "amx_bf16"}, True),
        # torch reads CPUID, but the kernel does not enable the feature
        # (an old kernel without AMX's tile state, a hypervisor hiding it).
        (True, {"avx512f", "avx512_vnni"}, False),
        (False, {"avx512f", "avx512_bf16"}, False),
        (None, {"avx512_bf16"}, True),  # a torch without the probe
        (True, None, True),  # not Linux: torch's word alone
        (None, None, False),  # nothing to go by
    ],
)
def test_native_bfloat16_needs_every_source_to_agree(
    monkeypatch, by_torch, flags, expected
):
    monkeypatch.setattr(precision, "_torch_reports_bfloat16", lambda: by_torch)
    monkeypatch.setattr(precision, "_cpuinfo_flags", lambda: flags)
    detect = precision.cpu_has_native_bfloat16.__wrapped__
    assert detect() is expected
    monkeypatch.setattr(torch.backends.mkldnn, "is_available", lambda: False)
    assert detect() is False


def test_detection_matches_this_cpu():
    flags = precision._cpuinfo_flags()
    if flags is None:
        pytest.skip("no /proc/cpuinfo to compare with")
    listed = bool({"amx_bf16", "avx512_bf16"} & flags)
    assert precision.cpu_has_native_bfloat16() is (
        listed and precision._torch_reports_bfloat16() is not False
    )


# -- the estimators ---------------------------------------------------------
def test_precision_is_a_validated_parameter(no_training, small_digits):
    X, y = small_digits
    for Estimator in (SmallCNN, MLPClassifier):
        with pytest.raises(InvalidParameterError, match="'precision' parameter"):
            Estimator(precision="bf16").fit(X.reshape(len(X), -1), y)
    with pytest.raises(ValueError, match=r"SmallCNN\(precision='float16'\)"):
        SmallCNN(precision="float16", device="cpu").fit(X, y)


@pytest.mark.parametrize(
    ("native", "expected"), [(True, "bfloat16"), (False, "float32")]
)
def test_auto_chooses_by_the_cpu_for_the_convolutional_networks(
    cpu_bfloat16, small_digits, native, expected
):
    cpu_bfloat16(native)
    X, y = small_digits
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        cnn = SmallCNN(**SMALL).fit(X, y)
        mlp = MLPClassifier(max_epochs=5, random_state=0).fit(X.reshape(len(X), -1), y)
        ae = PruningAutoencoder(hidden_units=3, max_epochs=5, retrain_epochs=2)
        ae.fit(X.reshape(len(X), -1))
    assert cnn.precision_ == expected
    assert cnn.net_.autocast_dtype_ == precision.autocast_dtype(expected)
    # The dense networks stay float32 (their fast step is float64).
    assert mlp.precision_ == ae.precision_ == "float32"


def test_float32_is_the_same_fit_wherever_it_runs(cpu_bfloat16, small_digits):
    X, y = small_digits
    cpu_bfloat16(False)
    plain = SmallCNN(**SMALL).fit(X, y)  # "auto" is float32 here
    cpu_bfloat16(True)
    forced = SmallCNN(precision="float32", **SMALL).fit(X, y)
    assert forced.precision_ == "float32"
    assert forced.net_.autocast_dtype_ is None
    np.testing.assert_array_equal(forced.predict_proba(X), plain.predict_proba(X))
    for a, b in zip(
        forced.net_.module_.parameters(), plain.net_.module_.parameters(), strict=True
    ):
        assert torch.equal(a, b)


def _float32_forward(cnn, X):
    module = cnn.net_.module_
    module.eval()
    with torch.inference_mode():
        logits = module(torch.as_tensor(X[:, None]))
    return torch.softmax(logits.float(), dim=1).numpy()


def test_bfloat16_trains_in_bfloat16_and_predicts_in_float32(small_digits):
    X, y = small_digits
    with (
        pytest.warns(SlowPrecisionWarning) if not NATIVE else warnings.catch_warnings()
    ):
        reduced = SmallCNN(precision="bfloat16", **SMALL).fit(X, y)
    plain = SmallCNN(precision="float32", **SMALL).fit(X, y)
    assert reduced.precision_ == "bfloat16"
    # The same seed, other arithmetic: other weights, still float32.
    weights = list(reduced.net_.module_.parameters())
    assert all(w.dtype == torch.float32 for w in weights)
    assert not all(
        torch.equal(a, b)
        for a, b in zip(weights, plain.net_.module_.parameters(), strict=True)
    )
    # Prediction is a float32 forward pass of those weights.
    np.testing.assert_allclose(
        reduced.predict_proba(X), _float32_forward(reduced, X), rtol=0, atol=1e-6
    )


def test_a_bfloat16_model_predicts_the_same_after_loading_without_bfloat16(
    cpu_bfloat16, small_digits
):
    X, y = small_digits
    cpu_bfloat16(True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        cnn = SmallCNN(**SMALL).fit(X, y)
    assert cnn.precision_ == "bfloat16"
    expected = cnn.predict_proba(X)
    blob = pickle.dumps(cnn)
    cpu_bfloat16(False)
    restored = pickle.loads(blob)
    assert restored.precision_ == "bfloat16"
    np.testing.assert_array_equal(restored.predict_proba(X), expected)
    # Training on continues in what this CPU does best.
    restored.set_params(warm_start=True, max_epochs=1).fit(X, y)
    assert restored.precision_ == "float32"


# -- accuracy kept (needs the hardware: emulated bfloat16 is too slow) ------
def _mean_accuracy(make, X, y, splits, seeds=(0, 1, 2)):
    """Accuracy over every test image of ``splits``, averaged over ``seeds``."""
    scores = []
    for seed in seeds:
        correct = sum(
            (make(seed).fit(X[train], y[train]).predict(X[test]) == y[test]).sum()
            for train, test in splits
        )
        scores.append(correct / sum(len(test) for _, test in splits))
    return float(np.mean(scores))


@needs_native_bfloat16
def test_bfloat16_keeps_smallcnns_accuracy_on_digits():
    bunch = load_digits_images()
    X = ndimage.zoom(bunch.images / 16.0, (1, 3.5, 3.5), order=1)
    y = bunch.target
    splits = list(StratifiedKFold(3, shuffle=True, random_state=0).split(X, y))
    accuracy = {
        p: _mean_accuracy(
            lambda s, p=p: SmallCNN(max_epochs=10, precision=p, random_state=s),
            X,
            y,
            splits,
        )
        for p in ("float32", "bfloat16")
    }
    # Every one of the 1797 digits is tested once per seed: 0.005 is about
    # nine digits of the 1797; trained to convergence, so that the seeds'
    # spread stays below it, and both must have learnt the digits.
    assert accuracy["float32"] >= 0.95
    assert abs(accuracy["bfloat16"] - accuracy["float32"]) <= 0.005


@needs_native_bfloat16
def test_bfloat16_keeps_googlenets_accuracy_on_faces():
    bunch = load_lfw_faces()
    X, y = bunch.images, bunch.target
    splits = list(StratifiedKFold(5, shuffle=True, random_state=0).split(X, y))
    accuracy = {
        p: _mean_accuracy(
            lambda s, p=p: GoogLeNetClassifier(
                input_size=32, max_epochs=10, precision=p, random_state=s
            ),
            X,
            y,
            splits,
        )
        for p in ("float32", "bfloat16")
    }
    # Each of the 200 images tested once per seed: 0.005 is three of the 600
    # predictions.
    assert accuracy["float32"] >= 0.9
    assert abs(accuracy["bfloat16"] - accuracy["float32"]) <= 0.005
