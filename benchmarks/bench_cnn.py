"""Image-classifier throughput against a hand-written PyTorch loop (and Keras).

Training, images per second:

- ``SmallCNN.fit`` (the network of Buell, "Approximate Computation Image
  Classification") against a hand-written PyTorch loop of the same network,
  batch size (128) and optimizer (Adam, 1e-3), on 8,000 grey 28x28 images,
  with ``padding="valid"`` (the paper's layout) and ``padding="same"``;
- the same hand-written loop with channels-last tensors, which shows where
  most of the difference comes from;
- Keras on TensorFlow, the framework Buell used, when an interpreter with
  TensorFlow is at hand (``--keras-python``, or this one if it imports
  ``tensorflow``): the same network in a subprocess. Not a dependency;
- ``GoogLeNetClassifier.fit`` (``input_size=64``, batch size 32, Adam 1e-3)
  against a hand-written loop over torchvision's GoogLeNet that resizes,
  repeats and normalises each batch, on 1,000 grey 25x25 images (the size of
  the shipped faces).

Prediction, images per second: ``predict_proba`` against the hand-written
network in evaluation mode under ``torch.inference_mode`` in batches of 1,024.

PyTorch measurements are interleaved and repeated (``--repeats``); the median
is reported, and each estimator's figure as a ratio to the hand-written loop
measured in the same process. Run ``python benchmarks/bench_cnn.py``
(``--quick`` for a smoke run).
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn
from torchvision.models import GoogLeNet

from skneuro import GoogLeNetClassifier, SmallCNN

#: Training throughput the estimators must reach, as a multiple of the
#: hand-written loop's.
TARGET = 1.0

KERAS_SCRIPT = r"""
import json, sys, time
import numpy as np
import tensorflow as tf
padding, n, epochs = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
rng = np.random.default_rng(0)
X = rng.standard_normal((n, 28, 28, 1)).astype("float32")
y = rng.integers(0, 10, n)
L = tf.keras.layers
model = tf.keras.Sequential(
    [tf.keras.Input((28, 28, 1))]
    + [L.Conv2D(32, 3, padding=padding, activation="relu") for _ in range(2)]
    + [L.MaxPooling2D(2, padding=padding)]
    + [L.Conv2D(32, 3, padding=padding, activation="relu") for _ in range(2)]
    + [L.MaxPooling2D(2, padding=padding), L.Flatten()]
    + [L.Dense(u, activation="relu") for u in (64, 64, 32, 32)]
    + [L.Dense(10)]
)
model.compile(
    optimizer=tf.keras.optimizers.Adam(1e-3),
    loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True),
)
model.fit(X, y, batch_size=128, epochs=1, verbose=0)  # build and trace
rates = []
for _ in range(epochs):
    start = time.perf_counter()
    model.fit(X, y, batch_size=128, epochs=1, verbose=0)
    rates.append(n / (time.perf_counter() - start))
print(json.dumps({"rate": sorted(rates)[len(rates) // 2], "tf": tf.__version__}))
"""


def small_cnn_layers(padding, n_classes=10, size=28):
    """Buell's network, written out as a user would by hand (NCHW)."""
    pad = 1 if padding == "same" else 0
    layers = []
    channels = 1
    for _ in range(2):
        layers += [
            nn.Conv2d(channels, 32, 3, padding=pad),
            nn.ReLU(),
            nn.Conv2d(32, 32, 3, padding=pad),
            nn.ReLU(),
            nn.MaxPool2d(2),
        ]
        channels = 32
        size = size // 2 if padding == "same" else (size - 4) // 2
    layers += [nn.Flatten(), nn.Linear(32 * size * size, 64), nn.ReLU()]
    for a, b in [(64, 64), (64, 32), (32, 32)]:
        layers += [nn.Linear(a, b), nn.ReLU()]
    layers.append(nn.Linear(32, n_classes))
    return nn.Sequential(*layers)


def hand_loop(model, X, y, batch_size, epochs, prepare=None, channels_last=False):
    """The textbook loop: shuffle, slice, forward, loss, backward, Adam."""
    if channels_last:
        model = model.to(memory_format=torch.channels_last)
        X = X.contiguous(memory_format=torch.channels_last)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    criterion = nn.CrossEntropyLoss()
    model.train()
    for _ in range(epochs):
        order = torch.randperm(len(X))
        for start in range(0, len(X), batch_size):
            index = order[start : start + batch_size]
            Xb, yb = X[index], y[index]
            if prepare is not None:
                Xb = prepare(Xb)
            optimizer.zero_grad()
            loss = criterion(model(Xb), yb)
            loss.backward()
            optimizer.step()
    return model


def hand_predict(model, X, prepare=None, batch_size=1024):
    model.eval()
    out = []
    with torch.inference_mode():
        for start in range(0, len(X), batch_size):
            Xb = X[start : start + batch_size]
            if prepare is not None:
                Xb = prepare(Xb)
            out.append(torch.softmax(model(Xb), dim=1))
    return torch.cat(out)


def googlenet_prepare(size, mean, std):
    def prepare(Xb):
        Xb = F.interpolate(Xb, size=(size, size), mode="bilinear")
        return (Xb.expand(-1, 3, -1, -1) - mean) / std

    return prepare


def rate(n, fn):
    start = time.perf_counter()
    fn()
    return n / (time.perf_counter() - start)


def measure(contenders, repeats):
    """Run each contender ``repeats`` times, interleaved; median rates."""
    rates = {name: [] for name in contenders}
    for _ in range(repeats):
        for name, fn in contenders.items():
            rates[name].append(fn())
    return {name: statistics.median(r) for name, r in rates.items()}


def keras_rate(python, padding, n, epochs):
    if python is None:
        return None, None
    result = subprocess.run(
        [python, "-c", KERAS_SCRIPT, padding, str(n), str(epochs)],
        capture_output=True,
        text=True,
        env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"},
        check=False,
    )
    if result.returncode != 0:
        print(f"  Keras run failed: {result.stderr.strip().splitlines()[-1:]}")
        return None, None
    payload = json.loads(result.stdout.strip().splitlines()[-1])
    return payload["rate"], payload["tf"]


def find_keras_python(given):
    if given:
        return given
    try:
        import tensorflow  # noqa: F401
    except ImportError:
        return None
    return sys.executable


def small_cnn(n, epochs, repeats, keras_python):
    rng = np.random.default_rng(0)
    X = rng.standard_normal((n, 1, 28, 28)).astype(np.float32)
    y = rng.integers(0, 10, n)
    return [
        small_cnn_case(padding, X, y, epochs, repeats, keras_python)
        for padding in ["valid", "same"]
    ]


def small_cnn_case(padding, X, y, epochs, repeats, keras_python):
    n = len(X)
    X_t, y_t = torch.from_numpy(X), torch.from_numpy(y)
    print(f"\nSmallCNN, padding={padding!r}: {n} images, {epochs} epoch(s)")
    torch.manual_seed(0)
    fitted = {}

    def fit_skneuro():
        est = SmallCNN(padding=padding, max_epochs=epochs, random_state=0)
        fitted["est"] = est
        return rate(n * epochs, lambda: est.fit(X, y))

    def fit_hand(channels_last=False):
        model = small_cnn_layers(padding)
        fitted["hand"] = model
        return rate(
            n * epochs,
            lambda: hand_loop(model, X_t, y_t, 128, epochs, None, channels_last),
        )

    train = measure(
        {
            "hand-written loop": fit_hand,
            "hand-written, channels-last": lambda: fit_hand(True),
            "SmallCNN.fit": fit_skneuro,
        },
        repeats,
    )
    keras, tf_version = keras_rate(keras_python, padding, n, max(3, epochs))
    hand = train["hand-written loop"]
    for name, value in train.items():
        print(f"  train {name:30s} {value:8.0f} images/s  {value / hand:5.2f}x")
    if keras is not None:
        print(
            f"  train {'Keras (TensorFlow ' + tf_version + ')':30s} "
            f"{keras:8.0f} images/s  {keras / hand:5.2f}x   SmallCNN/Keras "
            f"{train['SmallCNN.fit'] / keras:.2f}x"
        )
    else:
        print("  Keras: no interpreter with TensorFlow (--keras-python)")
    predict = measure(
        {
            "hand-written": lambda: rate(n, lambda: hand_predict(fitted["hand"], X_t)),
            "SmallCNN.predict_proba": lambda: rate(
                n, lambda: fitted["est"].predict_proba(X)
            ),
        },
        repeats,
    )
    for name, value in predict.items():
        ratio = value / predict["hand-written"]
        print(f"  predict {name:28s} {value:8.0f} images/s  {ratio:5.2f}x")
    return (f"SmallCNN {padding}", train["SmallCNN.fit"] / hand)


def googlenet(n, epochs, repeats, input_size=64):
    rng = np.random.default_rng(0)
    X = rng.random((n, 1, 25, 25)).astype(np.float32)
    y = rng.integers(0, 2, n)
    X_t, y_t = torch.from_numpy(X), torch.from_numpy(y)
    mean = torch.tensor(float(X.mean()))
    std = torch.tensor(float(X.std()))
    prepare = googlenet_prepare(input_size, mean, std)
    print(f"\nGoogLeNetClassifier, input_size={input_size}: {n} images of 25x25")
    fitted = {}

    def fit_skneuro():
        est = GoogLeNetClassifier(
            input_size=input_size, max_epochs=epochs, random_state=0
        )
        fitted["est"] = est
        return rate(n * epochs, lambda: est.fit(X, y))

    def fit_hand(channels_last=False):
        torch.manual_seed(0)
        model = GoogLeNet(num_classes=2, aux_logits=False, init_weights=True)
        fitted["hand"] = model
        return rate(
            n * epochs,
            lambda: hand_loop(model, X_t, y_t, 32, epochs, prepare, channels_last),
        )

    train = measure(
        {
            "hand-written loop": fit_hand,
            "hand-written, channels-last": lambda: fit_hand(True),
            "GoogLeNetClassifier.fit": fit_skneuro,
        },
        repeats,
    )
    hand = train["hand-written loop"]
    for name, value in train.items():
        print(f"  train {name:30s} {value:8.0f} images/s  {value / hand:5.2f}x")
    predict = measure(
        {
            "hand-written": lambda: rate(
                n, lambda: hand_predict(fitted["hand"], X_t, prepare)
            ),
            "GoogLeNetClassifier.predict_proba": lambda: rate(
                n, lambda: fitted["est"].predict_proba(X)
            ),
        },
        repeats,
    )
    for name, value in predict.items():
        ratio = value / predict["hand-written"]
        print(f"  predict {name:33s} {value:8.0f} images/s  {ratio:5.2f}x")
    return [("GoogLeNetClassifier", train["GoogLeNetClassifier.fit"] / hand)]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a smoke run")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument(
        "--keras-python",
        help="a Python interpreter with TensorFlow, for the Keras column",
    )
    args = parser.parse_args()
    n_small, n_google, epochs = (8000, 1000, 2) if not args.quick else (512, 64, 1)
    repeats = 1 if args.quick else args.repeats
    print(
        f"torch {torch.__version__}, {torch.get_num_threads()} threads, "
        f"{os.cpu_count()} CPUs"
    )
    keras_python = None if args.quick else find_keras_python(args.keras_python)
    verdicts = small_cnn(n_small, epochs, repeats, keras_python)
    verdicts += googlenet(n_google, 1, repeats)
    print(f"\nTraining throughput against the hand-written loop (target {TARGET}x):")
    for name, ratio in verdicts:
        print(f"  {name:22s} {ratio:5.2f}x  {'PASS' if ratio >= TARGET else 'FAIL'}")


if __name__ == "__main__":
    main()
