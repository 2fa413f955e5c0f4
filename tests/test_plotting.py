"""Displays: what they draw, on the Agg backend."""

import subprocess
import sys

import matplotlib
import numpy as np
import pytest
from sklearn.base import BaseEstimator
from sklearn.datasets import load_digits, load_iris
from sklearn.exceptions import NotFittedError
from sklearn.model_selection import GridSearchCV
from sklearn.neighbors import KNeighborsClassifier

from skneuro import (
    ImageComparisonDisplay,
    MLPClassifier,
    PoolInterpolate,
    PruningAutoencoder,
    PruningCurveDisplay,
    SearchResultsDisplay,
    TrainingHistoryDisplay,
)

matplotlib.use("Agg")


@pytest.fixture(scope="module")
def fitted():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(150, 2)) @ rng.normal(size=(2, 5))
    ae = PruningAutoencoder(
        4, loss_threshold=1e9, max_epochs=150, retrain_epochs=20, random_state=0
    ).fit(X)
    return ae, X


def test_pruning_curve_on_data_with_pca(fitted):
    import matplotlib.pyplot as plt

    ae, X = fitted
    display = PruningCurveDisplay.from_estimator(ae, X)
    assert display.units_left.tolist() == [4, 3, 2, 1]
    ae_losses = [-ae.set_params(n_components=k).score(X) for k in (4, 3, 2, 1)]
    ae.set_params(n_components=None)
    np.testing.assert_allclose(display.losses, ae_losses)
    np.testing.assert_allclose(display.line_.get_ydata(), ae_losses)
    # PCA's loss: nearly zero from 2 components on, for rank-2 data.
    assert display.pca_losses[1] < 1e-10 and display.pca_losses[3] > 1e-3
    assert display.threshold_line_ is not None
    assert display.ax_.get_xlabel() == "hidden units left"
    assert ae.n_components is None  # the estimator is left as it was
    # A second estimator on the same axes.
    other = PruningCurveDisplay.from_estimator(
        ae, X, ax=display.ax_, name="again", pca=False
    )
    assert other.ax_ is display.ax_ and other.pca_line_ is None
    assert len(display.ax_.get_lines()) >= 3
    plt.close("all")


def test_pruning_curve_without_data_uses_the_training_history(fitted):
    import matplotlib.pyplot as plt

    ae, _ = fitted
    display = PruningCurveDisplay.from_estimator(ae)
    expected = [ae.pruning_history_[0]["loss_before"]] + [
        step["loss_after"] for step in ae.pruning_history_
    ]
    np.testing.assert_allclose(display.losses, expected)
    assert display.pca_line_ is None
    plt.close("all")


@pytest.fixture
def close_figures():
    import matplotlib.pyplot as plt

    yield plt
    plt.close("all")


def test_matplotlib_is_not_imported_by_the_plotting_module():
    code = "import skneuro.plotting, sys; print('matplotlib' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"


# -- TrainingHistoryDisplay ---------------------------------------------------


def _band_limits(band, epochs):
    """Lowest and highest y of a fill_between band at each epoch."""
    vertices = np.concatenate([path.vertices for path in band.get_paths()])
    lower = [vertices[vertices[:, 0] == e, 1].min() for e in epochs]
    upper = [vertices[vertices[:, 0] == e, 1].max() for e in epochs]
    return np.array(lower), np.array(upper)


def test_training_history_draws_the_curves_and_bands(close_figures):
    train, valid = [0.9, 0.5, 0.3, 0.2], [1.0, 0.7, 0.6]
    spread = [0.1, 0.2, 0.05]
    display = TrainingHistoryDisplay(
        {"train": train, "valid": valid}, metric="log loss", spreads={"valid": spread}
    ).plot(title="runs")
    line = display.lines_["train"]
    assert line.get_xdata().tolist() == [1, 2, 3, 4]
    np.testing.assert_array_equal(line.get_ydata(), train)
    np.testing.assert_array_equal(display.lines_["valid"].get_ydata(), valid)
    assert set(display.bands_) == {"valid"}
    lower, upper = _band_limits(display.bands_["valid"], [1, 2, 3])
    np.testing.assert_allclose(lower, np.subtract(valid, spread))
    np.testing.assert_allclose(upper, np.add(valid, spread))
    ax = display.ax_
    assert (ax.get_xlabel(), ax.get_ylabel(), ax.get_title()) == (
        "epoch",
        "log loss",
        "runs",
    )
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["train", "valid"]
    ticks = [t for t in ax.get_xticks() if 1 <= t <= 4]
    assert ticks and all(float(t).is_integer() for t in ticks)
    assert display.figure_ is ax.figure


def test_training_history_draws_on_the_given_axes(close_figures):
    _, ax = close_figures.subplots()
    display = TrainingHistoryDisplay({"a": [1.0, 2.0]}).plot(ax=ax)
    assert display.ax_ is ax and display.lines_["a"].axes is ax
    other = TrainingHistoryDisplay.from_histories(
        {"b": [[1.0, 2.0]]}, metric="loss", ax=ax
    )
    assert other.ax_ is ax and len(ax.get_lines()) == 2


def test_training_history_checks_its_inputs():
    with pytest.raises(ValueError, match=r"curves\['a'\] must be 1-D.*\(2, 2\)"):
        TrainingHistoryDisplay({"a": [[1, 2], [3, 4]]})
    with pytest.raises(ValueError, match=r"spreads\['b'\] has no curve"):
        TrainingHistoryDisplay({"a": [1, 2]}, spreads={"b": [1, 2]})
    with pytest.raises(ValueError, match=r"spreads\['a'\] has 3 epochs.* 2"):
        TrainingHistoryDisplay({"a": [1, 2]}, spreads={"a": [1, 2, 3]})
    with pytest.raises(ValueError, match="curves is empty"):
        TrainingHistoryDisplay({})


def test_training_history_from_histories_means_and_stds(close_figures):
    runs = np.array([[1.0, 0.6, 0.4], [0.8, 0.4, 0.1], [0.9, 0.5, 0.4]])
    display = TrainingHistoryDisplay.from_histories(
        {"hidden=8": runs, "hidden=16": runs[:2, :2].tolist()}, metric="test loss"
    )
    mean, std = runs.mean(axis=0), runs.std(axis=0)
    np.testing.assert_allclose(display.curves["hidden=8"], mean)
    np.testing.assert_allclose(display.spreads["hidden=8"], std)
    np.testing.assert_allclose(display.lines_["hidden=8"].get_ydata(), mean)
    lower, upper = _band_limits(display.bands_["hidden=8"], [1, 2, 3])
    np.testing.assert_allclose(lower, mean - std)
    np.testing.assert_allclose(upper, mean + std)
    np.testing.assert_allclose(display.curves["hidden=16"], [0.9, 0.5])
    np.testing.assert_allclose(display.spreads["hidden=16"], [0.1, 0.1])
    assert display.ax_.get_ylabel() == "test loss"


def test_training_history_from_histories_refuses_ragged_or_non_2d():
    with pytest.raises(ValueError, match=r"histories\['a'\] is ragged.*\[3, 2\]"):
        TrainingHistoryDisplay.from_histories({"a": [[1, 2, 3], [1, 2]]}, metric="loss")
    with pytest.raises(ValueError, match=r"histories\['b'\] .*shape \(3,\)"):
        TrainingHistoryDisplay.from_histories({"b": [1, 2, 3]}, metric="loss")
    with pytest.raises(ValueError, match=r"histories\['c'\] .*shape \(1, 2, 2\)"):
        TrainingHistoryDisplay.from_histories({"c": np.ones((1, 2, 2))}, metric="x")


class _FakeNet(BaseEstimator):
    """An estimator whose fit records a given history."""

    def __init__(self, rows=None):
        self.rows = rows

    def fit(self, X=None, y=None):
        self.history_ = list(self.rows)
        return self


def test_training_history_from_estimator_draws_keys_present_at_every_epoch(
    close_figures,
):
    rows = [
        {"epoch": 1, "train_loss": 0.9, "valid_loss": 1.0, "valid_acc": 0.5},
        {"epoch": 2, "train_loss": 0.5, "valid_acc": 0.7},
        {"epoch": 3, "train_loss": 0.3, "valid_loss": 0.8, "valid_acc": 0.8},
    ]
    net = _FakeNet(rows).fit()
    display = TrainingHistoryDisplay.from_estimator(net)
    assert list(display.lines_) == ["train_loss"]
    np.testing.assert_array_equal(
        display.lines_["train_loss"].get_ydata(), [0.9, 0.5, 0.3]
    )
    assert display.ax_.get_ylabel() == "loss"
    acc = TrainingHistoryDisplay.from_estimator(
        net, keys="valid_acc", metric="accuracy", title="acc"
    )
    np.testing.assert_array_equal(acc.curves["valid_acc"], [0.5, 0.7, 0.8])
    assert (acc.ax_.get_ylabel(), acc.ax_.get_title()) == ("accuracy", "acc")
    with pytest.raises(ValueError, match=r"None of the keys \['valid_loss'\]"):
        TrainingHistoryDisplay.from_estimator(net, keys=["valid_loss"])
    with pytest.raises(ValueError, match="history_ is empty"):
        TrainingHistoryDisplay.from_estimator(_FakeNet([]).fit())
    with pytest.raises(NotFittedError):
        TrainingHistoryDisplay.from_estimator(_FakeNet(rows))


def test_training_history_from_a_fitted_network(iris, close_figures):
    X, y = iris
    clf = MLPClassifier(max_epochs=4, early_stopping=True, random_state=0).fit(X, y)
    display = TrainingHistoryDisplay.from_estimator(clf)
    assert list(display.lines_) == ["train_loss", "valid_loss"]
    for key in ("train_loss", "valid_loss"):
        np.testing.assert_allclose(
            display.lines_[key].get_ydata(), clf.history_[:, key]
        )
    assert display.lines_["train_loss"].get_xdata().tolist() == list(
        range(1, len(clf.history_) + 1)
    )


# -- ImageComparisonDisplay ---------------------------------------------------


def test_image_comparison_draws_every_image(close_figures):
    rng = np.random.default_rng(0)
    rows = {"big": rng.random((3, 6, 5)), "small": rng.random((3, 2, 2))}
    display = ImageComparisonDisplay(rows).plot(title="rows")
    assert display.axes_.shape == (2, 3)
    for i, images in enumerate(rows.values()):
        for j in range(3):
            ax = display.axes_[i, j]
            np.testing.assert_array_equal(ax.images[0].get_array(), images[j])
            assert len(ax.get_xticks()) == 0 and len(ax.get_yticks()) == 0
    assert [display.axes_[i, 0].get_ylabel() for i in range(2)] == ["big", "small"]
    # One grey scale per row, from its smallest to its largest value.
    assert display.axes_[0, 1].images[0].get_clim() == (
        rows["big"].min(),
        rows["big"].max(),
    )
    assert display.figure_.get_suptitle() == "rows"


def test_image_comparison_draws_on_the_given_axes(close_figures):
    figure, axes = close_figures.subplots(2, 2)
    images = np.zeros((2, 3, 3))
    display = ImageComparisonDisplay({"a": images, "b": images}).plot(axes=axes)
    assert display.figure_ is figure
    assert all(a is b for a, b in zip(display.axes_.ravel(), axes.ravel(), strict=True))
    with pytest.raises(ValueError, match=r"2 x 2 Axes.*shape \(3,\)"):
        ImageComparisonDisplay({"a": images, "b": images}).plot(
            axes=axes[0].tolist() + [axes[1, 0]]
        )


def test_image_comparison_checks_its_rows():
    with pytest.raises(
        ValueError, match=r"rows\['b'\] has 2 images, but rows\['a'\] has 3"
    ):
        ImageComparisonDisplay({"a": np.zeros((3, 4, 4)), "b": np.zeros((2, 4, 4))})
    with pytest.raises(ValueError, match=r"rows\['a'\] must be a 3-D.*\(3, 16\)"):
        ImageComparisonDisplay({"a": np.zeros((3, 16))})
    with pytest.raises(ValueError, match="rows is empty"):
        ImageComparisonDisplay({})


@pytest.mark.parametrize("layout", ["flat", "images", "channel"])
def test_image_comparison_from_transformer(layout, close_figures):
    X, _ = load_digits(return_X_y=True)
    X = {
        "flat": X,
        "images": X.reshape(-1, 8, 8),
        "channel": X.reshape(-1, 1, 8, 8),
    }[layout]
    pool = PoolInterpolate(pool_size=2, stride=1).fit(X)
    display = ImageComparisonDisplay.from_transformer(
        pool, X, n_images=3, cmap="viridis"
    )
    assert list(display.rows) == ["original", "pooled (7x7)", "restored"]
    first = X[:3].reshape(3, 8, 8)
    np.testing.assert_array_equal(display.rows["original"], first)
    pooled = display.rows["pooled (7x7)"]
    assert pooled.shape == (3, 7, 7)
    np.testing.assert_allclose(pooled, pool.downsample(X[:3]).reshape(3, 7, 7))
    np.testing.assert_allclose(
        display.rows["restored"], pool.transform(X[:3]).reshape(3, 8, 8)
    )
    assert display.axes_.shape == (3, 3)
    np.testing.assert_allclose(display.axes_[1, 2].images[0].get_array(), pooled[2])
    assert display.axes_[0, 0].images[0].get_cmap().name == "viridis"


def test_image_comparison_from_transformer_errors(close_figures):
    X, _ = load_digits(return_X_y=True)
    few = ImageComparisonDisplay.from_transformer(PoolInterpolate().fit(X), X[:2])
    assert few.axes_.shape == (3, 2)  # fewer images than n_images
    with pytest.raises(ValueError, match="n_images must be an int >= 1"):
        ImageComparisonDisplay.from_transformer(PoolInterpolate().fit(X), X, n_images=0)
    color = np.repeat(X.reshape(-1, 1, 8, 8), 3, axis=1)
    with pytest.raises(ValueError, match="single-channel images.* 3 channels"):
        ImageComparisonDisplay.from_transformer(PoolInterpolate().fit(color), color)
    with pytest.raises(NotFittedError):
        ImageComparisonDisplay.from_transformer(PoolInterpolate(), X)


# -- SearchResultsDisplay -----------------------------------------------------


def test_search_results_draws_curves_error_bars_and_references(close_figures):
    x = [8, 16, 32]
    lpq, everything, spread = [0.5, 0.6, 0.62], [0.55, 0.66, 0.7], [0.02, 0.03, 0.01]
    display = SearchResultsDisplay(
        x,
        {"lpq": lpq, "all": everything},
        spreads={"all": spread},
        references={"chance": 0.1, "logistic regression": 0.58},
    ).plot(title="Figure 2")
    for label, y in (("lpq", lpq), ("all", everything)):
        np.testing.assert_array_equal(display.lines_[label].get_xdata(), x)
        np.testing.assert_array_equal(display.lines_[label].get_ydata(), y)
        assert display.lines_[label].get_marker() == "o"
    (bars,) = display.ax_.containers
    assert bars.get_label() == "all"
    segments = np.array(bars.lines[2][0].get_segments())
    np.testing.assert_allclose(segments[:, 0, 1], np.subtract(everything, spread))
    np.testing.assert_allclose(segments[:, 1, 1], np.add(everything, spread))
    for label, level in (("chance", 0.1), ("logistic regression", 0.58)):
        line = display.reference_lines_[label]
        assert list(line.get_ydata()) == [level, level]
        assert line.get_linestyle() == "--"
    legend = {t.get_text() for t in display.ax_.get_legend().get_texts()}
    assert legend == {"lpq", "all", "chance", "logistic regression"}
    ax = display.ax_
    assert (ax.get_xlabel(), ax.get_ylabel(), ax.get_title()) == (
        "hidden units",
        "accuracy",
        "Figure 2",
    )


def test_search_results_draws_on_the_given_axes(close_figures):
    _, ax = close_figures.subplots()
    display = SearchResultsDisplay([1, 2], {"a": [0.1, 0.2]}).plot(ax=ax)
    assert display.ax_ is ax and display.lines_["a"].axes is ax
    assert display.reference_lines_ == {}


def test_search_results_checks_its_inputs():
    with pytest.raises(ValueError, match=r"curves\['a'\] has 2 values, but x has 3"):
        SearchResultsDisplay([1, 2, 3], {"a": [1, 2]})
    with pytest.raises(ValueError, match=r"spreads\['b'\] has no curve"):
        SearchResultsDisplay([1, 2], {"a": [1, 2]}, spreads={"b": [1, 2]})
    with pytest.raises(ValueError, match=r"x must be 1-D.*\(1, 2\)"):
        SearchResultsDisplay([[1, 2]], {"a": [1, 2]})


@pytest.fixture(scope="module")
def knn_search():
    X, y = load_iris(return_X_y=True)
    return GridSearchCV(
        KNeighborsClassifier(),
        # n_neighbors unsorted: the display sorts the points by x.
        {"n_neighbors": [20, 1, 5], "weights": ["uniform", "distance"]},
        scoring={"accuracy": "accuracy", "neg_log_loss": "neg_log_loss"},
        refit=False,
    ).fit(X, y)


def _expected(search, metric, weights):
    """mean_test and std_test of the candidates with these weights, by k."""
    results = search.cv_results_
    rows = [
        i for i, params in enumerate(results["params"]) if params["weights"] == weights
    ]
    rows.sort(key=lambda i: results["params"][i]["n_neighbors"])
    return (
        results[f"mean_test_{metric}"][rows],
        results[f"std_test_{metric}"][rows],
    )


def test_search_results_from_search_by_group(knn_search, close_figures):
    display = SearchResultsDisplay.from_search(
        knn_search, param="n_neighbors", group="weights", metric="neg_log_loss"
    )
    np.testing.assert_array_equal(display.x, [1, 5, 20])
    assert list(display.curves) == ["uniform", "distance"]
    for weights in ("uniform", "distance"):
        mean, std = _expected(knn_search, "neg_log_loss", weights)
        np.testing.assert_allclose(display.curves[weights], -mean)
        np.testing.assert_allclose(display.lines_[weights].get_ydata(), -mean)
        np.testing.assert_allclose(display.spreads[weights], std)
        np.testing.assert_array_equal(display.lines_[weights].get_xdata(), [1, 5, 20])
    assert display.ax_.get_ylabel() == "log loss"
    assert display.ax_.get_xlabel() == "n neighbors"
    assert (display.curves["uniform"] > 0).all()
    accuracy = SearchResultsDisplay.from_search(
        knn_search,
        param="n_neighbors",
        group="weights",
        metric="accuracy",
        x_label="k",
        references={"chance": 1 / 3},
        title="iris",
    )
    mean, _ = _expected(knn_search, "accuracy", "distance")
    np.testing.assert_allclose(accuracy.curves["distance"], mean)
    assert (accuracy.ax_.get_xlabel(), accuracy.ax_.get_ylabel()) == ("k", "accuracy")
    assert accuracy.ax_.get_title() == "iris"
    assert list(accuracy.reference_lines_["chance"].get_ydata()) == [1 / 3, 1 / 3]


def test_search_results_from_search_single_curve_keeps_the_best(
    knn_search, close_figures
):
    _, ax = close_figures.subplots()
    display = SearchResultsDisplay.from_search(
        knn_search, param="n_neighbors", metric="neg_log_loss", ax=ax
    )
    assert display.ax_ is ax
    assert list(display.curves) == ["log loss"]
    uniform, _ = _expected(knn_search, "neg_log_loss", "uniform")
    distance, _ = _expected(knn_search, "neg_log_loss", "distance")
    # The lowest loss of the two weightings at each k.
    np.testing.assert_allclose(
        display.curves["log loss"], np.minimum(-uniform, -distance)
    )


def test_search_results_from_a_single_metric_search(close_figures):
    X, y = load_iris(return_X_y=True)
    search = GridSearchCV(
        KNeighborsClassifier(), {"n_neighbors": [3, 1]}, scoring="neg_log_loss"
    ).fit(X, y)
    display = SearchResultsDisplay.from_search(search, param="n_neighbors")
    order = np.argsort(search.cv_results_["param_n_neighbors"].astype(int))
    expected = -search.cv_results_["mean_test_score"][order]
    np.testing.assert_allclose(display.curves["log loss"], expected)
    assert display.ax_.get_ylabel() == "log loss"
    by_name = SearchResultsDisplay.from_search(
        search, param="n_neighbors", metric="neg_log_loss"
    )
    np.testing.assert_allclose(by_name.curves["log loss"], expected)


def test_search_results_from_search_errors(knn_search):
    with pytest.raises(
        ValueError, match=r"param='k' .* parameters are \['n_neighbors', 'weights'\]"
    ):
        SearchResultsDisplay.from_search(knn_search, param="k", metric="accuracy")
    with pytest.raises(ValueError, match=r"group='p' .*\['n_neighbors', 'weights'\]"):
        SearchResultsDisplay.from_search(
            knn_search, param="n_neighbors", group="p", metric="accuracy"
        )
    with pytest.raises(
        ValueError, match=r"several scorers, \['accuracy', 'neg_log_loss'\]"
    ):
        SearchResultsDisplay.from_search(knn_search, param="n_neighbors")
    with pytest.raises(
        ValueError, match=r"metric='f1' .*scorers are \['accuracy', 'neg_log_loss'\]"
    ):
        SearchResultsDisplay.from_search(knn_search, param="n_neighbors", metric="f1")
    with pytest.raises(ValueError, match="param='weights' must take numeric values"):
        SearchResultsDisplay.from_search(knn_search, param="weights", metric="accuracy")
    with pytest.raises(NotFittedError):
        SearchResultsDisplay.from_search(
            GridSearchCV(KNeighborsClassifier(), {"n_neighbors": [1]}),
            param="n_neighbors",
        )


# -- bad input: the dicts, the arrays and the estimators the displays take ----


@pytest.mark.parametrize(
    "make, name",
    [
        (lambda: TrainingHistoryDisplay([1, 2, 3]), "curves"),
        (lambda: TrainingHistoryDisplay([("a", [1, 2])]), "curves"),
        (lambda: TrainingHistoryDisplay({"a": [1, 2]}, spreads=[1, 2]), "spreads"),
        (
            lambda: TrainingHistoryDisplay.from_histories([[1, 2]], metric="m"),
            "histories",
        ),
        (lambda: SearchResultsDisplay([1, 2], [[1, 2]]), "curves"),
        (
            lambda: SearchResultsDisplay([1, 2], {"a": [1, 2]}, spreads=[1, 2]),
            "spreads",
        ),
        (
            lambda: SearchResultsDisplay([1, 2], {"a": [1, 2]}, references=[0.1]),
            "references",
        ),
        (lambda: ImageComparisonDisplay([np.zeros((2, 4, 4))]), "rows"),
        (lambda: ImageComparisonDisplay(np.zeros((2, 4, 4))), "rows"),
    ],
    ids=[
        "history-curves-list",
        "history-curves-pairs",
        "history-spreads-list",
        "history-histories-list",
        "search-curves-list",
        "search-spreads-list",
        "search-references-list",
        "images-rows-list",
        "images-rows-array",
    ],
)
def test_displays_refuse_a_non_dict_by_name(make, name):
    with pytest.raises(TypeError, match=rf"^{name} must be a dict of .*; got ") as e:
        make()
    assert "dictionary update" not in str(e.value)


@pytest.mark.parametrize(
    "value, match",
    [
        ("x", r"references\['chance'\] must be a number.*got 'x'"),
        ([0.1, 0.2], r"references\['chance'\] must be a number.*got \[0\.1, 0\.2\]"),
        (True, r"references\['chance'\] must be a number.*got True"),
        (None, r"references\['chance'\] must be a number.*got None"),
    ],
)
def test_search_results_refuses_a_reference_that_is_not_a_number(value, match):
    with pytest.raises(ValueError, match=match):
        SearchResultsDisplay([1, 2], {"a": [1, 2]}, references={"chance": value})


def test_search_results_reference_levels_are_floats():
    display = SearchResultsDisplay(
        [1, 2], {"a": [1, 2]}, references={"chance": np.float32(0.25), "one": 1}
    )
    assert display.references == {"chance": 0.25, "one": 1.0}


@pytest.mark.parametrize(
    "args, kwargs, match",
    [
        (([3, 2, 1], [0.1, 0.2]), {}, r"losses has 2 values, but units_left has 3"),
        (
            ([3, 2], [1, 2]),
            {"pca_losses": [1]},
            r"pca_losses has 1 values, but units_left has 2",
        ),
        (([3, 2], ["a", "b"]), {}, r"losses must be a 1-D array of numbers.*'a'"),
        (([3, 2], [[1, 2]]), {}, r"losses must be 1-D.*\(1, 2\)"),
        (
            ([3, 2], [1, 2]),
            {"pca_losses": ["a", "b"]},
            r"pca_losses must be a 1-D array of numbers",
        ),
        ((["a", "b"], [1.0, 2.0]), {}, r"units_left must be a 1-D array of integers"),
        (([3, 2.5], [1.0, 2.0]), {}, r"units_left must be .*integers.*2\.5"),
        (([3, 0], [1.0, 2.0]), {}, r"units_left must be .*positive.*0"),
        (([True, False], [1.0, 2.0]), {}, r"units_left must be .*integers.*True"),
        (([[3, 2]], [1.0, 2.0]), {}, r"units_left must be 1-D.*\(1, 2\)"),
        (([], []), {}, r"units_left is empty"),
        (([3, 2], [1.0, 2.0]), {"threshold": "a"}, r"threshold must be None or a"),
        (([3, 2], [1.0, 2.0]), {"threshold": True}, r"threshold .*got True"),
        (([3, 2], [1.0, 2.0]), {"threshold": [0.1]}, r"threshold .*got \[0\.1\]"),
        (([3, 2], [1.0, 2.0]), {"threshold": np.nan}, r"threshold .*finite.*nan"),
    ],
    ids=[
        "lengths",
        "pca-length",
        "losses-text",
        "losses-2d",
        "pca-text",
        "units-text",
        "units-float",
        "units-zero",
        "units-bool",
        "units-2d",
        "empty",
        "threshold-text",
        "threshold-bool",
        "threshold-list",
        "threshold-nan",
    ],
)
def test_pruning_curve_checks_its_arrays(args, kwargs, match):
    with pytest.raises(ValueError, match=match):
        PruningCurveDisplay(*args, **kwargs)


def test_pruning_curve_keeps_good_arrays(close_figures):
    display = PruningCurveDisplay(
        np.array([4.0, 3.0]), [0.1, np.nan], pca_losses=(0.2, 0.3), threshold=1
    ).plot()
    assert display.units_left.dtype.kind == "i"
    assert display.units_left.tolist() == [4, 3]
    assert display.threshold == 1.0
    assert np.isnan(display.losses[1])


def test_pruning_curve_from_estimator_needs_a_pruning_autoencoder(iris):
    X, y = iris
    clf = MLPClassifier(hidden_units=4, max_epochs=1, random_state=0).fit(X, y)
    with pytest.raises(TypeError, match=r"needs a fitted PruningAutoencoder.*MLPC"):
        PruningCurveDisplay.from_estimator(clf)
    with pytest.raises(TypeError, match=r"needs a fitted PruningAutoencoder.*str"):
        PruningCurveDisplay.from_estimator("ae")
    with pytest.raises(NotFittedError, match="PruningAutoencoder"):
        PruningCurveDisplay.from_estimator(PruningAutoencoder(2))


@pytest.mark.parametrize(
    "images, match",
    [
        (np.full((2, 4, 4), "x"), r"rows\['a'\] must hold numbers.*<U1"),
        (np.zeros((2, 4, 4), complex), r"rows\['a'\] must hold numbers.*complex"),
        (
            np.array([[[1.0, "dark"]]], dtype=object),
            r"rows\['a'\] must hold numbers.*objects such as 'dark'",
        ),
        (
            [np.zeros((4, 4)), np.zeros((5, 5))],
            r"rows\['a'\] must be a 3-D array of numbers",
        ),
    ],
    ids=["text", "complex", "objects", "ragged"],
)
def test_image_comparison_refuses_images_that_are_not_numbers(images, match):
    with pytest.raises(ValueError, match=match):
        ImageComparisonDisplay({"a": images})


def test_image_comparison_reads_object_arrays_of_numbers(close_figures):
    images = np.zeros((2, 3, 3), dtype=object)
    display = ImageComparisonDisplay({"a": images}).plot()
    assert display.rows["a"].dtype == np.float64
