"""The bad-input matrix: nothing silently wrong, nothing lost.

Every public estimator, transformer, loader and display, and the command
line, refuses input it cannot use: with the exception type a user expects,
before any training (the ``no_training`` fixture makes training fail the
test), and with a message that names the parameter, the file or the shape at
fault. Input that must keep working keeps working, and its result is checked.

One parametrized test per table:

- ``PARAMETERS``: each bad value of each parameter (wrong type, out of range,
  non-integer, NaN or infinity, a bool where a number is meant...);
- ``FIT_INPUTS``: X and y given to ``fit``;
- ``FITTED_INPUTS``: input given to fitted estimators, and unfitted use;
- ``PREDICT_LAYOUTS``: images at predict in another layout than at fit;
- ``REFUSED_KEEPS_MODEL``: a refused call leaves the fitted model as it was;
- ``WEIGHTS``: ``class_weight`` and ``sample_weight``;
- ``DEVICES``: devices skneuro does not train on, or this machine lacks;
- ``LOADERS``: missing paths, wrong kinds of file, corrupt files;
- ``DISPLAYS``: bad arrays and estimators given to the displays;
- ``COMMAND_LINE``: bad options, ``--data`` and ``--out``: exit status 2, one
  ``skneuro: error:`` line, and every file left as it was;
- ``COMMAND_LINE_RUNS``: commands that must get as far as training;
- ``KEEPS_WORKING``: input that must keep working, with its result checked.
"""

import copy
import gzip
import io
import os
import re
import stat
import warnings
import zipfile

import matplotlib
import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
import torch
from skimage.io import imsave
from sklearn.datasets import load_iris
from sklearn.exceptions import NotFittedError
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skneuro import (
    DistinctivenessPruning,
    FeatureGroupSelector,
    GoogLeNetClassifier,
    ImageComparisonDisplay,
    MLPClassifier,
    PoolInterpolate,
    PruningAutoencoder,
    PruningCurveDisplay,
    SearchResultsDisplay,
    SmallCNN,
    TrainingHistoryDisplay,
    load_digits_images,
    load_feature_table,
    load_image_folder,
    load_lfw_faces,
    load_mnist,
    make_feature_table,
)
from skneuro.studies._cli import main
from skneuro.studies._folder import MANIFEST

matplotlib.use("Agg")


# -- data ---------------------------------------------------------------------

_iris = load_iris()
X = StandardScaler().fit_transform(_iris.data)
Y = _iris.target
FRAME = pd.DataFrame(X, columns=["a_1", "a_2", "b_1", "b_2"])
_digits = load_digits_images()
IMAGES = _digits.images[:40] / 16.0  # (40, 8, 8), every digit 4 times
LABELS = _digits.target[:40]
RGB = np.random.default_rng(0).random((12, 8, 8, 3))  # channels-last colour
RGB_LABELS = np.arange(12) % 2


def _with(array, index, value):
    """A float copy of ``array`` with ``value`` at flat position ``index``."""
    array = np.array(array, dtype=float)
    array.flat[index] = value
    return array


def _with_text(array):
    array = np.asarray(array).astype(object)
    array.flat[1] = "abc"
    return array


# Small, fast settings on the CPU with one torch thread: fits take tens of
# milliseconds, give the same result on any machine, and their threads cannot
# spin against other processes on a shared CPU (two threads made one
# GoogLeNet fit take 12 s instead of 0.3 s on two busy cores).
def mlp(**params):
    return MLPClassifier(
        **{
            "hidden_units": 4,
            "max_epochs": 2,
            "random_state": 0,
            "n_threads": 1,
            "device": "cpu",
        }
        | params
    )


def autoencoder(**params):
    return PruningAutoencoder(
        **{
            "hidden_units": 3,
            "max_epochs": 2,
            "retrain_epochs": 1,
            "random_state": 0,
            "n_threads": 1,
            "device": "cpu",
        }
        | params
    )


def cnn(**params):
    return SmallCNN(
        **{
            "n_filters": 2,
            "dense_units": (4,),
            "max_epochs": 1,
            "random_state": 0,
            "n_threads": 1,
            "device": "cpu",
        }
        | params
    )


def googlenet(**params):
    return GoogLeNetClassifier(
        **{
            "input_size": 16,
            "max_epochs": 1,
            "batch_size": 8,
            "random_state": 0,
            "n_threads": 1,
            "device": "cpu",
        }
        | params
    )


def pruned_mlp(**params):
    """An MLPClassifier trained with a DistinctivenessPruning callback."""
    return mlp(callbacks=[DistinctivenessPruning(**params)])


#: How each class of ``PARAMETERS`` is built, and what it is fitted on.
BUILD = {
    MLPClassifier: (mlp, X, Y),
    PruningAutoencoder: (autoencoder, X, None),
    SmallCNN: (cnn, IMAGES, LABELS),
    GoogLeNetClassifier: (googlenet, IMAGES, LABELS),
    DistinctivenessPruning: (pruned_mlp, X, Y),
    PoolInterpolate: (PoolInterpolate, IMAGES, None),
    FeatureGroupSelector: (FeatureGroupSelector, FRAME, None),
}


def _fit(estimator, X, y=None):
    return estimator.fit(X) if y is None else estimator.fit(X, y)


def _fitted_attributes(estimator):
    return [k for k in vars(estimator) if k.endswith("_") and not k.startswith("_")]


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    import matplotlib.pyplot as plt

    plt.close("all")


# -- parameters -----------------------------------------------------------------


def bad(cls, name, value, match=None, *, exc=ValueError, marks=()):
    """A bad ``value`` of the parameter ``name``; the message must name it."""
    return pytest.param(
        cls,
        {name: value},
        exc,
        match or rf"\b{name}\b",
        id=f"{cls.__name__}-{name}={value!r}",
        marks=marks,
    )


PARAMETERS = [
    # MLPClassifier: every parameter of its own and of the shared base.
    bad(MLPClassifier, "hidden_units", 0),
    bad(MLPClassifier, "hidden_units", -1),
    bad(MLPClassifier, "hidden_units", 2.5),
    bad(MLPClassifier, "hidden_units", "5"),
    bad(MLPClassifier, "hidden_units", np.nan),
    bad(MLPClassifier, "hidden_units", True),
    bad(MLPClassifier, "hidden_units", []),
    bad(MLPClassifier, "hidden_units", [5, 0]),
    bad(MLPClassifier, "hidden_units", [5, 2.0]),
    bad(MLPClassifier, "hidden_units", [[3, 4]]),
    bad(MLPClassifier, "activation", "softmax"),
    bad(MLPClassifier, "activation", None),
    bad(MLPClassifier, "max_epochs", 0),
    bad(MLPClassifier, "max_epochs", -3),
    bad(MLPClassifier, "max_epochs", 2.5),
    bad(MLPClassifier, "max_epochs", "10"),
    bad(MLPClassifier, "max_epochs", np.inf),
    bad(MLPClassifier, "max_epochs", None),
    bad(MLPClassifier, "max_epochs", True),
    bad(MLPClassifier, "lr", 0),
    bad(MLPClassifier, "lr", -0.1),
    bad(MLPClassifier, "lr", np.nan),
    bad(MLPClassifier, "lr", np.inf),
    bad(MLPClassifier, "lr", "0.1"),
    bad(MLPClassifier, "lr", True),
    bad(MLPClassifier, "batch_size", 0),
    bad(MLPClassifier, "batch_size", 1.5),
    bad(MLPClassifier, "batch_size", True),
    bad(MLPClassifier, "optimizer", "rmsprop"),
    bad(MLPClassifier, "optimizer", "Adam"),
    bad(MLPClassifier, "alpha", -1.0),
    bad(MLPClassifier, "alpha", np.nan),
    bad(MLPClassifier, "alpha", np.inf),
    bad(MLPClassifier, "alpha", True),
    bad(MLPClassifier, "class_weight", "auto"),
    bad(MLPClassifier, "class_weight", [1, 2, 3]),
    bad(MLPClassifier, "early_stopping", "yes"),
    bad(MLPClassifier, "early_stopping", 1),
    bad(MLPClassifier, "validation_fraction", 0.0),
    bad(MLPClassifier, "validation_fraction", 1.0),
    bad(MLPClassifier, "validation_fraction", 1.5),
    bad(MLPClassifier, "validation_fraction", np.nan),
    bad(MLPClassifier, "n_iter_no_change", 0),
    bad(MLPClassifier, "n_iter_no_change", 2.5),
    bad(MLPClassifier, "tol", -1.0),
    bad(MLPClassifier, "tol", np.nan),
    bad(MLPClassifier, "device", 3),
    bad(MLPClassifier, "device", None),
    bad(MLPClassifier, "n_threads", 0),
    bad(MLPClassifier, "n_threads", 1.5),
    bad(MLPClassifier, "n_threads", True),
    bad(MLPClassifier, "random_state", "seed"),
    bad(MLPClassifier, "random_state", 1.5),
    bad(MLPClassifier, "random_state", -1),
    bad(MLPClassifier, "verbose", "loud"),
    bad(MLPClassifier, "verbose", -1),
    bad(MLPClassifier, "warm_start", "no"),
    bad(MLPClassifier, "callbacks", "progress"),
    bad(MLPClassifier, "callbacks", ("a",)),
    bad(
        MLPClassifier,
        "callbacks",
        [1],
    ),
    bad(
        MLPClassifier,
        "callbacks",
        [("clip", 1)],
    ),
    # SmallCNN.
    bad(SmallCNN, "n_filters", 0),
    bad(SmallCNN, "n_filters", 2.5),
    bad(
        SmallCNN,
        "n_filters",
        True,
    ),
    bad(SmallCNN, "dense_units", [0]),
    bad(SmallCNN, "dense_units", [4, 2.5]),
    bad(SmallCNN, "dense_units", [True]),
    bad(SmallCNN, "dense_units", 5),
    bad(SmallCNN, "dense_units", "64"),
    bad(SmallCNN, "padding", "full"),
    bad(SmallCNN, "padding", "valid", r"padding='valid' needs images .* 8x8"),
    bad(SmallCNN, "image_shape", (8,)),
    bad(SmallCNN, "image_shape", (8, 8.0)),
    bad(SmallCNN, "image_shape", (0, 8)),
    bad(SmallCNN, "image_shape", (-1, -1)),
    bad(SmallCNN, "image_shape", "8x8"),
    bad(SmallCNN, "image_shape", (7, 9), r"image_shape=\(7, 9\) .* \(8, 8\)"),
    bad(SmallCNN, "data_format", "nchw"),
    bad(SmallCNN, "max_epochs", 0),
    bad(SmallCNN, "batch_size", 0),
    bad(SmallCNN, "lr", np.nan),
    # GoogLeNetClassifier (weights files are in LOADERS).
    bad(GoogLeNetClassifier, "input_size", 8),
    bad(GoogLeNetClassifier, "input_size", 16.0),
    bad(GoogLeNetClassifier, "input_size", True),
    bad(GoogLeNetClassifier, "weights", 3),
    bad(GoogLeNetClassifier, "aux_logits", "yes"),
    bad(GoogLeNetClassifier, "freeze", 1.5),
    bad(GoogLeNetClassifier, "freeze", "yes"),
    bad(GoogLeNetClassifier, "freeze", np.nan),
    bad(GoogLeNetClassifier, "freeze", 0.5, r"freeze=0\.5 .* weights=None"),
    bad(GoogLeNetClassifier, "freeze", True, r"freeze=True .* weights=None"),
    bad(GoogLeNetClassifier, "data_format", "NHWC"),
    # PruningAutoencoder.
    bad(PruningAutoencoder, "hidden_units", 0),
    bad(PruningAutoencoder, "hidden_units", 2.5),
    bad(PruningAutoencoder, "hidden_units", [3]),
    bad(
        PruningAutoencoder,
        "hidden_units",
        True,
    ),
    bad(PruningAutoencoder, "activation", "elu"),
    bad(PruningAutoencoder, "loss_threshold", 0),
    bad(PruningAutoencoder, "loss_threshold", -1.0),
    bad(PruningAutoencoder, "loss_threshold", np.nan),
    bad(PruningAutoencoder, "loss_threshold", np.inf),
    bad(PruningAutoencoder, "threshold_kind", "rel"),
    bad(PruningAutoencoder, "similar_angle", 0),
    bad(PruningAutoencoder, "similar_angle", 180),
    bad(PruningAutoencoder, "similar_angle", np.nan),
    bad(PruningAutoencoder, "similar_angle", 170.0, r"similar_angle=170\.0 .*165"),
    bad(PruningAutoencoder, "complementary_angle", 200),
    bad(PruningAutoencoder, "strategy", "greedy"),
    bad(PruningAutoencoder, "merge", "mean"),
    bad(PruningAutoencoder, "retrain_epochs", -1),
    bad(PruningAutoencoder, "retrain_epochs", 1.5),
    bad(PruningAutoencoder, "retrain_epochs", True),
    bad(PruningAutoencoder, "min_hidden_units", 0),
    bad(PruningAutoencoder, "min_hidden_units", 5, r"min_hidden_units=5 .*=3"),
    bad(PruningAutoencoder, "n_components", 0),
    bad(PruningAutoencoder, "n_components", 2.5),
    bad(PruningAutoencoder, "n_components", 5, r"n_components=5 must lie"),
    bad(PruningAutoencoder, "max_epochs", 0),
    bad(PruningAutoencoder, "callbacks", "x"),
    # DistinctivenessPruning, through MLPClassifier(callbacks=[...]).
    bad(DistinctivenessPruning, "every", 0),
    bad(DistinctivenessPruning, "every", 1.5),
    bad(DistinctivenessPruning, "every", True),
    bad(DistinctivenessPruning, "similar_angle", 0),
    bad(DistinctivenessPruning, "similar_angle", 170.0),
    bad(DistinctivenessPruning, "similar_angle", np.nan),
    bad(DistinctivenessPruning, "complementary_angle", 180),
    bad(DistinctivenessPruning, "merge", "mean"),
    *(
        bad(
            DistinctivenessPruning,
            "min_hidden_units",
            value,
        )
        for value in (0, 1.5, "2")
    ),
    # PoolInterpolate.
    bad(PoolInterpolate, "pool_size", 0),
    bad(PoolInterpolate, "pool_size", 2.5),
    bad(PoolInterpolate, "pool_size", "2"),
    bad(PoolInterpolate, "pool_size", (2,)),
    bad(PoolInterpolate, "pool_size", (2, 0)),
    bad(PoolInterpolate, "pool_size", 9, r"pool_size=\(9, 9\) .* \(8, 8\)"),
    *(
        bad(
            PoolInterpolate,
            name,
            True,
        )
        for name in ("pool_size", "stride")
    ),
    bad(PoolInterpolate, "stride", 0),
    bad(PoolInterpolate, "stride", 1.5),
    bad(PoolInterpolate, "stride", (1, 2, 3)),
    bad(PoolInterpolate, "method", "quadratic"),
    bad(PoolInterpolate, "image_shape", (8,)),
    bad(PoolInterpolate, "image_shape", (8.0, 8)),
    bad(PoolInterpolate, "image_shape", (8, 9), r"image_shape=\(8, 9\) .* \(8, 8\)"),
    bad(PoolInterpolate, "data_format", "NHWC"),
    # FeatureGroupSelector, fitted on a frame with groups a and b.
    bad(FeatureGroupSelector, "select", "c", r"Unknown group 'c' in `select`"),
    bad(FeatureGroupSelector, "select", []),
    bad(FeatureGroupSelector, "select", 3),
    bad(FeatureGroupSelector, "select", ["a", 3], r"Unknown group 3 in `select`"),
    bad(FeatureGroupSelector, "groups", {"g": [7]}, r"Group 'g' .* position 7"),
    bad(FeatureGroupSelector, "groups", {"g": "zz"}, r"Group 'g' .* 'zz'"),
    bad(FeatureGroupSelector, "groups", {"all": [0]}),
    bad(FeatureGroupSelector, "groups", {1: [0]}),
    bad(FeatureGroupSelector, "groups", {"g": [True, False]}, r"Group 'g' .* mask"),
    bad(FeatureGroupSelector, "groups", {"g": 1.5}, r"Group 'g' is 1\.5"),
    bad(FeatureGroupSelector, "groups", {"g": slice(0, 1.5)}, r"Group 'g' .*slice"),
    bad(FeatureGroupSelector, "groups", [("g", [0])]),
]


@pytest.mark.parametrize(("cls", "params", "exc", "match"), PARAMETERS)
def test_a_bad_parameter_is_refused_before_training(
    no_training, cls, params, exc, match
):
    build, X_fit, y_fit = BUILD[cls]
    estimator = build(**params)
    with pytest.raises(exc, match=match):
        _fit(estimator, X_fit, y_fit)
    assert _fitted_attributes(estimator) == []


# -- X and y at fit ------------------------------------------------------------------


def case(call, exc, match, id, marks=()):
    return pytest.param(call, exc, match, id=id, marks=marks)


def _x_cases(name, make, X_fit, y_fit):
    """The bad X every dense-input estimator refuses, with ``y_fit``."""
    return [
        case(
            lambda: _fit(make(), _with(X_fit, 3, np.nan), y_fit),
            ValueError,
            r"Input X contains NaN",
            f"{name}-X-NaN",
        ),
        case(
            lambda: _fit(make(), _with(X_fit, 3, np.inf), y_fit),
            ValueError,
            r"Input X contains infinity",
            f"{name}-X-inf",
        ),
        case(
            lambda: _fit(make(), _with(X_fit, 3, 1e300), y_fit),
            ValueError,
            r"X holds values up to 1e\+300 .* float32",
            f"{name}-X-beyond-float32",
        ),
        case(
            lambda: _fit(make(), X_fit[:0], None if y_fit is None else y_fit[:0]),
            ValueError,
            r"0 sample\(s\) \(shape=\(0, ",
            f"{name}-X-empty",
        ),
        case(
            lambda: _fit(make(), np.reshape(X_fit, (len(X_fit), -1))[:, 0], y_fit),
            ValueError,
            r"Expected 2D array, got 1D array",
            f"{name}-X-1d",
        ),
        case(
            lambda: _fit(
                make(), sp.csr_matrix(np.reshape(X_fit, (len(X_fit), -1))), y_fit
            ),
            TypeError,
            r"Sparse data was passed for X",
            f"{name}-X-sparse",
        ),
        case(
            lambda: _fit(make(), _with_text(X_fit), y_fit),
            ValueError,
            r"\bX\b",
            f"{name}-X-text",
        ),
    ]


FIT_INPUTS = [
    *_x_cases("MLPClassifier", mlp, X, Y),
    *_x_cases("PruningAutoencoder", autoencoder, X, None),
    *_x_cases("SmallCNN", cnn, IMAGES, LABELS),
    *_x_cases("GoogLeNetClassifier", googlenet, IMAGES, LABELS),
    case(
        lambda: mlp().fit(X.reshape(150, 2, 2), Y),
        ValueError,
        r"dim 3, while dim <= 2",
        "MLPClassifier-X-3d",
    ),
    case(
        lambda: autoencoder().fit(np.zeros((150, 0))),
        ValueError,
        r"0 feature\(s\) \(shape=\(150, 0\)\)",
        "PruningAutoencoder-X-no-features",
    ),
    # y
    case(
        lambda: mlp().fit(X, np.zeros(150)),
        ValueError,
        r"only one class",
        "MLPClassifier-y-one-class",
    ),
    case(
        lambda: mlp().fit(X, Y[:-1]),
        ValueError,
        r"inconsistent numbers of samples: \[150, 149\]",
        "MLPClassifier-y-shorter",
    ),
    case(
        lambda: mlp().fit(X, _with(Y, 0, np.nan)),
        ValueError,
        r"Input y contains NaN",
        "MLPClassifier-y-NaN",
    ),
    case(
        lambda: mlp().fit(X, _with(Y, 0, np.inf)),
        ValueError,
        r"Input y contains infinity",
        "MLPClassifier-y-inf",
    ),
    case(
        lambda: mlp().fit(X, np.linspace(0, 1, 150)),
        ValueError,
        r"label type: continuous",
        "MLPClassifier-y-continuous",
    ),
    case(
        lambda: mlp().fit(X, np.c_[Y, Y]),
        ValueError,
        r"y should be a 1d array, got an array of shape \(150, 2\)",
        "MLPClassifier-y-2d",
    ),
    case(
        lambda: mlp().fit(X, None),
        ValueError,
        r"requires y to be passed",
        "MLPClassifier-y-None",
    ),
    case(
        lambda: mlp().fit(X, np.array([1, "a"] * 75, dtype=object)),
        ValueError,
        r"label type: unknown",
        "MLPClassifier-y-mixed-types",
    ),
    case(
        lambda: cnn().fit(IMAGES, np.zeros(40)),
        ValueError,
        r"SmallCNN needs samples of at least 2 classes",
        "SmallCNN-y-one-class",
    ),
    case(
        lambda: cnn().fit(IMAGES, LABELS[:-1]),
        ValueError,
        r"inconsistent numbers of samples: \[40, 39\]",
        "SmallCNN-y-shorter",
    ),
    case(
        lambda: googlenet().fit(IMAGES, np.zeros(40)),
        ValueError,
        r"GoogLeNetClassifier needs samples of at least 2",
        "GoogLeNetClassifier-y-one-class",
    ),
    # images of the wrong size, layout or channel count
    *(
        case(
            lambda make=make: make().fit(IMAGES.reshape(40, -1)[:, :63], LABELS),
            ValueError,
            r"X has 63 features, which is not a square number",
            f"{name}-flat-not-square",
        )
        for name, make in (("SmallCNN", cnn), ("GoogLeNetClassifier", googlenet))
    ),
    *(
        case(
            lambda make=make: make().fit(IMAGES.reshape(40, 1, 1, 8, 8), LABELS),
            ValueError,
            r"got shape \(40, 1, 1, 8, 8\)",
            f"{name}-5d",
        )
        for name, make in (("SmallCNN", cnn), ("GoogLeNetClassifier", googlenet))
    ),
    *(
        case(
            lambda make=make, shape=shape: make().fit(np.zeros(shape), LABELS),
            ValueError,
            rf"X of shape {re.escape(str(shape))} .* data_format",
            f"{name}-ambiguous-4d-{'x'.join(map(str, shape[1:]))}",
        )
        for name, make in (("SmallCNN", cnn), ("GoogLeNetClassifier", googlenet))
        for shape in ((40, 3, 4, 3), (40, 16, 28, 28))
    ),
    case(
        lambda: cnn(padding="valid").fit(np.zeros((40, 15, 15)), LABELS),
        ValueError,
        r"padding='valid' needs images .*15x15",
        "SmallCNN-valid-padding-15x15",
    ),
    case(
        lambda: cnn(image_shape=(4, 4)).fit(IMAGES.reshape(40, -1), LABELS),
        ValueError,
        r"image_shape=\(4, 4\) has 16 pixels, but X has 64 features",
        "SmallCNN-image_shape-vs-flat-X",
    ),
    case(
        lambda: cnn(image_shape=(-1, 5)).fit(IMAGES.reshape(40, -1), LABELS),
        ValueError,
        r"image_shape=\(-1, 5\) does not match X with 64 features",
        "SmallCNN-image_shape-not-a-divisor",
    ),
    case(
        lambda: googlenet().fit(np.zeros((40, 2, 8, 8)), LABELS),
        ValueError,
        r"got 2 channels",
        "GoogLeNetClassifier-2-channels",
    ),
    case(
        lambda: googlenet().fit(np.zeros((40, 5, 5, 2)), LABELS),
        ValueError,
        r"got 2 channels",
        "GoogLeNetClassifier-channels-last-2-channels",
    ),
    case(
        lambda: cnn().fit(IMAGES, LABELS, sample_weight=np.ones(40)),
        TypeError,
        r"sample_weight",
        "SmallCNN-sample_weight-not-taken",
    ),
    case(
        lambda: autoencoder().fit(X, sample_weight=np.ones(150)),
        TypeError,
        r"sample_weight",
        "PruningAutoencoder-sample_weight-not-taken",
    ),
    # networks too large for this machine: refused before they are built
    case(
        lambda: mlp(hidden_units=[10**6, 10**6]).fit(X, Y),
        ValueError,
        r"hidden_units=\(1000000, 1000000\).* too large",
        "MLPClassifier-too-large",
    ),
    case(
        lambda: autoencoder(hidden_units=10**10).fit(X),
        ValueError,
        r"hidden_units=10000000000\).* too large",
        "PruningAutoencoder-too-large",
    ),
    case(
        lambda: cnn(n_filters=10**5).fit(IMAGES, LABELS),
        ValueError,
        r"n_filters=100000.* too large",
        "SmallCNN-too-large",
    ),
    # partial_fit and early stopping
    case(
        lambda: mlp().partial_fit(X, Y),
        ValueError,
        r"classes must be passed",
        "MLPClassifier-partial_fit-no-classes",
    ),
    case(
        lambda: mlp().partial_fit(X, Y, classes=[0, 1]),
        ValueError,
        r"y holds labels \[2\] .* classes \[0, 1\]",
        "MLPClassifier-partial_fit-label-not-in-classes",
    ),
    case(
        lambda: cnn().partial_fit(IMAGES, LABELS),
        ValueError,
        r"classes must be passed",
        "SmallCNN-partial_fit-no-classes",
    ),
    case(
        lambda: mlp(early_stopping=True, validation_fraction=0.01).fit(X, Y),
        ValueError,
        r"validation_fraction",
        "MLPClassifier-early_stopping-split-smaller-than-classes",
    ),
    case(
        lambda: mlp(early_stopping=True).fit(X[[0, 50, 100]], Y[[0, 50, 100]]),
        ValueError,
        r"validation_fraction|early_stopping",
        "MLPClassifier-early_stopping-one-sample-per-class",
    ),
    # PoolInterpolate
    case(
        lambda: PoolInterpolate().fit(sp.csr_matrix(IMAGES.reshape(40, -1))),
        TypeError,
        r"Sparse data was passed for X",
        "PoolInterpolate-X-sparse",
    ),
    case(
        lambda: PoolInterpolate().fit(np.zeros(16)),
        ValueError,
        r"Expected 2D array, got 1D array",
        "PoolInterpolate-X-1d",
    ),
    case(
        lambda: PoolInterpolate().fit(np.zeros((2, 1, 1, 4, 4))),
        ValueError,
        r"got shape \(2, 1, 1, 4, 4\)",
        "PoolInterpolate-X-5d",
    ),
    case(
        lambda: PoolInterpolate().fit(np.zeros((2, 3, 4, 3))),
        ValueError,
        r"X of shape \(2, 3, 4, 3\) .* data_format",
        "PoolInterpolate-ambiguous-4d",
    ),
    case(
        lambda: PoolInterpolate().fit(_with(IMAGES, 5, np.nan)),
        ValueError,
        r"Input X contains NaN",
        "PoolInterpolate-X-NaN",
    ),
    case(
        lambda: PoolInterpolate().fit_transform(_with(IMAGES, 5, np.inf)),
        ValueError,
        r"Input X contains infinity",
        "PoolInterpolate-fit_transform-X-inf",
    ),
    case(
        lambda: PoolInterpolate().fit(np.zeros((0, 4, 4))),
        ValueError,
        r"0 sample\(s\) \(shape=\(0, 4, 4\)\)",
        "PoolInterpolate-X-empty",
    ),
    case(
        lambda: PoolInterpolate().fit(np.zeros((2, 15))),
        ValueError,
        r"X has 15 features, which is not a square number",
        "PoolInterpolate-flat-not-square",
    ),
    case(
        lambda: PoolInterpolate(method="cubic").fit(np.zeros((2, 6, 6))),
        ValueError,
        r"method='cubic' needs at least 4 .* \(6, 6\) pool to pooled shape \(3, 3\)",
        "PoolInterpolate-cubic-too-few-pooled",
    ),
    case(
        lambda: PoolInterpolate().set_output(transform="pandas").fit_transform(IMAGES),
        ValueError,
        r"pandas output needs flat input: .* shape \(40, 8, 8\)",
        "PoolInterpolate-pandas-output-of-3d",
    ),
    case(
        lambda: PoolInterpolate(image_shape=(4, 4)).fit(IMAGES.reshape(40, -1)),
        ValueError,
        r"image_shape=\(4, 4\) has 16 pixels, but X has 64 features",
        "PoolInterpolate-image_shape-vs-flat-X",
    ),
    case(
        lambda: PoolInterpolate().fit(_with_text(IMAGES.reshape(40, -1))),
        ValueError,
        r"\bX\b",
        "PoolInterpolate-X-text",
    ),
    # FeatureGroupSelector
    case(
        lambda: FeatureGroupSelector(groups={"g": ["a_1"]}).fit(X),
        ValueError,
        r"Group 'g' refers to column 'a_1' by name, but X has no feature names",
        "FeatureGroupSelector-name-on-array",
    ),
    case(
        lambda: FeatureGroupSelector(select="a").fit(X),
        ValueError,
        r"Unknown group 'a' in `select`. Known groups: 'x0'",
        "FeatureGroupSelector-select-on-array",
    ),
    case(
        lambda: FeatureGroupSelector(groups={"g": []}, select="g").fit(X),
        ValueError,
        r"`select='g'` selects no column of X",
        "FeatureGroupSelector-empty-group",
    ),
    case(
        lambda: FeatureGroupSelector().fit(X[:, 0]),
        ValueError,
        r"Expected 2D array, got 1D array",
        "FeatureGroupSelector-X-1d",
    ),
    case(
        lambda: FeatureGroupSelector().fit(X.reshape(150, 2, 2)),
        ValueError,
        r"dim 3, while dim <= 2",
        "FeatureGroupSelector-X-3d",
    ),
    case(
        lambda: FeatureGroupSelector().fit(X[:0]),
        ValueError,
        r"0 sample\(s\) \(shape=\(0, 4\)\)",
        "FeatureGroupSelector-X-empty",
    ),
]


@pytest.mark.parametrize(("call", "exc", "match"), FIT_INPUTS)
def test_bad_input_to_fit_is_refused_before_training(no_training, call, exc, match):
    with pytest.raises(exc, match=match):
        call()


# -- input to fitted estimators ----------------------------------------------------


class _Fitted:
    """Estimators fitted once for the module.

    ``fitted.mlp`` is the shared model, for calls that read it only;
    ``fitted.copy("mlp")`` a deep copy, for calls that may change it.
    """

    def __init__(self, models):
        self._models = models

    def __getattr__(self, name):
        return self._models[name]

    def copy(self, name):
        return copy.deepcopy(self._models[name])


@pytest.fixture(scope="module")
def fitted():
    """Fitted once, before ``no_training`` applies (a function fixture)."""
    return _Fitted(
        {
            "mlp": mlp().fit(X, Y),
            "mlp_frame": mlp().fit(FRAME, Y),
            "mlp_warm": mlp(warm_start=True).fit(X, Y),
            "ae": autoencoder().fit(X),
            "cnn": cnn().fit(IMAGES, LABELS),
            "cnn_flat": cnn().fit(IMAGES.reshape(40, -1), LABELS),
            "cnn_last": cnn().fit(RGB, RGB_LABELS),
            "cnn_first": cnn().fit(np.moveaxis(RGB, -1, 1), RGB_LABELS),
            "goog": googlenet().fit(
                IMAGES[:16], np.array(["even", "odd"])[LABELS[:16] % 2]
            ),
            "pool": PoolInterpolate().fit(IMAGES),
            "pool_flat": PoolInterpolate().fit(IMAGES.reshape(40, -1)),
            "pool_last": PoolInterpolate().fit(RGB),
            "fgs": FeatureGroupSelector(select="a").fit(FRAME),
        }
    )


def _warning_free(call):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return call()


def _unreached_width(f):
    widths = set(range(1, f.ae.hidden_units + 1)) - set(f.ae.networks_)
    if not widths:
        pytest.skip("pruning reached every width")
    model = f.copy("ae")
    model.set_params(n_components=min(widths))
    return model.transform(X)


FITTED_INPUTS = [
    case(
        lambda f: f.mlp.predict(X[:, :3]),
        ValueError,
        r"X has 3 features, but MLPClassifier is expecting 4",
        "MLPClassifier-predict-3-features",
    ),
    case(
        lambda f: f.mlp.predict_proba(np.c_[X, X[:, 0]]),
        ValueError,
        r"X has 5 features",
        "MLPClassifier-predict_proba-5-features",
    ),
    case(
        lambda f: f.mlp.predict(_with(X, 0, np.nan)),
        ValueError,
        r"Input X contains NaN",
        "MLPClassifier-predict-NaN",
    ),
    case(
        lambda f: f.mlp.predict_log_proba(_with(X, 0, np.inf)),
        ValueError,
        r"Input X contains infinity",
        "MLPClassifier-predict_log_proba-inf",
    ),
    case(
        lambda f: f.mlp.predict(X * 1e300),
        ValueError,
        r"X holds values up to .* float32",
        "MLPClassifier-predict-beyond-float32",
    ),
    case(
        lambda f: f.mlp.predict(X[:0]),
        ValueError,
        r"0 sample\(s\) \(shape=\(0, 4\)\)",
        "MLPClassifier-predict-empty",
    ),
    case(
        lambda f: f.mlp.predict(X[0]),
        ValueError,
        r"Expected 2D array, got 1D array",
        "MLPClassifier-predict-1d",
    ),
    case(
        lambda f: f.mlp.predict(sp.csr_matrix(X)),
        TypeError,
        r"Sparse data was passed for X",
        "MLPClassifier-predict-sparse",
    ),
    case(
        lambda f: f.mlp.score(X, Y[:-1]),
        ValueError,
        r"inconsistent numbers of samples",
        "MLPClassifier-score-y-shorter",
    ),
    case(
        lambda f: f.mlp.predict(_with_text(X)),
        ValueError,
        r"\bX\b",
        "MLPClassifier-predict-text",
    ),
    case(
        lambda f: f.mlp_frame.predict(FRAME.rename(columns={"a_1": "z"})),
        ValueError,
        r"Feature names unseen at fit time:\n- z",
        "MLPClassifier-predict-other-column-names",
    ),
    case(
        lambda f: f.copy("mlp").partial_fit(X[:, :3], Y),
        ValueError,
        r"X has 3 features, but MLPClassifier is expecting 4",
        "MLPClassifier-partial_fit-3-features",
    ),
    case(
        lambda f: f.copy("mlp").partial_fit(X, np.where(Y == 2, 5, Y)),
        ValueError,
        r"y holds labels \[5\] that are not among the classes \[0, 1, 2\]",
        "MLPClassifier-partial_fit-new-label",
    ),
    case(
        lambda f: f.copy("mlp").partial_fit(X, Y, classes=[0, 1, 5]),
        ValueError,
        r"classes=\[0, 1, 5\] differs from .* \[0, 1, 2\]",
        "MLPClassifier-partial_fit-other-classes",
    ),
    case(
        lambda f: f.copy("mlp_warm").set_params(hidden_units=3).fit(X, Y),
        ValueError,
        r"architecture changed \(hidden_units: \(4,\) -> \(3,\)\)",
        "MLPClassifier-warm_start-other-architecture",
    ),
    case(
        lambda f: f.copy("mlp_warm").fit(X[Y < 2], Y[Y < 2]),
        ValueError,
        r"same classes .* got \[0, 1\], expected \[0, 1, 2\]",
        "MLPClassifier-warm_start-fewer-classes",
    ),
    case(
        lambda f: f.ae.transform(X[:, :3]),
        ValueError,
        r"X has 3 features, but PruningAutoencoder is expecting 4",
        "PruningAutoencoder-transform-3-features",
    ),
    case(
        lambda f: f.ae.inverse_transform(np.zeros((2, 7))),
        ValueError,
        r"X has 7 columns, but PruningAutoencoder encodes into \d",
        "PruningAutoencoder-inverse_transform-7-columns",
    ),
    case(
        lambda f: f.ae.inverse_transform(np.full((2, f.ae.n_hidden_units_), np.nan)),
        ValueError,
        r"\bX\b.*NaN",
        "PruningAutoencoder-inverse_transform-NaN",
    ),
    case(
        lambda f: f.ae.score(_with(X, 0, np.nan)),
        ValueError,
        r"Input X contains NaN",
        "PruningAutoencoder-score-NaN",
    ),
    case(
        _unreached_width,
        ValueError,
        r"n_components=\d was not reached by pruning; the widths reached are",
        "PruningAutoencoder-n_components-not-reached",
    ),
    case(
        lambda f: f.cnn.predict(np.zeros((3, 7, 7))),
        ValueError,
        r"fitted on 1-channel images of 8x8 pixels; got 1-channel images of 7x7",
        "SmallCNN-predict-7x7",
    ),
    case(
        lambda f: f.cnn.predict(np.zeros((3, 3, 8, 8))),
        ValueError,
        r"fitted on 1-channel images of 8x8 pixels; got 3-channel",
        "SmallCNN-predict-3-channels",
    ),
    case(
        lambda f: f.cnn.predict(np.zeros((3, 3, 4, 3))),
        ValueError,
        r"X of shape \(3, 3, 4, 3\) .* data_format",
        "SmallCNN-predict-ambiguous-4d",
    ),
    case(
        lambda f: f.cnn.predict(np.full((3, 8, 8), np.nan)),
        ValueError,
        r"Input X contains NaN",
        "SmallCNN-predict-NaN",
    ),
    case(
        lambda f: f.cnn.predict_proba(np.full((3, 8, 8), 1e300)),
        ValueError,
        r"X holds values up to .* float32",
        "SmallCNN-predict_proba-beyond-float32",
    ),
    case(
        lambda f: f.cnn_last.predict(np.moveaxis(RGB, -1, 1)),
        ValueError,
        r"holds them channels-first .* the fit's were channels-last",
        "SmallCNN-channels-last-fit-predict-channels-first",
    ),
    case(
        lambda f: f.cnn_last.predict(RGB[..., 0]),
        ValueError,
        r"fitted on 3-channel images of 8x8 pixels; got 1-channel",
        "SmallCNN-channels-last-fit-predict-grey",
    ),
    case(
        lambda f: f.cnn_last.predict(np.zeros((2, 3, 8, 3))),
        ValueError,
        r"fitted on 3-channel images of 8x8 pixels; got 3-channel images of 3x8",
        "SmallCNN-channels-last-fit-predict-3x8",
    ),
    case(
        lambda f: f.copy("cnn").partial_fit(np.zeros((3, 7, 7)), LABELS[:3]),
        ValueError,
        r"images of 8x8 pixels; got 1-channel images of 7x7",
        "SmallCNN-partial_fit-7x7",
    ),
    case(
        lambda f: f.goog.predict(np.zeros((3, 7, 7))),
        ValueError,
        r"fitted on 1-channel images of 8x8 pixels; got 1-channel images of 7x7",
        "GoogLeNetClassifier-predict-7x7",
    ),
    case(
        lambda f: f.goog.predict(np.zeros((3, 3, 8, 8))),
        ValueError,
        r"got 3-channel images of 8x8",
        "GoogLeNetClassifier-predict-3-channels",
    ),
    case(
        lambda f: f.goog.predict(np.zeros((3, 3, 4, 3))),
        ValueError,
        r"X of shape \(3, 3, 4, 3\) .* data_format",
        "GoogLeNetClassifier-predict-ambiguous-4d",
    ),
    case(
        lambda f: f.goog.predict(np.full((3, 8, 8), np.inf)),
        ValueError,
        r"Input X contains infinity",
        "GoogLeNetClassifier-predict-inf",
    ),
    case(
        lambda f: f.pool.transform(np.zeros((3, 7, 7))),
        ValueError,
        r"X holds images of shape \(7, 7\), .* images of shape \(8, 8\)",
        "PoolInterpolate-transform-7x7",
    ),
    case(
        lambda f: f.pool.transform(np.zeros((3, 1, 8, 8))),
        ValueError,
        r"X has 4 dimensions, but PoolInterpolate was fitted on 3-dimensional input",
        "PoolInterpolate-transform-4d-after-3d",
    ),
    case(
        lambda f: f.pool.transform(np.full((3, 8, 8), np.nan)),
        ValueError,
        r"Input X contains NaN",
        "PoolInterpolate-transform-NaN",
    ),
    case(
        lambda f: f.pool.transform(np.full((3, 8, 8), np.inf)),
        ValueError,
        r"Input X contains infinity",
        "PoolInterpolate-transform-inf",
    ),
    case(
        lambda f: f.pool.downsample(np.zeros((3, 7, 7))),
        ValueError,
        r"X holds images of shape \(7, 7\)",
        "PoolInterpolate-downsample-7x7",
    ),
    case(
        lambda f: f.pool.upsample(np.zeros((3, 5, 5))),
        ValueError,
        r"X_pooled holds images of shape \(5, 5\), .* of shape \(4, 4\)",
        "PoolInterpolate-upsample-5x5",
    ),
    case(
        lambda f: f.pool.upsample(np.full((3, 4, 4), np.nan)),
        ValueError,
        r"Input X_pooled contains NaN",
        "PoolInterpolate-upsample-NaN",
    ),
    case(
        lambda f: f.pool.get_feature_names_out(["a"] * 64),
        ValueError,
        r"input_features is only supported for flat input",
        "PoolInterpolate-feature-names-of-images",
    ),
    case(
        lambda f: f.copy("pool").set_output(transform="pandas").transform(IMAGES),
        ValueError,
        r"pandas output needs flat input",
        "PoolInterpolate-pandas-output-of-3d-at-transform",
    ),
    case(
        lambda f: f.pool_flat.transform(np.zeros((3, 63))),
        ValueError,
        r"X has 63 features, but PoolInterpolate is expecting 64",
        "PoolInterpolate-flat-transform-63-features",
    ),
    case(
        lambda f: f.pool_flat.transform(IMAGES),
        ValueError,
        r"X has 3 dimensions, .* 2-dimensional input \(images of shape \(8, 8\)\)",
        "PoolInterpolate-flat-fit-transform-3d",
    ),
    case(
        lambda f: f.pool_flat.upsample(np.zeros((3, 15))),
        ValueError,
        r"X_pooled has 15 features, but pooled images of shape \(4, 4\) have 16",
        "PoolInterpolate-upsample-15-features",
    ),
    case(
        lambda f: f.pool_flat.get_feature_names_out(["a"] * 3),
        ValueError,
        r"input_features should have length equal to number of features \(64\)",
        "PoolInterpolate-feature-names-3",
    ),
    case(
        lambda f: f.pool_last.transform(np.moveaxis(RGB, -1, 1)),
        ValueError,
        r"X holds images of shape \(3, 8\), .* \(8, 8\) \(channels-last input\)",
        "PoolInterpolate-channels-last-fit-transform-channels-first",
    ),
    case(
        lambda f: f.pool_last.transform(RGB[..., :2]),
        ValueError,
        r"X has 2 channels, but PoolInterpolate was fitted on images with 3 channels",
        "PoolInterpolate-channels-last-fit-transform-2-channels",
    ),
    case(
        lambda f: f.fgs.transform(FRAME.iloc[:, :3]),
        ValueError,
        r"seen at fit time, yet now missing:\n- b_2",
        "FeatureGroupSelector-transform-3-columns",
    ),
    case(
        lambda f: f.fgs.transform(FRAME.rename(columns={"a_1": "z"})),
        ValueError,
        r"unseen at fit time:\n- z",
        "FeatureGroupSelector-transform-renamed",
    ),
    case(
        lambda f: f.fgs.get_feature_names_out(["x"] * 4),
        ValueError,
        r"input_features is not equal to feature_names_in_",
        "FeatureGroupSelector-feature-names",
    ),
    case(
        lambda f: _warning_free(lambda: FeatureGroupSelector().transform(FRAME)),
        NotFittedError,
        r"This FeatureGroupSelector instance is not fitted yet",
        "FeatureGroupSelector-unfitted-warns-nothing-misleading",
    ),
    # unfitted
    *(
        case(
            lambda f, call=call: call(),
            NotFittedError,
            rf"This {name} instance is not fitted yet",
            f"{name}-unfitted",
        )
        for name, call in (
            ("MLPClassifier", lambda: mlp().predict(X)),
            ("PruningAutoencoder", lambda: autoencoder().transform(X)),
            ("SmallCNN", lambda: cnn().predict(IMAGES)),
            ("GoogLeNetClassifier", lambda: googlenet().predict_proba(IMAGES)),
            ("PoolInterpolate", lambda: PoolInterpolate().transform(IMAGES)),
            ("FeatureGroupSelector", lambda: FeatureGroupSelector().transform(FRAME)),
        )
    ),
]


@pytest.mark.parametrize(("call", "exc", "match"), FITTED_INPUTS)
def test_bad_input_to_a_fitted_estimator_is_refused(
    fitted, no_training, call, exc, match
):
    with pytest.raises(exc, match=match):
        call(fitted)


# -- images at predict in another layout than at fit -------------------------------

PREDICT_LAYOUTS = [
    pytest.param(
        "cnn", IMAGES[..., None], IMAGES, id="SmallCNN-3d-fit-predict-channels-last-1"
    ),
    pytest.param(
        "cnn",
        IMAGES[:, None],
        IMAGES,
        id="SmallCNN-3d-fit-predict-channels-first-1",
    ),
    pytest.param(
        "cnn",
        IMAGES.reshape(40, -1),
        IMAGES,
        id="SmallCNN-3d-fit-predict-flat",
    ),
    pytest.param(
        "cnn",
        IMAGES.reshape(40, 1, 1, 8, 8),
        IMAGES,
        id="SmallCNN-3d-fit-predict-5d",
    ),
    pytest.param(
        "cnn_flat",
        IMAGES,
        IMAGES.reshape(40, -1),
        id="SmallCNN-flat-fit-predict-3d",
    ),
    pytest.param(
        "cnn_flat",
        IMAGES[:, None],
        IMAGES.reshape(40, -1),
        id="SmallCNN-flat-fit-predict-channels-first-1",
    ),
    pytest.param(
        "cnn_first",
        RGB,
        np.moveaxis(RGB, -1, 1),
        id="SmallCNN-channels-first-fit-predict-channels-last",
    ),
    pytest.param(
        "goog",
        IMAGES[:16, None],
        IMAGES[:16],
        id="GoogLeNetClassifier-3d-fit-predict-channels-first-1",
    ),
    pytest.param(
        "pool",
        IMAGES.reshape(40, -1),
        IMAGES,
        id="PoolInterpolate-3d-fit-transform-flat",
    ),
]


@pytest.mark.parametrize(("model", "X_other", "X_fit_layout"), PREDICT_LAYOUTS)
def test_another_layout_at_predict_is_read_alike_or_refused_by_name(
    fitted, model, X_other, X_fit_layout
):
    """Never silently wrong, never a misleading feature count."""
    estimator = getattr(fitted, model)
    method = "transform" if model.startswith("pool") else "predict"
    try:
        got = getattr(estimator, method)(X_other)
    except ValueError as exc:
        assert re.search(r"8x8|\(8, 8\)|channels-(first|last)", str(exc)), str(exc)
        return
    expected = getattr(estimator, method)(X_fit_layout)
    np.testing.assert_array_equal(np.reshape(got, np.shape(expected)), expected)


# -- a refused call leaves the fitted model as it was -------------------------------

REFUSED_KEEPS_MODEL = [
    pytest.param(
        "mlp", lambda m: m.predict(X[:, :3]), X, id="MLPClassifier-refused-predict"
    ),
    pytest.param(
        "cnn",
        lambda m: m.predict(np.zeros((2, 7, 7))),
        IMAGES,
        id="SmallCNN-refused-predict",
    ),
    pytest.param(
        "pool",
        lambda m: m.transform(np.zeros((2, 7, 7))),
        IMAGES,
        id="PoolInterpolate-refused-transform",
    ),
    pytest.param(
        "mlp",
        lambda m: m.partial_fit(X[:, :3], Y),
        X,
        id="MLPClassifier-refused-partial_fit-features",
    ),
    pytest.param(
        "mlp",
        lambda m: m.partial_fit(X, np.where(Y == 2, 5, Y)),
        X,
        id="MLPClassifier-refused-partial_fit-label",
    ),
    pytest.param(
        "mlp_warm",
        lambda m: m.set_params(hidden_units=3).fit(X, Y),
        X,
        id="MLPClassifier-refused-warm_start-architecture",
    ),
    pytest.param(
        "cnn",
        lambda m: m.partial_fit(np.zeros((3, 7, 7)), LABELS[:3]),
        IMAGES,
        id="SmallCNN-refused-partial_fit-7x7",
    ),
]


@pytest.mark.parametrize(("model", "refused", "X_check"), REFUSED_KEEPS_MODEL)
def test_a_refused_call_keeps_the_fitted_model(
    fitted, no_training, model, refused, X_check
):
    estimator = fitted.copy(model)
    method = "transform" if model.startswith("pool") else "predict"
    before = getattr(estimator, method)(X_check)
    with pytest.raises(ValueError):
        refused(estimator)
    if model.startswith("mlp_warm"):
        estimator.set_params(hidden_units=4)
    np.testing.assert_array_equal(getattr(estimator, method)(X_check), before)


# -- weights ------------------------------------------------------------------------

WEIGHTS = [
    case(
        lambda: mlp().fit(X, Y, sample_weight=-np.ones(150)),
        ValueError,
        r"Negative values in data passed to `sample_weight`",
        "sample_weight-negative",
    ),
    case(
        lambda: mlp().fit(X, Y, sample_weight=_with(np.ones(150), 0, np.nan)),
        ValueError,
        r"Input sample_weight contains NaN",
        "sample_weight-NaN",
    ),
    case(
        lambda: mlp().fit(X, Y, sample_weight=_with(np.ones(150), 0, np.inf)),
        ValueError,
        r"Input sample_weight contains infinity",
        "sample_weight-inf",
    ),
    case(
        lambda: mlp().fit(X, Y, sample_weight=np.zeros(150)),
        ValueError,
        r"(?i)sample weights must contain at least one non-zero",
        "sample_weight-all-zero",
    ),
    case(
        lambda: mlp().fit(X, Y, sample_weight=np.ones(10)),
        ValueError,
        r"sample_weight.shape == \(10,\), expected \(150,\)",
        "sample_weight-shorter",
    ),
    case(
        lambda: mlp().fit(X, Y, sample_weight=np.ones((150, 2))),
        ValueError,
        r"(?i)sample weights must be 1D array",
        "sample_weight-2d",
    ),
    case(
        lambda: mlp().fit(X, Y, sample_weight=np.full(150, 1e307)),
        ValueError,
        r"sample_weight gives weights that sum to inf, beyond float32",
        "sample_weight-sum-beyond-float32",
    ),
    case(
        lambda: mlp().fit(X, Y, sample_weight=np.full(150, "a")),
        ValueError,
        r"sample_weight",
        "sample_weight-text",
    ),
    case(
        lambda: mlp(class_weight={0: 1e200, 1: 1, 2: 1}).fit(
            X, Y, sample_weight=np.full(150, 1e200)
        ),
        ValueError,
        r"class_weight times sample_weight gives weights that sum to inf, beyond",
        "class_weight-times-sample_weight-overflow",
    ),
    case(
        lambda: mlp(class_weight={0: 0, 1: 1, 2: 1}).fit(
            X, Y, sample_weight=(Y == 0).astype(float)
        ),
        ValueError,
        r"class_weight times sample_weight gives every sample a weight of 0",
        "class_weight-times-sample_weight-all-zero",
    ),
    *(
        case(
            lambda make=make, weights=weights, data=data: make(
                class_weight=weights
            ).fit(*data),
            ValueError,
            match,
            f"{name}-class_weight-{label}",
        )
        for name, make, data in (
            ("MLPClassifier", mlp, (X, Y)),
            ("SmallCNN", cnn, (IMAGES, LABELS)),
        )
        for label, weights, match in (
            (
                "negative",
                {0: -1.0},
                r"class_weight\[0\] is -1\.0; .* finite and non-negative",
            ),
            ("NaN", {0: np.nan}, r"class_weight\[0\] is nan"),
            ("inf", {0: np.inf}, r"class_weight\[0\] is inf"),
            (
                "text",
                {0: "a"},
                r"class_weight\[0\] is 'a'; class weights must be non-negative numbers",
            ),
            ("bool", {0: True}, r"class_weight\[0\] is True"),
            (
                "unknown-class",
                {42: 1.0},
                r"The classes, \[0, 1, 2.*\], are not in class_weight",
            ),
            ("label-as-text", {"0": 1.0}, r"are not in class_weight"),
            (
                "sum-beyond-float32",
                dict.fromkeys(range(10), 1e308),
                r"class_weight gives weights that sum to inf",
            ),
        )
    ),
    case(
        lambda: mlp(class_weight={0: 0, 1: 0, 2: 0}).fit(X, Y),
        ValueError,
        r"class_weight gives every class of the data \(\[0, 1, 2\]\) a weight of 0",
        "MLPClassifier-class_weight-all-zero",
    ),
    case(
        lambda: googlenet(class_weight={0: -1.0}).fit(IMAGES, LABELS),
        ValueError,
        r"class_weight\[0\] is -1\.0",
        "GoogLeNetClassifier-class_weight-negative",
    ),
]


@pytest.mark.parametrize(("call", "exc", "match"), WEIGHTS)
def test_bad_weights_are_refused_before_training(no_training, call, exc, match):
    with pytest.raises(exc, match=match):
        call()


# -- devices ------------------------------------------------------------------------

DEVICES = [
    pytest.param(make, data, device, id=f"{name}-device={device!r}")
    for name, make, data in (
        ("MLPClassifier", mlp, (X, Y)),
        ("PruningAutoencoder", autoencoder, (X,)),
        ("SmallCNN", cnn, (IMAGES, LABELS)),
        ("GoogLeNetClassifier", googlenet, (IMAGES, LABELS)),
    )
    for device in ("meta", "xpu", "cuda:7", "cpu:1", "gpu", "cuda:x")
]


@pytest.mark.parametrize(("make", "data", "device"), DEVICES)
def test_a_device_skneuro_cannot_train_on_is_refused_before_training(
    no_training, make, data, device
):
    estimator = make(device=device)
    with pytest.raises(ValueError, match=re.escape(f"device={device!r}")):
        estimator.fit(*data)
    assert _fitted_attributes(estimator) == []


# -- loaders ------------------------------------------------------------------------


def _idx(array, code=0x08):
    header = bytes([0, 0, code, array.ndim])
    return (
        header
        + b"".join(int(d).to_bytes(4, "big") for d in array.shape)
        + array.tobytes()
    )


_IDX_IMAGES = _idx(np.zeros((3, 4, 4), np.uint8))
_IDX_LABELS = _idx(np.array([1, 2, 3], np.uint8))


def _mnist(folder, images=_IDX_IMAGES, labels=_IDX_LABELS, *, gz=False, prefix="train"):
    """An MNIST folder of one split, from the bytes of its two IDX files."""
    folder.mkdir(exist_ok=True)
    for what, data in (("images-idx3", images), ("labels-idx1", labels)):
        name = f"{prefix}-{what}-ubyte"
        if gz:
            (folder / f"{name}.gz").write_bytes(gzip.compress(data))
        else:
            (folder / name).write_bytes(data)
    return folder


def _write(path, data):
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, bytes):
        path.write_bytes(data)
    else:
        path.write_text(data, encoding="utf-8")
    return path


def _npz(path, **arrays):
    np.savez(path, **arrays)
    return path


def _image_folder(folder, classes=("happy", "sad"), n=2, size=(6, 6)):
    for name in classes:
        (folder / name).mkdir(parents=True, exist_ok=True)
        for i in range(n):
            image = np.full(size, (20 * i + 10) % 256, np.uint8)
            imsave(folder / name / f"{i}.png", image, check_contrast=False)
    return folder


def _table(path, n=30):
    make_feature_table(n, n_missing=0, random_state=0, path=path)
    return path


def _edit_cell(path, row, column, value):
    lines = path.read_text().splitlines()
    cells = lines[row].split(",")
    cells[column] = value
    lines[row] = ",".join(cells)
    path.write_text("\n".join(lines) + "\n")
    return path


def _zip_bytes(**members):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in members.items():
            archive.writestr(name, text)
    return buffer.getvalue()


LOADERS = [
    # load_mnist: IDX
    case(
        lambda t: load_mnist(t / "nope"),
        FileNotFoundError,
        r"nope does not exist",
        "load_mnist-missing-path",
    ),
    case(
        lambda t: load_mnist(t),
        FileNotFoundError,
        r"No MNIST train files in",
        "load_mnist-empty-folder",
    ),
    case(
        lambda t: load_mnist(_mnist(t / "m"), kind="val"),
        ValueError,
        r"kind must be 'train', 'test' or 'all'; got 'val'",
        "load_mnist-kind",
    ),
    case(
        lambda t: load_mnist(_write(t / "a.txt", "hello")),
        ValueError,
        r"a\.txt is neither a folder nor an \.npz file",
        "load_mnist-text-file",
    ),
    case(
        lambda t: load_mnist(
            _mnist(t / "m", images=b"\x01\x02\x03\x04" + _IDX_IMAGES[4:])
        ),
        ValueError,
        r"train-images-idx3-ubyte is not an IDX file: bad magic number 0x01020304",
        "load_mnist-bad-magic",
    ),
    case(
        lambda t: load_mnist(
            _mnist(t / "m", images=b"\x00\x00\x08\x00" + _IDX_IMAGES[4:])
        ),
        ValueError,
        r"train-images-idx3-ubyte is not an IDX file: bad magic",
        "load_mnist-magic-zero-dimensions",
    ),
    case(
        lambda t: load_mnist(_mnist(t / "m", images=_IDX_IMAGES[:-5])),
        ValueError,
        r"train-images-idx3-ubyte holds 59 bytes, .* \(3, 4, 4\) .* truncated",
        "load_mnist-truncated-images",
    ),
    case(
        lambda t: load_mnist(_mnist(t / "m", images=_IDX_IMAGES + b"xx")),
        ValueError,
        r"train-images-idx3-ubyte holds 66 bytes, more than the 64 bytes",
        "load_mnist-images-too-long",
    ),
    case(
        lambda t: load_mnist(_mnist(t / "m", images=_IDX_IMAGES[:7])),
        ValueError,
        r"train-images-idx3-ubyte is truncated: .* header of 16 bytes",
        "load_mnist-truncated-header",
    ),
    case(
        lambda t: load_mnist(_mnist(t / "m", images=_IDX_IMAGES[:3])),
        ValueError,
        r"train-images-idx3-ubyte is too short to be an IDX file",
        "load_mnist-3-bytes",
    ),
    case(
        lambda t: load_mnist(
            _mnist(t / "m", labels=_idx(np.array([1.5, 2, 3], ">f4"), code=0x0D))
        ),
        ValueError,
        r"train-labels-idx1-ubyte should hold integer labels .* 1\.5",
        "load_mnist-float-labels",
    ),
    case(
        lambda t: load_mnist(
            _mnist(t / "m", labels=_idx(np.array([np.nan, 2, 3], ">f8"), code=0x0E))
        ),
        ValueError,
        r"train-labels-idx1-ubyte should hold integer labels .* nan",
        "load_mnist-NaN-labels",
    ),
    case(
        lambda t: load_mnist(_mnist(t / "m", labels=_idx(np.array([1, 2], np.uint8)))),
        ValueError,
        r"train-images-idx3-ubyte holds 3 images but train-labels-idx1-ubyte holds 2",
        "load_mnist-fewer-labels",
    ),
    case(
        lambda t: load_mnist(_mnist(t / "m", labels=_idx(np.zeros((3, 1), np.uint8)))),
        ValueError,
        r"train-labels-idx1-ubyte should hold labels of shape \(n,\).* \(3, 1\)",
        "load_mnist-labels-2d",
    ),
    case(
        lambda t: load_mnist(_mnist(t / "m", images=_idx(np.zeros((3, 16), np.uint8)))),
        ValueError,
        r"train-images-idx3-ubyte should hold images of shape .* \(3, 16\)",
        "load_mnist-images-2d",
    ),
    case(
        lambda t: load_mnist(
            _mnist(
                t / "m",
                images=bytes([0, 0, 8, 3])
                + (10**9).to_bytes(4, "big")
                + (28).to_bytes(4, "big") * 2,
            )
        ),
        ValueError,
        r"header announces shape \(1000000000, 28, 28\)",
        "load_mnist-header-announces-1e9-images",
    ),
    case(
        lambda t: load_mnist(
            (
                _mnist(t / "m", gz=True),
                _write(t / "m" / "train-images-idx3-ubyte.gz", b"\x1f\x8bjunkjunk"),
            )[0]
        ),
        ValueError,
        r"train-images-idx3-ubyte\.gz: its gzip data is corrupt",
        "load_mnist-corrupt-gzip",
    ),
    case(
        lambda t: load_mnist(
            (
                _mnist(t / "m", gz=True),
                _write(
                    t / "m" / "train-images-idx3-ubyte.gz",
                    gzip.compress(_IDX_IMAGES)[:-10],
                ),
            )[0]
        ),
        ValueError,
        r"train-images-idx3-ubyte\.gz: its gzip data is corrupt or truncated",
        "load_mnist-truncated-gzip",
    ),
    case(
        lambda t: load_mnist(
            (_mnist(t / "m"), (t / "m" / "train-labels-idx1-ubyte").unlink())[0]
        ),
        FileNotFoundError,
        r"No MNIST train files in .*m: expected .* train-labels-idx1-ubyte",
        "load_mnist-labels-missing",
    ),
    case(
        lambda t: load_mnist(
            _mnist(
                _mnist(t / "m"),
                images=_idx(np.zeros((3, 5, 5), np.uint8)),
                prefix="t10k",
            ),
            kind="all",
        ),
        ValueError,
        r"\(3, 4, 4\)|4x4|t10k-images",
        "load_mnist-train-and-test-sizes-differ",
    ),
    case(
        lambda t: load_mnist(3),
        TypeError,
        r"\bpath\b",
        "load_mnist-path-int",
    ),
    # load_mnist: .npz
    case(
        lambda t: load_mnist(_write(t / "j.npz", b"PK\x03\x04junkjunk")),
        ValueError,
        r"j\.npz is not an \.npz file numpy can read",
        "load_mnist-junk-npz",
    ),
    case(
        lambda t: load_mnist(_write(t / "j.npz", b"hello world")),
        ValueError,
        r"j\.npz is not an \.npz file: it starts with the bytes 0x68656c6c",
        "load_mnist-npz-not-a-zip",
    ),
    case(
        lambda t: load_mnist(
            (
                np.save(t / "x.npy", np.zeros(3)),
                (t / "x.npy").rename(t / "x.npz"),
                t / "x.npz",
            )[2]
        ),
        ValueError,
        r"x\.npz is not an \.npz file: .*an \.npy file",
        "load_mnist-npy-renamed-npz",
    ),
    case(
        lambda t: load_mnist(_npz(t / "k.npz", a=np.zeros(3))),
        ValueError,
        r"k\.npz lacks the key\(s\) x_train, y_train",
        "load_mnist-npz-missing-keys",
    ),
    case(
        lambda t: load_mnist(
            _npz(
                t / "o.npz",
                x_train=np.array([None] * 3, dtype=object).reshape(3, 1, 1),
                y_train=np.arange(3),
            )
        ),
        ValueError,
        r"o\.npz, x_train holds Python objects",
        "load_mnist-npz-pickled-objects",
    ),
    case(
        lambda t: load_mnist(
            _npz(
                t / "f.npz", x_train=np.zeros((3, 4, 4)), y_train=np.array([0.5, 1, 2])
            )
        ),
        ValueError,
        r"f\.npz, y_train should hold integer labels .* 0\.5",
        "load_mnist-npz-float-labels",
    ),
    case(
        lambda t: load_mnist(
            _npz(t / "s.npz", x_train=np.full((3, 4, 4), "a"), y_train=np.arange(3))
        ),
        ValueError,
        r"s\.npz, x_train should hold numbers",
        "load_mnist-npz-text-images",
    ),
    case(
        lambda t: load_mnist(
            _npz(t / "n.npz", x_train=np.zeros((3, 4, 4)), y_train=np.arange(2))
        ),
        ValueError,
        r"n\.npz, x_train should have shape .* got \(3, 4, 4\) and \(2,\)",
        "load_mnist-npz-fewer-labels",
    ),
    case(
        lambda t: load_mnist(
            _npz(t / "d.npz", x_train=np.zeros((3, 16)), y_train=np.arange(3))
        ),
        ValueError,
        r"d\.npz, x_train should have shape \(n, rows, columns\).* \(3, 16\)",
        "load_mnist-npz-images-2d",
    ),
    # load_feature_table
    case(
        lambda t: load_feature_table(t / "none.csv"),
        FileNotFoundError,
        r"No feature table at .*none\.csv",
        "load_feature_table-missing",
    ),
    case(
        lambda t: load_feature_table(t),
        IsADirectoryError,
        r"is a folder; expected a \.csv or \.xlsx file",
        "load_feature_table-folder",
    ),
    case(
        lambda t: load_feature_table(_write(t / "t.txt", "a,b")),
        ValueError,
        r"Unsupported file extension '\.txt' for t\.txt",
        "load_feature_table-txt",
    ),
    case(
        lambda t: load_feature_table(_write(t / "t.xlsx", b"not a zip")),
        ValueError,
        r"t\.xlsx is not a valid \.xlsx workbook",
        "load_feature_table-junk-xlsx",
    ),
    case(
        lambda t: load_feature_table(_write(t / "z.xlsx", _zip_bytes(a="b"))),
        ValueError,
        r"z\.xlsx is not a valid \.xlsx workbook",
        "load_feature_table-zip-but-no-workbook",
    ),
    case(
        lambda t: load_feature_table(_write(t / "w.csv", _zip_bytes(a="b"))),
        ValueError,
        r"w\.csv is not UTF-8 text: .* zip archive",
        "load_feature_table-xlsx-renamed-csv",
    ),
    case(
        lambda t: load_feature_table(_write(t / "b.csv", b"\x00\x01\x02binary")),
        ValueError,
        r"b\.csv is not UTF-8 text: it holds binary data",
        "load_feature_table-binary-csv",
    ),
    case(
        lambda t: load_feature_table(_write(t / "u.csv", "a,b\n".encode("utf-16"))),
        ValueError,
        r"u\.csv is not UTF-8 text: it starts with a UTF-16 byte-order mark",
        "load_feature_table-utf16-csv",
    ),
    case(
        lambda t: load_feature_table(
            _write(t / "l.csv", ",label,T (A)\nx,1,caf\xe9\n".encode("latin-1"))
        ),
        ValueError,
        r"l\.csv is not UTF-8 text",
        "load_feature_table-latin1-csv",
    ),
    case(
        lambda t: load_feature_table(_write(t / "e.csv", "")),
        ValueError,
        r"e\.csv is empty",
        "load_feature_table-empty",
    ),
    case(
        lambda t: load_feature_table(
            _write(t / "n.csv", "s1,1,0.5,0.5\ns2,2,0.1,0.2\n")
        ),
        ValueError,
        r"n\.csv has a number in cell C1 .* lack its title row",
        "load_feature_table-no-title-row",
    ),
    case(
        lambda t: load_feature_table(
            _write(t / "l9.csv", ",label,T (A)\ns1,9,0.5\ns2,1,0.2\n")
        ),
        ValueError,
        r"Labels in column B of l9\.csv must be integers 1\.\.7.* found 9",
        "load_feature_table-label-9",
    ),
    case(
        lambda t: load_feature_table(
            _write(t / "lf.csv", ",label,T (A)\ns1,1.5,0.5\ns2,1,0.2\n")
        ),
        ValueError,
        r"column B of lf\.csv should hold integer labels .*1\.5",
        "load_feature_table-label-1.5",
    ),
    case(
        lambda t: load_feature_table(
            _write(t / "lt.csv", ",label,T (A)\ns1,happy,0.5\ns2,1,0.2\n")
        ),
        ValueError,
        r"column B of lt\.csv .* 'happy'",
        "load_feature_table-label-text",
    ),
    case(
        lambda t: load_feature_table(
            _write(t / "f.csv", ",label,T (A)\ns1,1,abc\ns2,1,0.2\n")
        ),
        ValueError,
        r"Column C \(a_1\) of f\.csv holds a value .* in row 2: 'abc'",
        "load_feature_table-feature-text",
    ),
    case(
        lambda t: load_feature_table(
            _write(t / "r.csv", ",label,T (A)\ns1,1,0.5,3,4\ns2,1,0.2\n")
        ),
        ValueError,
        r"r\.csv is not a well-formed CSV table: Expected 3 fields in line 2, saw 5",
        "load_feature_table-long-row",
    ),
    case(
        lambda t: load_feature_table(_write(t / "h.csv", ",label,T (A)\n")),
        ValueError,
        r"h\.csv has no data rows below its titles",
        "load_feature_table-titles-only",
    ),
    case(
        lambda t: load_feature_table(
            _write(t / "g.csv", ",label,T (A),U (A)\ns1,1,0.5,0.3\n")
        ),
        ValueError,
        r"Two blocks of g\.csv give the same group name 'a'",
        "load_feature_table-duplicate-group",
    ),
    case(
        lambda t: load_feature_table(
            _write(t / "c.csv", ",label,,T (A)\ns1,1,0.5,0.3\n")
        ),
        ValueError,
        r"Column C of c\.csv has no group title",
        "load_feature_table-untitled-first-column",
    ),
    case(
        lambda t: load_feature_table(_table(t / "t.xlsx"), sheet_name="nope"),
        ValueError,
        r"sheet_name='nope': t\.xlsx has no worksheet .* 'features'",
        "load_feature_table-sheet-name",
    ),
    case(
        lambda t: load_feature_table(_table(t / "t.xlsx"), sheet_name=5),
        ValueError,
        r"sheet_name=5 is out of range: t\.xlsx has 1 worksheet",
        "load_feature_table-sheet-5",
    ),
    case(
        lambda t: load_feature_table(_table(t / "t.xlsx"), sheet_name=[0]),
        ValueError,
        r"sheet_name must be .* of t\.xlsx; got \[0\]",
        "load_feature_table-sheet-list",
    ),
    case(
        lambda t: load_feature_table(_table(t / "t.xlsx"), sheet_name=None),
        ValueError,
        r"sheet_name must be .*; got None",
        "load_feature_table-sheet-None",
    ),
    case(
        lambda t: load_feature_table(_table(t / "t.csv"), label_column="emotion"),
        ValueError,
        r"no column of t\.csv has the title 'emotion'",
        "load_feature_table-label_column-title",
    ),
    case(
        lambda t: load_feature_table(_table(t / "t.csv"), label_column=1.5),
        TypeError,
        r"label_column must be None, a column title .*; got 1\.5",
        "load_feature_table-label_column-float",
    ),
    case(
        lambda t: load_feature_table(_table(t / "t.csv"), label_column=99),
        ValueError,
        r"The label column is missing: t\.csv has 12 column",
        "load_feature_table-label_column-99",
    ),
    case(
        lambda t: load_feature_table(_table(t / "t.csv"), dropna="yes"),
        ValueError,
        r"dropna must be True or False; got 'yes'",
        "load_feature_table-dropna",
    ),
    case(
        lambda t: load_feature_table(3),
        TypeError,
        r"\bpath\b",
        "load_feature_table-path-int",
    ),
    case(
        lambda t: load_feature_table(_edit_cell(_table(t / "t.csv"), 2, 3, "1e400")),
        ValueError,
        r"t\.csv.*(row 3|1e400)|(row 3|1e400).*t\.csv",
        "load_feature_table-1e400-read-as-inf",
    ),
    # make_feature_table
    case(
        lambda t: make_feature_table(0),
        ValueError,
        r"n_samples must be an integer >= n_classes \(7\); got 0",
        "make_feature_table-n_samples-0",
    ),
    case(
        lambda t: make_feature_table(10.0),
        ValueError,
        r"n_samples must be an integer .* got 10\.0",
        "make_feature_table-n_samples-float",
    ),
    case(
        lambda t: make_feature_table(True),
        ValueError,
        r"n_samples must be an integer .* got True",
        "make_feature_table-n_samples-bool",
    ),
    case(
        lambda t: make_feature_table(groups=()),
        ValueError,
        r"groups must name at least one group",
        "make_feature_table-groups-empty",
    ),
    case(
        lambda t: make_feature_table(groups={"LPQ": 3}),
        ValueError,
        r"Group names must be lower-case identifiers .* got 'LPQ'",
        "make_feature_table-group-name",
    ),
    case(
        lambda t: make_feature_table(groups={"a": 0}),
        ValueError,
        r"Group 'a' needs a positive number of features; got 0",
        "make_feature_table-group-size-0",
    ),
    case(
        lambda t: make_feature_table(groups={"a": 2.5}),
        ValueError,
        r"Group 'a' needs a positive number of features; got 2\.5",
        "make_feature_table-group-size-float",
    ),
    case(
        lambda t: make_feature_table(groups=[("a", 2), ("a", 3)]),
        ValueError,
        r"Group names must be unique; got \['a', 'a'\]",
        "make_feature_table-groups-duplicate",
    ),
    case(
        lambda t: make_feature_table(groups=["abc"]),
        ValueError,
        r"groups must be a dict or a sequence .* got the item 'abc'",
        "make_feature_table-groups-item",
    ),
    case(
        lambda t: make_feature_table(n_classes=1),
        ValueError,
        r"n_classes must be an integer in 2\.\.7; got 1",
        "make_feature_table-n_classes-1",
    ),
    case(
        lambda t: make_feature_table(n_classes=8),
        ValueError,
        r"n_classes must be an integer in 2\.\.7; got 8",
        "make_feature_table-n_classes-8",
    ),
    case(
        lambda t: make_feature_table(n_classes=3.0),
        ValueError,
        r"n_classes must be an integer .* got 3\.0",
        "make_feature_table-n_classes-float",
    ),
    case(
        lambda t: make_feature_table(n_missing=-1),
        ValueError,
        r"n_missing must be a non-negative integer; got -1",
        "make_feature_table-n_missing",
    ),
    case(
        lambda t: make_feature_table(class_sep=np.nan),
        ValueError,
        r"class_sep must be a finite number; got nan",
        "make_feature_table-class_sep-NaN",
    ),
    case(
        lambda t: make_feature_table(20, class_sep=-1.0),
        ValueError,
        r"'class_sep' parameter",
        "make_feature_table-class_sep-negative",
    ),
    case(
        lambda t: make_feature_table(scale=np.inf),
        ValueError,
        r"scale must be a finite number; got inf",
        "make_feature_table-scale-inf",
    ),
    case(
        lambda t: make_feature_table(scale="1"),
        ValueError,
        r"scale must be a finite number; got '1'",
        "make_feature_table-scale-text",
    ),
    case(
        lambda t: make_feature_table(scale=True),
        ValueError,
        r"scale must be a finite number; got True",
        "make_feature_table-scale-bool",
    ),
    case(
        lambda t: make_feature_table(groups={"a": 1}, n_classes=3),
        ValueError,
        r"1 feature\(s\) cannot separate 3 classes",
        "make_feature_table-too-few-features",
    ),
    case(
        lambda t: make_feature_table(20, path=t / "x.txt"),
        ValueError,
        r"Unsupported file extension '\.txt' for x\.txt",
        "make_feature_table-path-txt",
    ),
    case(
        lambda t: make_feature_table(20, path=t / "nodir" / "x.csv"),
        OSError,
        r"nodir",
        "make_feature_table-path-in-missing-folder",
    ),
    # load_image_folder
    case(
        lambda t: load_image_folder(t / "nothere"),
        FileNotFoundError,
        r"No image folder at .*nothere",
        "load_image_folder-missing",
    ),
    case(
        lambda t: load_image_folder(_write(t / "f.png", b"x")),
        ValueError,
        r"f\.png is not a folder; expected one sub-folder per class",
        "load_image_folder-a-file",
    ),
    case(
        lambda t: load_image_folder(t),
        ValueError,
        r"has no sub-folders: expected one sub-folder of images per class",
        "load_image_folder-no-classes",
    ),
    case(
        lambda t: load_image_folder(_write(t / "d" / "a.png", b"x").parent),
        ValueError,
        r"d has no sub-folders",
        "load_image_folder-files-but-no-classes",
    ),
    case(
        lambda t: load_image_folder(
            (_image_folder(t / "d"), (t / "d" / "empty").mkdir())[0]
        ),
        ValueError,
        r"The class folder .*empty holds no image",
        "load_image_folder-empty-class",
    ),
    case(
        lambda t: load_image_folder(
            (_image_folder(t / "d"), _write(t / "d" / "sad" / "bad.png", b"not a png"))[
                0
            ]
        ),
        ValueError,
        r"Cannot read .*bad\.png as an image",
        "load_image_folder-unreadable-image",
    ),
    case(
        lambda t: load_image_folder(
            (
                _image_folder(t / "d"),
                _write(
                    t / "d" / "sad" / "0.png",
                    (t / "d" / "sad" / "0.png").read_bytes()[:40],
                ),
            )[0]
        ),
        ValueError,
        r"Cannot read .*sad/0\.png as an image",
        "load_image_folder-truncated-png",
    ),
    *(
        case(
            lambda t, size=size: load_image_folder(
                _image_folder(t / "d"), image_size=size
            ),
            ValueError,
            rf"image_size must be None or .*; got {re.escape(repr(size))}",
            f"load_image_folder-image_size={size!r}",
        )
        for size in ((8.0, 8), (0, 8), 8, (8, 8, 3), "64x64", (True, 8))
    ),
    case(
        lambda t: load_image_folder(_image_folder(t / "d"), color="cmyk"),
        ValueError,
        r"color must be 'grey' or 'rgb'; got 'cmyk'",
        "load_image_folder-color",
    ),
    case(
        lambda t: load_image_folder(_image_folder(t / "d"), extensions=[3]),
        ValueError,
        r"extensions must be file extensions .* got 3",
        "load_image_folder-extensions-int",
    ),
    case(
        lambda t: load_image_folder(_image_folder(t / "d"), extensions=[".jpg"]),
        ValueError,
        r"The class folder .*happy holds no image with an extension among \.jpg",
        "load_image_folder-extensions-no-match",
    ),
    case(
        lambda t: load_image_folder(
            (
                _image_folder(t / "d"),
                imsave(
                    t / "d" / "sad" / "big.png",
                    np.zeros((9, 9), np.uint8),
                    check_contrast=False,
                ),
            )[0],
            image_size=None,
        ),
        ValueError,
        r"The images in .*d differ in size .* pass image_size",
        "load_image_folder-sizes-differ",
    ),
    case(
        lambda t: load_image_folder(3),
        TypeError,
        r"\bpath\b",
        "load_image_folder-path-int",
    ),
    # load_lfw_faces without its file
    case(
        lambda t, monkeypatch: (
            monkeypatch.setattr("skimage.data.__file__", str(t / "__init__.py")),
            load_lfw_faces(),
        ),
        FileNotFoundError,
        r"LFW subset is not at .*lfw_subset\.npy",
        "load_lfw_faces-file-missing",
    ),
    # GoogLeNetClassifier(weights=...): a local file
    case(
        lambda t: googlenet(weights=t / "none.pt").fit(IMAGES, LABELS),
        FileNotFoundError,
        r"weights='.*none\.pt': no such file",
        "GoogLeNetClassifier-weights-missing",
    ),
    case(
        lambda t: googlenet(weights=_write(t / "junk.pt", b"junk")).fit(IMAGES, LABELS),
        ValueError,
        r"weights='.*junk\.pt' is not a PyTorch state-dict file",
        "GoogLeNetClassifier-weights-junk",
    ),
    case(
        lambda t: googlenet(
            weights=(torch.save({"a": 1}, t / "d.pt"), t / "d.pt")[1]
        ).fit(IMAGES, LABELS),
        ValueError,
        r"weights='.*d\.pt' holds a dict, not a state dict",
        "GoogLeNetClassifier-weights-not-a-state-dict",
    ),
    case(
        lambda t: googlenet(
            weights=str((torch.save({"a": torch.zeros(2)}, t / "w.pt"), t / "w.pt")[1])
        ).fit(IMAGES, LABELS),
        ValueError,
        r"weights='.*w\.pt' does not fit torchvision's GoogLeNet",
        "GoogLeNetClassifier-weights-other-network",
    ),
    case(
        lambda t: googlenet(weights=t).fit(IMAGES, LABELS),
        IsADirectoryError,
        r"weights='.*' is a folder",
        "GoogLeNetClassifier-weights-a-folder",
    ),
]


@pytest.mark.parametrize(("call", "exc", "match"), LOADERS)
def test_a_bad_file_or_path_is_refused_by_name(
    tmp_path, monkeypatch, no_training, call, exc, match
):
    import inspect

    needed = [
        p
        for p in inspect.signature(call).parameters.values()
        if p.default is inspect.Parameter.empty
    ]
    args = (tmp_path, monkeypatch)[: len(needed)]
    with pytest.raises(exc, match=match):
        call(*args)


# -- displays -----------------------------------------------------------------------

DISPLAYS = [
    case(
        lambda f: TrainingHistoryDisplay({}),
        ValueError,
        r"curves is empty",
        "TrainingHistoryDisplay-no-curve",
    ),
    case(
        lambda f: TrainingHistoryDisplay({"a": [[1, 2]]}),
        ValueError,
        r"curves\['a'\] must be 1-D .* shape \(1, 2\)",
        "TrainingHistoryDisplay-curve-2d",
    ),
    case(
        lambda f: TrainingHistoryDisplay({"a": 1.0}),
        ValueError,
        r"curves\['a'\] must be 1-D .* shape \(\)",
        "TrainingHistoryDisplay-curve-scalar",
    ),
    case(
        lambda f: TrainingHistoryDisplay({"a": ["x", "y"]}),
        ValueError,
        r"curves\['a'\] must be a 1-D array of numbers",
        "TrainingHistoryDisplay-curve-text",
    ),
    case(
        lambda f: TrainingHistoryDisplay({"a": [1, 2]}, spreads={"b": [1, 2]}),
        ValueError,
        r"spreads\['b'\] has no curve",
        "TrainingHistoryDisplay-spread-without-curve",
    ),
    case(
        lambda f: TrainingHistoryDisplay({"a": [1, 2]}, spreads={"a": [1]}),
        ValueError,
        r"spreads\['a'\] has 1 epochs, but curves\['a'\] has 2",
        "TrainingHistoryDisplay-spread-length",
    ),
    case(
        lambda f: TrainingHistoryDisplay({"a": [1, 2]}, spreads={"a": ["x", "y"]}),
        ValueError,
        r"spreads\['a'\] must be a 1-D array of numbers",
        "TrainingHistoryDisplay-spread-text",
    ),
    case(
        lambda f: TrainingHistoryDisplay([1, 2, 3]),
        (TypeError, ValueError),
        r"\bcurves\b",
        "TrainingHistoryDisplay-curves-a-list",
    ),
    case(
        lambda f: TrainingHistoryDisplay.from_histories(
            {"a": [[1, 2], [1]]}, metric="m"
        ),
        ValueError,
        r"histories\['a'\] is ragged \(its repeats have \[2, 1\] epochs\)",
        "TrainingHistoryDisplay-ragged-histories",
    ),
    case(
        lambda f: TrainingHistoryDisplay.from_histories({"a": [1, 2]}, metric="m"),
        ValueError,
        r"histories\['a'\] must be a non-empty 2-D array .* \(2,\)",
        "TrainingHistoryDisplay-histories-1d",
    ),
    case(
        lambda f: TrainingHistoryDisplay.from_histories({"a": [[]]}, metric="m"),
        ValueError,
        r"histories\['a'\] must be a non-empty 2-D array .* \(1, 0\)",
        "TrainingHistoryDisplay-histories-empty",
    ),
    case(
        lambda f: TrainingHistoryDisplay.from_estimator(mlp()),
        NotFittedError,
        r"This MLPClassifier instance is not fitted",
        "TrainingHistoryDisplay-unfitted",
    ),
    case(
        lambda f: TrainingHistoryDisplay.from_estimator(f.pool),
        ValueError,
        r"PoolInterpolate has no history_ attribute",
        "TrainingHistoryDisplay-no-history",
    ),
    case(
        lambda f: TrainingHistoryDisplay.from_estimator(f.mlp, keys=["nope"]),
        ValueError,
        r"None of the keys \['nope'\] .* MLPClassifier\.history_",
        "TrainingHistoryDisplay-unknown-key",
    ),
    case(
        lambda f: PruningCurveDisplay([3, 2, 1], [0.1, 0.2]).plot(),
        ValueError,
        r"\blosses\b|\bunits_left\b",
        "PruningCurveDisplay-lengths-differ",
    ),
    case(
        lambda f: PruningCurveDisplay([3, 2], [1, 2], pca_losses=[1]).plot(),
        ValueError,
        r"\bpca_losses\b",
        "PruningCurveDisplay-pca-length",
    ),
    case(
        lambda f: PruningCurveDisplay([3, 2], ["a", "b"]),
        ValueError,
        r"\blosses\b",
        "PruningCurveDisplay-losses-text",
    ),
    case(
        lambda f: PruningCurveDisplay(["a", "b"], [1.0, 2.0]).plot(),
        ValueError,
        r"\bunits_left\b",
        "PruningCurveDisplay-units-text",
    ),
    case(
        lambda f: PruningCurveDisplay([3, 2], [1.0, 2.0], threshold="a").plot(),
        ValueError,
        r"\bthreshold\b",
        "PruningCurveDisplay-threshold-text",
    ),
    case(
        lambda f: PruningCurveDisplay.from_estimator(autoencoder()),
        NotFittedError,
        r"This PruningAutoencoder instance is not fitted",
        "PruningCurveDisplay-unfitted",
    ),
    case(
        lambda f: PruningCurveDisplay.from_estimator(f.ae, X[:, :3]),
        ValueError,
        r"X has 3 features, but PruningAutoencoder is expecting 4",
        "PruningCurveDisplay-X-3-features",
    ),
    case(
        lambda f: PruningCurveDisplay.from_estimator(f.mlp),
        (TypeError, ValueError),
        r"PruningAutoencoder",
        "PruningCurveDisplay-from-an-MLPClassifier",
    ),
    case(
        lambda f: ImageComparisonDisplay({}),
        ValueError,
        r"rows is empty",
        "ImageComparisonDisplay-no-row",
    ),
    case(
        lambda f: ImageComparisonDisplay({"a": np.zeros((4, 4))}),
        ValueError,
        r"rows\['a'\] must be a 3-D array .* shape \(4, 4\)",
        "ImageComparisonDisplay-row-2d",
    ),
    case(
        lambda f: ImageComparisonDisplay({"a": np.zeros((2, 4, 4, 3))}),
        ValueError,
        r"rows\['a'\] must be a 3-D array .* \(2, 4, 4, 3\)",
        "ImageComparisonDisplay-row-4d",
    ),
    case(
        lambda f: ImageComparisonDisplay(
            {"a": np.zeros((2, 4, 4)), "b": np.zeros((3, 4, 4))}
        ),
        ValueError,
        r"rows\['b'\] has 3 images, but rows\['a'\] has 2",
        "ImageComparisonDisplay-row-lengths",
    ),
    case(
        lambda f: ImageComparisonDisplay({"a": np.zeros((0, 4, 4))}),
        ValueError,
        r"The rows hold no image",
        "ImageComparisonDisplay-no-image",
    ),
    case(
        lambda f: ImageComparisonDisplay({"a": np.zeros((2, 4, 4))}).plot(
            axes=[1, 2, 3]
        ),
        ValueError,
        r"axes must hold 1 x 2 Axes .* shape \(3,\)",
        "ImageComparisonDisplay-axes",
    ),
    case(
        lambda f: ImageComparisonDisplay({"a": np.full((2, 4, 4), "x")}).plot(),
        ValueError,
        r"rows\['a'\]",
        "ImageComparisonDisplay-text-images",
    ),
    case(
        lambda f: ImageComparisonDisplay([np.zeros((2, 4, 4))]),
        (TypeError, ValueError),
        r"\brows\b",
        "ImageComparisonDisplay-rows-a-list",
    ),
    case(
        lambda f: ImageComparisonDisplay.from_transformer(PoolInterpolate(), IMAGES),
        NotFittedError,
        r"This PoolInterpolate instance is not fitted",
        "ImageComparisonDisplay-unfitted",
    ),
    case(
        lambda f: ImageComparisonDisplay.from_transformer(f.pool, IMAGES, n_images=0),
        ValueError,
        r"n_images must be an int >= 1; got 0",
        "ImageComparisonDisplay-n_images-0",
    ),
    case(
        lambda f: ImageComparisonDisplay.from_transformer(f.pool, IMAGES, n_images=2.5),
        ValueError,
        r"n_images must be an int >= 1; got 2\.5",
        "ImageComparisonDisplay-n_images-float",
    ),
    case(
        lambda f: ImageComparisonDisplay.from_transformer(
            f.pool, IMAGES, n_images=True
        ),
        ValueError,
        r"n_images must be an int >= 1; got True",
        "ImageComparisonDisplay-n_images-bool",
    ),
    case(
        lambda f: ImageComparisonDisplay.from_transformer(f.pool, np.zeros((2, 7, 7))),
        ValueError,
        r"X holds images of shape \(7, 7\)",
        "ImageComparisonDisplay-images-7x7",
    ),
    case(
        lambda f: ImageComparisonDisplay.from_transformer(f.pool_last, RGB),
        ValueError,
        r"single-channel images, but X holds 3 channels \(shape \(5, 8, 8, 3\)\)",
        "ImageComparisonDisplay-colour-images",
    ),
    case(
        lambda f: SearchResultsDisplay([[1, 2]], {"a": [1, 2]}),
        ValueError,
        r"x must be 1-D; got an array of shape \(1, 2\)",
        "SearchResultsDisplay-x-2d",
    ),
    case(
        lambda f: SearchResultsDisplay(["a", "b"], {"a": [1, 2]}),
        ValueError,
        r"x must be a 1-D array of numbers",
        "SearchResultsDisplay-x-text",
    ),
    case(
        lambda f: SearchResultsDisplay([1, 2], {"a": [1]}),
        ValueError,
        r"curves\['a'\] has 1 values, but x has 2",
        "SearchResultsDisplay-curve-length",
    ),
    case(
        lambda f: SearchResultsDisplay([1, 2], {"a": ["x", "y"]}),
        ValueError,
        r"curves\['a'\] must be a 1-D array of numbers",
        "SearchResultsDisplay-curve-text",
    ),
    case(
        lambda f: SearchResultsDisplay([1, 2], {}),
        ValueError,
        r"curves is empty",
        "SearchResultsDisplay-no-curve",
    ),
    case(
        lambda f: SearchResultsDisplay([1, 2], {"a": [1, 2]}, spreads={"b": [1, 2]}),
        ValueError,
        r"spreads\['b'\] has no curve",
        "SearchResultsDisplay-spread-without-curve",
    ),
    case(
        lambda f: SearchResultsDisplay([1, 2], {"a": [1, 2]}, spreads={"a": [1]}),
        ValueError,
        r"spreads\['a'\] has 1 values, but x has 2",
        "SearchResultsDisplay-spread-length",
    ),
    case(
        lambda f: SearchResultsDisplay(
            [1, 2], {"a": [1, 2]}, references={"chance": "x"}
        ),
        ValueError,
        r"references\['chance'\]|\breferences\b",
        "SearchResultsDisplay-reference-text",
    ),
    case(
        lambda f: SearchResultsDisplay([1, 2], {"a": [1, 2]}, references=[0.1]),
        (TypeError, ValueError),
        r"\breferences\b",
        "SearchResultsDisplay-references-a-list",
    ),
    case(
        lambda f: SearchResultsDisplay.from_search(
            GridSearchCV(KNeighborsClassifier(), {"n_neighbors": [1]}),
            param="n_neighbors",
        ),
        NotFittedError,
        r"This GridSearchCV instance is not fitted",
        "SearchResultsDisplay-unfitted-search",
    ),
    case(
        lambda f: SearchResultsDisplay.from_search(f.search, param="nope"),
        ValueError,
        r"param='nope' is not a parameter .* \['n_neighbors', 'weights'\]",
        "SearchResultsDisplay-unknown-param",
    ),
    case(
        lambda f: SearchResultsDisplay.from_search(
            f.search, param="n_neighbors", group="nope"
        ),
        ValueError,
        r"group='nope' is not a parameter of the search",
        "SearchResultsDisplay-unknown-group",
    ),
    case(
        lambda f: SearchResultsDisplay.from_search(
            f.search, param="n_neighbors", group="n_neighbors"
        ),
        ValueError,
        r"group and param are both 'n_neighbors'",
        "SearchResultsDisplay-group-is-param",
    ),
    case(
        lambda f: SearchResultsDisplay.from_search(f.search, param="weights"),
        ValueError,
        r"param='weights' must take numeric values .* 'uniform'",
        "SearchResultsDisplay-param-not-numeric",
    ),
    case(
        lambda f: SearchResultsDisplay.from_search(
            f.search, param="n_neighbors", metric="f1"
        ),
        ValueError,
        r"metric='f1' is not a scorer of the search; its scorers are \['score'\]",
        "SearchResultsDisplay-unknown-metric",
    ),
    case(
        lambda f: SearchResultsDisplay.from_search(f.search_multi, param="n_neighbors"),
        ValueError,
        r"The search has several scorers, \['accuracy', 'f1_macro'\]: pass metric=",
        "SearchResultsDisplay-several-scorers",
    ),
]


@pytest.fixture(scope="module")
def for_displays(fitted):
    search = GridSearchCV(
        KNeighborsClassifier(),
        {"n_neighbors": [1, 5], "weights": ["uniform", "distance"]},
        cv=2,
    ).fit(X, Y)
    multi = GridSearchCV(
        KNeighborsClassifier(),
        {"n_neighbors": [1, 5]},
        scoring=["accuracy", "f1_macro"],
        refit=False,
        cv=2,
    ).fit(X, Y)
    return _Fitted({**fitted._models, "search": search, "search_multi": multi})


@pytest.mark.parametrize(("call", "exc", "match"), DISPLAYS)
def test_a_display_refuses_bad_arrays_by_name(for_displays, call, exc, match):
    with pytest.raises(exc, match=match):
        call(for_displays)


# -- the command line ---------------------------------------------------------------


def _tree(root):
    """Every path under ``root`` with its bytes (None for folders) and mode."""
    return {
        str(p.relative_to(root)): (
            None if p.is_dir() else p.read_bytes(),
            stat.S_IMODE(p.stat().st_mode),
        )
        for p in sorted(root.rglob("*"))
    }


def _rare_table(t):
    """A feature table where class 3 ("Fear") has only 2 samples."""
    path = _table(t / "rare.csv", n=60)
    frame = pd.read_csv(path, header=None, dtype=object)
    labels = frame.iloc[1:, 1].astype(int)
    frame.drop(index=labels[labels == 3].index[2:]).to_csv(
        path, header=False, index=False
    )
    return path


def _study_folder_with(t, name, text):
    """An --out folder skneuro made, where ``name`` was changed since."""
    out = t / "out"
    out.mkdir()
    manifest = {"format": 1, "written_by": "skneuro study", "files": {name: ["0" * 64]}}
    import json

    (out / MANIFEST).write_text(json.dumps(manifest))
    (out / name).write_text(text)
    return out


PI = ["study", "pool-interpolate", "--no-progress"]


def cli(argv, match, id, marks=()):
    """A command that must be refused: ``argv(tmp_path)`` gives its arguments."""
    return pytest.param(argv, match, id=id, marks=marks)


COMMAND_LINE = [
    # options
    cli(lambda t: [], r"command", "no-command"),
    cli(
        lambda t: ["study", "foo", "--out", "out"],
        r"'foo'",
        "unknown-study",
    ),
    cli(
        lambda t: [*PI, "--bogus", "--out", "out"],
        r"--bogus",
        "unknown-option",
    ),
    cli(
        lambda t: [*PI, "--epochs", "abc", "--out", "out"],
        r"--epochs.*'abc'",
        "epochs-not-a-number",
    ),
    cli(
        lambda t: [*PI, "--epochs", "2.5", "--out", "out"],
        r"--epochs.*'2\.5'",
        "epochs-not-an-int",
    ),
    cli(
        lambda t: [*PI, "--cases", "4x4/1", "--out", "out"],
        r"--cases.*'4x4/1'",
        "cases-unknown",
    ),
    cli(
        lambda t: [*PI, "--n-jobs", "x", "--out", "out"],
        r"--n-jobs.*'x'",
        "n-jobs-not-a-number",
    ),
    cli(
        lambda t: [*PI, "--epochs", "0", "--out", "out"],
        r"--epochs must be at least 1; got 0",
        "epochs-0",
    ),
    cli(
        lambda t: [*PI, "--repeats", "-1", "--out", "out"],
        r"--repeats must be at least 1; got -1",
        "repeats-negative",
    ),
    cli(
        lambda t: [*PI, "--seed", "-1", "--out", "out"],
        r"--seed must be at least 0; got -1",
        "seed-negative",
    ),
    cli(
        lambda t: [*PI, "--seed", str(2**32), "--out", "out"],
        r"--seed 4294967296 with 10 repeat\(s\) goes beyond the largest seed",
        "seed-too-large",
    ),
    cli(
        lambda t: [*PI, "--seed", str(2**32 - 1), "--repeats", "2", "--out", "out"],
        r"--seed 4294967295 with 2 repeat\(s\)",
        "seed-plus-repeats-too-large",
    ),
    cli(
        lambda t: [*PI, "--cases", "baseline", "baseline", "--out", "out"],
        r"--cases names baseline more than once",
        "cases-repeated",
    ),
    cli(
        lambda t: [*PI, "--n-jobs", "0", "--out", "out"],
        r"--n-jobs 0: give a positive count",
        "n-jobs-0",
    ),
    cli(
        lambda t: [*PI, "--n-jobs", "-5", "--out", "out"],
        r"--n-jobs -5",
        "n-jobs-negative",
    ),
    *(
        cli(
            lambda t, device=device: [*PI, "--device", device, "--out", "out"],
            re.escape(f"device={device!r}"),
            f"device={device!r}",
        )
        for device in ("meta", "xpu", "cuda:7", "cpu:1", "")
    ),
    cli(
        lambda t: [*PI, "--scheduler", "not an address", "--out", "out"],
        r"--scheduler",
        "scheduler-not-an-address",
    ),
    cli(
        lambda t: [
            "study",
            "feature-groups",
            "--no-progress",
            "--epochs",
            "0",
            "--out",
            "out",
        ],
        r"--epochs must be at least 1",
        "feature-groups-epochs-0",
    ),
    cli(
        lambda t: [
            "study",
            "compression",
            "--no-progress",
            "--seed",
            "-3",
            "--out",
            "out",
        ],
        r"--seed must be at least 0; got -3",
        "compression-seed-negative",
    ),
    cli(
        lambda t: [
            "study",
            "images",
            "--no-progress",
            "--repeats",
            "0",
            "--out",
            "out",
        ],
        r"--repeats must be at least 1; got 0",
        "images-repeats-0",
    ),
    cli(
        lambda t: [
            "study",
            "all",
            "--no-progress",
            "--quick",
            "--epochs",
            "0",
            "--out",
            "out",
        ],
        r"--epochs must be at least 1",
        "all-epochs-0",
    ),
    # --out
    cli(
        lambda t: [*PI, "--out", str(_write(t / "results.txt", "mine"))],
        r"--out .*results\.txt is a file",
        "out-a-file",
    ),
    cli(
        lambda t: [*PI, "--out", str(_write(t / "results.txt", "mine") / "sub")],
        r"--out .*results\.txt/sub lies below the file .*results\.txt",
        "out-below-a-file",
    ),
    cli(
        lambda t: [*PI, "--out", str(_write(t / "mine" / "notes.md", "mine").parent)],
        r"--out .*mine holds files that skneuro did not write \(notes\.md\)",
        "out-holds-a-users-file",
    ),
    cli(
        lambda t: [
            *PI,
            "--out",
            str(_write(t / "mine" / "compression.csv", "run,loss\n").parent),
        ],
        r"holds files that skneuro did not write \(compression\.csv\)",
        "out-holds-a-foreign-results-csv",
    ),
    cli(
        lambda t: [*PI, "--out", str(_write(t / "out" / MANIFEST, "{not json").parent)],
        r"its skneuro-study\.json is not a manifest skneuro can read",
        "out-unreadable-manifest",
    ),
    cli(
        lambda t: [
            *PI,
            "--out",
            str(_write(t / "out" / MANIFEST, '{"format": 99, "files": {}}').parent),
        ],
        r"study folders have format 99",
        "out-manifest-of-another-format",
    ),
    cli(
        lambda t: [*PI, "--out", str(_study_folder_with(t, "report.md", "edited"))],
        r"report\.md was changed or replaced since skneuro wrote it",
        "out-a-results-file-changed",
    ),
    cli(
        lambda t: (_write(t / "notes.md", "mine"), [*PI, "--out", ""])[1],
        r"--out \. holds files that skneuro did not write \(notes\.md\)",
        "out-empty-is-the-current-folder",
    ),
    # --data
    cli(
        lambda t: [*PI, "--data", str(t / "nope"), "--out", "out"],
        r"--data .*nope: no such file or folder",
        "data-missing",
    ),
    cli(
        lambda t: [*PI, "--data", "nope", "--out", "out"],
        r"--data nope: no such file or folder",
        "data-missing-relative",
    ),
    cli(
        lambda t: [*PI, "--data", str(_write(t / "x.txt", "x")), "--out", "out"],
        r"--data .*x\.txt: a file must be a feature table",
        "data-text-file",
    ),
    cli(
        lambda t: [
            *PI,
            "--data",
            str((t / "empty").mkdir() or t / "empty"),
            "--out",
            "out",
        ],
        r"--data .*empty: the folder is empty",
        "data-empty-folder",
    ),
    cli(
        lambda t: [
            *PI,
            "--data",
            str(_write(t / "d" / "a.png", b"x").parent),
            "--out",
            "out",
        ],
        r"--data .*d: neither MNIST files .* nor one sub-folder",
        "data-folder-of-files",
    ),
    cli(
        lambda t: [*PI, "--data", str(_table(t / "t.csv")), "--out", "out"],
        r"--data .*t\.csv is a feature table; the pool-interpolate study takes",
        "data-table-for-pool-interpolate",
    ),
    cli(
        lambda t: [
            "study",
            "images",
            "--no-progress",
            "--data",
            str(_table(t / "t.xlsx")),
            "--out",
            "out",
        ],
        r"--data .*t\.xlsx is a feature table; the images study takes",
        "data-table-for-images",
    ),
    cli(
        lambda t: [
            "study",
            "feature-groups",
            "--no-progress",
            "--data",
            str(_npz(t / "m.npz", x_train=np.zeros((2, 4, 4)), y_train=np.arange(2))),
            "--out",
            "out",
        ],
        r"--data .*m\.npz is MNIST-format data; the feature-groups study takes",
        "data-npz-for-feature-groups",
    ),
    cli(
        lambda t: [
            "study",
            "compression",
            "--no-progress",
            "--data",
            str(_image_folder(t / "faces")),
            "--out",
            "out",
        ],
        # An image folder is taken (Hao's features of its images), but four
        # images cannot give five principal components.
        r"--data .*faces: 4 images; Hao's features need more than 5",
        "data-too-few-images-for-compression",
    ),
    cli(
        lambda t: [
            "study",
            "feature-groups",
            "--no-progress",
            "--data",
            str(_write(t / "t.xlsx", b"junk")),
            "--out",
            "out",
        ],
        r"t\.xlsx is not a valid \.xlsx workbook",
        "data-junk-xlsx",
    ),
    cli(
        lambda t: [
            "study",
            "compression",
            "--no-progress",
            "--data",
            str(_write(t / "t.csv", b"\x00\x01")),
            "--out",
            "out",
        ],
        r"t\.csv is not UTF-8 text: it holds binary data",
        "data-binary-csv",
    ),
    cli(
        lambda t: [
            "study",
            "feature-groups",
            "--no-progress",
            "--data",
            str(_write(t / "t.csv", "s1,1,0.5\ns2,2,0.1\n")),
            "--out",
            "out",
        ],
        r"t\.csv has a number in cell C1",
        "data-table-without-titles",
    ),
    cli(
        lambda t: [
            "study",
            "feature-groups",
            "--no-progress",
            "--data",
            str(_rare_table(t)),
            "--out",
            "out",
        ],
        r"class 'Fear' \(label 3\) has 2 samples in --data .*rare\.csv",
        "data-class-rarer-than-folds",
    ),
    cli(
        lambda t: [
            "study",
            "images",
            "--no-progress",
            "--data",
            str(_write(t / "m.npz", b"PK\x03\x04junk")),
            "--out",
            "out",
        ],
        r"m\.npz is not an \.npz file numpy can read",
        "data-junk-npz",
    ),
    cli(
        lambda t: [
            *PI,
            "--data",
            str(
                _mnist(
                    t / "m", images=b"\x01\x02\x03\x04" + _IDX_IMAGES[4:], prefix="t10k"
                )
            ),
            "--out",
            "out",
        ],
        r"t10k-images-idx3-ubyte is not an IDX file: bad magic number",
        "data-idx-bad-magic",
    ),
    cli(
        lambda t: [
            "study",
            "images",
            "--no-progress",
            "--data",
            str(_mnist(t / "m", labels=_IDX_LABELS[:-2], prefix="t10k")),
            "--out",
            "out",
        ],
        r"t10k-labels-idx1-ubyte holds 9 bytes, .* truncated",
        "data-idx-truncated",
    ),
    cli(
        lambda t: [
            *PI,
            "--data",
            str(
                _mnist(
                    t / "m",
                    labels=_idx(np.array([0.5, 1, 2], ">f4"), code=0x0D),
                    prefix="t10k",
                )
            ),
            "--out",
            "out",
        ],
        r"t10k-labels-idx1-ubyte should hold integer labels .* 0\.5",
        "data-idx-float-labels",
    ),
    cli(
        lambda t: [
            "study",
            "images",
            "--no-progress",
            "--data",
            str(_image_folder(t / "faces", classes=("happy",))),
            "--out",
            "out",
        ],
        r"--data .*faces: needs at least two classes",
        "data-image-folder-one-class",
    ),
    cli(
        lambda t: [*PI, "--data", str(_image_folder(t / "faces", n=1)), "--out", "out"],
        r"class 'happy' \(label 0\) has 1 sample in --data .*faces",
        "data-image-folder-one-image-per-class",
    ),
    cli(
        lambda t: [
            *PI,
            "--data",
            str(
                (
                    _image_folder(t / "faces"),
                    _write(t / "faces" / "sad" / "bad.png", b"junk"),
                )[0]
            ),
            "--out",
            "out",
        ],
        r"--data .*faces: Cannot read .*bad\.png as an image",
        "data-image-folder-unreadable-image",
    ),
    cli(
        lambda t: [
            "study",
            "feature-groups",
            "--no-progress",
            "--epochs",
            "1",
            "--data",
            str(_edit_cell(_table(t / "t.csv", n=60), 2, 3, "1e400")),
            "--out",
            "out",
        ],
        r"t\.csv",
        "data-table-with-1e400",
    ),
    cli(
        lambda t: (
            _image_folder(t / "faces", n=10),
            os.chdir(t / "faces"),
            ["study", "images", "--no-progress", "--data", "", "--out", str(t / "out")],
        )[2],
        r"--data .*empty",
        "data-empty-is-the-current-folder",
    ),
]


@pytest.mark.parametrize(("argv", "match"), COMMAND_LINE)
def test_the_command_line_refuses_in_one_line_and_changes_nothing(
    tmp_path, monkeypatch, capsys, no_training, argv, match
):
    monkeypatch.chdir(tmp_path)
    args = argv(tmp_path)
    before = _tree(tmp_path)
    capsys.readouterr()
    status = main(args)
    err = capsys.readouterr().err
    lines = err.splitlines()
    assert status == 2, err
    assert len(lines) == 1 and lines[0].startswith("skneuro: error: "), err
    assert re.search(match, lines[0]), lines[0]
    assert _tree(tmp_path) == before


def _small_mnist(folder):
    """MNIST test files alone (as --data accepts them): 20 4x4 images, 2 classes."""
    return _mnist(
        folder,
        images=_idx(np.zeros((20, 4, 4), np.uint8)),
        labels=_idx(np.arange(20, dtype=np.uint8) % 2),
        prefix="t10k",
    )


COMMAND_LINE_RUNS = [
    pytest.param(
        lambda t: ["study", "pool-interpolate", "--data", str(_small_mnist(t / "m"))],
        id="pool-interpolate-absolute-mnist",
    ),
    pytest.param(
        lambda t: ["study", "feature-groups", "--data", str(_table(t / "t.csv", n=60))],
        id="feature-groups-absolute-table",
    ),
    pytest.param(
        lambda t: ["study", "images", "--data", str(_image_folder(t / "faces", n=10))],
        id="images-absolute-data",
    ),
    pytest.param(
        lambda t: (
            _image_folder(t / "faces", n=10),
            ["study", "images", "--data", "faces"],
        )[1],
        id="images-relative-data",
    ),
    pytest.param(
        lambda t: (
            _small_mnist(t / "m"),
            ["study", "pool-interpolate", "--data", "m"],
        )[1],
        id="pool-interpolate-relative-mnist",
    ),
    pytest.param(
        lambda t: (
            _table(t / "t.csv", n=60),
            ["study", "feature-groups", "--data", "t.csv"],
        )[1],
        id="feature-groups-relative-table",
    ),
    pytest.param(
        lambda t: (
            _write(t / "out" / ".DS_Store", "x"),
            ["study", "images", "--data", str(_image_folder(t / "faces", n=10))],
        )[1],
        id="out-holding-only-DS_Store",
    ),
]


@pytest.mark.parametrize("argv", COMMAND_LINE_RUNS)
def test_the_command_line_accepts_good_data_and_gets_to_training(
    tmp_path, monkeypatch, capsys, no_training, argv
):
    """``no_training`` stops the first fit: the command got past every check."""
    monkeypatch.chdir(tmp_path)
    args = [*argv(tmp_path), "--out", "out", "--epochs", "1", "--no-progress"]
    try:
        status = main(args)
    except AssertionError as exc:
        assert "training started" in str(exc)
        return
    pytest.fail(f"stopped before training, status {status}: {capsys.readouterr().err}")


# -- what must keep working -----------------------------------------------------------

KEEPS_WORKING = []


def keeps_working(id, marks=()):
    """Register ``check(tmp_path, fitted)`` as a case of ``KEEPS_WORKING``."""

    def register(check):
        KEEPS_WORKING.append(pytest.param(check, id=id, marks=marks))
        return check

    return register


@keeps_working("MLPClassifier-float64")
def _(t, f):
    proba = f.mlp.predict_proba(X)
    assert proba.shape == (150, 3) and proba.dtype == np.float64
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    assert set(f.mlp.predict(X)) <= {0, 1, 2}
    assert np.isfinite(f.mlp.predict_log_proba(X)).all()


@keeps_working("MLPClassifier-float32-int-big-endian-alike")
def _(t, f):
    # The values cast to float32 are the same: so are the fit and predictions.
    expected = mlp().fit(X.astype(np.float32), Y).predict_proba(X)
    for data in (X.astype(">f8"), X.astype(">f4")):
        np.testing.assert_array_equal(mlp().fit(data, Y).predict_proba(data), expected)
    integers = np.round(X * 10).astype(np.int64)
    assert mlp().fit(integers, Y).predict(integers).shape == (150,)


@keeps_working("MLPClassifier-pandas-keeps-feature-names")
def _(t, f):
    model = f.mlp_frame
    np.testing.assert_array_equal(model.feature_names_in_, FRAME.columns)
    np.testing.assert_array_equal(model.predict_proba(FRAME), f.mlp.predict_proba(X))


@keeps_working("MLPClassifier-string-labels")
def _(t, f):
    names = np.array(["setosa", "versicolor", "virginica"])
    model = mlp().fit(X, names[Y])
    np.testing.assert_array_equal(model.classes_, names)
    np.testing.assert_array_equal(model.predict(X), names[f.mlp.predict(X)])


@keeps_working("MLPClassifier-non-contiguous-integer-labels")
def _(t, f):
    labels = np.array([3, 10, 42])
    model = mlp().fit(X, labels[Y])
    np.testing.assert_array_equal(model.classes_, labels)
    np.testing.assert_array_equal(model.predict(X), labels[f.mlp.predict(X)])


@keeps_working("MLPClassifier-negative-bool-and-pandas-labels")
def _(t, f):
    np.testing.assert_array_equal(mlp().fit(X, Y - 5).predict(X), f.mlp.predict(X) - 5)
    assert mlp().fit(X, Y == 0).predict(X).dtype == bool
    series = pd.Series(np.array(["a", "b", "c"])[Y], dtype="category")
    assert set(mlp().fit(FRAME, series).predict(FRAME)) <= {"a", "b", "c"}


@keeps_working("MLPClassifier-lists")
def _(t, f):
    model = mlp().fit(X.tolist(), Y.tolist())
    np.testing.assert_array_equal(model.predict(X[:5].tolist()), f.mlp.predict(X[:5]))


@keeps_working("MLPClassifier-read-only-and-non-contiguous")
def _(t, f):
    frozen = X.copy()
    frozen.flags.writeable = False
    np.testing.assert_array_equal(
        mlp().fit(frozen, Y).predict(frozen), f.mlp.predict(X)
    )
    strided = np.asfortranarray(np.repeat(X, 2, axis=1))[:, ::2]
    np.testing.assert_array_equal(
        mlp().fit(strided, Y).predict(strided), f.mlp.predict(X)
    )


@keeps_working("MLPClassifier-weights")
def _(t, f):
    # Integer weights are repetitions; a scalar weighs all alike.
    assert mlp().fit(X, Y, sample_weight=np.arange(150) % 3).n_epochs_ == 2
    np.testing.assert_allclose(
        mlp().fit(X, Y, sample_weight=2.0).predict_proba(X),
        f.mlp.predict_proba(X),
        rtol=1e-5,
    )
    assert mlp(class_weight="balanced").fit(X, Y).n_epochs_ == 2
    names = np.array(["a", "b", "c"])[Y]
    assert mlp(class_weight={"a": 2.0, "c": 0.5}).fit(X, names).n_epochs_ == 2


@keeps_working("MLPClassifier-device-cpu-0-and-hidden-units-spellings")
def _(t, f):
    assert mlp(device="cpu:0").fit(X, Y).device_ == "cpu"
    for units, widths in (
        (np.int64(3), [3]),
        ((3, 2), [3, 2]),
        (np.array([3, 2]), [3, 2]),
    ):
        model = mlp(hidden_units=units).fit(X, Y)
        linear = [
            m for m in model.net_.module_.modules() if isinstance(m, torch.nn.Linear)
        ]
        assert [m.out_features for m in linear[:-1]] == widths


@keeps_working("MLPClassifier-partial_fit-with-classes")
def _(t, f):
    model = mlp()
    model.partial_fit(X[Y < 2], Y[Y < 2], classes=[0, 1, 2])
    model.partial_fit(X, Y)
    np.testing.assert_array_equal(model.classes_, [0, 1, 2])
    assert model.n_iter_ == 2 and model.predict_proba(X).shape == (150, 3)


@keeps_working("MLPClassifier-in-a-pipeline-cross-validated")
def _(t, f):
    scores = cross_val_score(
        make_pipeline(StandardScaler(), mlp()), _iris.data, Y, cv=3
    )
    assert scores.shape == (3,) and ((0 <= scores) & (scores <= 1)).all()


@keeps_working("MLPClassifier-with-DistinctivenessPruning")
def _(t, f):
    model = mlp(hidden_units=8, callbacks=[DistinctivenessPruning(every=1)]).fit(X, Y)
    pruner = dict(model.net_.callbacks_)["DistinctivenessPruning"]
    assert isinstance(pruner.pruning_history_, list)
    width = model.net_.module_.layers[0].out_features
    assert 1 <= width <= 8 and model.predict(X).shape == (150,)


@keeps_working("PruningAutoencoder-pandas-in-and-out")
def _(t, f):
    model = autoencoder().set_output(transform="pandas").fit(FRAME)
    np.testing.assert_array_equal(model.feature_names_in_, FRAME.columns)
    codes = model.transform(FRAME)
    assert isinstance(codes, pd.DataFrame)
    assert list(codes.columns) == [
        f"pruningautoencoder{i}" for i in range(model.n_hidden_units_)
    ]


@keeps_working("PruningAutoencoder-float32-codes-and-round-trip")
def _(t, f):
    codes = f.ae.transform(X)
    assert codes.dtype == np.float32 and codes.shape == (150, f.ae.n_hidden_units_)
    assert f.ae.inverse_transform(codes).shape == (150, 4)
    assert f.ae.score(X) <= 0
    frozen = X.copy()
    frozen.flags.writeable = False
    np.testing.assert_array_equal(f.ae.transform(frozen), codes)


@keeps_working("SmallCNN-n-h-w")
def _(t, f):
    model = f.cnn
    assert (model.image_shape_, model.n_channels_, model.data_format_) == (
        (8, 8),
        1,
        None,
    )
    assert set(model.predict(IMAGES)) <= set(LABELS)


@keeps_working("SmallCNN-n-c-h-w")
def _(t, f):
    model = cnn().fit(IMAGES[:, None], LABELS)
    assert (model.data_format_, model.n_channels_) == ("channels_first", 1)
    # The same images, the same network: (n, 1, h, w) is (n, h, w).
    np.testing.assert_array_equal(
        model.predict_proba(IMAGES[:, None]), f.cnn.predict_proba(IMAGES)
    )


@keeps_working("SmallCNN-channels-last-is-channels-first")
def _(t, f):
    last, first = f.cnn_last, f.cnn_first
    assert (last.data_format_, last.n_channels_, last.image_shape_) == (
        "channels_last",
        3,
        (8, 8),
    )
    assert first.data_format_ == "channels_first"
    np.testing.assert_array_equal(
        last.predict_proba(RGB), first.predict_proba(np.moveaxis(RGB, -1, 1))
    )


@keeps_working("SmallCNN-flat-with-image_shape")
def _(t, f):
    flat = IMAGES.reshape(40, -1)
    assert cnn(image_shape=(4, 16)).fit(flat, LABELS).image_shape_ == (4, 16)
    assert cnn(image_shape=[-1, 16]).fit(flat, LABELS).image_shape_ == (4, 16)
    np.testing.assert_array_equal(
        f.cnn_flat.predict_proba(flat), f.cnn.predict_proba(IMAGES)
    )


@keeps_working("SmallCNN-uint8-lists-read-only")
def _(t, f):
    as_bytes = np.round(IMAGES * 255).astype(np.uint8)
    assert cnn().fit(as_bytes, LABELS).predict(as_bytes).shape == (40,)
    from_lists = cnn().fit(IMAGES.tolist(), LABELS.tolist())
    np.testing.assert_array_equal(
        from_lists.predict_proba(IMAGES[:5].tolist()), f.cnn.predict_proba(IMAGES[:5])
    )
    frozen = IMAGES.copy()
    frozen.flags.writeable = False
    np.testing.assert_array_equal(
        cnn().fit(frozen, LABELS).predict_proba(frozen), f.cnn.predict_proba(IMAGES)
    )


@keeps_working("SmallCNN-string-labels")
def _(t, f):
    names = np.array(list("abcdefghij"))
    model = cnn().fit(IMAGES, names[LABELS])
    np.testing.assert_array_equal(model.classes_, names)
    np.testing.assert_array_equal(model.predict(IMAGES), names[f.cnn.predict(IMAGES)])


@keeps_working("SmallCNN-16-channels-with-data_format")
def _(t, f):
    maps = np.random.default_rng(1).random((6, 16, 6, 6)).astype(np.float32)
    model = cnn(data_format="channels_first").fit(maps, [0, 1] * 3)
    assert (model.n_channels_, model.image_shape_) == (16, (6, 6))
    assert model.predict(maps).shape == (6,)


@keeps_working("SmallCNN-no-dense-layers-and-valid-padding")
def _(t, f):
    assert cnn(dense_units=()).fit(IMAGES, LABELS).predict(IMAGES).shape == (40,)
    big = np.random.default_rng(2).random((6, 16, 16))
    assert cnn(padding="valid").fit(big, [0, 1] * 3).predict(big).shape == (6,)


@keeps_working("GoogLeNetClassifier-n-h-w-string-labels")
def _(t, f):
    model = f.goog
    np.testing.assert_array_equal(model.classes_, ["even", "odd"])
    assert set(model.predict(IMAGES[:16])) <= {"even", "odd"}
    assert (model.image_shape_, model.n_channels_) == ((8, 8), 1)


@keeps_working("GoogLeNetClassifier-channels-last-rgb")
def _(t, f):
    model = googlenet().fit(RGB, RGB_LABELS)
    assert (model.data_format_, model.n_channels_) == ("channels_last", 3)
    assert set(model.predict(RGB)) <= {0, 1}


@keeps_working("PoolInterpolate-layouts")
def _(t, f):
    assert f.pool.transform(IMAGES).shape == (40, 8, 8)
    assert PoolInterpolate().fit_transform(IMAGES[:, None]).shape == (40, 1, 8, 8)
    np.testing.assert_allclose(
        PoolInterpolate().fit_transform(IMAGES[:, None])[:, 0], f.pool.transform(IMAGES)
    )
    np.testing.assert_allclose(
        f.pool_flat.transform(IMAGES.reshape(40, -1)).reshape(40, 8, 8),
        f.pool.transform(IMAGES),
    )
    last = f.pool_last.transform(RGB)
    assert last.shape == RGB.shape
    np.testing.assert_allclose(
        np.moveaxis(last, -1, 1),
        PoolInterpolate().fit_transform(np.moveaxis(RGB, -1, 1)),
    )


@keeps_working("PoolInterpolate-dtypes")
def _(t, f):
    assert (
        PoolInterpolate().fit_transform(IMAGES.astype(np.float32)).dtype == np.float32
    )
    assert (
        PoolInterpolate().fit_transform(IMAGES.astype(np.float16)).dtype == np.float32
    )
    assert (
        PoolInterpolate().fit_transform(np.round(IMAGES * 16).astype(int)).dtype
        == np.float64
    )
    np.testing.assert_array_equal(
        PoolInterpolate().fit_transform(IMAGES.astype(">f4")),
        PoolInterpolate().fit_transform(IMAGES.astype(np.float32)),
    )
    huge = PoolInterpolate().fit_transform(np.full((2, 4, 4), 1e308))
    np.testing.assert_allclose(huge, 1e308)


@keeps_working("PoolInterpolate-pandas-output")
def _(t, f):
    frame = pd.DataFrame(IMAGES.reshape(40, -1)).add_prefix("p")
    out = PoolInterpolate().set_output(transform="pandas").fit(frame).transform(frame)
    assert isinstance(out, pd.DataFrame) and list(out.columns) == list(frame.columns)
    np.testing.assert_allclose(
        out.to_numpy().reshape(40, 8, 8), f.pool.transform(IMAGES)
    )


@keeps_working("PoolInterpolate-lists-read-only-strided")
def _(t, f):
    np.testing.assert_allclose(
        PoolInterpolate().fit_transform(IMAGES.tolist()), f.pool.transform(IMAGES)
    )
    frozen = IMAGES.copy()
    frozen.flags.writeable = False
    np.testing.assert_allclose(
        PoolInterpolate().fit_transform(frozen), f.pool.transform(IMAGES)
    )
    flipped = IMAGES[:, :, ::-1]
    np.testing.assert_allclose(
        PoolInterpolate().fit_transform(flipped),
        PoolInterpolate().fit_transform(np.ascontiguousarray(flipped)),
    )


@keeps_working("PoolInterpolate-downsample-upsample")
def _(t, f):
    pooled = f.pool.downsample(IMAGES)
    assert pooled.shape == (40, 4, 4)
    np.testing.assert_allclose(
        f.pool.upsample(pooled), f.pool.transform(IMAGES), atol=1e-12
    )
    names = f.pool.get_feature_names_out()
    assert len(names) == 64 and names[0] == "pixel_0_0"


@keeps_working("FeatureGroupSelector-pandas-and-passthrough")
def _(t, f):
    out = (
        FeatureGroupSelector(select="a")
        .set_output(transform="pandas")
        .fit_transform(FRAME)
    )
    assert list(out.columns) == ["a_1", "a_2"]
    with_nan = FRAME.assign(a_1=np.nan)
    assert np.isnan(
        FeatureGroupSelector(select="a").fit_transform(with_nan)[:, 0]
    ).all()
    sparse = FeatureGroupSelector(groups={"g": [0, 1]}, select="g").fit_transform(
        sp.csr_matrix(X)
    )
    assert sp.issparse(sparse) and sparse.shape == (150, 2)
    text = np.array([["a", "b"]] * 3)
    np.testing.assert_array_equal(
        FeatureGroupSelector(groups={"g": [1]}, select="g").fit_transform(text),
        [["b"]] * 3,
    )
    by_name = FeatureGroupSelector(groups={"g": slice("a_2", "b_1")}, select="g").fit(
        FRAME
    )
    np.testing.assert_array_equal(by_name.get_feature_names_out(), ["a_2", "b_1"])


@keeps_working("load_mnist-idx-plain-gzip-npz")
def _(t, f):
    images = np.arange(3 * 4 * 4, dtype=np.uint8).reshape(3, 4, 4)
    plain = load_mnist(_mnist(t / "plain", images=_idx(images)))
    zipped = load_mnist(_mnist(t / "gz", images=_idx(images), gz=True))
    for bunch in (plain, zipped):
        np.testing.assert_array_equal(bunch.images, images)
        assert bunch.images.dtype == np.uint8 and bunch.target.dtype == np.int64
        np.testing.assert_array_equal(bunch.target, [1, 2, 3])
    floats = load_mnist(
        _mnist(t / "f", labels=_idx(np.array([7.0, 3.0, 1.0], ">f4"), code=0x0D))
    )
    np.testing.assert_array_equal(floats.target, [7, 3, 1])
    npz = load_mnist(_npz(t / "mnist.npz", x_train=images, y_train=np.array([4, 5, 6])))
    np.testing.assert_array_equal(npz.images, images)
    np.testing.assert_array_equal(npz.target, [4, 5, 6])


@keeps_working("load_image_folder-grey-rgb-and-spellings")
def _(t, f):
    folder = _image_folder(t / "faces", size=(10, 12))
    _write(folder / "happy" / "notes.txt", "not an image")
    _write(folder / "happy" / ".hidden.png", b"junk")
    (folder / ".git").mkdir()
    grey = load_image_folder(folder, image_size=(8, 8))
    assert grey.images.shape == (4, 8, 8) and grey.images.dtype == np.float32
    assert list(grey.target_names) == ["happy", "sad"] and list(grey.target) == [
        0,
        0,
        1,
        1,
    ]
    assert load_image_folder(folder, image_size=(8, 8), color="rgb").images.shape == (
        4,
        3,
        8,
        8,
    )
    assert load_image_folder(folder, image_size=(8, 8), color="gray").images.shape == (
        4,
        8,
        8,
    )
    assert load_image_folder(folder, image_size=None).images.shape == (4, 10, 12)
    assert load_image_folder(folder, image_size=np.array([5, 6])).images.shape == (
        4,
        5,
        6,
    )
    assert load_image_folder(
        folder, image_size=(8, 8), extensions="PNG"
    ).images.shape == (4, 8, 8)


@keeps_working("load_feature_table-csv-xlsx-round-trip")
def _(t, f):
    for name in ("t.csv", "t.xlsx"):
        table = make_feature_table(30, n_missing=0, random_state=0, path=t / name)
        loaded = load_feature_table(t / name)
        assert loaded.data.equals(table.data)
        np.testing.assert_array_equal(loaded.target, table.target)
    assert load_feature_table(t / "t.xlsx", sheet_name="features").data.shape == (
        30,
        10,
    )
    np.testing.assert_array_equal(
        load_feature_table(t / "t.csv", label_column="LABEL").target, table.target
    )
    np.testing.assert_array_equal(
        load_feature_table(t / "t.csv", label_column=1).target, table.target
    )


@keeps_working("load_feature_table-missing-values")
def _(t, f):
    make_feature_table(30, n_missing=2, random_state=0, path=t / "m.csv")
    with pytest.warns(
        UserWarning, match=r"2 rows with missing values were dropped from m\.csv"
    ):
        assert load_feature_table(t / "m.csv").data.shape == (30, 10)
    kept = load_feature_table(t / "m.csv", dropna=False)
    assert kept.data.shape == (32, 10) and kept.data.isna().any(axis=1).sum() == 2


@keeps_working("shipped-data-and-make_feature_table")
def _(t, f):
    assert load_digits_images().images.shape == (1797, 8, 8)
    assert load_lfw_faces().images.shape == (200, 25, 25)
    table = make_feature_table(
        20, groups={"abc": 2, "d_2": 1}, n_classes=3, random_state=0
    )
    assert table.groups == {"abc": ["abc_1", "abc_2"], "d_2": ["d_2_1"]}
    assert set(table.target) == {1, 2, 3}


@keeps_working("displays-on-good-input")
def _(t, f):
    history = TrainingHistoryDisplay.from_estimator(f.mlp)
    assert history.lines_["train_loss"].get_xdata().tolist() == [1, 2]
    curve = PruningCurveDisplay.from_estimator(f.ae, X)
    assert curve.units_left.tolist() == sorted(f.ae.networks_, reverse=True)
    images = ImageComparisonDisplay.from_transformer(f.pool, IMAGES, n_images=3)
    assert images.axes_.shape == (3, 3)
    search = SearchResultsDisplay(
        [1, 2, 3], {"a": [0.5, np.nan, 0.7]}, references={"chance": 0.1}
    ).plot()
    assert np.isnan(search.lines_["a"].get_ydata()[1])


@pytest.mark.parametrize("check", KEEPS_WORKING)
def test_good_input_keeps_working(tmp_path, fitted, check):
    check(tmp_path, fitted)
