"""
============================================
Deploying a model: ONNX and safe model files
============================================

A fitted pipeline leaves the training machine in one of two ways:

- as an **ONNX graph** (:func:`skneuro.onnx.to_onnx`), which onnxruntime
  runs without Python's scientific stack, scikit-learn, torch or skneuro
  (in a service, on a phone, in a browser);
- as a **skneuro model file** (:func:`skneuro.io.dump` and
  :func:`skneuro.io.load`), which gives back the Python estimator itself,
  bit for bit, without pickle: loading a file cannot run code.

This example trains Hao's feature-group pipeline on a synthetic feature
table, exports it, checks onnxruntime's predictions against the pipeline's
own and times both, then writes the model file and loads it back. The ONNX
part needs the ``onnx`` extra: ``pip install "skneuro[onnx]"``.
"""

import tempfile
import time
import zipfile
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import onnxruntime as ort
from sklearn.decomposition import PCA
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import skneuro.io
import skneuro.onnx
from skneuro import FeatureGroupSelector, MLPClassifier, make_feature_table

# %%
# A pipeline with string labels
# -----------------------------
#
# :func:`~skneuro.make_feature_table` gives a table in the layout of Hao's
# spreadsheet (columns ``lpq_1..lpq_5`` and ``phog_1..phog_5``, labels
# 1..7), with the classes a little further apart than by default; the
# labels become the names of the seven expressions, so that the exported
# graph has string labels. The pipeline selects the two feature
# groups by name, scales, projects on six principal components and
# classifies with an MLP of two hidden layers.

table = make_feature_table(300, class_sep=1.5, random_state=0)
X = table.data
y = np.asarray(table.target_names)[table.target - 1]
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=0.3, stratify=y, random_state=0
)

pipe = make_pipeline(
    FeatureGroupSelector(select=["lpq", "phog"]),
    StandardScaler(),
    PCA(n_components=6),
    MLPClassifier(hidden_units=(16, 8), max_epochs=200, random_state=0),
).fit(X_train, y_train)
print(f"classes: {pipe.classes_.tolist()}")
print(f"test accuracy: {pipe.score(X_test, y_test):.3f}")

# %%
# Export to ONNX and run it
# -------------------------
#
# :func:`~skneuro.onnx.to_onnx` takes the fitted pipeline and a sample of
# its input, here one row of the DataFrame: its columns become the columns
# of the graph's input ``"X"``, and its float64 values make that input a
# double tensor (a float32 sample would make it float). Every step is in the
# graph: the column selection is a ``Gather``, the scaler and the PCA are
# skl2onnx's own converters, the MLP is a chain of ``Gemm`` nodes. The graph
# has two outputs: ``"label"`` (strings here, since the classes are strings)
# and ``"probabilities"`` (float32, one column per class of ``classes_``).

onnx_model = skneuro.onnx.to_onnx(pipe, X_train[:1], name="hao_pipeline")
session = ort.InferenceSession(
    onnx_model.SerializeToString(), providers=["CPUExecutionProvider"]
)
for kind, args in (("input", session.get_inputs()), ("output", session.get_outputs())):
    for arg in args:
        print(f"{kind:>6} {arg.name!r}: {arg.type}, shape {arg.shape}")

X_batch = X_test.to_numpy()  # float64, as the graph's input is double
label, probabilities = session.run(None, {"X": X_batch})

expected_label = pipe.predict(X_test)
expected_proba = pipe.predict_proba(X_test)
difference = np.abs(probabilities - expected_proba)
print(f"labels equal:            {np.array_equal(label, expected_label)}")
print(f"max probability diff.:   {difference.max():.2e}")
graph_bytes = len(onnx_model.SerializeToString())
print(f"opset: {skneuro.onnx.OPSET}, graph size: {graph_bytes} B")

# %%
# How fast onnxruntime answers
# ----------------------------
#
# The same batch through ``predict_proba`` (scikit-learn's validation, the
# scaler and PCA in NumPy, the network in torch) and through onnxruntime,
# interleaved, seven times each; the ratio of the medians. On a batch this
# small both are dominated by per-call overhead, which onnxruntime has much
# less of.


def seconds(function, *args):
    start = time.perf_counter()
    function(*args)
    return time.perf_counter() - start


times = {"skneuro": [], "onnxruntime": []}
for _ in range(7):
    times["skneuro"].append(seconds(pipe.predict_proba, X_test))
    times["onnxruntime"].append(seconds(session.run, None, {"X": X_batch}))
median = {name: np.median(values) for name, values in times.items()}
print(
    f"{len(X_batch)} rows: predict_proba {median['skneuro'] * 1e3:.2f} ms, "
    f"onnxruntime {median['onnxruntime'] * 1e3:.3f} ms, "
    f"ratio {median['skneuro'] / median['onnxruntime']:.0f}x"
)

# %%
# A model file instead of pickle
# ------------------------------
#
# :func:`skneuro.io.dump` writes the pipeline to one zip archive:
# ``model.json`` (the structure and plain values, with the format version),
# ``arrays/<n>.npy`` (NumPy arrays, read without pickle),
# ``tensors.safetensors`` (the network's weights and optimizer state) and
# ``skops/<n>.skops`` (the scaler and the PCA, read by skops).
# :func:`skneuro.io.load` checks the whole file against an allow-list before
# it builds anything, so a tampered file is refused instead of run.

with tempfile.TemporaryDirectory() as folder:
    path = Path(folder) / "hao_pipeline.skneuro"
    skneuro.io.dump(pipe, path)
    with zipfile.ZipFile(path) as archive:
        members = archive.namelist()
    size = path.stat().st_size
    loaded = skneuro.io.load(path)

print(f"model file: {size} B, members: {', '.join(sorted(members))}")
print(f"loaded: {' -> '.join(type(step).__name__ for _, step in loaded.steps)}")
print(
    "identical predictions after load:",
    np.array_equal(loaded.predict(X_test), expected_label)
    and np.array_equal(loaded.predict_proba(X_test), expected_proba),
)

# %%
# The loaded pipeline is the estimator itself, not a frozen graph: it
# predicts bit for bit as before, and its MLP can go on training
# (``partial_fit``, or ``warm_start=True`` and ``fit``).
#
# Probabilities, ONNX against skneuro
# -----------------------------------
#
# Every test sample's probability of every class, from onnxruntime against
# ``predict_proba``: on the diagonal, to float32 rounding (right: the
# differences).

fig, (ax_scatter, ax_diff) = plt.subplots(1, 2, figsize=(10, 4.2))
ax_scatter.scatter(expected_proba.ravel(), probabilities.ravel(), s=8, alpha=0.5)
ax_scatter.plot([0, 1], [0, 1], color="grey", linestyle=":", linewidth=1)
ax_scatter.set(
    xlabel="skneuro predict_proba",
    ylabel="onnxruntime probabilities",
    title="Every test sample and class",
)
ax_diff.hist(difference.ravel(), bins=30)
ax_diff.set(
    xlabel="absolute difference",
    ylabel="count",
    title=f"ONNX - skneuro (max {difference.max():.1e})",
)
ax_diff.ticklabel_format(axis="x", style="sci", scilimits=(0, 0))
fig.tight_layout()

plt.show()
