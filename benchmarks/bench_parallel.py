"""Parallel searches: ``n_jobs=1`` against ``n_jobs=2`` and a Dask cluster.

For ``MLPClassifier`` (Hao's network, 1000 full-batch epochs on a feature
table) and ``SmallCNN`` (Buell's network, on 28x28 digits), a 12-fit
``GridSearchCV`` (4 settings x 3 folds, ``refit=False``) is timed

- with ``n_jobs=1`` (one fit at a time, each on torch's default threads),
- with ``n_jobs=2`` (joblib's loky workers, one thread each on 2 cores),
- under ``joblib.parallel_config(backend="dask")`` against a ``LocalCluster``
  of 2 worker processes of 1 thread each, started here for that search alone
  and configured as "Scaling out" advises (``MALLOC_TRIM_THRESHOLD_`` unset),

and one fit of each network on a training fold of the same split is timed on
one thread (``n_threads=1``), to give the ideal parallel time: fits / cores x
one-thread fit time.

Last, it times one one-thread ``SmallCNN`` fit in fresh processes with and
without ``MALLOC_TRIM_THRESHOLD_=65536``, the value Dask's nanny puts in its
workers' environment (``distributed.nanny.pre-spawn-environ``). Setting it
stops glibc from adapting its mmap threshold, so torch's large temporary
buffers are mapped and unmapped again on every use. The ratio shows what the
docs' advice to unset it (see "Scaling out") is worth.

The three searches and the one-thread fit are interleaved and repeated
(``--repeats``); medians are reported. The worker pools are warm (started
and their imports done before timing), since a user pays their start once
per session, not per search; the cluster's start and stop are not timed.
It prints the wall times, the speedups over ``n_jobs=1`` and the ratios to
the ideal.

Run ``python benchmarks/bench_parallel.py`` (``--quick`` for a smoke run).
"""

import argparse
import os
import statistics
import subprocess
import sys
import time
import warnings

import joblib
import numpy as np
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils import _safe_indexing

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
    """Seconds ``function`` took, and what it returned."""
    start = time.perf_counter()
    result = function()
    return time.perf_counter() - start, result


def timed_on_local_cluster(function):
    """Time ``function`` under the dask backend, on a warm 2-worker cluster.

    The cluster is started (with the setting "Scaling out" advises: Dask's
    ``MALLOC_TRIM_THRESHOLD_`` unset), warmed with a tiny search, timed, and
    closed, so that its idle workers do not share the cores with the other
    runs: on 2 cores they slowed a loky search by 5 to 10%. The nanny writes
    its ``pre-spawn-environ`` into this process's ``os.environ``; it is put
    back, or the loky workers started later would inherit it.
    """
    import dask
    from distributed import Client, LocalCluster

    saved = dict(os.environ)
    unset = {"distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": None}
    try:
        with (
            dask.config.set(unset),
            warnings.catch_warnings(),
            LocalCluster(
                n_workers=2,
                threads_per_worker=1,
                processes=True,
                dashboard_address=":0",
            ) as cluster,
            Client(cluster),
            joblib.parallel_config(backend="dask"),
        ):
            warnings.simplefilter("ignore", UserWarning)
            search(*cnn_case(1, 60), n_jobs=-1)  # torch and skneuro imported
            return timed(function)
    finally:
        os.environ.clear()
        os.environ.update(saved)


CV = StratifiedKFold(3, shuffle=True, random_state=0)


def search(pipe, grid, X, y, n_jobs):
    return GridSearchCV(pipe, grid, cv=CV, n_jobs=n_jobs, refit=False).fit(X, y)


def one_thread_fit(pipe, X, y):
    """One fit of the search, on its first training fold, on one thread.

    A clone, so that ``n_threads=1`` does not leak into the searches.
    """
    train, _ = next(CV.split(X, y))
    X_train, y_train = _safe_indexing(X, train), _safe_indexing(y, train)
    return clone(pipe).set_params(clf__n_threads=1).fit(X_train, y_train)


def one_thread_fit_seconds(pipe, X, y, fits=3):
    """Mean seconds of ``fits`` one-thread fits: the ideal multiplies this by
    6, so it is measured more than once per repeat."""
    return statistics.mean(
        timed(lambda: one_thread_fit(pipe, X, y))[0] for _ in range(fits)
    )


def measure(name, case, repeats):
    pipe, grid, X, y = case
    runs = {
        "n_jobs=1": lambda: search(pipe, grid, X, y, 1),
        "n_jobs=2": lambda: search(pipe, grid, X, y, 2),
        "dask": lambda: search(pipe, grid, X, y, -1),
        "one fit, 1 thread": lambda: one_thread_fit_seconds(pipe, X, y),
    }
    times = {key: [] for key in runs}
    worker_fit, score_share = [], []
    for r in range(repeats):
        keys = list(runs)
        keys = keys[r % len(keys) :] + keys[: r % len(keys)]  # rotate the order
        for key in keys:
            timer = {
                "dask": timed_on_local_cluster,
                "one fit, 1 thread": lambda run: (run(), None),  # times itself
            }.get(key, timed)
            seconds, result = timer(runs[key])
            if key == "n_jobs=2":
                fit = result.cv_results_["mean_fit_time"].mean()
                score = result.cv_results_["mean_score_time"].sum() * 3
                worker_fit.append(fit)
                score_share.append(score / 2 / seconds)
            times[key].append(seconds)
    medians = {key: statistics.median(values) for key, values in times.items()}
    fits = len(grid[next(iter(grid))]) * 3
    ideal = fits / 2 * medians["one fit, 1 thread"]
    print(f"\n{name}: {fits} fits, medians of {repeats} (seconds)")
    for key, value in medians.items():
        print(f"  {key:18s} {value:7.2f}")
    print(f"  ideal on 2 cores   {ideal:7.2f}  (fits / 2 x one-thread fit)")
    # While two fits run at once, each is slower than one fit alone: the two
    # vCPUs of a shared machine slow each other. The loaded ideal times the
    # fit as it ran in the workers, so it shows the scheduling overhead alone.
    in_worker = statistics.median(worker_fit)
    loaded_ideal = fits / 2 * in_worker
    print(
        f"  n_jobs=2: a fit in a worker {in_worker:.2f} s, "
        f"scoring {statistics.median(score_share):.0%} of the wall time"
    )
    print(f"  loaded ideal       {loaded_ideal:7.2f}  (fits / 2 x fit in a worker)")
    ratios = {
        "speedup n_jobs=2 over n_jobs=1": medians["n_jobs=1"] / medians["n_jobs=2"],
        "n_jobs=2 / ideal": medians["n_jobs=2"] / ideal,
        "n_jobs=2 / loaded ideal": medians["n_jobs=2"] / loaded_ideal,
        "n_jobs=1 / ideal": medians["n_jobs=1"] / ideal,
        "dask / n_jobs=2": medians["dask"] / medians["n_jobs=2"],
        "dask / ideal": medians["dask"] / ideal,
    }
    for key, value in ratios.items():
        print(f"  {key:32s} {value:5.2f}")
    return ratios


_FRESH_FIT = """
import time
from bench_parallel import cnn_case
pipe, grid, X, y = cnn_case(epochs={epochs}, n_images={n_images})
pipe.set_params(clf__n_threads=1, clf__max_epochs=1).fit(X[:100], y[:100])
pipe.set_params(clf__max_epochs={epochs})
start = time.perf_counter()
pipe.fit(X, y)
print(time.perf_counter() - start)
"""


def fresh_fit_seconds(malloc_trim, epochs, n_images):
    """One one-thread SmallCNN fit in a new process, with or without the
    malloc setting of Dask's nanny (it is read once, at process start)."""
    env = dict(os.environ)
    env.pop("MALLOC_TRIM_THRESHOLD_", None)
    if malloc_trim:
        env["MALLOC_TRIM_THRESHOLD_"] = "65536"
    code = _FRESH_FIT.format(epochs=epochs, n_images=n_images)
    here = os.path.dirname(os.path.abspath(__file__))
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [here, env.get("PYTHONPATH")]))
    out = subprocess.run(
        [sys.executable, "-c", code],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    return float(out.stdout.split()[-1])


def measure_malloc_trim(repeats, epochs, n_images):
    times = {False: [], True: []}
    for r in range(repeats):
        for trim in (r % 2 == 0, r % 2 != 0):  # alternate which runs first
            times[trim].append(fresh_fit_seconds(trim, epochs, n_images))
    unset = statistics.median(times[False])
    nanny = statistics.median(times[True])
    print(f"\nSmallCNN one-thread fit in a fresh process, medians of {repeats}")
    print(f"  MALLOC_TRIM_THRESHOLD_ unset     {unset:7.2f}")
    print(f"  MALLOC_TRIM_THRESHOLD_=65536     {nanny:7.2f}")
    print(f"  nanny setting / unset            {nanny / unset:5.2f}")
    return nanny / unset


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="a smoke run")
    args = parser.parse_args()
    repeats = 1 if args.quick else args.repeats
    mlp = mlp_case(epochs=50 if args.quick else 1000)
    cnn = cnn_case(epochs=1 if args.quick else 3, n_images=300 if args.quick else 1200)
    print(f"joblib.cpu_count() = {joblib.cpu_count()}")
    search(*cnn_case(1, 60), n_jobs=2)  # loky's workers started and warm
    results = {
        "MLPClassifier": measure("MLPClassifier", mlp, repeats),
        "SmallCNN": measure("SmallCNN", cnn, repeats),
    }
    mlp_r, cnn_r = results["MLPClassifier"], results["SmallCNN"]
    measure_malloc_trim(
        repeats, epochs=1 if args.quick else 4, n_images=300 if args.quick else 1200
    )
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
