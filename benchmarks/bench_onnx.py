"""onnxruntime's predictions against ``predict_proba``, and their parity.

Three fitted models, each exported with :func:`skneuro.onnx.to_onnx`:

- ``mlp``: ``FeatureGroupSelector -> StandardScaler -> PCA -> MLPClassifier``
  (two hidden layers, string labels) on a table in Hao's feature layout;
- ``cnn``: ``PoolInterpolate -> StandardScaler -> SmallCNN`` on scikit-learn's
  digits, enlarged to 24x24 pixels;
- ``googlenet``: ``GoogLeNetClassifier(input_size=32)`` on the same images
  (resized inside the network, and inside the ONNX graph).

For each, on held-out data: the labels' agreement, the largest difference
of the probabilities, and the time of ``predict_proba`` over the time of
onnxruntime's ``run`` on the same batch (median of interleaved repeats, in
one process), for a batch and for one sample at a time (a service's
latency). A ratio above 1 means onnxruntime is faster. torch and
onnxruntime each use their default threads on this machine.

Run: ``python benchmarks/bench_onnx.py [--repeats N]``.
"""

import argparse
import platform
import time

import numpy as np
import onnxruntime as ort
import torch
from sklearn.datasets import load_digits
from sklearn.decomposition import PCA
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skneuro import (
    FeatureGroupSelector,
    GoogLeNetClassifier,
    MLPClassifier,
    PoolInterpolate,
    SmallCNN,
    make_feature_table,
)
from skneuro.onnx import OPSET, to_onnx


def mlp_case():
    table = make_feature_table(2000, random_state=0)
    X = table.data.dropna()
    y = np.char.add("expression_", table.target[X.index].astype(str))
    model = make_pipeline(
        FeatureGroupSelector(select=["lpq", "phog"]),
        StandardScaler(),
        PCA(n_components=8),
        MLPClassifier(hidden_units=(32, 16), max_epochs=300, random_state=0),
    ).fit(X[:1000], y[:1000])
    return model, X[:1], X[1000:]


def _images():
    X, y = load_digits(return_X_y=True)
    images = np.kron((X / 16).reshape(-1, 8, 8), np.ones((3, 3))).astype(np.float32)
    return images, y


def cnn_case():
    images, y = _images()
    flat = images.reshape(len(images), -1)
    model = make_pipeline(
        PoolInterpolate(pool_size=2, image_shape=(24, 24)),
        StandardScaler(),
        SmallCNN(image_shape=(24, 24), max_epochs=3, random_state=0),
    ).fit(flat[:1000], y[:1000])
    return model, flat[:1], flat[1000:]


def googlenet_case():
    images, y = _images()
    model = GoogLeNetClassifier(
        input_size=32, max_epochs=1, batch_size=64, random_state=0
    ).fit(images[:1000], y[:1000])
    return model, images[:1], images[1000:1400]


CASES = {"mlp": mlp_case, "cnn": cnn_case, "googlenet": googlenet_case}


def _median_times(funcs, repeats):
    """Median seconds of each function, timed interleaved."""
    times = [[] for _ in funcs]
    for _ in range(repeats):
        for i, func in enumerate(funcs):
            start = time.perf_counter()
            func()
            times[i].append(time.perf_counter() - start)
    return [float(np.median(t)) for t in times]


def run_case(name, repeats):
    model, sample, X = CASES[name]()
    # onnxruntime takes the same rows as one float tensor.
    X_onnx = np.asarray(X)
    start = time.perf_counter()
    onnx_model = to_onnx(model, sample)
    export_s = time.perf_counter() - start
    session = ort.InferenceSession(
        onnx_model.SerializeToString(), providers=["CPUExecutionProvider"]
    )
    label, proba = session.run(None, {"X": X_onnx})
    row = {
        "name": name,
        "rows": len(X),
        "labels_equal": bool(np.array_equal(label, model.predict(X))),
        "max_proba_diff": float(np.abs(proba - model.predict_proba(X)).max()),
        "export_s": export_s,
    }
    batch = _median_times(
        [lambda: model.predict_proba(X), lambda: session.run(None, {"X": X_onnx})],
        repeats,
    )
    one, one_onnx = X[:1], X_onnx[:1]
    single = _median_times(
        [
            lambda: model.predict_proba(one),
            lambda: session.run(None, {"X": one_onnx}),
        ],
        max(repeats * 5, 20),
    )
    row["batch_ratio"] = batch[0] / batch[1]
    row["single_ratio"] = single[0] / single[1]
    row["single_ms"] = (single[0] * 1e3, single[1] * 1e3)
    return row


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--cases", nargs="+", default=list(CASES), choices=CASES)
    args = parser.parse_args(argv)
    print(
        f"{platform.processor() or platform.machine()}, torch {torch.__version__} "
        f"({torch.get_num_threads()} threads), onnxruntime {ort.__version__}, "
        f"opset {OPSET}"
    )
    header = (
        f"{'model':<10} {'rows':>5} {'labels':>7} {'max |dp|':>9} {'export s':>9} "
        f"{'batch x':>8} {'1-row x':>8} {'1-row ms (skneuro/ort)':>24}"
    )
    print(header)
    for name in args.cases:
        r = run_case(name, args.repeats)
        ms = f"{r['single_ms'][0]:.3f} / {r['single_ms'][1]:.3f}"
        print(
            f"{r['name']:<10} {r['rows']:>5} {str(r['labels_equal']):>7} "
            f"{r['max_proba_diff']:>9.1e} {r['export_s']:>9.1f} "
            f"{r['batch_ratio']:>8.2f} {r['single_ratio']:>8.2f} {ms:>24}"
        )
    print("x: predict_proba's time over onnxruntime's (above 1: onnxruntime faster)")


if __name__ == "__main__":
    main()
