"""Parallel searches: ``n_jobs=1`` against ``n_jobs=2`` and a Dask cluster.

For ``MLPClassifier`` (Hao's network, 1000 full-batch epochs on a feature
table) and ``SmallCNN`` (Buell's network, on 28x28 digits), a 12-fit
``GridSearchCV`` (4 settings x 3 folds, ``refit=False``) is timed

- with ``n_jobs=1`` (one fit at a time, each on torch's default threads),
- with ``n_jobs=2`` (joblib's loky workers, one thread each on 2 cores),
- under ``joblib.parallel_config(backend="dask")`` against a ``LocalCluster``
  of 2 worker processes of 1 thread each, started here,

and one fit of each network is timed on one thread (``n_threads=1``), to give
the ideal parallel time: fits / cores x one-thread fit time.

The three searches and the one-thread fit are interleaved and repeated
(``--repeats``); medians are reported. The worker pools are warm (started
and their imports done before timing), since a user pays their start once
per session, not per search. It prints the wall times, the speedups over
``n_jobs=1`` and the ratios to the ideal.

Run ``python benchmarks/bench_parallel.py`` (``--quick`` for a smoke run).
"""

import argparse
import statistics
import time
import warnings

import joblib
import numpy as np
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from skneuro import (
    FeatureGroupSelector,
    MLPClassifier,
    SmallCNN,
    load_digits_images,
    make_feature_table,
)


def mlp_case(epochs):
    table = make_feature_table(n_samples=213, random_state=0)
    pipe = Pipeline(
        [
            ("groups", FeatureGroupSelector(select="all")),
            ("scale", StandardScaler()),
            ("clf", MLPClassifier(max_epochs=epochs, random_state=0)),
        ]
    )
    grid = {"clf__hidden_units": [2, 5, 10, 19]}
    return pipe, grid, table.data, table.target


def cnn_case(epochs, n_images):
    X, y = load_digits_images(return_X_y=True)
    X = np.kron(X[:n_images] / 16.0, np.ones((3, 3)))  # 24x24
    X = np.pad(X, ((0, 0), (2, 2), (2, 2))).reshape(n_images, -1)  # 28x28
    pipe = Pipeline(
        [
            ("scale", StandardScaler()),
            ("clf", SmallCNN(image_shape=(28, 28), max_epochs=epochs, random_state=0)),
        ]
    )
    grid = {"clf__lr": [3e-4, 1e-3, 2e-3, 3e-3]}
    return pipe, grid, X, y[:n_images]


def timed(function):
    start = time.perf_counter()
    function()
    return time.perf_counter() - start


def search(pipe, grid, X, y, n_jobs):
    cv = StratifiedKFold(3, shuffle=True, random_state=0)
    return GridSearchCV(pipe, grid, cv=cv, n_jobs=n_jobs, refit=False).fit(X, y)


def one_thread_fit(pipe, X, y):
    return pipe.set_params(clf__n_threads=1).fit(X, y)


def measure(name, case, repeats):
    pipe, grid, X, y = case
    runs = {
        "n_jobs=1": lambda: search(pipe, grid, X, y, 1),
        "n_jobs=2": lambda: search(pipe, grid, X, y, 2),
        "dask": lambda: _on_dask(lambda: search(pipe, grid, X, y, -1)),
        "one fit, 1 thread": lambda: one_thread_fit(pipe, X, y),
    }
    times = {key: [] for key in runs}
    for r in range(repeats):
        keys = list(runs)
        keys = keys[r % len(keys) :] + keys[: r % len(keys)]  # rotate the order
        for key in keys:
            times[key].append(timed(runs[key]))
    medians = {key: statistics.median(values) for key, values in times.items()}
    fits = len(grid[next(iter(grid))]) * 3
    ideal = fits / 2 * medians["one fit, 1 thread"]
    print(f"\n{name}: {fits} fits, medians of {repeats} (seconds)")
    for key, value in medians.items():
        print(f"  {key:18s} {value:7.2f}")
    print(f"  ideal on 2 cores   {ideal:7.2f}  (fits / 2 x one-thread fit)")
    ratios = {
        "speedup n_jobs=2 over n_jobs=1": medians["n_jobs=1"] / medians["n_jobs=2"],
        "n_jobs=2 / ideal": medians["n_jobs=2"] / ideal,
        "n_jobs=1 / ideal": medians["n_jobs=1"] / ideal,
        "dask / n_jobs=2": medians["dask"] / medians["n_jobs=2"],
        "dask / ideal": medians["dask"] / ideal,
    }
    for key, value in ratios.items():
        print(f"  {key:32s} {value:5.2f}")
    return ratios


def _on_dask(function):
    with joblib.parallel_config(backend="dask"):
        return function()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="a smoke run")
    args = parser.parse_args()
    from distributed import Client, LocalCluster

    repeats = 1 if args.quick else args.repeats
    mlp = mlp_case(epochs=50 if args.quick else 1000)
    cnn = cnn_case(epochs=1 if args.quick else 3, n_images=300 if args.quick else 1200)
    print(f"joblib.cpu_count() = {joblib.cpu_count()}")
    with (
        warnings.catch_warnings(),
        LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0"
        ) as cluster,
        Client(cluster),
    ):
        warnings.simplefilter("ignore", UserWarning)
        # Warm both pools: workers started, torch and skneuro imported.
        _on_dask(lambda: search(*cnn_case(1, 60), n_jobs=-1))
        search(*cnn_case(1, 60), n_jobs=2)
        results = {
            "MLPClassifier": measure("MLPClassifier", mlp, repeats),
            "SmallCNN": measure("SmallCNN", cnn, repeats),
        }
    mlp_r, cnn_r = results["MLPClassifier"], results["SmallCNN"]
    checks = [
        (
            "MLP n_jobs=2 speedup over n_jobs=1",
            mlp_r["speedup n_jobs=2 over n_jobs=1"],
            1.6,
            True,
        ),
        ("SmallCNN n_jobs=2 / ideal", cnn_r["n_jobs=2 / ideal"], 1.1, False),
        (
            "SmallCNN n_jobs=2 speedup over n_jobs=1",
            cnn_r["speedup n_jobs=2 over n_jobs=1"],
            1.0,
            True,
        ),
        ("MLP Dask LocalCluster / n_jobs=2", mlp_r["dask / n_jobs=2"], 1.3, False),
        ("SmallCNN Dask LocalCluster / n_jobs=2", cnn_r["dask / n_jobs=2"], 1.3, False),
    ]
    print("\nTargets (2 cores):")
    for label, value, bound, at_least in checks:
        met = value >= bound if at_least else value <= bound
        sign = ">=" if at_least else "<="
        print(
            f"  {label:40s} {value:5.2f}  {sign} {bound}  {'met' if met else 'MISSED'}"
        )


if __name__ == "__main__":
    main()
