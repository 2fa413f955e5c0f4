"""What a user does with skneuro: pipelines, searches, cross-validation, pickling."""

import pickle
import warnings
from pathlib import Path

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV, StratifiedKFold, cross_val_score
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from skneuro import FeatureGroupSelector, MLPClassifier, load_feature_table

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="module")
def table():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # the one dropped row
        return load_feature_table(DATA / "feature_table_example.csv")


def seed_pipeline(**clf_params):
    params = {"max_epochs": 60, "lr": 0.05, "random_state": 0, **clf_params}
    return Pipeline(
        [
            ("groups", FeatureGroupSelector()),
            ("scale", StandardScaler()),
            ("clf", MLPClassifier(**params)),
        ]
    )


def test_seed_search_over_hidden_sizes_and_feature_groups(table):
    grid = {
        "groups__select": ["lpq", "phog", "all"],
        "clf__hidden_units": range(1, 20),
    }
    search = GridSearchCV(seed_pipeline(), grid, cv=3, n_jobs=1)
    search.fit(table.data, table.target)
    results = search.cv_results_
    assert len(results["params"]) == 57
    assert np.isfinite(results["mean_test_score"]).all()
    assert search.best_params_["groups__select"] in {"lpq", "phog", "all"}
    # The refitted best model sees only the selected group's columns.
    best = search.best_estimator_
    n_selected = len(best[:-1].get_feature_names_out())
    assert best[-1].n_features_in_ == n_selected
    assert n_selected == (10 if search.best_params_["groups__select"] == "all" else 5)
    assert set(best.predict(table.data)) <= set(table.target)


def test_search_in_parallel_matches_sequential(table):
    grid = {"groups__select": ["lpq", "all"], "clf__hidden_units": [2, 5]}
    cv = StratifiedKFold(3, shuffle=True, random_state=0)
    sequential = GridSearchCV(seed_pipeline(), grid, cv=cv, n_jobs=1)
    parallel = GridSearchCV(seed_pipeline(), grid, cv=cv, n_jobs=2)
    sequential.fit(table.data, table.target)
    parallel.fit(table.data, table.target)
    np.testing.assert_allclose(
        sequential.cv_results_["mean_test_score"],
        parallel.cv_results_["mean_test_score"],
    )


def test_cross_val_score_on_array_with_explicit_groups(table):
    X = table.data.to_numpy()
    groups = {"lpq": slice(0, 5), "phog": slice(5, 10)}
    pipe = seed_pipeline()
    pipe.set_params(groups__groups=groups, groups__select="lpq")
    scores = cross_val_score(pipe, X, table.target, cv=3)
    assert scores.shape == (3,)
    assert np.all((scores >= 0) & (scores <= 1))


def test_fitted_pipeline_pickles_and_clones(table):
    pipe = seed_pipeline().fit(table.data, table.target)
    restored = pickle.loads(pickle.dumps(pipe))
    np.testing.assert_array_equal(
        restored.predict_proba(table.data), pipe.predict_proba(table.data)
    )
    fresh = clone(pipe)
    assert not hasattr(fresh[-1], "net_")
    refit = fresh.fit(table.data, table.target)
    # Same random_state, same data: the clone learns the very same model.
    np.testing.assert_array_equal(
        refit.predict_proba(table.data), pipe.predict_proba(table.data)
    )


def test_pandas_output_through_the_pipeline(table):
    pipe = seed_pipeline()
    pipe[:-1].set_output(transform="pandas")
    pipe.set_params(groups__select="phog").fit(table.data, table.target)
    features = pipe[:-1].transform(table.data)
    assert list(features.columns) == [f"phog_{i}" for i in range(1, 6)]
    np.testing.assert_array_equal(pipe[-1].feature_names_in_, features.columns)
