"""scikit-learn's own estimator checks over every skneuro estimator.

Two tables drive the checks, in the style of imbalanced-learn's common tests:

- ``FAST_PARAMS``: init parameters that keep each check fast (few epochs) or
  that adapt an image estimator to the checks' generic 2-D data.
- ``EXPECTED_FAILED_CHECKS``: checks an estimator is known to fail, each with
  the reason a reviewer needs to accept it. An entry without a reason is a bug.
"""

import inspect

import pytest
from sklearn.utils.estimator_checks import parametrize_with_checks

from skneuro._engine import fast_paths
from skneuro.utils import all_estimators

FAST_PARAMS = {
    # The checks feed flat 2-D data with arbitrary feature counts: read each
    # row as a 1-pixel-high image and pool along its width only.
    "PoolInterpolate": {"pool_size": (1, 2), "stride": 1, "image_shape": (1, -1)},
    "MLPClassifier": {"max_epochs": 30, "lr": 0.05, "random_state": 0},
    # Generic 2-D data read as 1-pixel-high images, as for PoolInterpolate.
    "SmallCNN": {
        "image_shape": (1, -1),
        "n_filters": 4,
        "dense_units": (16,),
        "max_epochs": 40,
        "lr": 0.01,
        "batch_size": None,
        "random_state": 0,
    },
    # The same 1-pixel-high images, resized to GoogLeNet's smallest input.
    # Mini-batches: full-batch steps leave batch norm's running statistics
    # too far behind the weights for evaluation mode to predict well.
    "GoogLeNetClassifier": {
        "image_shape": (1, -1),
        "input_size": 16,
        "max_epochs": 5,
        "batch_size": 32,
        "random_state": 0,
    },
    "PruningAutoencoder": {
        "hidden_units": 4,
        "max_epochs": 20,
        "retrain_epochs": 5,
        "lr": 0.05,
        "random_state": 0,
    },
}

EXPECTED_FAILED_CHECKS = {
    # estimator name -> {check name: reason}
    "GoogLeNetClassifier": {
        "check_methods_subset_invariance": (
            "the convolutions that process the images pick their oneDNN kernel "
            "by batch size, so float32 sums in GoogLeNet's 57 convolutions "
            "round differently for one image than in a batch: predict_proba "
            "moves by up to about 5e-7 where the check allows 1e-7. PyTorch's "
            "native convolutions (oneDNN off) are 9x slower to predict and "
            "still differ by 5e-7."
        ),
    },
}


if not fast_paths.enabled():
    EXPECTED_FAILED_CHECKS.setdefault("MLPClassifier", {})[
        "check_sample_weight_equivalence_on_dense_data"
    ] = (
        "with SKNEURO_FAST_PATHS=0 the MLP trains through autograd in float32, "
        "where a row of weight 2 and two copies of it round differently (about "
        "1e-6 apart); the analytic step, a fast path, computes in float64 and "
        "makes them equal"
    )


def _instances():
    for name, Estimator in all_estimators():
        yield Estimator(**FAST_PARAMS.get(name, {}))


def _expected_failed_checks(estimator):
    return EXPECTED_FAILED_CHECKS.get(type(estimator).__name__, {})


def test_every_estimator_is_covered():
    names = {name for name, _ in all_estimators()}
    assert {
        "PoolInterpolate",
        "FeatureGroupSelector",
        "MLPClassifier",
        "PruningAutoencoder",
        "SmallCNN",
        "GoogLeNetClassifier",
    } <= names
    assert set(FAST_PARAMS) <= names
    assert set(EXPECTED_FAILED_CHECKS) <= names
    for reasons in EXPECTED_FAILED_CHECKS.values():
        assert all(isinstance(r, str) and len(r) > 20 for r in reasons.values())


@parametrize_with_checks(
    list(_instances()), expected_failed_checks=_expected_failed_checks
)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)


@pytest.mark.parametrize("name", [name for name, _ in all_estimators()])
def test_public_and_documented(name):
    import skneuro

    assert name in skneuro.__all__
    Estimator = dict(all_estimators())[name]
    doc = Estimator.__doc__ or ""
    for section in ("Parameters", "Attributes", "Examples"):
        assert section in doc, f"{name} docstring lacks a {section} section"
    # Shared text (skneuro.utils._docstring) is expanded: every parameter
    # is documented in full, and no placeholder is left.
    assert "{parameters:" not in doc and "{attributes:" not in doc
    params = [p for p in inspect.signature(Estimator.__init__).parameters][1:]
    undocumented = [p for p in params if f"\n    {p} : " not in doc]
    assert not undocumented, f"{name} does not document {undocumented}"
