"""Parallel fits: torch threads per fit, joblib workers, and a Dask cluster.

The Dask tests start a ``LocalCluster`` of worker processes, as a user's
cluster would run them (each worker a fresh interpreter started by a nanny,
with the nanny's ``OMP_NUM_THREADS=1``).
"""

import os
import pickle
import sys
import warnings
from contextlib import contextmanager
from pathlib import Path

import cloudpickle
import joblib
import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.model_selection import (
    GridSearchCV,
    StratifiedKFold,
    cross_val_score,
    cross_validate,
)
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from skorch.callbacks import Callback

from skneuro import (
    FeatureGroupSelector,
    MLPClassifier,
    PoolInterpolate,
    SmallCNN,
    load_digits_images,
    load_feature_table,
)
from skneuro._engine.threads import decide_threads

distributed = pytest.importorskip("distributed")

DATA = Path(__file__).parent / "data"

# The workers cannot import this test module; send its helpers by value.
cloudpickle.register_pickle_by_value(sys.modules[__name__])


class RecordThreads(Callback):
    """Records torch's thread count in the training thread, every epoch."""

    def initialize(self):
        self.seen_ = set()
        return self

    def on_epoch_end(self, net, **kwargs):
        self.seen_.add(torch.get_num_threads())
        net.history.record("torch_threads", torch.get_num_threads())


@pytest.fixture(scope="module")
def table():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # the one dropped row
        return load_feature_table(DATA / "feature_table_example.csv")


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits_images(return_X_y=True)
    return X[:300].reshape(300, -1) / 16.0, y[:300]


def mlp_search(n_jobs):
    pipe = Pipeline(
        [
            ("groups", FeatureGroupSelector()),
            ("scale", StandardScaler()),
            ("clf", MLPClassifier(max_epochs=100, lr=0.05, random_state=0)),
        ]
    )
    grid = {"groups__select": ["lpq", "phog", "all"], "clf__hidden_units": [2, 8]}
    cv = StratifiedKFold(3, shuffle=True, random_state=0)
    return GridSearchCV(pipe, grid, cv=cv, n_jobs=n_jobs)


def cnn_pipeline():
    return Pipeline(
        [
            ("pool", PoolInterpolate(2, 1, image_shape=(8, 8))),
            ("scale", StandardScaler()),
            (
                "cnn",
                SmallCNN(
                    image_shape=(8, 8),
                    n_filters=8,
                    max_epochs=10,
                    batch_size=32,
                    random_state=0,
                ),
            ),
        ]
    )


def fitted_threads(estimator):
    """``n_threads_`` and the counts torch reported inside the training loop."""
    return estimator.n_threads_, {row["torch_threads"] for row in estimator.history_}


# -- threads of one fit ------------------------------------------------------
def test_n_threads_sets_the_training_threads_and_restores_them(table):
    before = torch.get_num_threads()
    clf = MLPClassifier(
        max_epochs=3, n_threads=1, callbacks=[RecordThreads()], random_state=0
    )
    clf.fit(table.data, table.target)
    assert fitted_threads(clf) == (1, {1})
    assert torch.get_num_threads() == before


def test_default_threads_follow_torch_in_the_main_process(table):
    clf = MLPClassifier(max_epochs=2, callbacks=[RecordThreads()], random_state=0)
    clf.fit(table.data, table.target)
    expected = min(torch.get_num_threads(), joblib.cpu_count())
    assert fitted_threads(clf) == (expected, {expected})


def test_a_failed_fit_restores_the_threads(table):
    class Fails(Callback):
        def on_epoch_end(self, net, **kwargs):
            raise RuntimeError("boom")

    before = torch.get_num_threads()
    clf = MLPClassifier(max_epochs=3, n_threads=1, callbacks=[Fails()])
    with pytest.raises(RuntimeError, match="boom"):
        clf.fit(table.data, table.target)
    assert torch.get_num_threads() == before
    assert not hasattr(clf, "n_threads_")


def test_n_threads_is_validated_before_training(table):
    with pytest.raises(ValueError, match="n_threads"):
        MLPClassifier(n_threads=0).fit(table.data, table.target)


def test_joblib_workers_share_the_cores(table):
    """loky gives each of n_jobs workers cpu_count() // n_jobs threads."""
    clf = MLPClassifier(max_epochs=2, callbacks=[RecordThreads()], random_state=0)
    result = cross_validate(
        clf, table.data, table.target, cv=2, n_jobs=2, return_estimator=True
    )
    share = max(1, joblib.cpu_count() // 2)
    for fitted in result["estimator"]:
        assert fitted_threads(fitted) == (share, {share})


# -- Dask --------------------------------------------------------------------
@contextmanager
def local_cluster(n_workers):
    """A ``LocalCluster`` of worker processes and its client, closed on exit.

    The ``with`` blocks close the client and the cluster (and with it the
    worker processes) however the block ends, a failed assertion included.
    Dask's nanny writes its ``pre-spawn-environ`` (``OMP_NUM_THREADS=1``,
    ``MALLOC_TRIM_THRESHOLD_``...) into this process's ``os.environ`` before
    it spawns a worker; the environment is put back on exit, so that the
    processes later tests start do not inherit them.
    """
    saved = dict(os.environ)
    try:
        with (
            distributed.LocalCluster(
                n_workers=n_workers,
                threads_per_worker=1,
                processes=True,
                dashboard_address=":0",
            ) as cluster,
            distributed.Client(cluster) as client,
        ):
            yield client
    finally:
        os.environ.clear()
        os.environ.update(saved)


@pytest.fixture(scope="module")
def dask_client():
    with local_cluster(2) as client:
        yield client


def test_search_on_dask_matches_local_n_jobs(dask_client, table):
    local = mlp_search(n_jobs=2).fit(table.data, table.target)
    with joblib.parallel_config(backend="dask"):
        on_dask = mlp_search(n_jobs=-1).fit(table.data, table.target)
    assert on_dask.best_params_ == local.best_params_
    for key in local.cv_results_:
        if key.startswith("split") or key.startswith("mean_test"):
            np.testing.assert_allclose(
                on_dask.cv_results_[key], local.cv_results_[key], atol=1e-6, rtol=0
            )
    best = pickle.loads(pickle.dumps(on_dask.best_estimator_))
    assert best[-1].device_ == "cpu"
    np.testing.assert_array_equal(
        best.predict(table.data), local.best_estimator_.predict(table.data)
    )


def test_cnn_cross_val_score_on_dask_matches_local_n_jobs(dask_client, digits):
    X, y = digits
    local = cross_val_score(cnn_pipeline(), X, y, cv=3, n_jobs=2)
    with joblib.parallel_config(backend="dask"):
        on_dask = cross_val_score(cnn_pipeline(), X, y, cv=3, n_jobs=-1)
    np.testing.assert_allclose(on_dask, local, atol=1e-6, rtol=0)
    assert local.mean() > 0.5  # it learned: ten classes, chance is 0.1


def test_fits_from_workers_come_back_and_predict_in_the_client(dask_client, digits):
    X, y = digits
    pipe = cnn_pipeline()
    pipe.set_params(cnn__callbacks=[RecordThreads()])
    with joblib.parallel_config(backend="dask"):
        result = cross_validate(pipe, X, y, cv=2, n_jobs=-1, return_estimator=True)
    share = max(1, joblib.cpu_count() // 2)  # two one-thread workers per host
    for fitted, score in zip(result["estimator"], result["test_score"], strict=True):
        fitted = pickle.loads(pickle.dumps(fitted))
        assert fitted_threads(fitted[-1]) == (share, {share})
        assert 0 <= fitted.score(X, y) <= 1
        assert fitted[-1].device_ == "cpu"
        assert score > 0.3


def run_fit_in_worker(data, target):
    """In a Dask worker: the environment's OMP setting and the fit's threads."""
    clf = MLPClassifier(max_epochs=2, callbacks=[RecordThreads()], random_state=0)
    clf.fit(data, target)
    return os.environ.get("OMP_NUM_THREADS"), fitted_threads(clf)


def test_a_lone_worker_fits_on_every_core_and_the_cluster_stops_on_failure(table):
    """The nanny's OMP_NUM_THREADS=1 does not hold a lone worker's fit to one
    core, and the worker processes are gone after a block that failed, and
    the nanny's variables are out of this process's environment."""
    before = dict(os.environ)
    with pytest.raises(AssertionError, match="failing on purpose"):
        with local_cluster(1) as client:
            pids = list(client.run(os.getpid).values())
            future = client.submit(run_fit_in_worker, table.data, table.target)
            omp, threads = future.result()
            cores = client.submit(joblib.cpu_count).result()
            assert omp == "1"
            assert threads == (cores, {cores})
            raise AssertionError("failing on purpose")
    for pid in pids:
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)
    assert dict(os.environ) == before


def test_decide_threads_outside_a_worker_ignores_dask():
    assert decide_threads() == min(torch.get_num_threads(), joblib.cpu_count())


def test_study_on_dask_writes_the_csv_of_the_local_n_jobs_run(dask_client, tmp_path):
    """``skneuro study --scheduler`` against ``--n-jobs 2``: same runs, same
    order, scores equal to 1e-6."""
    from skneuro.studies._cli import main

    study = ["study", "pool-interpolate", "--repeats", "2", "--epochs", "2"]
    study += ["--cases", "baseline", "2x2/2", "3x3/1", "--no-progress"]
    local, on_dask = tmp_path / "local", tmp_path / "dask"
    assert main([*study, "--out", str(local), "--n-jobs", "2"]) == 0
    address = dask_client.scheduler.address
    assert main([*study, "--out", str(on_dask), "--scheduler", address]) == 0
    expected = pd.read_csv(local / "pool_interpolate.csv")
    got = pd.read_csv(on_dask / "pool_interpolate.csv")
    assert got["run"].tolist() == expected["run"].tolist()
    assert got["run"].nunique() == 6 and list(got.columns) == list(expected.columns)
    for column in expected.columns:
        if expected[column].dtype.kind == "f":
            np.testing.assert_allclose(got[column], expected[column], atol=1e-6)
        else:
            assert got[column].tolist() == expected[column].tolist()
