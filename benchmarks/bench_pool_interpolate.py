"""Throughput of PoolInterpolate against Buell's per-image scipy loop and
batched torch pooling + interpolation, with a plain copy for information.

On random 28x28 float32 images, for the four (window, stride) cases of Buell,
"Approximate Computation Image Classification", and the linear and cubic
methods, times (median of several interleaved repeats, each a run of
back-to-back calls lasting at least ``--min-time``):

- ``PoolInterpolate(...).fit_transform(X)`` on flat ``(n, 784)`` rows;
- scipy, Buell's way: a Python loop over images, each average-pooled, then
  ``RectBivariateSpline(..., kx=k, ky=k, s=0)`` evaluated on the 28x28 grid.
  This is slow, so it runs on a subset of the images (``--scipy-images``) and
  its time is scaled per image;
- torch: ``avg_pool2d`` then ``F.interpolate(mode="bilinear"/"bicubic",
  align_corners=True)`` on the whole batch (torch's bicubic is the cubic
  convolution kernel, not a cubic spline, so only its speed is comparable);
- NumPy's separable product ``A_h @ X @ A_w.T`` with PoolInterpolate's own
  folded matrices: what the same maths costs written plainly;
- ``np.copy`` of the same array: how fast merely reading the images and
  writing new ones goes. Information only: where the CPU's caches hold the
  31 MB array, the copy runs at cache speed, so it is no bound to aim at.

Prints throughput (images/s) and the ratios PoolInterpolate/scipy and
PoolInterpolate/torch, each with PASS or FAIL against its target (>= 50 and
>= 2), and PoolInterpolate/matmul and PoolInterpolate/copy for information
(no target). Run: ``python benchmarks/bench_pool_interpolate.py [--n-images N]``.
"""

import argparse
import os
import platform
import sys
import time

import numpy as np

CASES = [(2, 1), (2, 2), (3, 1), (3, 2)]
# PoolInterpolate's speed over each reference must be at least this; the
# plain product and the copy are shown for information only.
TARGETS = {"scipy": 50.0, "torch": 2.0}


def scipy_per_image(images, pool, stride, order):
    """Buell's way: pool each image, then fit and evaluate a scipy spline."""
    from numpy.lib.stride_tricks import sliding_window_view
    from scipy.interpolate import RectBivariateSpline

    h, w = images.shape[1:]
    x, y = np.linspace(0, 1, h), np.linspace(0, 1, w)
    out = np.empty(images.shape, dtype=np.float64)
    for i, image in enumerate(images):
        windows = sliding_window_view(image, (pool, pool))[::stride, ::stride]
        pooled = windows.mean(axis=(2, 3))
        xp, yp = np.linspace(0, 1, pooled.shape[0]), np.linspace(0, 1, pooled.shape[1])
        spline = RectBivariateSpline(xp, yp, pooled, kx=order, ky=order, s=0)
        out[i] = spline(x, y)
    return out


def _calls_per_timing(func, min_time):
    """Back-to-back calls of ``func`` that take at least ``min_time`` seconds."""
    if min_time <= 0:
        return 1
    start = time.perf_counter()
    func()
    once = time.perf_counter() - start
    return max(1, int(np.ceil(min_time / max(once, 1e-9))))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-images", type=int, default=10_000)
    parser.add_argument(
        "--scipy-images",
        type=int,
        default=500,
        help="images timed with the per-image scipy loop (scaled per image)",
    )
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument(
        "--min-time",
        type=float,
        default=0.2,
        help="seconds of back-to-back calls per timing (0: time single calls)",
    )
    parser.add_argument("--methods", nargs="+", default=["linear", "cubic"])
    parser.add_argument(
        "--threads",
        type=int,
        default=None,
        help="torch threads for PoolInterpolate and the torch reference "
        "(default: torch's own choice)",
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--warmup", type=float, default=5.0, help="seconds of warm-up before timing"
    )
    parser.add_argument(
        "--strict", action="store_true", help="exit with status 1 if a target is missed"
    )
    args = parser.parse_args(argv)

    import torch
    import torch.nn.functional as F

    from skneuro.preprocessing import PoolInterpolate

    if args.threads is not None:
        torch.set_num_threads(args.threads)

    n = args.n_images
    rng = np.random.default_rng(args.seed)
    X = rng.random((n, 28 * 28), dtype=np.float32)
    n_scipy = min(args.scipy_images, n)
    X_scipy = X[:n_scipy].reshape(-1, 28, 28).astype(np.float64)
    X_torch = torch.from_numpy(X).view(n, 1, 28, 28)
    X_images = X.reshape(n, 28, 28)

    print(
        f"{n} random 28x28 float32 images; median of {args.repeats} interleaved "
        f"repeats. scipy per-image loop timed on {n_scipy} images and scaled per "
        "image.\n"
        f"python {platform.python_version()}, numpy {np.__version__}, torch "
        f"{torch.__version__} ({torch.get_num_threads()} threads), "
        f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}"
    )
    if os.getloadavg()[0] > 0.5:
        print(
            "note: other processes are using the CPUs; multi-threaded timings "
            "(PoolInterpolate, torch) suffer most, so ratios are pessimistic."
        )

    # Steady state first: on a fresh process (and a fresh VM) the first
    # seconds of large allocations and thread-pool start-up run slower, which
    # would penalise whichever case happens to be measured first.
    warm_until = time.perf_counter() + args.warmup
    while time.perf_counter() < warm_until:
        for pool, stride in CASES:
            PoolInterpolate(pool_size=pool, stride=stride).fit_transform(X)
            F.avg_pool2d(X_torch, kernel_size=pool, stride=stride)
            np.copy(X)

    rows = []
    for pool, stride in CASES:
        for method in args.methods:
            order = {"linear": 1, "cubic": 3}[method]
            mode = {"linear": "bilinear", "cubic": "bicubic"}[method]
            est = PoolInterpolate(pool_size=pool, stride=stride, method=method)

            def run_ours(est=est):
                return est.fit_transform(X)

            def run_scipy(pool=pool, stride=stride, order=order):
                return scipy_per_image(X_scipy, pool, stride, order)

            def run_torch(pool=pool, stride=stride, mode=mode):
                pooled = F.avg_pool2d(X_torch, kernel_size=pool, stride=stride)
                return F.interpolate(
                    pooled, size=(28, 28), mode=mode, align_corners=True
                ).numpy()

            matrices = est.fit(X[:1])._matrices
            A_h = matrices[0][X.dtype]["full"]
            A_w_T = np.ascontiguousarray(matrices[1][X.dtype]["full"].T)

            def run_matmul(A_h=A_h, A_w_T=A_w_T):
                return (A_h @ (X_images @ A_w_T)).reshape(n, -1)

            def run_copy():
                return np.copy(X)

            funcs = {
                "ours": run_ours,
                "scipy": run_scipy,
                "torch": run_torch,
                "matmul": run_matmul,
                "copy": run_copy,
            }
            # Warm up (and check agreement once).
            ours = run_ours()
            ref = run_scipy()
            err_scipy = np.abs(ours[:n_scipy].reshape(ref.shape) - ref).max()
            err_torch = np.abs(ours.reshape(n, 1, 28, 28) - run_torch()).max()
            assert np.allclose(ours, run_matmul(), rtol=1e-5, atol=1e-5)
            run_copy()
            # Each timing is a run of back-to-back calls lasting at least
            # --min-time (timeit's autorange): throughput is what a stream of
            # batches sees. A single call straight after other work also pays
            # for waking idle threads, which on a shared VM can cost more than
            # the call itself; --min-time 0 times single calls instead.
            numbers = {
                name: _calls_per_timing(func, args.min_time)
                for name, func in funcs.items()
            }
            times = {name: [] for name in funcs}
            for _ in range(args.repeats):
                for name, func in funcs.items():
                    number = numbers[name]
                    start = time.perf_counter()
                    for _ in range(number):
                        func()
                    times[name].append((time.perf_counter() - start) / number)
            speed = {
                name: (n_scipy if name == "scipy" else n) / np.median(t)
                for name, t in times.items()
            }
            rows.append(
                (f"{pool}x{pool}/{stride}", method, speed, err_scipy, err_torch)
            )

    def verdict(name, ratio):
        return "PASS" if ratio >= TARGETS[name] else "FAIL"

    header = (
        f"{'case':>7} {'method':>6} | {'ours img/s':>10} {'scipy':>7} "
        f"{'torch':>7} {'matmul':>8} {'copy':>8} | {'/scipy':>11} {'/torch':>11} | "
        f"{'/matmul':>7} {'/copy':>5} | {'max|d| scipy':>12} {'torch':>7}"
    )
    print()
    print(header)
    print("-" * len(header))
    missed = []
    for case, method, s, err_scipy, err_torch in rows:
        ratios = {k: s["ours"] / s[k] for k in ("scipy", "torch", "matmul", "copy")}
        for k, target in TARGETS.items():
            if ratios[k] < target:
                missed.append(f"{case} {method} /{k} = {ratios[k]:.2f} < {target:g}")
        print(
            f"{case:>7} {method:>6} | {s['ours']:10.0f} {s['scipy']:7.0f} "
            f"{s['torch']:7.0f} {s['matmul']:8.0f} {s['copy']:8.0f} | "
            f"{ratios['scipy']:6.0f} {verdict('scipy', ratios['scipy'])} "
            f"{ratios['torch']:6.2f} {verdict('torch', ratios['torch'])} | "
            f"{ratios['matmul']:7.2f} {ratios['copy']:5.2f} | "
            f"{err_scipy:12.1e} {err_torch:7.1e}"
        )
    print(
        "\nthroughput in images/s; each timing is back-to-back calls for at least "
        f"{args.min_time:g} s, median of {args.repeats} interleaved repeats.\n"
        f"targets: /scipy >= {TARGETS['scipy']:g}, /torch >= {TARGETS['torch']:g}. "
        "For information only (no target): /matmul, against the plain NumPy "
        "separable product A_h @ X @ A_w.T with the same matrices, and /copy, "
        "against np.copy of the same array (at cache speed where the caches hold "
        "it, so no memory-bandwidth bound). 'max|d|' is the largest difference "
        "from the scipy reference and from torch (torch's bicubic is a different "
        "kernel, so its cubic difference is expected)."
    )
    if missed:
        print("FAIL, missed: " + "; ".join(missed))
    else:
        print("PASS: all targets met")
    return 1 if (missed and args.strict) else 0


if __name__ == "__main__":
    sys.exit(main())
