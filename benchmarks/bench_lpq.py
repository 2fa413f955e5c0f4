"""Throughput of LocalPhaseQuantization against a per-image scipy port of
``lpq.m``, with scikit-image's local binary patterns for scale.

On random grey float64 images of 64x64 and 128x128 pixels, for window sizes
3 and 7 (decorrelated uniform STFT, the defaults otherwise), times (median
of several interleaved repeats, each a run of back-to-back calls lasting at
least ``--min-time``):

- ``LocalPhaseQuantization(window_size=s).fit_transform(X)`` on the batch;
- scipy, the way a direct port of ``lpq.m`` computes it: a Python loop over
  images, each filtered by 8 ``scipy.signal.convolve2d(..., "valid")`` calls
  (a column then a row filter for each of the 4 frequencies), the whitening
  matrix computed (covariance model and SVD) and applied as a matrix
  product, then the codes and their normalised histogram (by ``bincount``,
  faster than the ``np.histogram`` a port of ``hist`` would use). Slow, so
  it runs on a subset of the images (``--scipy-images``), timed per image;
- ``skimage.feature.local_binary_pattern(image, P=8, R=1, "uniform")`` and
  its normalised histogram, per image (another texture histogram, for scale;
  no target).

Prints throughput (images/s), the ratio LocalPhaseQuantization/scipy with
PASS or FAIL against its target (>= 10), the ratio to LBP for information,
and the largest difference between the histograms of the two LPQ
computations (0 expected: random float images have no response within the
dead zone). Run: ``python benchmarks/bench_lpq.py [--quick]``.
"""

import argparse
import os
import platform
import sys
import time
import warnings

import numpy as np

SIZES = [64, 128]
WINDOWS = [3, 7]
# LocalPhaseQuantization's speed over the per-image scipy port must be at
# least this; LBP is shown for information only.
TARGETS = {"scipy": 10.0}
JITTER = np.diag([1.000007, 1.000006, 1.000005, 1.000004, 1.000003, 1.000002,
                  1.000001, 1.0])  # fmt: skip


def scipy_lpq_histogram(image, window_size, rho=0.9):
    """One image the way a direct port of lpq.m computes it (uniform STFT,
    decorrelated, normalised histogram)."""
    from scipy.signal import convolve2d

    r = (window_size - 1) // 2
    x = np.arange(-r, r + 1)
    w0 = np.ones(window_size)
    w1 = np.exp(-2j * np.pi * x / window_size)
    w2 = np.conj(w1)
    pairs = [(w0, w1), (w1, w0), (w1, w1), (w1, w2)]
    planes = []
    for wv, wh in pairs:
        resp = convolve2d(convolve2d(image, wv[:, None], "valid"), wh[None, :], "valid")
        planes += [resp.real, resp.imag]
    freq = np.stack(planes, axis=-1)
    xp, yp = np.meshgrid(np.arange(window_size), np.arange(window_size))
    pp = np.stack([xp.ravel(order="F"), yp.ravel(order="F")], axis=1)
    C = rho ** np.sqrt(((pp[:, None] - pp[None]) ** 2).sum(-1))
    q = [np.outer(wv, wh) for wv, wh in pairs]
    M = np.array([p(qf).ravel(order="F") for qf in q for p in (np.real, np.imag)])
    V = np.linalg.svd(JITTER @ M @ C @ M.T @ JITTER)[2].T
    ii = np.abs(V).argmax(axis=0)
    V = V * np.where(V[ii, np.arange(8)] < 0, -1.0, 1.0)
    freq = freq.reshape(-1, 8) @ V
    codes = ((freq > 0) * (1 << np.arange(8))).sum(axis=1)
    return np.bincount(codes, minlength=256) / len(codes)


def scipy_per_image(images, window_size):
    return np.stack([scipy_lpq_histogram(im, window_size) for im in images])


def lbp_per_image(images):
    from skimage.feature import local_binary_pattern

    out = np.empty((len(images), 10))
    with warnings.catch_warnings():
        # skimage warns that float images may hold near-ties; timing only.
        warnings.simplefilter("ignore", UserWarning)
        for i, image in enumerate(images):
            codes = local_binary_pattern(image, P=8, R=1, method="uniform")
            out[i] = np.bincount(codes.astype(np.intp).ravel(), minlength=10)
    return out / codes.size


def _calls_per_timing(func, min_time):
    """Back-to-back calls of ``func`` that take at least ``min_time`` seconds."""
    if min_time <= 0:
        return 1
    start = time.perf_counter()
    func()
    once = time.perf_counter() - start
    return max(1, int(np.ceil(min_time / max(once, 1e-9))))


def _time_cases(funcs, counts, repeats, min_time):
    """Images/s of each function: median of interleaved repeats."""
    numbers = {name: _calls_per_timing(f, min_time) for name, f in funcs.items()}
    times = {name: [] for name in funcs}
    for _ in range(repeats):
        for name, func in funcs.items():
            start = time.perf_counter()
            for _ in range(numbers[name]):
                func()
            times[name].append((time.perf_counter() - start) / numbers[name])
    return {name: counts[name] / np.median(t) for name, t in times.items()}


def _parse(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-images", type=int, default=2000)
    parser.add_argument(
        "--scipy-images",
        type=int,
        default=100,
        help="images timed with the per-image scipy port and LBP loops",
    )
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--min-time", type=float, default=0.2)
    parser.add_argument("--windows", type=int, nargs="+", default=WINDOWS)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--warmup", type=float, default=3.0, help="seconds of warm-up before timing"
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="few images and repeats, window 3 only: a smoke run of a few seconds",
    )
    parser.add_argument(
        "--strict", action="store_true", help="exit with status 1 if a target is missed"
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.n_images, args.scipy_images = 200, 20
        args.repeats, args.min_time, args.windows = 3, 0.05, [3]
        args.warmup = 0.5
    return args


def main(argv=None):
    args = _parse(argv)

    import torch

    from skneuro.feature_extraction import LocalPhaseQuantization

    rng = np.random.default_rng(args.seed)
    print(
        f"{args.n_images} random grey float64 images per size; scipy port and "
        f"LBP timed on {args.scipy_images} of them, per image; median of "
        f"{args.repeats} interleaved repeats.\n"
        f"python {platform.python_version()}, numpy {np.__version__}, torch "
        f"{torch.__version__} ({torch.get_num_threads()} threads), "
        f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}"
    )
    # Steady state first: the first seconds of a fresh process (and VM) run
    # slower, which would penalise whichever case is timed first.
    warm = rng.random((200, 64, 64))
    warm_until = time.perf_counter() + args.warmup
    while time.perf_counter() < warm_until:
        LocalPhaseQuantization().fit_transform(warm)
        scipy_per_image(warm[:5], 3)
    rows = []
    for size in SIZES:
        X = rng.random((args.n_images, size, size))
        X_few = X[: args.scipy_images]
        for window in args.windows:
            lpq = LocalPhaseQuantization(window_size=window)
            funcs = {
                "ours": lambda lpq=lpq, X=X: lpq.fit_transform(X),
                "scipy": lambda w=window, X=X_few: scipy_per_image(X, w),
                "lbp": lambda X=X_few: lbp_per_image(X),
            }
            err = np.abs(lpq.fit_transform(X_few) - funcs["scipy"]()).max()
            counts = {"ours": len(X), "scipy": len(X_few), "lbp": len(X_few)}
            speed = _time_cases(funcs, counts, args.repeats, args.min_time)
            rows.append((size, window, speed, err))
    return _report(rows, args)


def _report(rows, args):
    header = (
        f"{'size':>7} {'window':>6} | {'ours img/s':>10} {'scipy':>7} {'lbp':>7} | "
        f"{'/scipy':>11} | {'/lbp':>6} | {'max|d| hist':>11}"
    )
    print()
    print(header)
    print("-" * len(header))
    missed = []
    for size, window, s, err in rows:
        ratio = s["ours"] / s["scipy"]
        verdict = "PASS" if ratio >= TARGETS["scipy"] else "FAIL"
        if verdict == "FAIL":
            missed.append(f"{size}x{size} window {window}: /scipy = {ratio:.1f}")
        print(
            f"{size:>3}x{size:<3} {window:>6} | {s['ours']:10.0f} {s['scipy']:7.0f} "
            f"{s['lbp']:7.0f} | {ratio:6.1f} {verdict} | "
            f"{s['ours'] / s['lbp']:6.2f} | {err:11.1e}"
        )
    print(
        "\nthroughput in images/s; each timing is back-to-back calls for at "
        f"least {args.min_time:g} s, median of {args.repeats} interleaved "
        f"repeats. target: /scipy >= {TARGETS['scipy']:g}; /lbp is for "
        "information (skimage's LBP, 10-bin uniform histograms, per image)."
    )
    if missed:
        print("FAIL, missed: " + "; ".join(missed))
    else:
        print("PASS: all targets met")
    return 1 if (missed and args.strict) else 0


if __name__ == "__main__":
    sys.exit(main())
