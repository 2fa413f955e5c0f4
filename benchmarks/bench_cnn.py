"""Image-classifier throughput against a hand-written PyTorch loop (and Keras).

Training, images per second:

- ``SmallCNN.fit`` (the network of Buell, "Approximate Computation Image
  Classification") against a hand-written PyTorch loop of the same network,
  batch size (128) and optimizer (Adam, 1e-3), on 8,000 grey 28x28 images,
  with ``padding="valid"`` (the paper's layout) and ``padding="same"``;
- the same hand-written loop with channels-last tensors, which shows where
  most of the difference comes from;
- in bfloat16: the channels-last loop under ``torch.autocast("cpu",
  dtype=torch.bfloat16)`` and the estimator with ``precision="bfloat16"``,
  where the CPU computes bfloat16 natively (AMX or AVX512-BF16); elsewhere
  the columns say so (``--emulated-bfloat16`` measures them anyway);
- Keras on TensorFlow, the framework Buell used, when an interpreter with
  TensorFlow is at hand (``--keras-python``, or this one if it imports
  ``tensorflow``): the same network in a subprocess, in float32 and under
  the ``mixed_bfloat16`` policy. Not a dependency;
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
import warnings

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn
from torchvision.models import GoogLeNet

from skneuro import GoogLeNetClassifier, SmallCNN
from skneuro._engine.precision import SlowPrecisionWarning, cpu_has_native_bfloat16

#: Training throughput the estimators must reach in float32, as a multiple
#: of the hand-written (NCHW) loop's.
TARGET = 1.0

#: Targets in bfloat16: (what, reference, at least).
BFLOAT16_TARGETS = {
    "SmallCNN": [
        (
            "bfloat16 / channels-last hand loop float32",
            "hand-written, channels-last",
            2.0,
        ),
        ("bfloat16 / Keras mixed_bfloat16", "Keras mixed_bfloat16", 1.0),
    ],
    "GoogLeNetClassifier": [
        ("bfloat16 / its own float32", "GoogLeNetClassifier.fit", 1.25),
        ("bfloat16 / hand loop float32", "hand-written loop", 1.7),
    ],
}

KERAS_SCRIPT = r"""
import json, sys, time
import numpy as np
import tensorflow as tf
padding, n, epochs = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
tf.keras.mixed_precision.set_global_policy(sys.argv[4])
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
    + [L.Dense(10, dtype="float32")]  # float32 logits, as Keras advises
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


def hand_loop(
    model, X, y, batch_size, epochs, prepare=None, channels_last=False, bfloat16=False
):
    """The textbook loop: shuffle, slice, forward, loss, backward, Adam; with
    ``bfloat16=True``, the forward pass and loss under CPU autocast."""
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
            with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bfloat16):
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


def keras_rate(python, padding, n, epochs, policy="float32"):
    if python is None:
        return None, None
    result = subprocess.run(
        [python, "-c", KERAS_SCRIPT, padding, str(n), str(epochs), policy],
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


def print_train(train, reference, skipped):
    """Training rates with their ratios to ``reference``; ``skipped`` names
    the contenders left out, with why."""
    base = train[reference]
    for name, value in train.items():
        print(f"  train {name:36s} {value:8.0f} images/s  {value / base:5.2f}x")
    for name, why in skipped.items():
        print(f"  train {name:36s} {'--':>8s}           ({why})")


def print_predict(predict):
    base = predict["hand-written"]
    for name, value in predict.items():
        print(f"  predict {name:34s} {value:8.0f} images/s  {value / base:5.2f}x")


def small_cnn(n, epochs, repeats, keras_python, bfloat16):
    rng = np.random.default_rng(0)
    X = rng.standard_normal((n, 1, 28, 28)).astype(np.float32)
    y = rng.integers(0, 10, n)
    return [
        small_cnn_case(padding, X, y, epochs, repeats, keras_python, bfloat16)
        for padding in ["valid", "same"]
    ]


def small_cnn_case(padding, X, y, epochs, repeats, keras_python, bfloat16):
    n = len(X)
    X_t, y_t = torch.from_numpy(X), torch.from_numpy(y)
    print(f"\nSmallCNN, padding={padding!r}: {n} images, {epochs} epoch(s)")
    torch.manual_seed(0)
    fitted = {}

    def fit_skneuro(precision="float32"):
        est = SmallCNN(
            padding=padding, max_epochs=epochs, precision=precision, random_state=0
        )
        fitted["est"] = est
        with warnings.catch_warnings():  # emulated bfloat16 warns
            warnings.simplefilter("ignore", SlowPrecisionWarning)
            return rate(n * epochs, lambda: est.fit(X, y))

    def fit_hand(channels_last=False, bf16=False):
        model = small_cnn_layers(padding)
        fitted["hand"] = model
        return rate(
            n * epochs,
            lambda: hand_loop(model, X_t, y_t, 128, epochs, None, channels_last, bf16),
        )

    contenders = {
        "hand-written loop": fit_hand,
        "hand-written, channels-last": lambda: fit_hand(True),
        "SmallCNN.fit": fit_skneuro,
    }
    skipped = {}
    bf16_names = ["hand-written, channels-last, bfloat16", "SmallCNN.fit bfloat16"]
    if bfloat16.measure:
        contenders[bf16_names[0]] = lambda: fit_hand(True, True)
        contenders[bf16_names[1]] = lambda: fit_skneuro("bfloat16")
    else:
        skipped.update(dict.fromkeys(bf16_names, bfloat16.why))
    train = measure(contenders, repeats)
    for policy in ("float32", "mixed_bfloat16"):
        name = f"Keras {policy}"
        if policy != "float32" and not bfloat16.measure:
            skipped[name] = bfloat16.why
            continue
        value, tf_version = keras_rate(keras_python, padding, n, max(3, epochs), policy)
        if value is None:
            skipped[name] = "no interpreter with TensorFlow (--keras-python)"
        else:
            train[name] = value
            print(f"  (Keras: TensorFlow {tf_version})")
    print_train(train, "hand-written loop", skipped)
    predict = measure(
        {
            "hand-written": lambda: rate(n, lambda: hand_predict(fitted["hand"], X_t)),
            "SmallCNN.predict_proba": lambda: rate(
                n, lambda: fitted["est"].predict_proba(X)
            ),
        },
        repeats,
    )
    print_predict(predict)
    return f"SmallCNN {padding}", "SmallCNN", "SmallCNN.fit", train


def googlenet(n, epochs, repeats, bfloat16, input_size=64):
    rng = np.random.default_rng(0)
    X = rng.random((n, 1, 25, 25)).astype(np.float32)
    y = rng.integers(0, 2, n)
    X_t, y_t = torch.from_numpy(X), torch.from_numpy(y)
    mean = torch.tensor(float(X.mean()))
    std = torch.tensor(float(X.std()))
    prepare = googlenet_prepare(input_size, mean, std)
    print(f"\nGoogLeNetClassifier, input_size={input_size}: {n} images of 25x25")
    fitted = {}

    def fit_skneuro(precision="float32"):
        est = GoogLeNetClassifier(
            input_size=input_size,
            max_epochs=epochs,
            precision=precision,
            random_state=0,
        )
        fitted["est"] = est
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", SlowPrecisionWarning)
            return rate(n * epochs, lambda: est.fit(X, y))

    def fit_hand(channels_last=False, bf16=False):
        torch.manual_seed(0)
        model = GoogLeNet(num_classes=2, aux_logits=False, init_weights=True)
        fitted["hand"] = model
        return rate(
            n * epochs,
            lambda: hand_loop(
                model, X_t, y_t, 32, epochs, prepare, channels_last, bf16
            ),
        )

    contenders = {
        "hand-written loop": fit_hand,
        "hand-written, channels-last": lambda: fit_hand(True),
        "GoogLeNetClassifier.fit": fit_skneuro,
    }
    skipped = {}
    bf16_names = [
        "hand-written, channels-last, bfloat16",
        "GoogLeNetClassifier.fit bfloat16",
    ]
    if bfloat16.measure:
        contenders[bf16_names[0]] = lambda: fit_hand(True, True)
        contenders[bf16_names[1]] = lambda: fit_skneuro("bfloat16")
    else:
        skipped.update(dict.fromkeys(bf16_names, bfloat16.why))
    train = measure(contenders, repeats)
    print_train(train, "hand-written loop", skipped)
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
    print_predict(predict)
    return [
        ("GoogLeNetClassifier", "GoogLeNetClassifier", "GoogLeNetClassifier.fit", train)
    ]


class BFloat16:
    """Whether the bfloat16 columns are measured, and why not."""

    def __init__(self, emulated):
        self.native = cpu_has_native_bfloat16()
        self.measure = self.native or emulated
        self.why = "no native bfloat16 on this CPU; --emulated-bfloat16 measures it"

    def describe(self):
        if self.native:
            return "native bfloat16 (AMX or AVX512-BF16): yes"
        if self.measure:
            return (
                "native bfloat16: no; the bfloat16 columns are EMULATED "
                "(not the targets' hardware)"
            )
        return "native bfloat16: no (no AMX or AVX512-BF16); bfloat16 columns left out"


def print_verdicts(verdicts, bfloat16):
    print(f"\nTraining throughput against the hand-written loop (target {TARGET}x):")
    for label, _, estimator, train in verdicts:
        ratio = train[estimator] / train["hand-written loop"]
        print(f"  {label:22s} {ratio:5.2f}x  {'PASS' if ratio >= TARGET else 'FAIL'}")
    print("\nbfloat16 training (targets on CPUs with native bfloat16):")
    for label, family, estimator, train in verdicts:
        reduced = train.get(estimator + " bfloat16")
        for what, reference, target in BFLOAT16_TARGETS[family]:
            if reduced is None or reference not in train:
                print(f"  {label:22s} {what:45s}    --  not measured")
                continue
            ratio = reduced / train[reference]
            verdict = "PASS" if ratio >= target else "FAIL"
            if not bfloat16.native:
                verdict = "(emulated: no verdict)"
            print(f"  {label:22s} {what:45s} {ratio:5.2f}x  >= {target}: {verdict}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a smoke run")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument(
        "--keras-python",
        help="a Python interpreter with TensorFlow, for the Keras columns",
    )
    parser.add_argument(
        "--emulated-bfloat16",
        action="store_true",
        help="measure bfloat16 on a CPU without native bfloat16 (slow)",
    )
    args = parser.parse_args()
    bfloat16 = BFloat16(args.emulated_bfloat16)
    n_small, n_google, epochs = (8000, 1000, 2) if not args.quick else (512, 64, 1)
    repeats = 1 if args.quick else args.repeats
    print(
        f"torch {torch.__version__}, {torch.get_num_threads()} threads, "
        f"{os.cpu_count()} CPUs; {bfloat16.describe()}"
    )
    keras_python = None if args.quick else find_keras_python(args.keras_python)
    verdicts = small_cnn(n_small, epochs, repeats, keras_python, bfloat16)
    verdicts += googlenet(n_google, 1, repeats, bfloat16)
    print_verdicts(verdicts, bfloat16)


if __name__ == "__main__":
    main()
