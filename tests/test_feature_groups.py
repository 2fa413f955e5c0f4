"""Tests for FeatureGroupSelector."""

import pickle
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from numpy.testing import assert_array_equal
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils._param_validation import InvalidParameterError

from skneuro.datasets import load_feature_table
from skneuro.preprocessing import FeatureGroupSelector

DATA = Path(__file__).parent / "data"

LPQ = [f"lpq_{k}" for k in range(1, 6)]
PHOG = [f"phog_{k}" for k in range(1, 6)]


def make_frame(n_samples=120, random_state=0):
    """lpq_1..lpq_5, phog_1..phog_5; the label depends on the LPQ columns only."""
    rng = np.random.RandomState(random_state)
    X = rng.normal(size=(n_samples, 10))
    y = (X[:, 0] + X[:, 1] - X[:, 2] > 0).astype(int)
    return pd.DataFrame(X, columns=LPQ + PHOG), y


def make_pipeline():
    return Pipeline(
        [
            ("groups", FeatureGroupSelector()),
            ("scale", StandardScaler()),
            ("clf", LogisticRegression()),
        ]
    )


def test_groups_inferred_from_dataframe_prefixes():
    X, _ = make_frame()
    selector = FeatureGroupSelector().fit(X)
    assert list(selector.groups_) == ["lpq", "phog"]
    assert_array_equal(selector.groups_["lpq"], np.arange(5))
    assert_array_equal(selector.groups_["phog"], np.arange(5, 10))
    assert selector.n_features_in_ == 10
    assert_array_equal(selector.feature_names_in_, LPQ + PHOG)
    assert selector.support_.all()
    assert_array_equal(selector.transform(X), X.to_numpy())


def test_prefix_rule_edge_cases():
    columns = ["age", "lpq_1", "a_b_12", "lpq_x", "phog_2", "lpq_3", "_7"]
    X = pd.DataFrame(np.zeros((3, len(columns))), columns=columns)
    groups = FeatureGroupSelector().fit(X).groups_
    assert {name: cols.tolist() for name, cols in groups.items()} == {
        "age": [0],
        "lpq": [1, 5],
        "a_b": [2],
        "lpq_x": [3],
        "phog": [4],
        "_7": [6],
    }


def test_array_without_groups_has_one_group_per_column():
    X = np.arange(12.0).reshape(4, 3)
    selector = FeatureGroupSelector().fit(X)
    assert list(selector.groups_) == ["x0", "x1", "x2"]
    assert_array_equal(selector.transform(X), X)
    selector = FeatureGroupSelector(select=["x2", "x0"]).fit(X)
    assert_array_equal(selector.transform(X), X[:, [0, 2]])
    assert_array_equal(selector.get_feature_names_out(), ["x0", "x2"])


@pytest.mark.parametrize(
    "columns, expected",
    [
        ([0, 2], [0, 2]),
        (3, [3]),
        (np.array([4, 1]), [1, 4]),
        (slice(1, 4), [1, 2, 3]),
        (slice(None, None, 2), [0, 2, 4]),
        ([True, False, False, True, False], [0, 3]),
        (np.array([False, True, True, False, False]), [1, 2]),
        ([-1], [4]),
        ([1, 1, 0], [0, 1]),
        ([], []),
    ],
)
def test_explicit_groups_on_array(columns, expected):
    X = np.arange(15.0).reshape(3, 5)
    selector = FeatureGroupSelector(groups={"g": columns, "other": [0]})
    selector.fit(X)
    assert selector.groups_["g"].tolist() == expected
    assert selector.groups_["g"].dtype.kind == "i"


def test_explicit_groups_by_name_on_dataframe():
    X, _ = make_frame()
    groups = {
        "first": ["lpq_1", "phog_1"],
        "lpq": slice("lpq_1", "lpq_5"),  # names: both ends included
        "mixed": ["phog_5", 0],
        "one": "phog_2",
    }
    selector = FeatureGroupSelector(groups=groups, select="first").fit(X)
    assert selector.groups_["first"].tolist() == [0, 5]
    assert selector.groups_["lpq"].tolist() == [0, 1, 2, 3, 4]
    assert selector.groups_["mixed"].tolist() == [0, 9]
    assert selector.groups_["one"].tolist() == [6]
    assert_array_equal(selector.get_feature_names_out(), ["lpq_1", "phog_1"])


def test_select_one_group_a_list_and_all():
    X, _ = make_frame()
    Xa = X.to_numpy()
    groups = {"lpq": slice(0, 5), "phog": slice(5, 10)}
    for select, expected in [
        ("lpq", LPQ),
        ("phog", PHOG),
        (["phog", "lpq"], LPQ + PHOG),
        (("lpq",), LPQ),
        ("all", LPQ + PHOG),
        (["lpq", "all"], LPQ + PHOG),
    ]:
        selector = FeatureGroupSelector(select=select).fit(X)
        assert_array_equal(selector.get_feature_names_out(), expected)
        assert_array_equal(selector.transform(X), X[expected].to_numpy())
        assert_array_equal(selector.get_support(), X.columns.isin(expected))
        fitted_on_array = FeatureGroupSelector(groups, select=select).fit(Xa)
        assert_array_equal(fitted_on_array.transform(Xa), X[expected].to_numpy())


def test_output_keeps_original_column_order():
    X = np.arange(20.0).reshape(4, 5)
    groups = {"late": [4, 3], "early": [0], "overlap": [0, 3]}
    selector = FeatureGroupSelector(groups=groups, select=["late", "early", "overlap"])
    Xt = selector.fit_transform(X)
    assert_array_equal(Xt, X[:, [0, 3, 4]])
    assert_array_equal(selector.get_feature_names_out(), ["x0", "x3", "x4"])


def test_all_selects_columns_outside_every_group():
    X = np.arange(20.0).reshape(4, 5)
    selector = FeatureGroupSelector(groups={"a": [1]}, select="all")
    assert_array_equal(selector.fit_transform(X), X)


def test_values_pass_through_untouched():
    X = np.array([[np.nan, 1.0, np.inf], [2.0, np.nan, 3.0]], dtype=np.float32)
    Xt = FeatureGroupSelector(groups={"a": [0, 2]}, select="a").fit_transform(X)
    assert Xt.dtype == np.float32
    assert_array_equal(Xt, X[:, [0, 2]])

    frame = pd.DataFrame({"name_1": ["a", "b"], "size_1": [1, 2], "size_2": [3, 4]})
    out = FeatureGroupSelector(select="name").fit_transform(frame)
    assert out.tolist() == [["a"], ["b"]]

    Xs = sp.csr_matrix(np.eye(4))
    out = FeatureGroupSelector(groups={"a": [1, 3]}, select="a").fit_transform(Xs)
    assert sp.issparse(out)
    assert_array_equal(out.toarray(), np.eye(4)[:, [1, 3]])


def test_unknown_group_error_lists_known_groups():
    X, _ = make_frame()
    msg = "Unknown group 'hog' in `select`. Known groups: 'lpq', 'phog' (and 'all'"
    with pytest.raises(ValueError, match=re.escape(msg)):
        FeatureGroupSelector(select="hog").fit(X)
    with pytest.raises(ValueError, match="Unknown group 'hog'"):
        FeatureGroupSelector(select=["lpq", "hog"]).fit(X)


def test_unknown_group_error_abbreviates_long_lists():
    X = np.zeros((2, 100))
    with pytest.raises(ValueError, match=r"'x29', \.\.\. \(70 more\)") as excinfo:
        FeatureGroupSelector(select="lpq").fit(X)
    assert "'x30'" not in str(excinfo.value)


@pytest.mark.parametrize(
    "groups, select, use_frame, match",
    [
        ({"g": ["lpq_9"]}, "g", True, "Group 'g' refers to column 'lpq_9', which is"),
        ({"g": slice("lpq_1", "nope")}, "g", True, "column 'nope', which is not"),
        ({"g": [10]}, "g", False, "column position 10, which is out of range"),
        ({"g": [-11]}, "g", True, "column position -11, which is out of range"),
        ({"g": ["lpq_1"]}, "g", False, "X has no feature names"),
        ({"g": [True, False]}, "g", False, "boolean mask of length 2, but X has 10"),
        ({"g": [1.5]}, "g", False, "Group 'g' contains 1.5"),
        ({"g": 1.5}, "g", False, "Group 'g' is 1.5"),
        ({"g": True}, "g", False, "Group 'g' is True"),
        ({"g": slice(0.5, 2)}, "g", False, "slice bounds must be integers"),
        ({"all": [0]}, "all", False, "'all' is reserved"),
        ({1: [0]}, "all", False, "Group names must be strings"),
        ({"g": []}, "g", False, r"selects no column of X \(n_features=10\)"),
        ({"g": slice(20, 30)}, ["g"], False, "the selected groups are empty"),
        (None, [], True, "`select` is empty"),
        (None, ["lpq", 3], True, "Unknown group 3"),
    ],
)
def test_fit_errors_name_the_problem(groups, select, use_frame, match):
    X, _ = make_frame()
    if not use_frame:
        X = X.to_numpy()
    with pytest.raises(ValueError, match=match):
        FeatureGroupSelector(groups=groups, select=select).fit(X)


@pytest.mark.parametrize(
    "params", [{"select": 3}, {"select": None}, {"groups": [[0, 1]]}, {"groups": "a"}]
)
def test_invalid_parameter_types(params):
    X, _ = make_frame()
    with pytest.raises(InvalidParameterError):
        FeatureGroupSelector(**params).fit(X)


def test_inferred_group_named_all_is_not_created():
    X = pd.DataFrame(np.zeros((2, 3)), columns=["all_1", "all_2", "lpq_1"])
    with pytest.warns(UserWarning, match="reserved for every feature"):
        selector = FeatureGroupSelector().fit(X)
    assert list(selector.groups_) == ["lpq"]
    assert selector.transform(X).shape == (2, 3)


def test_init_stores_params_and_clone_pickle():
    groups = {"a": [0, 1]}
    selector = FeatureGroupSelector(groups=groups, select=["a"])
    assert selector.groups is groups
    assert selector.get_params() == {"groups": groups, "select": ["a"]}
    X = np.arange(12.0).reshape(4, 3)
    fitted = clone(selector).fit(X)
    restored = pickle.loads(pickle.dumps(fitted))
    assert_array_equal(restored.transform(X), X[:, :2])


def test_grid_search_over_groups_on_dataframe():
    X, y = make_frame()
    search = GridSearchCV(
        make_pipeline(),
        {"groups__select": ["lpq", "phog", "all"]},
        cv=StratifiedKFold(3),
    )
    search.fit(X, y)
    scores = dict(
        zip(
            search.cv_results_["param_groups__select"],
            search.cv_results_["mean_test_score"],
            strict=True,
        )
    )
    # The label depends on the LPQ columns only.
    assert search.best_params_["groups__select"] in ("lpq", "all")
    assert scores["lpq"] > 0.9
    assert scores["phog"] < 0.75
    best = search.best_estimator_
    assert best[:-1].get_feature_names_out().tolist() == (
        LPQ if search.best_params_["groups__select"] == "lpq" else LPQ + PHOG
    )


def test_grid_search_over_groups_on_array_with_explicit_groups():
    X, y = make_frame()
    pipe = make_pipeline().set_params(
        groups__groups={"lpq": slice(0, 5), "phog": list(range(5, 10))}
    )
    search = GridSearchCV(
        pipe, {"groups__select": ["lpq", "phog", "all"]}, cv=StratifiedKFold(3)
    )
    search.fit(X.to_numpy(), y)
    assert search.best_params_["groups__select"] in ("lpq", "all")
    ranks = dict(
        zip(
            search.cv_results_["param_groups__select"],
            search.cv_results_["rank_test_score"],
            strict=True,
        )
    )
    assert ranks["phog"] == 3


def test_feature_names_and_pandas_output_through_pipeline():
    X, y = make_frame()
    pipe = make_pipeline().set_params(groups__select="phog").fit(X, y)
    assert pipe[:-1].get_feature_names_out().tolist() == PHOG

    # Configure pandas output before fitting, so every step sees the names.
    pipe = make_pipeline().set_params(groups__select="phog")
    pipe[:-1].set_output(transform="pandas")
    pipe.fit(X, y)
    out = pipe[:-1].transform(X)
    assert isinstance(out, pd.DataFrame)
    assert out.columns.tolist() == PHOG
    assert_array_equal(out.index, X.index)
    assert pipe[-1].feature_names_in_.tolist() == PHOG
    assert pipe.predict(X).shape == y.shape

    selector = FeatureGroupSelector(select=["phog", "lpq"]).set_output(
        transform="pandas"
    )
    out = selector.fit_transform(X)
    assert out.columns.tolist() == LPQ + PHOG
    assert_array_equal(out.to_numpy(), X.to_numpy())

    selector = FeatureGroupSelector(groups={"b": [1, 3]}, select="b")
    out = selector.set_output(transform="pandas").fit_transform(X.to_numpy())
    assert out.columns.tolist() == ["x1", "x3"]


def test_transform_checks_columns_against_fit():
    X, _ = make_frame()
    selector = FeatureGroupSelector(select="lpq").fit(X)
    with (
        pytest.warns(UserWarning, match="does not have valid feature names"),
        pytest.raises(ValueError, match="expecting 10 features"),
    ):
        selector.transform(X.to_numpy()[:, :9])
    with pytest.raises(ValueError, match="feature names"):
        selector.transform(X[PHOG + LPQ])


@pytest.mark.filterwarnings("ignore:.*missing values:UserWarning")
def test_groups_of_loaded_feature_table():
    table = load_feature_table(DATA / "feature_table_example.csv")
    inferred = FeatureGroupSelector(select="phog").fit(table.data)
    explicit = FeatureGroupSelector(groups=table.groups, select="phog").fit(table.data)
    for selector in (inferred, explicit):
        assert list(selector.groups_) == list(table.groups)
        for name, columns in table.groups.items():
            assert table.data.columns[selector.groups_[name]].tolist() == columns
        out = selector.set_output(transform="pandas").transform(table.data)
        assert out.columns.tolist() == table.groups["phog"]


def test_failed_refit_leaves_no_stale_selection():
    X = np.arange(18.0).reshape(3, 6)
    selector = FeatureGroupSelector(groups={"a": [0], "b": [1, 2]}, select="b")
    selector.fit(X[:, :3])
    selector.set_params(groups={"a": [0], "b": [9]})
    with pytest.raises(ValueError):
        selector.fit(X)
    with pytest.raises(NotFittedError):
        selector.transform(X)
